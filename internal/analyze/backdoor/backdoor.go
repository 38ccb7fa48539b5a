// Package backdoor holds the architectural-backdoor heuristic shared by the
// ONNX and TensorFlow analyzers. It works on a small format-neutral graph:
// nodes with a class bitmask and the indices of the nodes feeding them.
//
// A backdoor hides a trigger in the graph itself: when the raw input
// matches a pattern, a branch routes a constant (or an alternate
// computation) to the output instead of the model's answer. The heuristic
// fires on a selector (Where/Select, or If) when all of these hold:
//
//  1. its condition comes from a comparison (Equal, Greater, Less, …), maybe
//     through casts, reshapes and logical ops;
//  2. one side of that comparison is the raw input — derived from a graph
//     input only through data-movement, reduction and elementwise ops with
//     constant operands, never through learned parameters — and the other
//     side is a constant;
//  3. one of the selected values does not depend on the input at all (a
//     constant, or a branch graph that yields only constants);
//  4. the selector's result reaches a graph output through pass-through ops
//     only (reshapes, casts, softmax, elementwise merges): no learned layer
//     sits between the switch and the answer.
//
// The false-positive guard is conditions 2 and 4 together: attention and
// padding masks compare raw token ids with a constant and select constants,
// but their result is mixed into attention scores and passes through learned
// projections before any output; thresholds on scores or logits (NMS,
// argmax checks) compare values computed by learned layers, not raw input.
package backdoor

import "strings"

// Class is a bitmask of the roles an op can play.
type Class uint16

const (
	// Input is a graph input (placeholder, function argument).
	Input Class = 1 << iota
	// Const is a constant known from the file.
	Const
	// Weight is a learned parameter (variable read, large initializer).
	Weight
	// Compare compares two tensors elementwise.
	Compare
	// Select picks between In[1] and In[2] by the condition In[0].
	Select
	// Branch runs one of two subgraphs by the condition In[0].
	Branch
	// Raw ops move, reshape, reduce or combine values without learning.
	Raw
	// Logic ops carry a boolean condition along (casts, not/and/or, reshapes).
	Logic
	// Pass ops may sit between a selector and an output without hiding it.
	Pass
)

// Node is one op of the neutral graph.
type Node struct {
	Name, Op string
	Class    Class
	// In are the producing nodes of the inputs; -1 marks a value from an
	// enclosing scope or one that could not be resolved.
	In []int
	// ConstBranch marks a Branch with a subgraph that yields only constants.
	ConstBranch bool
	// Value describes a constant, for evidence.
	Value string
}

// Graph is a neutral graph with the nodes that produce its outputs.
type Graph struct {
	Nodes   []Node
	Outputs []int
}

// Hit is one selector that matches the heuristic.
type Hit struct {
	Trigger, Selector int
	// Raw is the input-side node of the comparison, Constant the other.
	Raw, Constant int
}

type state struct {
	g     *Graph
	memo  []uint8 // per node: the bits below
	reach []bool
}

const (
	done = 1 << iota
	busy
	indep
	constish
	raw
	armed
)

// Find returns the selectors that match the heuristic.
func Find(g *Graph) []Hit {
	s := &state{g: g, memo: make([]uint8, len(g.Nodes))}
	s.reachable()
	var hits []Hit
	for i := range g.Nodes {
		if !s.reach[i] {
			continue
		}
		if h, ok := s.selector(i); ok {
			hits = append(hits, h)
		}
	}
	return hits
}

// Independent reports whether node i depends on no graph input.
func Independent(g *Graph, i int) bool {
	s := &state{g: g, memo: make([]uint8, len(g.Nodes))}
	return s.has(i, indep)
}

// reachable marks the nodes whose value reaches an output through Pass ops.
func (s *state) reachable() {
	s.reach = make([]bool, len(s.g.Nodes))
	stack := append([]int(nil), s.g.Outputs...)
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if i < 0 || i >= len(s.reach) || s.reach[i] {
			continue
		}
		s.reach[i] = true
		if s.g.Nodes[i].Class&Pass != 0 {
			stack = append(stack, s.g.Nodes[i].In...)
		}
	}
}

func (s *state) selector(i int) (Hit, bool) {
	n := &s.g.Nodes[i]
	if len(n.In) == 0 || !s.has(n.In[0], armed) {
		return Hit{}, false
	}
	switch {
	case n.Class&Select != 0 && len(n.In) >= 3:
		if !s.has(n.In[1], indep) && !s.has(n.In[2], indep) {
			return Hit{}, false
		}
	case n.Class&Branch != 0:
		if !n.ConstBranch {
			return Hit{}, false
		}
	default:
		return Hit{}, false
	}
	t := s.triggerOf(n.In[0])
	h := Hit{Trigger: t, Selector: i}
	h.Raw, h.Constant = s.sides(t)
	return h, true
}

