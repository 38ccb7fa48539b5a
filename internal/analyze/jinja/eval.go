package jinja

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/internal/format/jinja"
)

// via says how an attribute name reached an access; computed names only
// matter where the template chose a getattr-like route.
type via uint8

const (
	viaDot       via = iota + 1 // x.name
	viaSubscript                // x[name]
	viaAttr                     // x|attr(name), attribute= of map/sort/…, getattr-like methods
	viaFormat                   // a str.format field: "{0.name}"
)

func (in *interp) eval(e *jinja.Expr, sc *scope) *val {
	if e == nil || !in.step() {
		return unknown()
	}
	switch e.Op {
	case jinja.OpConst:
		return constVal(e)
	case jinja.OpName:
		return in.lookup(e, sc)
	case jinja.OpList, jinja.OpTuple:
		var elems []*val
		for _, a := range e.Args {
			elems = append(elems, in.eval(a, sc))
		}
		return container(elems)
	case jinja.OpDict:
		return in.dict(e, sc)
	case jinja.OpGetattr:
		return in.access(in.eval(e.X, sc), []pstr{lit(e.Name, 0)}, e, viaDot)
	case jinja.OpGetitem:
		obj := in.eval(e.X, sc)
		if idx := e.Args[0]; idx.Op == jinja.OpSlice {
			return in.slice(obj, idx, sc)
		}
		return in.item(obj, in.eval(e.Args[0], sc), e)
	case jinja.OpCall:
		return in.call(e, sc)
	case jinja.OpFilter:
		return in.filter(e, in.eval(e.X, sc), sc)
	case jinja.OpTest:
		vs := []*val{in.eval(e.X, sc)}
		for _, a := range e.Args {
			vs = append(vs, in.eval(a, sc))
		}
		return tainted(vs...)
	case jinja.OpUnary:
		x := in.eval(e.X, sc)
		if n, ok := x.singleInt(); ok && e.Name == "-" {
			return &val{ints: []int64{-n}}
		}
		return tainted(x)
	case jinja.OpBinary:
		return in.binary(e, sc)
	case jinja.OpCond:
		a := in.eval(e.Args[0], sc)
		in.eval(e.Args[1], sc)
		b := unknown()
		if e.Args[2] != nil {
			b = in.eval(e.Args[2], sc)
		}
		return join(a, b)
	}
	return unknown()
}

func constVal(e *jinja.Expr) *val {
	switch e.Kind {
	case jinja.ConstStr:
		var how obf
		if e.Escaped {
			how = obfEscape
		}
		return strVal(lit(e.Str, how))
	case jinja.ConstInt, jinja.ConstBool:
		return &val{ints: []int64{e.Int}}
	}
	return unknown()
}

func (in *interp) lookup(e *jinja.Expr, sc *scope) *val {
	if v, ok := sc.lookup(e.Name); ok {
		return v
	}
	name := e.Name
	switch {
	case jinjaGlobals[name]:
		return &val{global: name}
	case name == "chr":
		return &val{global: name}
	case classify(name) == dunder || freeSinks[name]:
		in.ev.free = append(in.ev.free, fmt.Sprintf("the template uses `%s`, which no chat-template context defines: it only works if the application exposes it, and has no benign use", name))
	}
	return unknown()
}

func (in *interp) dict(e *jinja.Expr, sc *scope) *val {
	o := &object{vals: map[string]*val{}}
	out := &val{obj: o}
	for i := 0; i+1 < len(e.Args); i += 2 {
		k := in.eval(e.Args[i], sc)
		v := in.eval(e.Args[i+1], sc)
		if v.esc != nil {
			out.esc = v.esc
		}
		if s, ok := k.single(); ok {
			o.set(s, v, false)
		}
	}
	return out
}

// access evaluates obj.name for each possible name; names nil means the
// name is unknown.
func (in *interp) access(obj *val, names []pstr, e *jinja.Expr, how via) *val {
	origin := obj.esc
	var result *val
	if names == nil {
		names = []pstr{hole(0)}
	}
	for _, p := range names {
		s, ok := p.known()
		if !ok {
			in.dynamicName(obj, p, e, how)
			continue
		}
		// A step further along an escaped chain is not a new escape,
		// unless it is a worse kind (a private name, then a dunder).
		k := classify(s)
		if k == internal && how == viaSubscript {
			k = notEscape // x['mro'] is a dict key, not a frame attribute
		}
		if k != notEscape && (origin == nil || origin.kind < k) {
			origin = &escape{pos: e.Pos, end: e.End, frag: in.frag(e.Pos, e.End), name: s, kind: k, how: p.how}
			if jinjaGlobals[obj.global] {
				origin.global = obj.global
			}
			in.ev.escapes = append(in.ev.escapes, origin)
		}
		if obj.esc != nil && isSink(s) {
			in.ev.sinks = append(in.ev.sinks, sinkEvent{obj.esc, "`" + s + "`"})
		}
		result = join(result, in.member(obj, s))
	}
	if result == nil {
		result = elemOfContainer(obj)
	}
	if origin != nil && result.esc != origin {
		// Values may be shared (namespace fields, list elements): copy.
		c := *result
		c.esc = origin
		result = &c
	}
	return result
}

