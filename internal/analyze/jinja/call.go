package jinja

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/modelgate/modelgate/internal/format/jinja"
)

// getattrMethods take an attribute or key name as their first argument.
var getattrMethods = map[string]bool{
	"__getattribute__": true, "__getattr__": true, "__getitem__": true, "get": true, "pop": true, "getattr": true,
}

func (in *interp) call(e *jinja.Expr, sc *scope) *val {
	fn := in.eval(e.X, sc)
	var args []*val
	for _, a := range e.Args {
		args = append(args, in.eval(a, sc))
	}
	kwargs := map[string]*val{}
	var kwVals []*val
	for _, k := range e.Kwargs {
		v := in.eval(k.Value, sc)
		kwargs[k.Name] = v
		kwVals = append(kwVals, v)
	}
	dyn := []*val{in.eval(e.DynArgs, sc), in.eval(e.DynKwargs, sc)}
	all := append(append(append([]*val(nil), args...), kwVals...), dyn...)

	switch {
	case fn.macro != nil:
		return in.callMacro(fn.macro, args, kwargs, sc)
	case fn.esc != nil:
		return in.escapedCall(fn, args, e)
	case fn.global != "":
		return in.globalCall(fn.global, e, args, kwargs, all)
	case fn.method != "":
		return in.method(fn.recv, fn.method, args, kwargs, e)
	}
	return tainted(all...)
}

// escapedCall calls something reached through an escape.
func (in *interp) escapedCall(fn *val, args []*val, e *jinja.Expr) *val {
	out := &val{esc: fn.esc}
	switch fn.sub {
	case subMethod:
		out.sub = subList
	case subElem:
		in.ev.sinks = append(in.ev.sinks, sinkEvent{fn.esc, "a call of a class picked from object.__subclasses__() (how subprocess.Popen or os._wrap_close is reached)"})
	}
	if len(args) > 0 && args[0].strs != nil && getattrMethods[fn.method] {
		return in.access(&val{esc: fn.esc}, args[0].strs, e, viaAttr)
	}
	for _, a := range args {
		for _, p := range a.strs {
			if s, ok := p.known(); ok && isSink(s) {
				in.ev.sinks = append(in.ev.sinks, sinkEvent{fn.esc, fmt.Sprintf("`%s` (as a string argument)", s)})
			}
		}
	}
	return out
}

func (in *interp) globalCall(g string, e *jinja.Expr, args []*val, kwargs map[string]*val, all []*val) *val {
	switch g {
	case "namespace", "dict":
		o := &object{vals: map[string]*val{}, namespace: g == "namespace"}
		if len(args) > 0 && args[0].obj != nil {
			for _, k := range args[0].obj.keys {
				o.set(k, args[0].obj.vals[k], false)
			}
		}
		for _, k := range e.Kwargs {
			o.set(k.Name, kwargs[k.Name], false)
		}
		out := &val{obj: o, esc: tainted(all...).esc}
		if g == "dict" {
			// dict(__class__=1)|list|first spells a name without quotes.
			out.elems = nil
			for _, k := range o.keys {
				if strings.Contains(k, "__") {
					in.built(e, strVal(lit(k, obfKeys)))
				}
			}
		}
		return out
	case "chr":
		if len(args) > 0 && args[0].ints != nil {
			var ps []pstr
			for _, n := range args[0].ints {
				if n >= 0 && n <= 0x10FFFF {
					ps = append(ps, lit(string(rune(n)), obfChr))
				}
			}
			return strVal(ps...)
		}
		return strVal(hole(obfChr))
	}
	return tainted(all...)
}

// method calls a method of a known string, dict or list.
func (in *interp) method(recv *val, name string, args []*val, kwargs map[string]*val, e *jinja.Expr) *val {
	if recv.obj != nil {
		return dictMethod(recv, name, args)
	}
	if recv.strs == nil {
		return tainted(append(args, recv)...)
	}
	switch name {
	case "format", "format_map":
		return in.built(e, in.strFormat(recv, args, kwargs, e))
	case "join":
		if len(args) > 0 {
			return in.built(e, joinVal(args[0], recv))
		}
	}
	if out, ok := strMethod(recv, name, args); ok {
		return in.built(e, out)
	}
	return tainted(append(args, recv)...)
}

