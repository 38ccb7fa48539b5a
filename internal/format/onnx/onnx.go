// Package onnx reads ONNX model protobufs (ModelProto) into the structure an
// analysis needs: the operator sets, every graph (the main graph, If/Loop/Scan
// bodies, training graphs, local functions), every node with its domain and
// attributes, and every tensor's name, type, shape and external-data entries.
// Field numbers are those published in onnx.proto. Tensor payloads are never
// read beyond a few bytes of small constants, so a model with gigabytes of
// embedded weights costs what its structure costs.
package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	pw "github.com/modelgate/modelgate/internal/format/protowalk"
)

// Limits bound what one parse keeps in memory.
type Limits struct {
	MaxNodes   int // nodes over every graph and function
	MaxTensors int // tensors (initializers and attribute tensors)
	MaxNames   int // inputs or outputs of one node or graph
	// MaxStringBytes bounds the names and values kept in memory.
	MaxStringBytes int64
}

// DefaultLimits hold the largest published models several times over.
func DefaultLimits() Limits {
	return Limits{MaxNodes: 1_000_000, MaxTensors: 2_000_000, MaxNames: 1 << 16, MaxStringBytes: 256 << 20}
}

// ErrLimit marks a parse stopped by Limits.
var ErrLimit = errors.New("model too large to analyse")

const nameCap = 1024

// Model is a ModelProto.
type Model struct {
	IRVersion       int64
	Producer        string
	ProducerVersion string
	Opsets          []Opset
	Graph           *Graph
	// Training holds TrainingInfoProto's initialization and algorithm graphs.
	Training  []*Graph
	Functions []*Function
}

// Opset is an OperatorSetIdProto.
type Opset struct {
	Domain  string
	Version int64
}

// Graph is a GraphProto.
type Graph struct {
	Name         string
	Off          int64
	Nodes        []*Node
	Initializers []*Tensor
	Inputs       []string
	Outputs      []string
}

// Function is a model-local FunctionProto.
type Function struct {
	Name, Domain    string
	Off             int64
	Inputs, Outputs []string
	Nodes           []*Node
}

// Node is a NodeProto.
type Node struct {
	Name, OpType, Domain string
	Inputs, Outputs      []string
	Attrs                []Attr
	Off                  int64
}

// Attr is an AttributeProto with the parts an analysis reads.
type Attr struct {
	Name    string
	S       []string
	Graphs  []*Graph
	Tensors []*Tensor
}

// Tensor is a TensorProto.
type Tensor struct {
	Name     string
	DataType int64
	Dims     []int64
	// External are the external_data key/value entries; Location is
	// data_location (1 = EXTERNAL).
	External []KV
	Location int64
	// Numbers are the first values of a small tensor, for evidence.
	Numbers []float64
	// RawLen is the length of raw_data.
	RawLen int64
	Off    int64
}

// KV is a StringStringEntryProto.
type KV struct{ Key, Value string }

// External data location value of TensorProto.data_location.
const External = 1

// Elements is the declared element count, or -1 when it overflows.
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

// Get returns the last external_data value for key.
func (t *Tensor) Get(key string) (string, bool) {
	for i := len(t.External) - 1; i >= 0; i-- {
		if t.External[i].Key == key {
			return t.External[i].Value, true
		}
	}
	return "", false
}

// Parser holds the walk and the budgets of one document.
type Parser struct {
	W       *pw.Walker
	lim     Limits
	nodes   int
	tensors int
	bytes   int64
}

// NewParser returns a parser over a walker.
func NewParser(w *pw.Walker, lim Limits) *Parser { return &Parser{W: w, lim: lim} }

func limit(what string, n int) error { return fmt.Errorf("%w: more than %d %s", ErrLimit, n, what) }

// str reads a string field; a field of another wire type is what protobuf
// parsers keep as unknown, so it reads as absent.
func (p *Parser) str(f pw.Field) (string, error) {
	if f.Type != protowire.BytesType {
		return "", nil
	}
	if p.bytes += min(f.Len, nameCap); p.bytes > p.lim.MaxStringBytes {
		return "", fmt.Errorf("%w: more than %d bytes of names and strings", ErrLimit, p.lim.MaxStringBytes)
	}
	return p.W.String(f, nameCap)
}

