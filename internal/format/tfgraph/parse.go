package tfgraph

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	pw "github.com/modelgate/modelgate/internal/format/protowalk"
)

// ParseSavedModel reads a SavedModel {saved_model_schema_version = 1;
// repeated MetaGraphDef meta_graphs = 2}.
func (p *Parser) ParseSavedModel() (*SavedModel, error) {
	sm := &SavedModel{}
	root := p.W.Root()
	err := root.Each(func(f pw.Field) error {
		if f.Num != 2 {
			return nil
		}
		m, ok, err := p.sub(root, f)
		if !ok {
			return err
		}
		mg := &MetaGraph{}
		sm.MetaGraphs = append(sm.MetaGraphs, mg)
		return p.metaGraph(m, mg)
	})
	return sm, err
}

// metaGraph reads a MetaGraphDef {meta_info_def = 1; graph_def = 2;
// saver_def = 3; signature_def = 5 (map); asset_file_def = 6}.
func (p *Parser) metaGraph(m pw.Msg, mg *MetaGraph) error {
	return m.Each(func(f pw.Field) error {
		s, ok, err := p.sub(m, f)
		if !ok {
			return err
		}
		switch f.Num {
		case 1:
			return p.metaInfo(s, mg)
		case 2:
			mg.Graph.Off = f.Off
			return p.graph(s, &mg.Graph)
		case 3:
			if mg.Saver == nil {
				mg.Saver = &Saver{}
			}
			return p.saver(s, mg.Saver)
		case 5:
			return p.signature(s, mg)
		case 6:
			return p.asset(s, mg)
		}
		return nil
	})
}

// metaInfo reads MetaInfoDef {tags = 4; tensorflow_version = 5}.
func (p *Parser) metaInfo(m pw.Msg, mg *MetaGraph) error {
	return m.Each(func(f pw.Field) error {
		switch f.Num {
		case 4:
			t, err := p.str(f)
			mg.Tags = append(mg.Tags, t)
			return err
		case 5:
			v, err := p.str(f)
			mg.TFVersion = v
			return err
		}
		return nil
	})
}

// saver reads SaverDef {filename_tensor_name = 1; save_tensor_name = 2;
// restore_op_name = 3}.
func (p *Parser) saver(m pw.Msg, s *Saver) error {
	return m.Each(func(f pw.Field) error {
		var err error
		switch f.Num {
		case 1:
			s.Filename, err = p.str(f)
		case 2:
			s.Save, err = p.str(f)
		case 3:
			s.Restore, err = p.str(f)
		}
		return err
	})
}

// signature reads one signature_def map entry {key = 1; SignatureDef value
// = 2 {inputs = 1; outputs = 2 (maps of TensorInfo {name = 1})}}.
func (p *Parser) signature(m pw.Msg, mg *MetaGraph) error {
	sig := Signature{}
	err := m.Each(func(f pw.Field) error {
		switch f.Num {
		case 1:
			k, err := p.str(f)
			sig.Key = k
			return err
		case 2:
			v, ok, err := p.sub(m, f)
			if !ok {
				return err
			}
			return v.Each(func(g pw.Field) error {
				if g.Num != 1 && g.Num != 2 {
					return nil
				}
				name, err := p.mapTensorInfo(v, g)
				if g.Num == 1 {
					sig.Inputs = append(sig.Inputs, name)
				} else {
					sig.Outputs = append(sig.Outputs, name)
				}
				return err
			})
		}
		return nil
	})
	mg.Signatures = append(mg.Signatures, sig)
	return err
}

// mapTensorInfo reads a map<string, TensorInfo> entry and returns the
// TensorInfo's tensor name.
func (p *Parser) mapTensorInfo(m pw.Msg, f pw.Field) (string, error) {
	e, ok, err := p.sub(m, f)
	if !ok {
		return "", err
	}
	var name string
	err = e.Each(func(g pw.Field) error {
		if g.Num != 2 {
			return nil
		}
		ti, ok, err := p.sub(e, g)
		if !ok {
			return err
		}
		name, err = p.tensorInfoName(ti)
		return err
	})
	return name, err
}

// tensorInfoName reads TensorInfo {name = 1}.
func (p *Parser) tensorInfoName(m pw.Msg) (string, error) {
	var name string
	err := m.Each(func(f pw.Field) error {
		if f.Num == 1 {
			var err error
			name, err = p.str(f)
			return err
		}
		return nil
	})
	return name, err
}

// asset reads AssetFileDef {TensorInfo tensor_info = 1; filename = 2}.
func (p *Parser) asset(m pw.Msg, mg *MetaGraph) error {
	a := Asset{}
	err := m.Each(func(f pw.Field) error {
		switch f.Num {
		case 1:
			ti, ok, err := p.sub(m, f)
			if !ok {
				return err
			}
			a.Tensor, err = p.tensorInfoName(ti)
			return err
		case 2:
			var err error
			a.Filename, err = p.str(f)
			return err
		}
		return nil
	})
	mg.Assets = append(mg.Assets, a)
	return err
}