func dictMethod(d *val, name string, args []*val) *val {
	o := d.obj
	switch name {
	case "items":
		var elems []*val
		for _, k := range o.keys {
			elems = append(elems, container([]*val{strVal(lit(k, 0)), o.vals[k]}))
		}
		return container(elems)
	case "keys":
		var elems []*val
		for _, k := range o.keys {
			elems = append(elems, strVal(lit(k, obfKeys)))
		}
		return container(elems)
	case "values":
		var elems []*val
		for _, k := range o.keys {
			elems = append(elems, o.vals[k])
		}
		return container(elems)
	case "get", "pop":
		if len(args) > 0 {
			if s, ok := args[0].single(); ok {
				if v, ok := o.vals[s]; ok {
					return v
				}
			}
			if len(args) > 1 {
				return args[1]
			}
		}
	}
	return tainted(d)
}

// strMethod applies a str method to every alternative of recv.
func strMethod(recv *val, name string, args []*val) (*val, bool) {
	arg := func(i int) (string, bool) {
		if i >= len(args) {
			return "", false
		}
		return args[i].single()
	}
	var fn func(string) (string, bool)
	var how obf
	switch name {
	case "upper", "lower", "title", "capitalize", "swapcase":
		fn, how = func(s string) (string, bool) { return caseConvert(name, s), true }, obfCase
	case "strip", "lstrip", "rstrip":
		fn = func(s string) (string, bool) { return strip(name, s, args), true }
	case "replace":
		old, ok1 := arg(0)
		repl, ok2 := arg(1)
		if !ok1 || !ok2 {
			return nil, false
		}
		fn, how = func(s string) (string, bool) { return strings.ReplaceAll(s, old, repl), len(s) <= maxChars }, obfReplace
	case "split":
		return splitVal(recv, args), true
	default:
		return nil, false
	}
	var out []pstr
	for _, p := range recv.strs {
		s, ok := p.known()
		if !ok {
			out = append(out, hole(p.how|how))
			continue
		}
		r, ok := fn(s)
		if !ok {
			return nil, false
		}
		out = unionStrs(out, []pstr{lit(r, p.how|how)})
	}
	return &val{strs: out, esc: recv.esc}, true
}

func caseConvert(name, s string) string {
	switch name {
	case "upper":
		return strings.ToUpper(s)
	case "lower":
		return strings.ToLower(s)
	case "capitalize":
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
	case "title":
		return title(s)
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ToUpper(string(r)) == string(r) {
			b.WriteString(strings.ToLower(string(r)))
		} else {
			b.WriteString(strings.ToUpper(string(r)))
		}
	}
	return b.String()
}