func (p *Parser) sub(m pw.Msg, f pw.Field) (pw.Msg, bool, error) {
	if f.Type != protowire.BytesType {
		return pw.Msg{}, false, nil
	}
	s, err := m.Sub(f)
	return s, err == nil, err
}

func (p *Parser) names(list []string, f pw.Field) ([]string, error) {
	if len(list) >= p.lim.MaxNames {
		return list, limit("names in one list", p.lim.MaxNames)
	}
	s, err := p.str(f)
	return append(list, s), err
}

// Parse reads a ModelProto {ir_version = 1; producer_name = 2;
// producer_version = 3; graph = 7; opset_import = 8; training_info = 20;
// functions = 25}.
func (p *Parser) Parse() (*Model, error) {
	md := &Model{}
	root := p.W.Root()
	err := root.Each(func(f pw.Field) error {
		var err error
		switch f.Num {
		case 1:
			if f.Type == protowire.VarintType {
				md.IRVersion = int64(f.U)
			}
		case 2:
			md.Producer, err = p.str(f)
		case 3:
			md.ProducerVersion, err = p.str(f)
		case 7:
			if md.Graph == nil {
				md.Graph = &Graph{Off: f.Off}
			}
			err = p.graphInto(root, f, md.Graph)
		case 8:
			err = p.opset(root, f, md)
		case 20:
			err = p.training(root, f, md)
		case 25:
			err = p.function(root, f, md)
		}
		return err
	})
	return md, err
}

// opset reads OperatorSetIdProto {domain = 1; version = 2}.
func (p *Parser) opset(parent pw.Msg, f pw.Field, md *Model) error {
	m, ok, err := p.sub(parent, f)
	if !ok {
		return err
	}
	o := Opset{}
	err = m.Each(func(g pw.Field) error {
		switch {
		case g.Num == 1:
			var err error
			o.Domain, err = p.str(g)
			return err
		case g.Num == 2 && g.Type == protowire.VarintType:
			o.Version = int64(g.U)
		}
		return nil
	})
	md.Opsets = append(md.Opsets, o)
	return err
}

// training reads TrainingInfoProto {initialization = 1; algorithm = 2}.
func (p *Parser) training(parent pw.Msg, f pw.Field, md *Model) error {
	m, ok, err := p.sub(parent, f)
	if !ok {
		return err
	}
	return m.Each(func(g pw.Field) error {
		if g.Num != 1 && g.Num != 2 {
			return nil
		}
		gr := &Graph{Off: g.Off}
		md.Training = append(md.Training, gr)
		return p.graphInto(m, g, gr)
	})
}

// function reads FunctionProto {name = 1; input = 4; output = 5; node = 7;
// domain = 10}.
func (p *Parser) function(parent pw.Msg, f pw.Field, md *Model) error {
	m, ok, err := p.sub(parent, f)
	if !ok {
		return err
	}
	fn := &Function{Off: f.Off}
	md.Functions = append(md.Functions, fn)
	return m.Each(func(g pw.Field) error {
		var err error
		switch g.Num {
		case 1:
			fn.Name, err = p.str(g)
		case 4:
			fn.Inputs, err = p.names(fn.Inputs, g)
		case 5:
			fn.Outputs, err = p.names(fn.Outputs, g)
		case 7:
			var n *Node
			n, err = p.node(m, g)
			if n != nil {
				fn.Nodes = append(fn.Nodes, n)
			}
		case 10:
			fn.Domain, err = p.str(g)
		}
		return err
	})
}

// graphInto reads GraphProto {node = 1; name = 2; initializer = 5; input =
// 11; output = 12; sparse_initializer = 15} into g (a repeated singular
// message merges, as protobuf parsers do).
func (p *Parser) graphInto(parent pw.Msg, f pw.Field, g *Graph) error {
	m, ok, err := p.sub(parent, f)
	if !ok {
		return err
	}
	return m.Each(func(h pw.Field) error {
		var err error
		switch h.Num {
		case 1:
			var n *Node
			n, err = p.node(m, h)
			if n != nil {
				g.Nodes = append(g.Nodes, n)
			}
		case 2:
			g.Name, err = p.str(h)
		case 5:
			var t *Tensor
			t, err = p.tensor(m, h)
			if t != nil {
				g.Initializers = append(g.Initializers, t)
			}
		case 11, 12:
			var name string
			name, err = p.valueInfoName(m, h)
			if h.Num == 11 {
				g.Inputs = append(g.Inputs, name)
			} else {
				g.Outputs = append(g.Outputs, name)
			}
		case 15:
			err = p.sparse(m, h, g)
		}
		return err
	})
}

