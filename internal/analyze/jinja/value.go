package jinja

import (
	"strings"

	"github.com/modelgate/modelgate/internal/format/jinja"
)

// obf records how a string was built; any bit other than concatenation
// alone is a technique only obfuscation needs in a chat template.
type obf uint16

const (
	obfEscape  obf = 1 << iota // \x5f, \u005f, \137, \N{LOW LINE} in a literal
	obfConcat                  // ~ or + of pieces
	obfJoin                    // |join or str.join
	obfFormat                  // |format, %, str.format
	obfChr                     // chr() or %c
	obfReverse                 // |reverse or [::-1]
	obfSlice                   // other slicing
	obfReplace                 // |replace or str.replace
	obfCase                    // |lower, |upper…
	obfKeys                    // dict(__class__=1) keys
	obfPick                    // a character picked out of a longer string
	obfBlock                   // {% set x %}…{% endset %}
)

var obfNames = []string{"\\x/\\u/octal escapes", "concatenation", "join", "string formatting", "chr/%c",
	"reversal", "slicing", "replace", "case conversion", "dict() keyword names", "character picking", "a {% set %} block"}

func (o obf) String() string {
	var out []string
	for i, n := range obfNames {
		if o&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

// obfuscated: built with more than plain concatenation.
func (o obf) obfuscated() bool { return o&^obfConcat != 0 }

// frag is a known piece of a string, or a hole for an unknown piece.
type frag struct {
	s    string
	hole bool
}

// pstr is a string pattern: known pieces and holes.
type pstr struct {
	parts []frag
	how   obf
}

// Caps that keep patterns small whatever the template does.
const (
	maxParts = 32
	maxChars = 4096
	maxAlts  = 8
	maxElems = 64
)

func lit(s string, how obf) pstr {
	if len(s) > maxChars {
		return hole(how)
	}
	return pstr{parts: []frag{{s: s}}, how: how}
}

func hole(how obf) pstr { return pstr{parts: []frag{{hole: true}}, how: how} }

func (p pstr) known() (string, bool) {
	var b strings.Builder
	for _, f := range p.parts {
		if f.hole {
			return "", false
		}
		b.WriteString(f.s)
	}
	return b.String(), true
}

// text renders the pattern with "…" for holes.
func (p pstr) text() string {
	var b strings.Builder
	for _, f := range p.parts {
		if f.hole {
			b.WriteString("…")
		} else {
			b.WriteString(f.s)
		}
	}
	return b.String()
}

func concat(a, b pstr) pstr {
	out := pstr{how: a.how | b.how | obfConcat}
	size := 0
	for _, f := range append(append([]frag(nil), a.parts...), b.parts...) {
		n := len(out.parts)
		switch {
		case f.hole && n > 0 && out.parts[n-1].hole:
		case !f.hole && n > 0 && !out.parts[n-1].hole:
			out.parts[n-1].s += f.s
		default:
			out.parts = append(out.parts, f)
		}
		size += len(f.s)
	}
	if len(out.parts) > maxParts || size > maxChars {
		return hole(out.how)
	}
	return out
}

// subKind tracks object.__subclasses__: the method, its result, an element.
type subKind uint8

const (
	subMethod subKind = iota + 1
	subList
	subElem
)

// escape is the first access of a chain that left the sandbox.
type escape struct {
	pos, end int
	frag     string // source of the escaping expression
	name     string // the attribute reached
	kind     escapeKind
	how      obf    // how the attribute name was obfuscated
	global   string // the Jinja global the chain started from
}

// object is a dict or namespace with known keys; namespaces are shared by
// reference, as {% set ns.x = … %} mutates them.
type object struct {
	keys      []string
	vals      map[string]*val
	namespace bool
}

func (o *object) set(k string, v *val, weak bool) {
	old, ok := o.vals[k]
	if !ok {
		if len(o.keys) >= maxElems {
			return
		}
		o.keys = append(o.keys, k)
	} else if weak {
		v = join(old, v)
	}
	o.vals[k] = v
}

// val is what the analysis knows about a value at render time.
type val struct {
	esc   *escape
	sub   subKind
	strs  []pstr  // possible string values; nil: not known to be a string
	ints  []int64 // possible integer constants
	elems []*val  // a list or tuple with known elements
	obj   *object
	// global is the Jinja global (or "loop") this value is.
	global string
	macro  *jinja.Macro
	// method is a method of recv (a string, dict or list) not yet called.
	method string
	recv   *val
}

func unknown() *val { return &val{} }

func tainted(vs ...*val) *val {
	out := &val{}
	for _, v := range vs {
		if v != nil && v.esc != nil {
			out.esc = v.esc
			break
		}
	}
	return out
}

func strVal(ps ...pstr) *val { return &val{strs: ps} }

// single returns the one fully known string of v.
func (v *val) single() (string, bool) {
	if len(v.strs) != 1 {
		return "", false
	}
	return v.strs[0].known()
}

func (v *val) singleInt() (int64, bool) {
	if len(v.ints) != 1 {
		return 0, false
	}
	return v.ints[0], true
}

func container(elems []*val) *val {
	out := &val{elems: elems}
	if len(elems) > maxElems {
		out.elems = nil
	}
	for _, e := range elems {
		if e.esc != nil {
			out.esc = e.esc
			break
		}
	}
	return out
}

// elemOf is what iterating over v yields when the element is not known.
func elemOf(v *val) *val {
	out := &val{esc: v.esc}
	if v.sub == subList {
		out.sub = subElem
	}
	for _, e := range v.elems {
		out = join(out, e)
	}
	if v.obj != nil {
		for _, k := range v.obj.keys {
			out = join(out, strVal(lit(k, 0)))
		}
	}
	if s, ok := v.single(); ok && len(s) <= maxElems {
		for _, r := range s {
			out = join(out, strVal(lit(string(r), v.strs[0].how|obfPick)))
		}
	}
	return out
}

// join is the value that may be either a or b.
func join(a, b *val) *val { return joinDepth(a, b, 1) }

// joinDepth joins list elements pairwise down to depth levels of nesting,
// which keeps the cost of a join bounded by the element cap.
func joinDepth(a, b *val, depth int) *val {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	out := &val{esc: a.esc, sub: max(a.sub, b.sub)}
	if out.esc == nil {
		out.esc = b.esc
	}
	if a.strs != nil || b.strs != nil {
		out.strs = unionStrs(orHole(a), orHole(b))
	}
	out.ints = unionInts(a.ints, b.ints)
	if depth > 0 && a.elems != nil && len(a.elems) == len(b.elems) {
		out.elems = make([]*val, len(a.elems))
		for i := range a.elems {
			out.elems[i] = joinDepth(a.elems[i], b.elems[i], depth-1)
		}
	}
	if a.obj == b.obj {
		out.obj = a.obj
	}
	if a.global == b.global {
		out.global = a.global
	}
	if a.macro == b.macro {
		out.macro = a.macro
	}
	return out
}

func orHole(v *val) []pstr {
	if v.strs == nil {
		return []pstr{hole(0)}
	}
	return v.strs
}

func unionStrs(a, b []pstr) []pstr {
	out := append([]pstr(nil), a...)
	for _, p := range b {
		dup := false
		for i, q := range out {
			if q.text() == p.text() {
				out[i].how |= p.how
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, p)
		}
	}
	if len(out) > maxAlts {
		var how obf
		for _, p := range out {
			how |= p.how
		}
		return []pstr{hole(how)}
	}
	return out
}

func unionInts(a, b []int64) []int64 {
	if a == nil || b == nil {
		return nil
	}
	out := append([]int64(nil), a...)
	for _, x := range b {
		found := false
		for _, y := range out {
			found = found || x == y
		}
		if !found {
			out = append(out, x)
		}
	}
	if len(out) > maxAlts {
		return nil
	}
	return out
}
