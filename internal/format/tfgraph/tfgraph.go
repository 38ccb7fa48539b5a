// Package tfgraph reads TensorFlow SavedModel (saved_model.pb) and GraphDef
// (frozen .pb) protobufs into the small structure an analysis needs: every
// meta graph, node, function, attribute string, function reference, constant
// and the saver's tensor names, each with its byte offset. Field numbers are
// those TensorFlow publishes (saved_model.proto, meta_graph.proto, graph.proto,
// node_def.proto, function.proto, attr_value.proto, tensor.proto). Tensor
// payloads are skipped, never read, and every count is bounded.
package tfgraph

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	pw "github.com/modelgate/modelgate/internal/format/protowalk"
)

// DTString is TensorFlow's DataType for strings.
const DTString = 7

// Limits bound what one parse keeps in memory.
type Limits struct {
	// MaxNodes counts nodes over every graph and function.
	MaxNodes int
	// MaxInputs is the largest input list of one node.
	MaxInputs int
	// MaxLongStrings counts string constants kept for nested-graph checks.
	MaxLongStrings int
	// MaxStringBytes bounds the names and values kept in memory.
	MaxStringBytes int64
}

// DefaultLimits hold the largest published graphs (a few hundred thousand
// nodes) several times over.
func DefaultLimits() Limits {
	return Limits{MaxNodes: 1_000_000, MaxInputs: 1 << 16, MaxLongStrings: 100_000, MaxStringBytes: 256 << 20}
}

// ErrLimit marks a parse stopped by Limits.
var ErrLimit = errors.New("graph too large to analyse")

// nameCap cuts names and strings kept for evidence.
const nameCap = 512

// SavedModel is a saved_model.pb.
type SavedModel struct {
	MetaGraphs []*MetaGraph
}

// MetaGraph is one MetaGraphDef.
type MetaGraph struct {
	Tags       []string
	TFVersion  string
	Graph      Graph
	Saver      *Saver
	Assets     []Asset
	Signatures []Signature
}

// Saver holds the SaverDef tensor names that run the standard checkpoint
// save and restore.
type Saver struct {
	Filename, Save, Restore string
}

// Asset is an AssetFileDef: a graph tensor the loader feeds with the asset's path.
type Asset struct {
	Tensor, Filename string
}

// Signature is one SignatureDef with the tensor names it reads and returns.
type Signature struct {
	Key             string
	Inputs, Outputs []string
}

// Graph is a GraphDef: top-level nodes plus the function library.
type Graph struct {
	Off       int64
	Nodes     []*Node
	Functions []*Function
}

// Function is a FunctionDef.
type Function struct {
	Name string
	Off  int64
	// Args are the signature's input argument names.
	Args []string
	// Rets are the output tensors ("node:out:0"), in the order written.
	Rets  []string
	Nodes []*Node
}

// Node is a NodeDef.
type Node struct {
	Name, Op, Device string
	Inputs           []string
	Attrs            []Attr
	Off              int64
}

// Attr is one attribute with the parts an analysis reads.
type Attr struct {
	Key string
	// S holds string values (s, or list.s), cut for evidence.
	S []string
	// Funcs are referenced function names (func, list.func).
	Funcs  []string
	Tensor *Tensor
	// Long are string values long enough to hide a serialized graph.
	Long []Str
}

// Tensor is a TensorProto: its type, shape and the values an analysis needs.
type Tensor struct {
	DType int64
	Dims  []int64
	// Strings are the first string values, cut for evidence.
	Strings []string
	// Long are string values long enough to hide a serialized graph.
	Long []Str
	// Numbers are the first numeric values, for evidence.
	Numbers []float64
	// Values counts the values stored in the repeated *_val fields.
	Values int64
	// ContentLen is the length of tensor_content.
	ContentLen int64
}

// Str is a string payload by position.
type Str struct {
	Off, Len int64
}

// Elements is the tensor's declared element count (1 for a scalar), or -1
// when the shape is unknown or overflows.
func (t *Tensor) Elements() int64 {
	n := int64(1)
	for _, d := range t.Dims {
		if d < 0 || d > 0 && n > (1<<62)/d {
			return -1
		}
		n *= d
	}
	return n
}

// Attr returns the last attribute named key (protobuf maps keep the last).
func (n *Node) Attr(key string) *Attr {
	for i := len(n.Attrs) - 1; i >= 0; i-- {
		if n.Attrs[i].Key == key {
			return &n.Attrs[i]
		}
	}
	return nil
}

// Parser holds the walk and the budgets of one document.
type Parser struct {
	W     *pw.Walker
	lim   Limits
	nodes int
	long  int
	bytes int64
	// strict rejects wire types that do not match the schema, for trial
	// parses of bytes that may not be a graph at all.
	strict bool
}

// NewParser returns a parser over a walker.
func NewParser(w *pw.Walker, lim Limits) *Parser { return &Parser{W: w, lim: lim} }

// limit reports a budget overrun.
func limit(what string, n int) error { return fmt.Errorf("%w: more than %d %s", ErrLimit, n, what) }

// str reads a string field cut to nameCap.
func (p *Parser) str(f pw.Field) (string, error) {
	if f.Type != protowire.BytesType {
		return "", p.wrongType(f)
	}
	if p.bytes += min(f.Len, nameCap); p.bytes > p.lim.MaxStringBytes {
		return "", fmt.Errorf("%w: more than %d bytes of names and strings", ErrLimit, p.lim.MaxStringBytes)
	}
	return p.W.String(f, nameCap)
}

// wrongType is an error only in strict mode: protobuf parsers keep a field
// with an unexpected wire type as an unknown field.
func (p *Parser) wrongType(f pw.Field) error {
	if p.strict {
		return pw.Want(f, protowire.BytesType)
	}
	return nil
}

// sub enters a message field, or returns ok=false for a non-message field
// that a lenient parse skips.
func (p *Parser) sub(m pw.Msg, f pw.Field) (pw.Msg, bool, error) {
	if f.Type != protowire.BytesType {
		return pw.Msg{}, false, p.wrongType(f)
	}
	s, err := m.Sub(f)
	return s, err == nil, err
}