// valueInfoName reads ValueInfoProto {name = 1}.
func (p *Parser) valueInfoName(parent pw.Msg, f pw.Field) (string, error) {
	m, ok, err := p.sub(parent, f)
	if !ok {
		return "", err
	}
	name := ""
	err = m.Each(func(g pw.Field) error {
		if g.Num == 1 {
			var err error
			name, err = p.str(g)
			return err
		}
		return nil
	})
	return name, err
}

// sparse reads SparseTensorProto {values = 1; indices = 2}: both may carry
// external data.
func (p *Parser) sparse(parent pw.Msg, f pw.Field, g *Graph) error {
	m, ok, err := p.sub(parent, f)
	if !ok {
		return err
	}
	return m.Each(func(h pw.Field) error {
		if h.Num != 1 && h.Num != 2 {
			return nil
		}
		t, err := p.tensor(m, h)
		if t != nil {
			g.Initializers = append(g.Initializers, t)
		}
		return err
	})
}

// node reads NodeProto {input = 1; output = 2; name = 3; op_type = 4;
// attribute = 5; domain = 7}.
func (p *Parser) node(parent pw.Msg, f pw.Field) (*Node, error) {
	m, ok, err := p.sub(parent, f)
	if !ok {
		return nil, err
	}
	if p.nodes++; p.nodes > p.lim.MaxNodes {
		return nil, limit("nodes", p.lim.MaxNodes)
	}
	n := &Node{Off: f.Off}
	err = m.Each(func(g pw.Field) error {
		var err error
		switch g.Num {
		case 1:
			n.Inputs, err = p.names(n.Inputs, g)
		case 2:
			n.Outputs, err = p.names(n.Outputs, g)
		case 3:
			n.Name, err = p.str(g)
		case 4:
			n.OpType, err = p.str(g)
		case 5:
			err = p.attr(m, g, n)
		case 7:
			n.Domain, err = p.str(g)
		}
		return err
	})
	return n, err
}

// attr reads AttributeProto {name = 1; s = 4; t = 5; g = 6; strings = 9;
// tensors = 10; graphs = 11; sparse_tensor = 22; sparse_tensors = 23}.
func (p *Parser) attr(parent pw.Msg, f pw.Field, n *Node) error {
	m, ok, err := p.sub(parent, f)
	if !ok {
		return err
	}
	a := Attr{}
	err = m.Each(func(g pw.Field) error {
		switch g.Num {
		case 1:
			var err error
			a.Name, err = p.str(g)
			return err
		case 4, 9:
			s, err := p.str(g)
			if len(a.S) < 64 {
				a.S = append(a.S, s)
			}
			return err
		case 5, 10:
			t, err := p.tensor(m, g)
			if t != nil {
				a.Tensors = append(a.Tensors, t)
			}
			return err
		case 6, 11:
			gr := &Graph{Off: g.Off}
			a.Graphs = append(a.Graphs, gr)
			return p.graphInto(m, g, gr)
		case 22, 23:
			holder := &Graph{}
			err := p.sparse(m, g, holder)
			a.Tensors = append(a.Tensors, holder.Initializers...)
			return err
		}
		return nil
	})
	n.Attrs = append(n.Attrs, a)
	return err
}

// maxNumbers is how many values a small tensor keeps for evidence.
const maxNumbers = 8