// dynamicName records a computed attribute name that cannot be resolved.
func (in *interp) dynamicName(obj *val, p pstr, e *jinja.Expr, how via) {
	if obj.esc != nil {
		return // already part of a reported escape chain
	}
	text := p.text()
	suspicious := how == viaAttr || how == viaFormat || strings.Contains(text, "__") || p.how.obfuscated()
	if !suspicious {
		return
	}
	in.ev.dynamic = append(in.ev.dynamic, fmt.Sprintf("`%s` reads an attribute whose name is computed at render time (%q%s), the usual way to hide a sandbox escape such as __class__",
		in.frag(e.Pos, e.End), text, obfNote(p.how)))
}

func obfNote(h obf) string {
	if h.obfuscated() {
		return ", built with " + h.String()
	}
	return ""
}

// elemOfContainer is obj[unknown]: any element, or anything.
func elemOfContainer(obj *val) *val {
	if obj.elems != nil || obj.obj != nil || obj.sub == subList {
		return elemOf(obj)
	}
	return tainted(obj)
}

// member is obj.name for a known name. The name is kept as a method name
// in case the result is called (str.format, dict.get, __getattribute__…).
func (in *interp) member(obj *val, name string) *val {
	out := &val{esc: obj.esc, method: name, recv: obj}
	switch {
	case obj.sub == subMethod || name == "__subclasses__":
		out.sub = subMethod
	case obj.obj != nil:
		if v, ok := obj.obj.vals[name]; ok {
			return v
		}
	}
	return out
}

// item evaluates obj[key].
func (in *interp) item(obj, key *val, e *jinja.Expr) *val {
	if n, ok := key.singleInt(); ok {
		if obj.elems != nil {
			if i, ok := pyIndex(n, len(obj.elems)); ok {
				v := obj.elems[i]
				if obj.esc != nil && v.esc == nil {
					v = &val{esc: obj.esc, sub: v.sub, strs: v.strs, elems: v.elems, obj: v.obj}
				}
				return v
			}
		}
		if s, ok := obj.single(); ok {
			if i, ok := pyIndex(n, len(s)); ok {
				return strVal(lit(s[i:i+1], obj.strs[0].how|obfPick))
			}
		}
		return elemOfContainer(obj)
	}
	if key.strs != nil {
		return in.access(obj, key.strs, e, viaSubscript)
	}
	return elemOfContainer(obj)
}

func pyIndex(n int64, length int) (int, bool) {
	if n < 0 {
		n += int64(length)
	}
	if n < 0 || n >= int64(length) {
		return 0, false
	}
	return int(n), true
}

func (in *interp) slice(obj *val, s *jinja.Expr, sc *scope) *val {
	var bound [3]*int64
	for i, a := range s.Args {
		if a == nil {
			continue
		}
		if n, ok := in.eval(a, sc).singleInt(); ok {
			bound[i] = &n
		} else {
			return tainted(obj)
		}
	}
	if str, ok := obj.single(); ok && len(str) <= maxChars {
		how := obj.strs[0].how | obfSlice
		if bound[2] != nil && *bound[2] == -1 && bound[0] == nil && bound[1] == nil {
			how = obj.strs[0].how | obfReverse
		}
		if out, ok := pySlice([]rune(str), bound); ok {
			return strVal(lit(string(out), how))
		}
	}
	if obj.elems != nil {
		if out, ok := pySlice(obj.elems, bound); ok {
			return container(out)
		}
	}
	return &val{esc: obj.esc, sub: obj.sub}
}

