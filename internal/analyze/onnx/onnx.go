// Package onnx analyses ONNX models: external-data locations that leave the
// model's directory (checked statically, and through the engine's view of
// the directory when the model is a file on disk), offsets and lengths that
// cannot be right, operators from custom domains (native code registered at
// load time) and Python-calling custom ops, in the main graph, every
// If/Loop/Scan body, training graphs and model-local functions, plus the
// architectural-backdoor heuristic. Tensor payloads are never read.
package onnx

import (
	"errors"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/format/onnx"
	pw "github.com/modelgate/modelgate/internal/format/protowalk"
)

// Analyzer analyses ONNX ModelProto files.
type Analyzer struct{}

// Name implements analyze.Analyzer.
func (Analyzer) Name() string { return "onnx" }

// Match implements analyze.Analyzer: the head must parse as ModelProto's
// first fields; the .onnx extension alone gives a weak match.
func (Analyzer) Match(a *analyze.Artifact) analyze.Confidence {
	switch {
	case onnx.Sniff(a.Head, a.Size):
		return analyze.Structure
	case strings.HasSuffix(strings.ToLower(a.Name), ".onnx") && len(a.Head) > 0 && a.Head[0] == 0x08:
		return analyze.Name
	}
	return analyze.No
}

// Analyze implements analyze.Analyzer.
func (Analyzer) Analyze(s analyze.Scope) error {
	ra, err := s.ReaderAt()
	if err != nil {
		return err
	}
	w := pw.New(ra, s.Artifact().Size, pw.DefaultLimits())
	md, err := onnx.NewParser(w, onnx.DefaultLimits()).Parse()
	r := &run{s: s, md: md, local: map[string]bool{}, external: map[string]int{}}
	sib, _ := s.(analyze.Siblings)
	r.sib = sib
	r.model()
	if err != nil {
		return r.malformed(err)
	}
	if md.Graph == nil {
		s.Report(analyze.Hit{Rule: "ONNX-203", Message: "the model has no graph", Evidence: fmt.Sprintf("ir_version %d", md.IRVersion)})
	}
	return nil
}

// run is one model's analysis.
type run struct {
	s        analyze.Scope
	sib      analyze.Siblings
	md       *onnx.Model
	local    map[string]bool // domain + "/" + op_type of model-local functions
	external map[string]int  // in-directory external data files, by tensor count
}

func (r *run) malformed(err error) error {
	at := ""
	var pe *pw.Error
	if errors.As(err, &pe) {
		at = analyze.Offset(pe.Off)
	}
	r.s.Report(analyze.Hit{Rule: "ONNX-203", At: at,
		Message:  "the protobuf could not be read to the end; what precedes the fault was analysed",
		Evidence: err.Error()})
	if errors.Is(err, pw.ErrLimit) || errors.Is(err, onnx.ErrLimit) {
		return err
	}
	return nil
}

// model walks every graph and function, then reports the external files.
func (r *run) model() {
	for _, f := range r.md.Functions {
		r.local[f.Domain+"/"+f.Name] = true
	}
	if r.md.Graph != nil {
		r.graph("graph", r.md.Graph)
	}
	for i, g := range r.md.Training {
		r.graph(fmt.Sprintf("training_info graph %d", i), g)
	}
	for _, f := range r.md.Functions {
		label := fmt.Sprintf("function '%s' (domain %q)", f.Name, f.Domain)
		for _, n := range f.Nodes {
			r.node(label, n)
		}
	}
	r.reportExternal()
}

// graph checks one graph's tensors and nodes, recursing into subgraphs.
func (r *run) graph(label string, g *onnx.Graph) {
	if g.Name != "" {
		label = fmt.Sprintf("%s '%s'", label, g.Name)
	}
	for _, t := range g.Initializers {
		r.tensor(label, t)
	}
	for _, n := range g.Nodes {
		r.node(label, n)
	}
	r.backdoor(label, g)
}

func (r *run) node(label string, n *onnx.Node) {
	where := fmt.Sprintf("%s: node '%s' (%s)", label, n.Name, n.OpType)
	r.operator(where, n)
	for _, a := range n.Attrs {
		for _, t := range a.Tensors {
			r.tensor(where, t)
		}
		for _, g := range a.Graphs {
			r.graph(fmt.Sprintf("%s.%s", where, a.Name), g)
		}
	}
}

// standardDomains run with the built-in kernels of ONNX runtimes; ops from
// any other domain need a custom-op library registered by the loader.
var standardDomains = map[string]bool{
	"": true, "ai.onnx": true, "ai.onnx.ml": true, "ai.onnx.preview.training": true, "ai.onnx.training": true,
	"com.microsoft": true, "com.microsoft.nchwc": true, "com.microsoft.experimental": true,
	"com.ms.internal.nhwc": true, "org.pytorch.aten": true,
}

// operator flags Python-calling ops and ops from custom domains.
func (r *run) operator(where string, n *onnx.Node) {
	at := analyze.Offset(n.Off)
	if pythonOp(n.OpType) {
		r.s.Report(analyze.Hit{Rule: "ONNX-103", At: at,
			Message:  where + " runs a Python callable registered in the loading process",
			Evidence: fmt.Sprintf("%s (domain %q)%s", n.OpType, n.Domain, attrStrings(n))})
		return
	}
	if standardDomains[n.Domain] || r.local[n.Domain+"/"+n.OpType] {
		return
	}
	r.s.Report(analyze.Hit{Rule: "ONNX-102", At: at,
		Message:  fmt.Sprintf("%s comes from custom domain %q: loading the model needs that domain's custom-op library (native code)", where, n.Domain),
		Evidence: n.Domain + "::" + n.OpType})
}

// pythonOp matches the Python-bridging custom ops: ONNX Runtime's PythonOp
// family and onnxruntime-extensions' PyOp.
func pythonOp(op string) bool {
	l := strings.ToLower(op)
	return strings.Contains(l, "python") || l == "pyop" || l == "pyfunc"
}

func attrStrings(n *onnx.Node) string {
	var b strings.Builder
	for _, a := range n.Attrs {
		if len(a.S) > 0 {
			fmt.Fprintf(&b, ", %s=%q", a.Name, a.S[0])
		}
	}
	return b.String()
}
