package pycode

import (
	"strings"

	"github.com/modelgate/modelgate/internal/format/pymarshal"
)

// kind is what the abstract interpreter knows about a stack value.
type kind uint8

const (
	vUnknown   kind = iota // a run-time value: argument, tensor, call result
	vConst                 // a constant, from co_consts or folded at run time
	vRef                   // a named object: global, module, attribute chain
	vNull                  // the NULL call-site marker (3.11+) or LOAD_METHOD's
	vNamespace             // a namespace mapping (globals(), vars(m), __builtins__)
	vGetter                // operator.attrgetter(name)
	vCaller                // operator.methodcaller(name, *args)
	vBound                 // an attribute of a constant ('x'.join, b'..'.decode)
)

// taint records where a value's data came from, for the M6 and M10 chains.
type taint uint8

const (
	tDecoded taint = 1 << iota // output of a decoder (S2)
	tSecret                    // environment or file contents (S1, S5 reads)
)

// value is one abstract stack entry.
type value struct {
	kind  kind
	text  string            // the expression as Python source, for evidence
	obj   *pymarshal.Object // vConst, vBound: the constant
	path  string            // vRef: dotted path; vNamespace: owner ("" = globals); vGetter/vCaller/vBound: attribute
	ref   *refUse           // vRef: the reference record
	taint taint
	items []*value // run-time tuples and lists; vCaller: bound arguments
	// origin is the path of the callable that returned this value
	// (socket.socket for a socket object).
	origin string
}

// refUse is one reference the code makes, reported unless a longer path
// was built on it.
type refUse struct {
	path     string
	known    bool // bound by the environment, builtins or an import
	imported bool // a module an import produced: the import is the finding
	text     string
	call     string // the call or subscript that used it, as evidence
	code     string
	offset   int
	extended bool
}

func (r *refUse) evidence() string {
	if r.call != "" {
		return r.call
	}
	return r.text
}

const maxText = 300

func clip(s string) string {
	if len(s) > maxText {
		return s[:maxText] + "…"
	}
	return s
}

func unknown(text string, t taint) *value { return &value{kind: vUnknown, text: clip(text), taint: t} }

func constant(o *pymarshal.Object, t taint) *value {
	return &value{kind: vConst, obj: o, text: o.Repr(3), taint: t}
}

func strConst(s string, t taint) *value {
	return constant(&pymarshal.Object{Kind: pymarshal.Str, Type: 'u', Str: s}, t)
}

func bytesConst(b []byte, t taint) *value {
	return constant(&pymarshal.Object{Kind: pymarshal.Bytes, Type: 's', Bytes: b}, t)
}

// str returns the text of a str or bytes constant.
func (v *value) str() (string, bool) {
	if v.kind != vConst {
		return "", false
	}
	switch v.obj.Kind {
	case pymarshal.Str:
		return v.obj.Str, true
	case pymarshal.Bytes:
		return string(v.obj.Bytes), true
	}
	return "", false
}

func (v *value) isBytes() bool { return v.kind == vConst && v.obj.Kind == pymarshal.Bytes }

// intConst returns the value of an int constant.
func (v *value) intConst() (int64, bool) {
	if v.kind != vConst || v.obj.Kind != pymarshal.Int || v.obj.Big != nil {
		return 0, false
	}
	return v.obj.Int, true
}

func taintOf(vs ...*value) taint {
	var t taint
	for _, v := range vs {
		if v != nil {
			t |= v.taint
		}
	}
	return t
}

func render(vs []*value) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.text
	}
	return strings.Join(parts, ", ")
}