// ParseGraphDef reads a GraphDef message.
func (p *Parser) ParseGraphDef(m pw.Msg) (*Graph, error) {
	g := &Graph{Off: m.Off}
	return g, p.graph(m, g)
}

// graph reads GraphDef {repeated NodeDef node = 1; FunctionDefLibrary
// library = 2 {repeated FunctionDef function = 1}}.
func (p *Parser) graph(m pw.Msg, g *Graph) error {
	return m.Each(func(f pw.Field) error {
		switch f.Num {
		case 1:
			n, err := p.node(m, f)
			if n != nil {
				g.Nodes = append(g.Nodes, n)
			}
			return err
		case 2:
			lib, ok, err := p.sub(m, f)
			if !ok {
				return err
			}
			return lib.Each(func(lf pw.Field) error {
				if lf.Num != 1 {
					return nil
				}
				fm, ok, err := p.sub(lib, lf)
				if !ok {
					return err
				}
				fn := &Function{Off: lf.Off}
				g.Functions = append(g.Functions, fn)
				return p.function(fm, fn)
			})
		case 3:
			if p.strict && f.Type != protowire.VarintType {
				return pw.Want(f, protowire.VarintType)
			}
		default:
			return p.unknown(f, 5)
		}
		return nil
	})
}

// unknown rejects, in strict mode, field numbers beyond the schema's last.
func (p *Parser) unknown(f pw.Field, last protowire.Number) error {
	if p.strict && (f.Num > last || f.Num < 1) {
		return &pw.Error{Off: f.Off, Why: "field outside the schema", Err: pw.ErrMalformed}
	}
	return nil
}

// function reads FunctionDef {OpDef signature = 1 {name = 1; input_arg = 2
// {name = 1}}; repeated NodeDef node_def = 3; map<string,string> ret = 4}.
func (p *Parser) function(m pw.Msg, fn *Function) error {
	return m.Each(func(f pw.Field) error {
		switch f.Num {
		case 1:
			sig, ok, err := p.sub(m, f)
			if !ok {
				return err
			}
			return p.opSignature(sig, fn)
		case 3:
			n, err := p.node(m, f)
			if n != nil {
				fn.Nodes = append(fn.Nodes, n)
			}
			return err
		case 4:
			e, ok, err := p.sub(m, f)
			if !ok {
				return err
			}
			return e.Each(func(g pw.Field) error {
				if g.Num == 2 {
					v, err := p.str(g)
					fn.Rets = append(fn.Rets, v)
					return err
				}
				return nil
			})
		}
		return nil
	})
}

func (p *Parser) opSignature(m pw.Msg, fn *Function) error {
	return m.Each(func(f pw.Field) error {
		switch f.Num {
		case 1:
			var err error
			fn.Name, err = p.str(f)
			return err
		case 2:
			a, ok, err := p.sub(m, f)
			if !ok {
				return err
			}
			return a.Each(func(g pw.Field) error {
				if g.Num == 1 {
					name, err := p.str(g)
					fn.Args = append(fn.Args, name)
					return err
				}
				return nil
			})
		}
		return nil
	})
}

// node reads NodeDef {name = 1; op = 2; repeated input = 3; device = 4;
// map<string, AttrValue> attr = 5}.
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
			n.Name, err = p.str(g)
		case 2:
			n.Op, err = p.str(g)
		case 3:
			if len(n.Inputs) >= p.lim.MaxInputs {
				return limit("inputs to one node", p.lim.MaxInputs)
			}
			var in string
			in, err = p.str(g)
			n.Inputs = append(n.Inputs, in)
		case 4:
			n.Device, err = p.str(g)
		case 5:
			err = p.attrEntry(m, g, n)
		case 6, 7:
			err = p.wrongType(g)
		default:
			err = p.unknown(g, 7)
		}
		return err
	})
	return n, err
}

// attrEntry reads a map<string, AttrValue> entry {key = 1; value = 2}.
func (p *Parser) attrEntry(parent pw.Msg, f pw.Field, n *Node) error {
	e, ok, err := p.sub(parent, f)
	if !ok {
		return err
	}
	a := Attr{}
	err = e.Each(func(g pw.Field) error {
		switch g.Num {
		case 1:
			var err error
			a.Key, err = p.str(g)
			return err
		case 2:
			v, ok, err := p.sub(e, g)
			if !ok {
				return err
			}
			return p.attrValue(v, &a)
		}
		return nil
	})
	n.Attrs = append(n.Attrs, a)
	return err
}