// tensor reads TensorProto {dims = 1; data_type = 2; float_data = 4;
// int32_data = 5; int64_data = 7; name = 8; raw_data = 9; double_data = 10;
// external_data = 13; data_location = 14}.
func (p *Parser) tensor(parent pw.Msg, f pw.Field) (*Tensor, error) {
	m, ok, err := p.sub(parent, f)
	if !ok {
		return nil, err
	}
	if p.tensors++; p.tensors > p.lim.MaxTensors {
		return nil, limit("tensors", p.lim.MaxTensors)
	}
	t := &Tensor{Off: f.Off}
	var raw pw.Field
	err = m.Each(func(g pw.Field) error {
		switch g.Num {
		case 1:
			return p.W.Varints(g, 64-len(t.Dims), func(v uint64) {
				if len(t.Dims) < 64 {
					t.Dims = append(t.Dims, int64(v))
				}
			})
		case 2:
			t.DataType = int64(g.U)
		case 4:
			return p.W.Fixed32s(g, maxNumbers, func(v uint32) { t.number(float64(math.Float32frombits(v))) })
		case 5, 7:
			return p.W.Varints(g, maxNumbers, func(v uint64) { t.number(float64(int64(v))) })
		case 8:
			var err error
			t.Name, err = p.str(g)
			return err
		case 9:
			raw, t.RawLen = g, g.Len
		case 10:
			if g.Type == protowire.Fixed64Type {
				t.number(math.Float64frombits(g.U))
			}
		case 13:
			return p.kv(m, g, t)
		case 14:
			t.Location = int64(g.U)
		}
		return nil
	})
	if err == nil && raw.Type == protowire.BytesType {
		err = p.rawNumbers(raw, t)
	}
	return t, err
}

func (t *Tensor) number(v float64) {
	if len(t.Numbers) < maxNumbers {
		t.Numbers = append(t.Numbers, v)
	}
}

// rawNumbers decodes the first values of a small raw_data payload.
func (p *Parser) rawNumbers(f pw.Field, t *Tensor) error {
	width := map[int64]int{1: 4, 6: 4, 7: 8, 11: 8, 9: 1, 2: 1, 3: 1}[t.DataType]
	if width == 0 || f.Len > int64(width*maxNumbers) {
		return nil
	}
	b, err := p.W.Bytes(f, width*maxNumbers)
	for ; err == nil && len(b) >= width; b = b[width:] {
		t.number(decode(t.DataType, b))
	}
	return err
}

func decode(dt int64, b []byte) float64 {
	switch dt {
	case 1:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	case 6:
		return float64(int32(binary.LittleEndian.Uint32(b)))
	case 7:
		return float64(int64(binary.LittleEndian.Uint64(b)))
	case 11:
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	case 3:
		return float64(int8(b[0]))
	}
	return float64(b[0])
}

// kv reads StringStringEntryProto {key = 1; value = 2}.
func (p *Parser) kv(parent pw.Msg, f pw.Field, t *Tensor) error {
	m, ok, err := p.sub(parent, f)
	if !ok {
		return err
	}
	e := KV{}
	err = m.Each(func(g pw.Field) error {
		var err error
		switch g.Num {
		case 1:
			e.Key, err = p.str(g)
		case 2:
			e.Value, err = p.str(g)
		}
		return err
	})
	if len(t.External) < 64 {
		t.External = append(t.External, e)
	}
	return err
}

// modelFields are ModelProto's field numbers and wire types.
var modelFields = map[protowire.Number]protowire.Type{
	1: protowire.VarintType, 2: protowire.BytesType, 3: protowire.BytesType, 4: protowire.BytesType,
	5: protowire.VarintType, 6: protowire.BytesType, 7: protowire.BytesType, 8: protowire.BytesType,
	14: protowire.BytesType, 20: protowire.BytesType, 25: protowire.BytesType,
}

// Sniff tells from the first bytes of a document of the given size whether
// it is an ONNX model: every top-level field one of ModelProto's with its
// wire type, an IR version between 1 and 64, and a graph or operator set.
func Sniff(head []byte, size int64) bool {
	b, left := head, size
	ir, body := false, false
	for len(b) > 0 {
		num, typ, k := protowire.ConsumeTag(b)
		if k < 0 || modelFields[num] != typ || (typ != protowire.VarintType && typ != protowire.BytesType) {
			return false
		}
		v, m := protowire.ConsumeVarint(b[k:])
		if m < 0 {
			return len(b) < 16 && ir // the window ended inside a field
		}
		n := int64(k + m)
		switch {
		case num == 1:
			if v < 1 || v > 64 {
				return false
			}
			ir = true
		case typ == protowire.BytesType:
			if v > uint64(left-n) {
				return false
			}
			n += int64(v)
			body = body || num == 7 || num == 8
		}
		if n >= int64(len(b)) {
			break
		}
		b, left = b[n:], left-n
	}
	return ir && body
}
