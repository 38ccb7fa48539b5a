package tfgraph

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"

	pw "github.com/modelgate/modelgate/internal/format/protowalk"
)

// headField decodes one field at the start of b, which may be a truncated
// window: a length running past the window is accepted when it fits in
// limit bytes. It returns the payload available in the window.
func headField(b []byte, limit int64) (num protowire.Number, typ protowire.Type, v uint64, payload []byte, n int, ok bool) {
	num, typ, k := protowire.ConsumeTag(b)
	if k < 0 || num < 1 {
		return 0, 0, 0, nil, 0, false
	}
	rest := b[k:]
	switch typ {
	case protowire.VarintType:
		v, m := protowire.ConsumeVarint(rest)
		return num, typ, v, nil, k + m, m > 0
	case protowire.BytesType:
		l, m := protowire.ConsumeVarint(rest)
		if m < 0 || l > uint64(limit-int64(k+m)) {
			return 0, 0, 0, nil, 0, false
		}
		rest = rest[m:]
		if uint64(len(rest)) > l {
			rest = rest[:l]
		}
		return num, typ, l, rest, k + m + int(l), true
	}
	return 0, 0, 0, nil, 0, false
}

// SniffSavedModel tells from the first bytes of a document of the given size
// whether it is a SavedModel: saved_model_schema_version = 1 first (every
// TensorFlow version writes it), then meta graphs, each starting with a
// MetaGraphDef message field. A meta graph longer than the file is accepted,
// so a truncated SavedModel is still analysed and reported as truncated.
// A SavedModel without the version field is still loaded by TensorFlow,
// but only under the name saved_model.pb, which the analyzer matches too.
func SniffSavedModel(head []byte, size int64) bool {
	num, typ, v, _, n, ok := headField(head, size)
	if !ok || num != 1 || typ != protowire.VarintType || v != 1 {
		return false
	}
	sawMeta := false
	for b := head[min(n, len(head)):]; len(b) > 0; {
		num, typ, _, payload, n, ok := headField(b, 1<<62)
		if !ok || num != 2 || typ != protowire.BytesType || !metaGraphStart(payload) {
			return false
		}
		sawMeta = true
		if n >= len(b) {
			break
		}
		b = b[n:]
	}
	return sawMeta
}

// metaGraphStart checks the first field of a MetaGraphDef window: one of its
// seven message fields.
func metaGraphStart(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	num, typ, _, _, _, ok := headField(b, 1<<62)
	return ok && typ == protowire.BytesType && num >= 1 && num <= 7
}

// SniffGraphDef tells whether a document starts like a GraphDef: a first
// node whose name and op are well-formed identifiers.
func SniffGraphDef(head []byte, size int64) bool {
	num, typ, _, payload, _, ok := headField(head, size)
	if !ok || num != 1 || typ != protowire.BytesType {
		return false
	}
	name, op := "", ""
	for b := payload; len(b) > 0; {
		num, typ, _, s, n, ok := headField(b, 1<<62)
		if !ok || typ != protowire.BytesType || num > 7 {
			return false
		}
		switch num {
		case 1:
			name = string(s)
		case 2:
			op = string(s)
		}
		if op != "" || n >= len(b) {
			break
		}
		b = b[n:]
	}
	return ValidNodeName(name) && ValidOpName(op)
}

// ValidOpName is TensorFlow's op name syntax: [A-Za-z_][A-Za-z0-9_>]*
// (">" appears in namespaced ops such as "Addons>GatherTree").
func ValidOpName(s string) bool {
	if s == "" || !(letter(s[0]) || s[0] == '_') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(letter(c) || digit(c) || c == '_' || c == '>') {
			return false
		}
	}
	return true
}

// ValidNodeName is TensorFlow's node name syntax: [A-Za-z0-9.][A-Za-z0-9_./>-]*.
func ValidNodeName(s string) bool {
	if s == "" || !(letter(s[0]) || digit(s[0]) || s[0] == '.') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(letter(c) || digit(c) || c == '_' || c == '.' || c == '/' || c == '>' || c == '-') {
			return false
		}
	}
	return true
}

func letter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func digit(c byte) bool  { return c >= '0' && c <= '9' }

// ParseNested trial-parses a string payload as a GraphDef with the schema
// enforced: every field where the schema puts it, at least one node, every
// node with a well-formed name and op. It returns nil, nil for payloads that
// are not graphs, and an error only for budget overruns.
func (p *Parser) ParseNested(s Str, depth int) (*Graph, error) {
	m, err := p.W.At(s.Off, s.Len, depth)
	if err != nil {
		if errors.Is(err, pw.ErrLimit) {
			return nil, err
		}
		return nil, nil
	}
	p.strict = true
	g, err := p.ParseGraphDef(m)
	p.strict = false
	if err != nil {
		if errors.Is(err, pw.ErrLimit) || errors.Is(err, ErrLimit) {
			return nil, err
		}
		return nil, nil
	}
	if len(g.Nodes) == 0 && len(g.Functions) == 0 {
		return nil, nil
	}
	for _, n := range g.Nodes {
		if !ValidNodeName(n.Name) || !ValidOpName(n.Op) {
			return nil, nil
		}
	}
	return g, nil
}

// ParseEmbedded parses a string payload that an op consumes as a GraphDef
// (DatasetFromGraph's input) the way TensorFlow does: fields the schema
// does not know are skipped, not rejected, so a graph padded with unknown
// fields cannot hide from the analysis. A malformed payload returns an
// error wrapping protowalk.ErrMalformed.
func (p *Parser) ParseEmbedded(s Str, depth int) (*Graph, error) {
	m, err := p.W.At(s.Off, s.Len, depth)
	if err != nil {
		return nil, err
	}
	return p.ParseGraphDef(m)
}
