package tf

import (
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/internal/format/tfgraph"
)

// scope is the top-level graph or one function: a namespace of nodes.
type scope struct {
	label  string
	nodes  []*tfgraph.Node
	byName map[string]*tfgraph.Node
	fn     *tfgraph.Function
}

func newScope(label string, nodes []*tfgraph.Node, fn *tfgraph.Function) *scope {
	sc := &scope{label: label, nodes: nodes, fn: fn, byName: make(map[string]*tfgraph.Node, len(nodes))}
	for _, n := range nodes {
		sc.byName[n.Name] = n
	}
	return sc
}

// where names a node for messages: "graph: node 'x' (Op)".
func (sc *scope) where(n *tfgraph.Node) string {
	return fmt.Sprintf("%s: node '%s' (%s)", sc.label, n.Name, n.Op)
}

// producer resolves an input reference ("n", "n:1", "n:output:0", "^n")
// to the node in this scope, or nil (a function argument or unknown).
func (sc *scope) producer(in string) *tfgraph.Node {
	in = strings.TrimPrefix(in, "^")
	if i := strings.IndexByte(in, ':'); i >= 0 {
		in = in[:i]
	}
	return sc.byName[in]
}

// constString follows an input through Identity ops to a string constant
// and returns its first value.
func (sc *scope) constString(in string) (string, bool) {
	for hops := 0; hops < 8; hops++ {
		n := sc.producer(in)
		switch {
		case n == nil:
			return "", false
		case n.Op == "Const":
			if a := n.Attr("value"); a != nil && a.Tensor != nil && a.Tensor.DType == tfgraph.DTString && len(a.Tensor.Strings) > 0 {
				return a.Tensor.Strings[0], true
			}
			return "", false
		case (n.Op == "Identity" || n.Op == "StopGradient") && len(n.Inputs) > 0:
			in = n.Inputs[0]
		default:
			return "", false
		}
	}
	return "", false
}

// program is one graph with its library, and which of its nodes belong to
// the standard saver.
type program struct {
	label string
	depth int
	top   *scope
	fns   map[string]*scope
	order []*scope
	// save and restore hold the nodes that only the SaverDef's save and
	// restore paths reach; shared nodes are in neither.
	save, restore map[*tfgraph.Node]bool
	outputs       []string
	// constFns caches which functions return only constants.
	constFns map[string]bool
}

func newProgram(g *tfgraph.Graph, saver *tfgraph.Saver, sigs []tfgraph.Signature, label string, depth int) *program {
	pr := &program{label: label, depth: depth, fns: map[string]*scope{}, constFns: map[string]bool{}}
	pr.top = newScope(label, g.Nodes, nil)
	pr.order = append(pr.order, pr.top)
	for _, f := range g.Functions {
		sc := newScope(fmt.Sprintf("%s: function '%s'", label, f.Name), f.Nodes, f)
		pr.fns[f.Name] = sc
		pr.order = append(pr.order, sc)
	}
	for _, sig := range sigs {
		pr.outputs = append(pr.outputs, sig.Outputs...)
	}
	pr.markSaver(saver)
	return pr
}

func (pr *program) scopes() []*scope { return pr.order }

// markSaver computes what the SaverDef's save and restore tensors reach,
// minus everything any other root reaches: a saver function that the
// serving path also calls gets no exemption.
func (pr *program) markSaver(saver *tfgraph.Saver) {
	pr.save, pr.restore = map[*tfgraph.Node]bool{}, map[*tfgraph.Node]bool{}
	if saver == nil {
		return
	}
	save := pr.reach([]string{saver.Save, saver.Filename}, nil)
	restore := pr.reach([]string{saver.Restore}, nil)
	var others []string
	for _, n := range pr.top.nodes {
		if !save.nodes[n] && !restore.nodes[n] {
			others = append(others, n.Name)
		}
	}
	var otherFns []string
	for name := range pr.fns {
		if !save.fns[name] && !restore.fns[name] {
			otherFns = append(otherFns, name)
		}
	}
	other := pr.reach(others, otherFns)
	for n := range save.nodes {
		if !other.nodes[n] {
			pr.save[n] = true
		}
	}
	for n := range restore.nodes {
		if !other.nodes[n] {
			pr.restore[n] = true
		}
	}
}

type reached struct {
	nodes map[*tfgraph.Node]bool
	fns   map[string]bool
}

// reach walks back from top-level tensor names through inputs and control
// inputs, and into every function a reached node calls (all of its nodes).
func (pr *program) reach(roots, fnRoots []string) reached {
	r := reached{nodes: map[*tfgraph.Node]bool{}, fns: map[string]bool{}}
	var stack []*tfgraph.Node
	push := func(sc *scope, in string) {
		if n := sc.producer(in); n != nil && !r.nodes[n] {
			r.nodes[n] = true
			stack = append(stack, n)
		}
	}
	var fnStack []string
	for _, root := range roots {
		if root != "" {
			push(pr.top, root)
		}
	}
	fnStack = append(fnStack, fnRoots...)
	for len(stack) > 0 || len(fnStack) > 0 {
		if len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, in := range n.Inputs {
				push(pr.top, in)
			}
			fnStack = append(fnStack, calls(n)...)
			continue
		}
		name := fnStack[len(fnStack)-1]
		fnStack = fnStack[:len(fnStack)-1]
		sc := pr.fns[name]
		if sc == nil || r.fns[name] {
			continue
		}
		r.fns[name] = true
		for _, n := range sc.nodes {
			r.nodes[n] = true
			fnStack = append(fnStack, calls(n)...)
		}
	}
	return r
}

// calls lists the functions a node runs: every function-valued attribute,
// and the op itself when it names a library function.
func calls(n *tfgraph.Node) []string {
	out := []string{n.Op}
	for _, a := range n.Attrs {
		out = append(out, a.Funcs...)
	}
	return out
}
