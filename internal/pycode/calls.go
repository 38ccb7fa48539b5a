package pycode

import (
	"strings"

	"github.com/modelgate/modelgate/internal/format/pybytecode"
)

// kwArg is a keyword argument at a call site.
type kwArg struct {
	name string
	val  *value
}

// calls handles every calling convention from 2.7 to 3.14.
func (f *frame) calls() bool {
	n := f.in.Arg
	switch f.op() {
	case "CALL_FUNCTION", "CALL_FUNCTION_VAR", "CALL_FUNCTION_KW", "CALL_FUNCTION_VAR_KW":
		if f.v == pybytecode.Py27 {
			f.call27(f.op())
			return true
		}
		var kws []kwArg
		args := []*value{}
		if f.op() == "CALL_FUNCTION_KW" {
			args, kws = f.splitKw(f.pop(), n)
		} else {
			args = f.popN(n)
		}
		f.call(f.pop(), args, kws)
	case "CALL_METHOD", "CALL":
		var args []*value
		var kws []kwArg
		if f.kw != nil {
			args, kws = f.splitKw(f.kw, n)
			f.kw = nil
		} else {
			args = f.popN(n)
		}
		f.call(f.callable(), args, kws)
	case "CALL_KW":
		args, kws := f.splitKw(f.pop(), n)
		f.call(f.callable(), args, kws)
	case "KW_NAMES":
		if c, ok := f.code.ConstAt(f.in.Index); ok {
			f.kw = constant(c, 0)
		}
	case "PRECALL":
	case "CALL_FUNCTION_EX":
		var kw *value
		if n&1 != 0 || f.v >= pybytecode.Py314 {
			kw = f.pop()
		}
		star := f.pop()
		fn := f.pop()
		if f.v >= pybytecode.Py311 {
			fn = f.pickCallable(f.pop(), fn)
		}
		f.callEx(fn, star, kw)
	default:
		return false
	}
	return true
}

// callable pops the two call-site slots of CALL_METHOD (3.7-3.10) and
// CALL (3.11+). 3.11/3.12 put NULL below the callable, 3.13+ above it; a
// method load puts the method below its receiver in every version.
func (f *frame) callable() *value {
	top := f.pop()
	return f.pickCallable(f.pop(), top)
}

func (f *frame) pickCallable(below, above *value) *value {
	if below.kind == vNull {
		return above
	}
	return below
}

// splitKw pops n arguments whose last len(names) are keyword values.
func (f *frame) splitKw(names *value, n int) ([]*value, []kwArg) {
	all := f.popN(n)
	var ks []string
	if names.kind == vConst {
		for _, it := range names.obj.Items {
			if s, ok := it.Text(); ok {
				ks = append(ks, s)
			}
		}
	}
	if len(ks) > len(all) {
		ks = ks[:len(all)]
	}
	pos := all[:len(all)-len(ks)]
	kws := make([]kwArg, len(ks))
	for i, k := range ks {
		kws[i] = kwArg{k, all[len(pos)+i]}
	}
	return pos, kws
}

// call27 handles 2.7's CALL_FUNCTION family: the low byte counts positional
// arguments, the high byte keyword pairs.
func (f *frame) call27(op string) {
	var star, kwStar *value
	if strings.HasSuffix(op, "_KW") {
		kwStar = f.pop()
	}
	if strings.Contains(op, "_VAR") {
		star = f.pop()
	}
	npos, nkw := f.in.Arg&0xff, f.in.Arg>>8&0xff
	pairs := f.popN(2 * nkw)
	args := f.popN(npos)
	var kws []kwArg
	for i := 0; i+1 < len(pairs); i += 2 {
		k, _ := pairs[i].str()
		kws = append(kws, kwArg{k, pairs[i+1]})
	}
	fn := f.pop()
	if star != nil || kwStar != nil {
		args = append(args, starred(star, "*")...)
		args = append(args, starred(kwStar, "**")...)
	}
	f.call(fn, args, kws)
}