// pySlice is Python's seq[start:stop:step].
func pySlice[T any](seq []T, b [3]*int64) ([]T, bool) {
	n := int64(len(seq))
	step := int64(1)
	if b[2] != nil {
		step = *b[2]
	}
	if step == 0 {
		return nil, false
	}
	clamp := func(p *int64, def int64) int64 {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
		}
		lo, hi := int64(0), n
		if step < 0 {
			lo, hi = -1, n-1
		}
		return min(max(v, lo), hi)
	}
	var out []T
	if step > 0 {
		for i := clamp(b[0], 0); i < clamp(b[1], n); i += step {
			out = append(out, seq[i])
		}
	} else {
		for i := clamp(b[0], n-1); i > clamp(b[1], -1); i += step {
			out = append(out, seq[i])
		}
	}
	return out, true
}

func (in *interp) binary(e *jinja.Expr, sc *scope) *val {
	a, b := in.eval(e.Args[0], sc), in.eval(e.Args[1], sc)
	switch e.Name {
	case "~":
		return in.built(e, &val{esc: tainted(a, b).esc, strs: concatAll(orHole(a), orHole(b))})
	case "+":
		switch {
		case a.strs != nil && b.strs != nil:
			return in.built(e, &val{esc: tainted(a, b).esc, strs: concatAll(a.strs, b.strs)})
		case a.elems != nil && b.elems != nil:
			return container(append(append([]*val(nil), a.elems...), b.elems...))
		}
	case "*":
		if s, ok := a.single(); ok {
			if n, ok := b.singleInt(); ok && n >= 0 && int64(len(s))*n <= maxChars {
				return in.built(e, strVal(lit(strings.Repeat(s, int(n)), a.strs[0].how|obfConcat)))
			}
		}
	case "%":
		if a.strs != nil {
			args := []*val{b}
			if b.elems != nil {
				args = b.elems
			}
			return in.built(e, in.printf(a, args))
		}
	case "and", "or":
		return join(a, b)
	}
	return tainted(a, b)
}

// dunderName matches a double underscore joined to a name ("__class",
// "x__"), not a divider line of underscores.
var dunderName = regexp.MustCompile(`[A-Za-z0-9]__|__[A-Za-z0-9]`)

// built checks a string the template computed: an obfuscated way of
// spelling a dunder name is worth reporting even when the analysis cannot
// follow where the string goes.
func (in *interp) built(e *jinja.Expr, v *val) *val {
	for _, p := range v.strs {
		if s, ok := p.known(); ok && dunderName.MatchString(s) && p.how != 0 {
			in.ev.obfStr = append(in.ev.obfStr, fmt.Sprintf("`%s` builds the string %q with %s, which only serves to hide a sandbox-escape name from scanners",
				in.frag(e.Pos, e.End), s, p.how))
			break
		}
	}
	return v
}

func concatAll(a, b []pstr) []pstr {
	var out []pstr
	for _, x := range a {
		for _, y := range b {
			out = unionStrs(out, []pstr{concat(x, y)})
		}
	}
	return out
}

// printf is Python's %-formatting, as far as the arguments are known.
func (in *interp) printf(format *val, args []*val) *val {
	f, ok := format.single()
	if !ok {
		return &val{strs: []pstr{hole(obfFormat)}, esc: tainted(append(args, format)...).esc}
	}
	out := lit("", format.strs[0].how|obfFormat)
	next := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			j := strings.IndexByte(f[i:], '%')
			if j < 0 {
				j = len(f) - i
			}
			out = concat(out, lit(f[i:i+j], 0))
			i += j - 1
			continue
		}
		j := i + 1
		for j < len(f) && strings.IndexByte("#0- +123456789.*", f[j]) >= 0 {
			j++
		}
		if j >= len(f) {
			break
		}
		conv := f[j]
		i = j
		if conv == '%' {
			out = concat(out, lit("%", 0))
			continue
		}
		var arg *val
		if next < len(args) {
			arg = args[next]
		}
		next++
		out = concat(out, formatArg(conv, arg))
	}
	out.how |= obfFormat
	return strVal(out)
}

func formatArg(conv byte, arg *val) pstr {
	if arg == nil {
		return hole(0)
	}
	if n, ok := arg.singleInt(); ok {
		switch conv {
		case 'c':
			if n >= 0 && n <= 0x10FFFF {
				return lit(string(rune(n)), obfChr)
			}
		case 'd', 'i', 's', 'r':
			return lit(strconv.FormatInt(n, 10), 0)
		case 'x':
			return lit(strconv.FormatInt(n, 16), 0)
		}
	}
	if s, ok := arg.single(); ok && (conv == 's' || conv == 'c' && len([]rune(s)) == 1) {
		return lit(s, arg.strs[0].how)
	}
	return hole(0)
}
