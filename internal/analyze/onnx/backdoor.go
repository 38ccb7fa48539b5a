package onnx

import (
	"fmt"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/backdoor"
	"github.com/modelgate/modelgate/internal/format/onnx"
)

const (
	raw   = backdoor.Raw | backdoor.Logic
	pass  = backdoor.Pass
	rawPs = raw | pass
)

// classes maps ONNX operators onto the heuristic's roles.
var classes = backdoor.Ops{
	"Equal": backdoor.Compare, "Greater": backdoor.Compare, "GreaterOrEqual": backdoor.Compare,
	"Less": backdoor.Compare, "LessOrEqual": backdoor.Compare,
	"Where": backdoor.Select | pass, "If": backdoor.Branch | pass, "Constant": backdoor.Const,
	"Identity": rawPs, "Cast": rawPs, "CastLike": rawPs, "Reshape": rawPs, "Flatten": rawPs, "Squeeze": rawPs,
	"Unsqueeze": rawPs, "Transpose": rawPs, "Slice": rawPs, "Gather": rawPs, "GatherElements": rawPs,
	"GatherND": rawPs, "Concat": rawPs, "Expand": rawPs, "Tile": rawPs, "Add": rawPs, "Sub": rawPs,
	"Mul": rawPs, "Div": rawPs, "Max": rawPs, "Min": rawPs, "Clip": rawPs,
	"ReduceSum": raw, "ReduceMean": raw, "ReduceMax": raw, "ReduceMin": raw, "ReduceProd": raw,
	"ReduceL1": raw, "ReduceL2": raw, "ReduceSumSquare": raw, "Abs": raw, "Neg": raw, "Floor": raw,
	"Ceil": raw, "Round": raw, "Sign": raw, "Split": raw, "Pow": raw, "Mod": raw,
	"Not": backdoor.Logic, "And": backdoor.Logic, "Or": backdoor.Logic, "Xor": backdoor.Logic,
	"Softmax": pass, "LogSoftmax": pass, "Sigmoid": pass, "ArgMax": pass, "ArgMin": pass, "Relu": pass,
	"TopK": pass,
}

// smallConst is the largest initializer treated as a constant rather than a
// learned parameter.
const smallConst = 16

// backdoor runs the heuristic on one graph (subgraphs run on their own).
func (r *run) backdoor(label string, g *onnx.Graph) {
	ng, at := neutral(g)
	for _, h := range backdoor.Find(ng) {
		r.s.Report(analyze.Hit{Rule: "ONNX-301", At: analyze.Offset(at[h.Selector]),
			Message:  fmt.Sprintf("%s: a branch selected by comparing raw input with a constant routes a constant to the output", label),
			Evidence: backdoor.Describe(ng, h)})
	}
}

// neutral builds the heuristic's graph: graph inputs (minus initializers,
// which old IR versions also list as inputs), initializers, then nodes.
func neutral(g *onnx.Graph) (*backdoor.Graph, []int64) {
	ng := &backdoor.Graph{}
	var at []int64
	idx := map[string]int{}
	add := func(name string, n backdoor.Node, off int64) {
		idx[name] = len(ng.Nodes)
		ng.Nodes = append(ng.Nodes, n)
		at = append(at, off)
	}
	inits := map[string]*onnx.Tensor{}
	for _, t := range g.Initializers {
		inits[t.Name] = t
	}
	for _, in := range g.Inputs {
		if inits[in] == nil {
			add(in, backdoor.Node{Name: in, Op: "input", Class: backdoor.Input}, g.Off)
		}
	}
	for _, t := range g.Initializers {
		c := backdoor.Weight
		if e := t.Elements(); e >= 0 && e <= smallConst {
			c = backdoor.Const
		}
		add(t.Name, backdoor.Node{Name: t.Name, Op: "initializer", Class: c, Value: numbers(t)}, t.Off)
	}
	for _, n := range g.Nodes {
		gn := backdoor.Node{Name: n.Name, Op: n.OpType, Class: classes[n.OpType], Value: constantValue(n)}
		if n.Domain != "" && n.Domain != "ai.onnx" {
			gn.Class = 0
		}
		if n.OpType == "If" {
			gn.ConstBranch = constBranch(n)
		}
		i := len(ng.Nodes)
		ng.Nodes = append(ng.Nodes, gn)
		at = append(at, n.Off)
		for _, o := range n.Outputs {
			idx[o] = i
		}
	}
	base := len(ng.Nodes) - len(g.Nodes)
	for k, n := range g.Nodes {
		for _, in := range n.Inputs {
			j, ok := idx[in]
			if !ok {
				j = -1
			}
			ng.Nodes[base+k].In = append(ng.Nodes[base+k].In, j)
		}
	}
	for _, o := range g.Outputs {
		if j, ok := idx[o]; ok {
			ng.Outputs = append(ng.Outputs, j)
		}
	}
	return ng, at
}

// constBranch: one of an If's branches yields only values computed inside
// it from constants.
func constBranch(n *onnx.Node) bool {
	for _, a := range n.Attrs {
		if a.Name != "then_branch" && a.Name != "else_branch" {
			continue
		}
		for _, g := range a.Graphs {
			if constantOutputs(g) {
				return true
			}
		}
	}
	return false
}

func constantOutputs(g *onnx.Graph) bool {
	if len(g.Outputs) == 0 {
		return false
	}
	ng, _ := neutral(g)
	for i := range ng.Nodes {
		ng.Nodes[i].Class &^= backdoor.Weight
		if ng.Nodes[i].Op == "initializer" {
			ng.Nodes[i].Class |= backdoor.Const
		}
	}
	outs := ng.Outputs
	if len(outs) != len(g.Outputs) {
		return false // an output passes an outer value straight through
	}
	for _, o := range outs {
		if !backdoor.Independent(ng, o) {
			return false
		}
	}
	return true
}

func constantValue(n *onnx.Node) string {
	if n.OpType != "Constant" {
		return ""
	}
	for _, a := range n.Attrs {
		for _, t := range a.Tensors {
			return numbers(t)
		}
	}
	return ""
}

func numbers(t *onnx.Tensor) string {
	if len(t.Numbers) == 0 {
		return ""
	}
	return fmt.Sprint(t.Numbers)
}
