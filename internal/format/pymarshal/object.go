package pymarshal

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the Python type of a decoded object.
type Kind uint8

const (
	None Kind = iota
	Bool
	StopIteration
	Ellipsis
	Int // Int holds the value; Big too when it does not fit in int64
	Float
	Complex
	Bytes // Python 3 bytes
	Str   // Python 3 str, and Python 2 str and unicode (names are str in both)
	Tuple
	List
	Set
	FrozenSet
	Dict // Items alternate key, value
	Code
	Slice // marshal v5 (3.14+): Items are start, stop, step
)

var kindNames = [...]string{"None", "bool", "StopIteration", "Ellipsis", "int", "float", "complex", "bytes", "str",
	"tuple", "list", "set", "frozenset", "dict", "code", "slice"}

func (k Kind) String() string { return kindNames[k] }

// Object is one decoded value. Objects reached through TYPE_REF are shared
// pointers, and a tuple, list, dict or set may contain itself: walk graphs
// with Walk, which visits every object once.
type Object struct {
	Kind   Kind
	Type   byte // wire type code without FLAG_REF ('z', 'u', 't', ...)
	Offset int  // offset of the type byte in the input
	Int    int64
	Big    *big.Int // Int values beyond int64
	Float  float64
	Imag   float64
	Bytes  []byte // Bytes
	Str    string // Str (a Python 2 str keeps its raw bytes)
	Items  []*Object
	Code   *CodeObject
}

// Text returns the value of a str object.
func (o *Object) Text() (string, bool) {
	if o == nil || o.Kind != Str {
		return "", false
	}
	return o.Str, true
}

// Walk calls fn for o and every object it contains, each once, parents
// first; code objects' fields are included. fn returning false prunes the
// object's children.
func Walk(o *Object, fn func(*Object) bool) {
	seen := map[*Object]bool{}
	var visit func(*Object)
	visit = func(o *Object) {
		if o == nil || seen[o] {
			return
		}
		seen[o] = true
		if !fn(o) {
			return
		}
		for _, it := range o.Items {
			visit(it)
		}
		if o.Code != nil {
			for _, c := range o.Code.Consts {
				visit(c)
			}
		}
	}
	visit(o)
}

// Repr renders o as Python source, bounded in length; containers deeper
// than depth become "...".
func (o *Object) Repr(depth int) string {
	var b strings.Builder
	o.repr(&b, depth)
	return b.String()
}

const maxRepr = 400

func (o *Object) repr(b *strings.Builder, depth int) {
	if b.Len() > maxRepr {
		b.WriteString("…")
		return
	}
	switch o.Kind {
	case None:
		b.WriteString("None")
	case Bool:
		b.WriteString(map[bool]string{true: "True", false: "False"}[o.Int != 0])
	case StopIteration:
		b.WriteString("StopIteration")
	case Ellipsis:
		b.WriteString("Ellipsis")
	case Int:
		if o.Big != nil {
			b.WriteString(o.Big.String())
		} else {
			b.WriteString(strconv.FormatInt(o.Int, 10))
		}
	case Float:
		b.WriteString(formatFloat(o.Float))
	case Complex:
		b.WriteString("complex(" + formatFloat(o.Float) + ", " + formatFloat(o.Imag) + ")")
	case Bytes:
		b.WriteString(Quote(string(o.Bytes), true))
	case Str:
		b.WriteString(Quote(o.Str, false))
	case Code:
		b.WriteString("<code object " + o.Code.Name + ">")
	default:
		o.reprContainer(b, depth)
	}
}

var brackets = map[Kind][2]string{
	Tuple: {"(", ")"}, List: {"[", "]"}, Set: {"{", "}"}, FrozenSet: {"frozenset({", "})"}, Dict: {"{", "}"},
	Slice: {"slice(", ")"},
}

func (o *Object) reprContainer(b *strings.Builder, depth int) {
	br := brackets[o.Kind]
	b.WriteString(br[0])
	if depth <= 0 && len(o.Items) > 0 {
		b.WriteString("…" + br[1])
		return
	}
	for i, it := range o.Items {
		switch {
		case o.Kind == Dict && i%2 == 1:
			b.WriteString(": ")
		case i > 0:
			b.WriteString(", ")
		}
		if b.Len() > maxRepr {
			b.WriteString("…")
			break
		}
		it.repr(b, depth-1)
	}
	if o.Kind == Tuple && len(o.Items) == 1 {
		b.WriteString(",")
	}
	b.WriteString(br[1])
}

func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eIN") {
		s += ".0"
	}
	return s
}

const maxQuoted = 200

// Quote renders s as a Python string literal (b” for bytes), escaping
// quotes, control characters and invalid UTF-8, cut at 200 characters.
func Quote(s string, isBytes bool) string {
	var b strings.Builder
	WriteQuoted(&b, s, isBytes, maxQuoted, false)
	return b.String()
}

// WriteQuoted writes s to b as a Python string literal (b” for bytes),
// escaping quotes, control characters and invalid UTF-8, and cutting it
// after max characters. cut says s is already a prefix of a longer value;
// either way a cut literal ends in "…". It reports whether it is cut.
func WriteQuoted(b *strings.Builder, s string, isBytes bool, max int, cut bool) bool {
	if isBytes {
		b.WriteByte('b')
	}
	b.WriteByte('\'')
	for i, n := 0, 0; i < len(s); n++ {
		if n == max {
			cut = true
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if isBytes && s[i] >= 0x80 {
			r, size = utf8.RuneError, 1
		}
		switch {
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError && size == 1 || r < 0x20 || r == 0x7f:
			fmt.Fprintf(b, `\x%02x`, s[i])
		default:
			b.WriteRune(r)
		}
		i += size
	}
	if cut {
		b.WriteString("…")
	}
	b.WriteByte('\'')
	return cut
}