func starred(v *value, mark string) []*value {
	if v == nil {
		return nil
	}
	return []*value{{kind: vUnknown, text: mark + v.text, taint: v.taint}}
}

// callEx handles f(*args, **kwargs): a constant or built tuple of arguments
// is unpacked so that getattr(*('os', 'system')) resolves like a plain call.
func (f *frame) callEx(fn, star, kw *value) {
	var args []*value
	switch {
	case star.kind == vConst && len(star.obj.Items) > 0:
		for _, it := range star.obj.Items {
			args = append(args, constant(it, star.taint))
		}
	case len(star.items) > 0:
		args = star.items
	default:
		args = starred(star, "*")
	}
	if kw != nil && kw.kind != vNull {
		args = append(args, starred(kw, "**")...)
	}
	f.call(fn, args, nil)
}

// call models one call site and pushes its result.
func (f *frame) call(fn *value, args []*value, kws []kwArg) {
	text := fn.text + "(" + render(args)
	for i, k := range kws {
		if i > 0 || len(args) > 0 {
			text += ", "
		}
		text += k.name + "=" + k.val.text
	}
	text = clip(text + ")")
	all := append(append([]*value(nil), args...), kwValues(kws)...)
	res := f.result(fn, args, kws, text, taintOf(all...)|fn.taint)
	if fn.kind == vRef && fn.ref.call == "" {
		fn.ref.call = text
	}
	f.chains(fn, all, text)
	f.push(res)
}

func kwValues(kws []kwArg) []*value {
	out := make([]*value, len(kws))
	for i, k := range kws {
		out[i] = k.val
	}
	return out
}

func arg(args []*value, kws []kwArg, i int, name string) *value {
	for _, k := range kws {
		if k.name == name {
			return k.val
		}
	}
	if i < len(args) {
		return args[i]
	}
	return nil
}

// chains applies the flow rules: decoded data reaching an executor (M6),
// secrets reaching the network (M10), writes to sensitive paths (M9), and
// the parts of a shell gadget (M4).
func (f *frame) chains(fn *value, args []*value, text string) {
	if fn.kind != vRef {
		return
	}
	e, ok := classify(fn.path)
	if !ok {
		return
	}
	t := taintOf(args...)
	switch {
	case (e.id == M1 || e.id == M5) && t&tDecoded != 0:
		f.a.add(M6, "decoded data reaches "+fn.path, f.name, text, f.in.Offset)
	case e.id == S3 && t&tSecret != 0:
		f.a.add(M10, "environment or file contents reach the network through "+fn.path, f.name, text, f.in.Offset)
	}
	if e.id == S5 || e.id == M9 {
		for _, a := range args {
			if s, ok := a.str(); ok && sensitive(s) && (writes(fn.path, args) || e.id == M9) {
				f.a.add(M9, "writes to or removes a persistence or system path", f.name, text, f.in.Offset)
			}
		}
	}
	switch {
	case strings.HasPrefix(fn.path, "socket.") && (strings.HasSuffix(fn.path, ".connect") ||
		strings.HasSuffix(fn.path, ".bind") || fn.path == "socket.create_connection"):
		f.a.socketUse = text
	case fn.path == "os.dup2" || fn.path == "pty.spawn" || e.id == M3:
		f.a.shellUse = text
	}
}

// writes reports whether a file call modifies files: open() with a writing
// mode, or any removing, renaming or writing function.
func writes(path string, args []*value) bool {
	if path == "builtins.open" || path == "io.open" {
		if len(args) > 1 {
			m, ok := args[1].str()
			return ok && strings.ContainsAny(m, "wax+")
		}
		return false
	}
	last := path[strings.LastIndexByte(path, '.')+1:]
	return strings.Contains(last, "write") || strings.Contains(last, "remove") || strings.Contains(last, "unlink") ||
		strings.Contains(last, "rmdir") || strings.Contains(last, "rename") || strings.Contains(last, "replace") ||
		strings.Contains(last, "chmod") || strings.Contains(last, "copy") || strings.Contains(last, "move") ||
		strings.Contains(last, "truncate") || strings.Contains(last, "symlink")
}
