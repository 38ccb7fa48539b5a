package tf

import (
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/backdoor"
	"github.com/modelgate/modelgate/internal/format/tfgraph"
)

const (
	raw   = backdoor.Raw | backdoor.Logic
	pass  = backdoor.Pass
	rawPs = raw | pass
)

// classes maps TensorFlow ops onto the heuristic's roles.
var classes = backdoor.Ops{
	"Equal": backdoor.Compare, "NotEqual": backdoor.Compare, "Greater": backdoor.Compare,
	"GreaterEqual": backdoor.Compare, "Less": backdoor.Compare, "LessEqual": backdoor.Compare,
	"ApproximateEqual": backdoor.Compare,
	"Select":           backdoor.Select | pass, "SelectV2": backdoor.Select | pass,
	"If": backdoor.Branch | pass, "StatelessIf": backdoor.Branch | pass,
	"Placeholder": backdoor.Input, "PlaceholderWithDefault": backdoor.Input, "PlaceholderV2": backdoor.Input,
	"Const": backdoor.Const, "HostConst": backdoor.Const,
	"ReadVariableOp": backdoor.Weight, "VariableV2": backdoor.Weight, "Variable": backdoor.Weight,
	"VarHandleOp": backdoor.Weight, "ResourceGather": backdoor.Weight,
	"Identity": rawPs, "IdentityN": rawPs, "StopGradient": rawPs, "Cast": rawPs, "Reshape": rawPs,
	"Squeeze": rawPs, "ExpandDims": rawPs, "Transpose": rawPs, "Slice": rawPs, "StridedSlice": rawPs,
	"GatherV2": rawPs, "Gather": rawPs, "GatherNd": rawPs, "ConcatV2": rawPs, "Pack": rawPs, "Tile": rawPs,
	"AddV2": rawPs, "Add": rawPs, "Sub": rawPs, "Mul": rawPs, "RealDiv": rawPs, "Maximum": rawPs,
	"Minimum": rawPs, "ClipByValue": rawPs,
	"Sum": raw, "Mean": raw, "Max": raw, "Min": raw, "Prod": raw, "Abs": raw, "Neg": raw, "Floor": raw,
	"Ceil": raw, "Round": raw, "Sign": raw, "Unpack": raw, "Split": raw, "SplitV": raw,
	"LogicalNot": backdoor.Logic, "LogicalAnd": backdoor.Logic, "LogicalOr": backdoor.Logic,
	"All": backdoor.Logic, "Any": backdoor.Logic,
	"Softmax": pass, "LogSoftmax": pass, "Sigmoid": pass, "ArgMax": pass, "Relu": pass,
}

// backdoor runs the heuristic on one scope.
func (r *run) backdoor(pr *program, sc *scope) {
	g, at := pr.neutral(sc)
	for _, h := range backdoor.Find(g) {
		r.s.Report(analyze.Hit{Rule: "TF-301", At: analyze.Offset(at[h.Selector]),
			Message:  fmt.Sprintf("%s: a branch selected by comparing raw input with a constant routes a constant to the output", sc.label),
			Evidence: backdoor.Describe(g, h)})
	}
}

// neutral builds the heuristic's graph for a scope: function arguments are
// inputs, return values (or signature outputs, or unconsumed nodes) outputs.
func (pr *program) neutral(sc *scope) (*backdoor.Graph, []int64) {
	g := &backdoor.Graph{}
	idx := make(map[string]int, len(sc.nodes))
	at := make([]int64, 0, len(sc.nodes))
	if sc.fn != nil {
		for _, a := range sc.fn.Args {
			idx[a] = len(g.Nodes)
			g.Nodes = append(g.Nodes, backdoor.Node{Name: a, Op: "arg", Class: backdoor.Input})
			at = append(at, sc.fn.Off)
		}
	}
	for _, n := range sc.nodes {
		idx[n.Name] = len(g.Nodes)
		g.Nodes = append(g.Nodes, backdoor.Node{Name: n.Name, Op: n.Op, Class: classes[n.Op], Value: constValue(n)})
		at = append(at, n.Off)
	}
	ref := func(in string) int {
		in = strings.TrimPrefix(in, "^")
		if i := strings.IndexByte(in, ':'); i >= 0 {
			in = in[:i]
		}
		if j, ok := idx[in]; ok {
			return j
		}
		return -1
	}
	consumed := make([]bool, len(g.Nodes))
	for i, n := range sc.nodes {
		gn := &g.Nodes[i+len(g.Nodes)-len(sc.nodes)]
		for _, in := range n.Inputs {
			if strings.HasPrefix(in, "^") {
				continue
			}
			j := ref(in)
			gn.In = append(gn.In, j)
			if j >= 0 {
				consumed[j] = true
			}
		}
		if gn.Class&backdoor.Branch != 0 {
			gn.ConstBranch = pr.constBranch(n)
		}
	}
	g.Outputs = outputs(pr, sc, g, ref, consumed)
	return g, at
}

func outputs(pr *program, sc *scope, g *backdoor.Graph, ref func(string) int, consumed []bool) []int {
	var out []int
	switch {
	case sc.fn != nil:
		for _, rt := range sc.fn.Rets {
			out = append(out, ref(rt))
		}
	case len(pr.outputs) > 0:
		for _, o := range pr.outputs {
			out = append(out, ref(o))
		}
	default:
		for i, n := range g.Nodes {
			if !consumed[i] && n.Class&backdoor.Input == 0 {
				out = append(out, i)
			}
		}
	}
	return out
}

// constBranch reports an If whose then or else function returns only values
// computed from constants.
func (pr *program) constBranch(n *tfgraph.Node) bool {
	for _, key := range []string{"then_branch", "else_branch"} {
		a := n.Attr(key)
		if a == nil || len(a.Funcs) == 0 {
			continue
		}
		if pr.constantFunction(a.Funcs[0]) {
			return true
		}
	}
	return false
}

// constantFunction tells whether a function returns only values computed
// from its own constants (variable reads count as input). It is computed
// once per function, since many If nodes may share a branch, and a function
// met again while in progress (recursion) counts as not constant.
func (pr *program) constantFunction(name string) bool {
	if v, ok := pr.constFns[name]; ok {
		return v
	}
	pr.constFns[name] = false
	sc := pr.fns[name]
	if sc == nil || len(sc.fn.Rets) == 0 {
		return false
	}
	g, _ := pr.neutral(sc)
	v := len(g.Outputs) > 0
	for i := range g.Nodes {
		g.Nodes[i].Class &^= backdoor.Weight
	}
	for _, o := range g.Outputs {
		v = v && backdoor.Independent(g, o)
	}
	pr.constFns[name] = v
	return v
}

// constValue describes a constant for evidence.
func constValue(n *tfgraph.Node) string {
	if n.Op != "Const" {
		return ""
	}
	a := n.Attr("value")
	if a == nil || a.Tensor == nil {
		return ""
	}
	t := a.Tensor
	switch {
	case len(t.Strings) > 0:
		return fmt.Sprintf("%q", t.Strings[0])
	case len(t.Numbers) > 0:
		return fmt.Sprint(t.Numbers)
	}
	return ""
}
