// Package tf analyses TensorFlow SavedModels (saved_model.pb) and frozen
// GraphDefs (.pb). Every meta graph, top-level node and library function is
// checked, and so is every graph serialized inside a string constant or
// attribute (the DatasetFromGraph trick that hides ops from scanners that read
// only graph_def.node and library.function): nested graphs are analysed here,
// in the same walk, so their findings name the node that carries them and
// share the file's budgets. The standard saver's own checkpoint ops are told
// apart from the same ops anywhere else by following the SaverDef's tensors.
package tf

import (
	"errors"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	pw "github.com/modelgate/modelgate/internal/format/protowalk"
	"github.com/modelgate/modelgate/internal/format/tfgraph"
)

// Analyzer analyses SavedModel and GraphDef protobufs.
type Analyzer struct{}

// Name implements analyze.Analyzer.
func (Analyzer) Name() string { return "tensorflow" }

// Match implements analyze.Analyzer: protobuf has no magic number, so the
// head must parse as the start of a SavedModel or a GraphDef with the
// schema's field numbers and wire types. The name only breaks ties.
func (Analyzer) Match(a *analyze.Artifact) analyze.Confidence {
	switch {
	case tfgraph.SniffSavedModel(a.Head, a.Size), tfgraph.SniffGraphDef(a.Head, a.Size):
		return analyze.Structure
	case strings.EqualFold(a.Name, "saved_model.pb"):
		return analyze.Name
	}
	return analyze.No
}

// maxNesting is how many graphs-inside-constants deep the analysis goes.
const maxNesting = 8

// Analyze implements analyze.Analyzer.
func (Analyzer) Analyze(s analyze.Scope) error {
	ra, err := s.ReaderAt()
	if err != nil {
		return err
	}
	p := tfgraph.NewParser(pw.New(ra, s.Artifact().Size, pw.DefaultLimits()), tfgraph.DefaultLimits())
	r := &run{s: s, p: p, done: map[int64]bool{}}
	graphs, err := parse(s, p)
	for i, mg := range graphs {
		r.metaGraph(i, len(graphs), mg)
	}
	if err == nil {
		err = r.err
	}
	return r.finish(err)
}

// parse reads the file as a SavedModel, or as a bare GraphDef when that is
// what its first bytes look like. On error it returns what it read.
func parse(s analyze.Scope, p *tfgraph.Parser) ([]*tfgraph.MetaGraph, error) {
	a := s.Artifact()
	if tfgraph.SniffSavedModel(a.Head, a.Size) || !tfgraph.SniffGraphDef(a.Head, a.Size) {
		s.SetFormat("tf-savedmodel")
		sm, err := p.ParseSavedModel()
		return sm.MetaGraphs, err
	}
	s.SetFormat("tf-graphdef")
	g, err := p.ParseGraphDef(p.W.Root())
	return []*tfgraph.MetaGraph{{Graph: *g}}, err
}

// run is one file's analysis.
type run struct {
	s   analyze.Scope
	p   *tfgraph.Parser
	err error // the first budget overrun in nested graphs
	// done marks string payloads already analysed as nested graphs.
	done map[int64]bool
}

// finish turns parse errors into findings: a truncated or malformed file is
// structural (TF-201), a budget overrun also leaves the analysis incomplete.
func (r *run) finish(err error) error {
	if err == nil {
		return nil
	}
	var at string
	var pe *pw.Error
	if errors.As(err, &pe) {
		at = analyze.Offset(pe.Off)
	}
	r.s.Report(analyze.Hit{Rule: "TF-201", At: at,
		Message:  "the protobuf could not be read to the end; what precedes the fault was analysed",
		Evidence: err.Error()})
	if errors.Is(err, pw.ErrLimit) || errors.Is(err, tfgraph.ErrLimit) {
		return err
	}
	return nil
}