// triggerOf walks back from an armed node to its comparison.
func (s *state) triggerOf(i int) int {
	for steps := 0; steps < len(s.g.Nodes); steps++ {
		if s.trigger(i) {
			return i
		}
		next := -1
		for _, in := range s.g.Nodes[i].In {
			if s.has(in, armed) {
				next = in
				break
			}
		}
		if next < 0 {
			return i
		}
		i = next
	}
	return i
}

func (s *state) sides(t int) (int, int) {
	r, c := -1, -1
	for _, in := range s.g.Nodes[t].In {
		switch {
		case r < 0 && s.has(in, raw):
			r = in
		case c < 0 && s.has(in, constish):
			c = in
		}
	}
	return r, c
}

func (s *state) has(i int, bit uint8) bool {
	if i < 0 || i >= len(s.g.Nodes) {
		return false
	}
	if s.memo[i]&done == 0 && s.memo[i]&busy == 0 {
		s.eval(i)
	}
	return s.memo[i]&bit != 0
}

// eval computes a node's properties after those of its producers, with an
// explicit stack so that long chains cannot exhaust the goroutine stack. A
// producer met again while in progress (a loop back edge) counts as having
// no property.
func (s *state) eval(root int) uint8 {
	if s.memo[root]&done != 0 {
		return s.memo[root]
	}
	type frame struct{ i, k int }
	s.memo[root] = busy
	stack := []frame{{root, 0}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		in := s.g.Nodes[top.i].In
		if top.k < len(in) {
			p := in[top.k]
			top.k++
			if p >= 0 && p < len(s.memo) && s.memo[p] == 0 {
				s.memo[p] = busy
				stack = append(stack, frame{p, 0})
			}
			continue
		}
		s.memo[top.i] = s.compute(top.i) | done
		stack = stack[:len(stack)-1]
	}
	return s.memo[root]
}

// compute derives a node's properties from its producers' (already known).
func (s *state) compute(i int) uint8 {
	n := &s.g.Nodes[i]
	var v uint8
	if s.independent(n) {
		v |= indep
	}
	if n.Class&Const != 0 || v&indep != 0 && n.Class&Weight == 0 && s.all(n.In, constish) {
		v |= constish
	}
	if n.Class&Input != 0 || n.Class&(Raw|Compare) != 0 && s.rawOperands(n) {
		v |= raw
	}
	if n.Class&Compare != 0 && s.compares(n) || n.Class&Logic != 0 && s.any(n.In, armed) {
		v |= armed
	}
	return v
}

func (s *state) independent(n *Node) bool {
	switch {
	case n.Class&(Const|Weight) != 0:
		return true
	case n.Class&Input != 0:
		return false
	}
	return s.all(n.In, indep)
}

// rawOperands: at least one operand is raw input and the others constants.
func (s *state) rawOperands(n *Node) bool {
	seen := false
	for _, in := range n.In {
		switch {
		case s.has(in, raw):
			seen = true
		case !s.has(in, constish):
			return false
		}
	}
	return seen
}

// trigger: a comparison of raw input with a constant.
func (s *state) trigger(i int) bool {
	n := &s.g.Nodes[i]
	return n.Class&Compare != 0 && s.compares(n)
}

func (s *state) compares(n *Node) bool {
	if len(n.In) < 2 {
		return false
	}
	r, c := false, false
	for _, in := range n.In {
		switch {
		case !r && s.has(in, raw):
			r = true
		case !c && s.has(in, constish):
			c = true
		}
	}
	return r && c
}

func (s *state) all(in []int, bit uint8) bool {
	for _, i := range in {
		if !s.has(i, bit) {
			return false
		}
	}
	return true
}

func (s *state) any(in []int, bit uint8) bool {
	for _, i := range in {
		if s.has(i, bit) {
			return true
		}
	}
	return false
}

// Ops maps op names to classes.
type Ops map[string]Class

// Describe renders a hit for evidence: trigger, raw side, constant, selector.
func Describe(g *Graph, h Hit) string {
	name := func(i int) string {
		if i < 0 || i >= len(g.Nodes) {
			return "?"
		}
		n := g.Nodes[i]
		s := n.Op + " '" + n.Name + "'"
		if n.Value != "" {
			s += " = " + n.Value
		}
		return s
	}
	var b strings.Builder
	b.WriteString(name(h.Trigger))
	b.WriteString(" compares ")
	b.WriteString(name(h.Raw))
	b.WriteString(" with ")
	b.WriteString(name(h.Constant))
	b.WriteString(" → ")
	b.WriteString(name(h.Selector))
	return b.String()
}