// attrValue reads AttrValue {ListValue list = 1; bytes s = 2; TensorProto
// tensor = 8; NameAttrList func = 10}; ListValue {s = 2; tensor = 8; func = 9}.
func (p *Parser) attrValue(m pw.Msg, a *Attr) error {
	return m.Each(func(f pw.Field) error {
		switch f.Num {
		case 1:
			l, ok, err := p.sub(m, f)
			if !ok {
				return err
			}
			return p.attrList(l, a)
		case 2:
			return p.attrString(f, a)
		case 8:
			return p.attrTensor(m, f, a)
		case 10:
			return p.attrFunc(m, f, a)
		}
		return nil
	})
}

func (p *Parser) attrList(l pw.Msg, a *Attr) error {
	return l.Each(func(f pw.Field) error {
		switch f.Num {
		case 2:
			return p.attrString(f, a)
		case 8:
			return p.attrTensor(l, f, a)
		case 9:
			return p.attrFunc(l, f, a)
		}
		return nil
	})
}

// longString is the shortest string kept for nested-graph checks: a GraphDef
// with one named, typed node is longer.
const longString = 12

func (p *Parser) attrString(f pw.Field, a *Attr) error {
	s, err := p.str(f)
	if err != nil || f.Type != protowire.BytesType {
		return err
	}
	if len(a.S) < 64 {
		a.S = append(a.S, s)
	}
	if f.Len >= longString {
		if p.long++; p.long > p.lim.MaxLongStrings {
			return limit("long string values", p.lim.MaxLongStrings)
		}
		a.Long = append(a.Long, Str{Off: f.Val, Len: f.Len})
	}
	return nil
}

func (p *Parser) attrTensor(m pw.Msg, f pw.Field, a *Attr) error {
	t, ok, err := p.sub(m, f)
	if !ok {
		return err
	}
	a.Tensor = &Tensor{}
	return p.tensor(t, a.Tensor)
}

// attrFunc reads NameAttrList {name = 1}.
func (p *Parser) attrFunc(m pw.Msg, f pw.Field, a *Attr) error {
	fm, ok, err := p.sub(m, f)
	if !ok {
		return err
	}
	return fm.Each(func(g pw.Field) error {
		if g.Num == 1 {
			name, err := p.str(g)
			a.Funcs = append(a.Funcs, name)
			return err
		}
		return nil
	})
}

// maxNumbers is how many numeric values a constant keeps for evidence.
const maxNumbers = 8

// tensor reads TensorProto {dtype = 1; tensor_shape = 2; tensor_content = 4;
// float_val = 5; double_val = 6; int_val = 7; string_val = 8; int64_val = 10;
// bool_val = 11}.
func (p *Parser) tensor(m pw.Msg, t *Tensor) error {
	return m.Each(func(f pw.Field) error {
		switch f.Num {
		case 1:
			t.DType = int64(f.U)
		case 2:
			s, ok, err := p.sub(m, f)
			if !ok {
				return err
			}
			return p.shape(s, t)
		case 4:
			t.ContentLen = f.Len
		case 5:
			return p.W.Fixed32s(f, maxNumbers, func(v uint32) {
				t.Values++
				t.number(float64(math.Float32frombits(v)))
			})
		case 6:
			if f.Type == protowire.Fixed64Type {
				t.Values++
				t.number(math.Float64frombits(f.U))
			}
		case 7, 10, 11:
			return p.W.Varints(f, maxNumbers, func(v uint64) {
				t.Values++
				t.number(float64(int64(v)))
			})
		case 8:
			return p.tensorString(f, t)
		}
		return nil
	})
}

func (t *Tensor) number(v float64) {
	if len(t.Numbers) < maxNumbers {
		t.Numbers = append(t.Numbers, v)
	}
}

func (p *Parser) tensorString(f pw.Field, t *Tensor) error {
	if f.Type != protowire.BytesType {
		return p.wrongType(f)
	}
	t.Values++
	if len(t.Strings) < 64 {
		s, err := p.str(f)
		if err != nil {
			return err
		}
		t.Strings = append(t.Strings, s)
	}
	if f.Len >= longString {
		if p.long++; p.long > p.lim.MaxLongStrings {
			return limit("long string values", p.lim.MaxLongStrings)
		}
		t.Long = append(t.Long, Str{Off: f.Val, Len: f.Len})
	}
	return nil
}

// shape reads TensorShapeProto {repeated Dim dim = 2 {int64 size = 1}}.
func (p *Parser) shape(m pw.Msg, t *Tensor) error {
	return m.Each(func(f pw.Field) error {
		if f.Num != 2 || len(t.Dims) >= 64 {
			return nil
		}
		d, ok, err := p.sub(m, f)
		if !ok {
			return err
		}
		size := int64(0)
		err = d.Each(func(g pw.Field) error {
			if g.Num == 1 && g.Type == protowire.VarintType {
				size = int64(g.U)
			}
			return nil
		})
		t.Dims = append(t.Dims, size)
		return err
	})
}