// title is Python's str.title: a letter after a non-letter is upper case,
// every other letter lower case.
func title(s string) string {
	var b strings.Builder
	prev := false
	for _, r := range s {
		letter := unicode.IsLetter(r)
		if letter && !prev {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		prev = letter
	}
	return b.String()
}

func strip(name, s string, args []*val) string {
	cut := " \t\n\r\x0b\x0c"
	if len(args) > 0 {
		if c, ok := args[0].single(); ok {
			cut = c
		}
	}
	switch name {
	case "lstrip":
		return strings.TrimLeft(s, cut)
	case "rstrip":
		return strings.TrimRight(s, cut)
	}
	return strings.Trim(s, cut)
}

func splitVal(recv *val, args []*val) *val {
	s, ok := recv.single()
	sep := ""
	if len(args) > 0 {
		sep, ok = args[0].single()
		ok = ok && sep != ""
	}
	if !ok {
		return &val{esc: recv.esc}
	}
	var parts []string
	if sep == "" {
		parts = strings.Fields(s)
	} else {
		parts = strings.Split(s, sep)
	}
	var elems []*val
	for _, p := range parts {
		elems = append(elems, strVal(lit(p, recv.strs[0].how|obfPick)))
	}
	return container(elems)
}

// joinVal joins the known string elements of list with sep.
func joinVal(list, sep *val) *val {
	sp, ok := sep.single()
	if !ok || list.elems == nil {
		if s, ok := list.single(); ok && sep.strs != nil {
			// str.join over a string joins its characters.
			return joinVal(charList(s, list.strs[0].how), sep)
		}
		return &val{strs: []pstr{hole(obfJoin)}, esc: list.esc}
	}
	out := lit("", obfJoin)
	for i, e := range list.elems {
		if i > 0 {
			out = concat(out, lit(sp, 0))
		}
		if len(e.strs) == 1 {
			out = concat(out, e.strs[0])
		} else {
			out = concat(out, hole(0))
		}
	}
	out.how |= obfJoin
	return &val{strs: []pstr{out}, esc: list.esc}
}

func charList(s string, how obf) *val {
	var elems []*val
	for _, r := range s {
		elems = append(elems, strVal(lit(string(r), how|obfPick)))
	}
	return container(elems)
}

// strFormat is str.format: every replacement field's attribute and index
// steps are accesses on the argument (the reason Jinja's sandbox wraps
// str.format), and the result is computed when every field is known.
func (in *interp) strFormat(recv *val, args []*val, kwargs map[string]*val, e *jinja.Expr) *val {
	f, ok := recv.single()
	if !ok {
		return &val{strs: []pstr{hole(obfFormat)}, esc: tainted(append(args, recv)...).esc}
	}
	out := lit("", recv.strs[0].how|obfFormat)
	auto := 0
	for i := 0; i < len(f); i++ {
		c := f[i]
		if (c == '{' || c == '}') && i+1 < len(f) && f[i+1] == c {
			out = concat(out, lit(string(c), 0))
			i++
			continue
		}
		if c != '{' {
			j := strings.IndexAny(f[i+1:], "{}") + 1
			if j == 0 {
				j = len(f) - i
			}
			out = concat(out, lit(f[i:i+j], 0))
			i += j - 1
			continue
		}
		end := strings.IndexByte(f[i:], '}')
		if end < 0 {
			break
		}
		v := in.formatField(f[i+1:i+end], args, kwargs, &auto, e)
		if s, ok := v.single(); ok {
			out = concat(out, lit(s, v.strs[0].how))
		} else if n, ok := v.singleInt(); ok {
			out = concat(out, lit(fmt.Sprint(n), 0))
		} else {
			out = concat(out, hole(0))
		}
		i += end
	}
	out.how |= obfFormat
	return strVal(out)
}

// formatField resolves "name.attr[key]!conv:spec".
func (in *interp) formatField(field string, args []*val, kwargs map[string]*val, auto *int, e *jinja.Expr) *val {
	if i := strings.IndexAny(field, "!:"); i >= 0 {
		field = field[:i]
	}
	head := field
	if i := strings.IndexAny(field, ".["); i >= 0 {
		head, field = field[:i], field[i:]
	} else {
		field = ""
	}
	var v *val
	switch {
	case head == "":
		if *auto < len(args) {
			v = args[*auto]
		}
		*auto++
	case head[0] >= '0' && head[0] <= '9':
		var n int
		fmt.Sscan(head, &n)
		if n < len(args) {
			v = args[n]
		}
	default:
		v = kwargs[head]
	}
	if v == nil {
		v = unknown()
	}
	for field != "" {
		var name string
		if field[0] == '.' {
			j := strings.IndexAny(field[1:], ".[")
			if j < 0 {
				j = len(field) - 1
			}
			name, field = field[1:1+j], field[1+j:]
		} else {
			j := strings.IndexByte(field, ']')
			if j < 0 {
				break
			}
			name, field = field[1:j], field[j+1:]
		}
		v = in.access(v, []pstr{lit(name, obfFormat)}, e, viaFormat)
	}
	return v
}
