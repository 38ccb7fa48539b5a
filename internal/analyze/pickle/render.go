package pickle

import (
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"

	pkl "github.com/modelgate/modelgate/internal/format/pickle"
	"github.com/modelgate/modelgate/internal/format/pymarshal"
)

const maxRenderedString = 160

// render writes a value as the Python expression the unpickler would
// evaluate, with constant arguments, bounded in depth and length.
func (m *machine) render(v value, depth int) string {
	var b strings.Builder
	m.renderTo(&b, v, depth)
	return b.String()
}

func (m *machine) renderTo(b *strings.Builder, v value, depth int) {
	if b.Len() > 600 {
		b.WriteString("…")
		return
	}
	switch v.k {
	case kNone:
		b.WriteString("None")
	case kBool:
		if v.n != 0 {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case kInt:
		b.WriteString(strconv.FormatInt(v.n, 10))
	case kBigInt:
		b.WriteString(m.bigIntText(v))
	case kFloat:
		b.WriteString(strconv.FormatFloat(v.float(), 'g', -1, 64))
	case kStr:
		writeRepr(b, m.arena[v.a:v.a+uint32(v.b)], v.flag&flagTruncated != 0, v.n, false)
	case kBytes:
		writeRepr(b, m.arena[v.a:v.a+uint32(v.b)], v.flag&flagTruncated != 0, v.n, true)
	case kDropped:
		b.WriteString("<string of " + strconv.FormatInt(v.n, 10) + " bytes>")
	case kBuffer:
		b.WriteString("<out-of-band buffer>")
	case kGlobal:
		g := m.globals[v.a]
		b.WriteString(g.module)
		if g.name != "" {
			b.WriteString(".")
			b.WriteString(g.name)
		}
	case kTuple, kList, kSet, kFrozenSet, kDict:
		m.renderContainer(b, v, depth)
	case kCall:
		m.renderCall(b, v, depth)
	default:
		b.WriteString("?")
	}
}

func (m *machine) bigIntText(v value) string {
	raw := m.arena[v.a : v.a+uint32(v.b)]
	// LONG keeps decimal digits; LONG1/LONG4 keep little-endian bytes.
	if len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') && utf8.Valid(raw) && isDigits(raw) {
		return string(raw)
	}
	be := make([]byte, len(raw))
	for i := range raw {
		be[i] = raw[len(raw)-1-i]
	}
	return "0x" + strings.TrimLeft(hex.EncodeToString(be), "0")
}

func isDigits(b []byte) bool {
	for i, c := range b {
		if !(c >= '0' && c <= '9' || i == 0 && c == '-' || i == len(b)-1 && c == 'L') {
			return false
		}
	}
	return true
}

func (m *machine) renderContainer(b *strings.Builder, v value, depth int) {
	open, close := "(", ")"
	switch v.k {
	case kList:
		open, close = "[", "]"
	case kSet, kDict:
		open, close = "{", "}"
	case kFrozenSet:
		open, close = "frozenset({", "})"
	}
	items, n := m.items(v)
	if depth <= 0 || n < 0 {
		b.WriteString(open + "…" + close)
		return
	}
	b.WriteString(open)
	step := 1
	if v.k == kDict {
		step = 2
	}
	for i := 0; i+step <= len(items); i += step {
		if i > 0 {
			b.WriteString(", ")
		}
		m.renderTo(b, items[i], depth-1)
		if step == 2 {
			b.WriteString(": ")
			m.renderTo(b, items[i+1], depth-1)
		}
	}
	if len(items) < n {
		if len(items) > 0 {
			b.WriteString(", ")
		}
		b.WriteString("…")
	}
	if v.k == kTuple && n == 1 && len(items) == 1 {
		b.WriteString(",")
	}
	b.WriteString(close)
}

func (m *machine) renderCall(b *strings.Builder, v value, depth int) {
	if v.a == noObj {
		b.WriteString("<call>")
		return
	}
	c := m.calls[v.a]
	if c.how == pkl.PERSID || c.how == pkl.BINPERSID {
		b.WriteString("persistent_load(")
		m.renderTo(b, c.args, depth-1)
		b.WriteString(")")
		return
	}
	if depth <= 0 {
		b.WriteString("…(…)")
		return
	}
	m.renderTo(b, c.fn, depth-1)
	b.WriteString("(")
	if c.args.k == kTuple {
		items, n := m.items(c.args)
		for i, it := range items {
			if i > 0 {
				b.WriteString(", ")
			}
			m.renderTo(b, it, depth-1)
		}
		if len(items) < n {
			b.WriteString(", …")
		}
	} else if c.args.k != kUnknown || c.how == pkl.REDUCE {
		b.WriteString("*")
		m.renderTo(b, c.args, depth-1)
	}
	if c.kwargs.k == kDict {
		b.WriteString(", **")
		m.renderTo(b, c.kwargs, depth-1)
	}
	b.WriteString(")")
	if c.built {
		b.WriteString(".__setstate__(")
		m.renderTo(b, c.state, depth-1)
		b.WriteString(")")
	}
}

// writeRepr writes a Python-style quoted literal, with the full length of
// a value the decoder or the renderer cut.
func writeRepr(b *strings.Builder, s []byte, truncated bool, full int64, isBytes bool) {
	if pymarshal.WriteQuoted(b, string(s), isBytes, maxRenderedString, truncated) && full > int64(len(s)) {
		b.WriteString(" (" + strconv.FormatInt(full, 10) + " bytes)")
	}
}