func (r *run) metaGraph(i, n int, mg *tfgraph.MetaGraph) {
	label := "graph"
	if n > 1 || len(mg.Tags) > 0 {
		label = fmt.Sprintf("meta_graph[%d]", i)
		if len(mg.Tags) > 0 {
			label += " (" + strings.Join(mg.Tags, ",") + ")"
		}
	}
	for _, a := range mg.Assets {
		if escapes(a.Filename) {
			r.s.Report(analyze.Hit{Rule: "TF-102", At: analyze.Offset(mg.Graph.Off),
				Message:  fmt.Sprintf("%s: asset file name leaves the SavedModel's assets directory; the loader feeds that path to tensor %s", label, a.Tensor),
				Evidence: fmt.Sprintf("asset_file_def filename %q", a.Filename)})
		}
	}
	pr := newProgram(&mg.Graph, mg.Saver, mg.Signatures, label, 0)
	r.program(pr)
}

// program checks every scope of one graph and recurses into nested graphs.
func (r *run) program(pr *program) {
	for _, sc := range pr.scopes() {
		for _, n := range sc.nodes {
			r.node(pr, sc, n)
		}
		r.backdoor(pr, sc)
	}
}

// nested looks for serialized graphs in a node's long strings, with a
// strict trial parse (any string might be one), and analyses each one found.
func (r *run) nested(pr *program, sc *scope, n *tfgraph.Node) {
	for _, a := range n.Attrs {
		long := a.Long
		if a.Tensor != nil {
			long = append(long[:len(long):len(long)], a.Tensor.Long...)
		}
		for _, str := range long {
			if r.done[str.Off] || !r.deeper(pr) {
				continue
			}
			g, err := r.p.ParseNested(str, pr.depth*4+8)
			if err != nil {
				r.err = err
			} else if g != nil {
				r.found(pr, sc, n, str, g)
			}
		}
	}
}

// embedded analyses the constant that a DatasetFromGraph node consumes,
// parsed as leniently as TensorFlow parses it; it reports false when the
// graph does not come from a constant.
func (r *run) embedded(pr *program, sc *scope, n *tfgraph.Node) bool {
	c := sc.producer(n.Inputs[0])
	if c == nil || c.Op != "Const" || c.Attr("value") == nil || c.Attr("value").Tensor == nil {
		return false
	}
	for _, str := range c.Attr("value").Tensor.Long {
		if r.done[str.Off] || !r.deeper(pr) {
			continue
		}
		g, err := r.p.ParseEmbedded(str, pr.depth*4+8)
		switch {
		case errors.Is(err, pw.ErrLimit) || errors.Is(err, tfgraph.ErrLimit):
			r.err = err
		case err != nil:
			r.hit(sc, n, "TF-202", "consumes a string that does not parse as a GraphDef", err.Error())
		default:
			r.found(pr, sc, c, str, g)
		}
	}
	return true
}

// deeper tells whether another level of nesting is within the budget.
func (r *run) deeper(pr *program) bool {
	if r.err != nil {
		return false
	}
	if pr.depth >= maxNesting {
		r.err = fmt.Errorf("%w: graphs nested more than %d deep", tfgraph.ErrLimit, maxNesting)
		return false
	}
	return true
}

// found reports a nested graph and analyses it like a top-level one.
func (r *run) found(pr *program, sc *scope, n *tfgraph.Node, str tfgraph.Str, g *tfgraph.Graph) {
	r.done[str.Off] = true
	where := sc.where(n)
	r.s.Report(analyze.Hit{Rule: "TF-202", At: analyze.Offset(str.Off),
		Message:  fmt.Sprintf("%s holds a serialized GraphDef (%d nodes, %d functions) that runs when the graph is rebuilt from it", where, len(g.Nodes), len(g.Functions)),
		Evidence: fmt.Sprintf("%s (%s) → nested graph of %d bytes", n.Name, n.Op, str.Len)})
	r.program(newProgram(g, nil, nil, where+" → nested graph", pr.depth+1))
}
