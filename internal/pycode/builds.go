package pycode

import (
	"strings"

	"github.com/modelgate/modelgate/internal/format/pybytecode"
	"github.com/modelgate/modelgate/internal/format/pymarshal"
)

// Binary operator numbers of BINARY_OP (3.11+) that matter: addition folds
// strings, and 3.14 subscripts through BINARY_OP.
const (
	nbAdd        = 0
	nbInplaceAdd = 13
	nbSubscr     = 26
)

// builds handles containers, strings, subscripts and arithmetic.
func (f *frame) builds() bool {
	n := f.in.Arg
	switch op := f.op(); op {
	case "BUILD_TUPLE", "BUILD_LIST", "BUILD_SET":
		items := f.popN(n)
		br := map[string][2]string{"BUILD_TUPLE": {"(", ")"}, "BUILD_LIST": {"[", "]"}, "BUILD_SET": {"{", "}"}}[op]
		f.push(&value{kind: vUnknown, text: clip(br[0] + render(items) + br[1]), items: items, taint: taintOf(items...)})
	case "BUILD_MAP":
		f.push(unknown("{…}", taintOf(f.popN(2*n)...)))
	case "BUILD_CONST_KEY_MAP":
		f.push(unknown("{…}", taintOf(f.popN(n+1)...)))
	case "BUILD_STRING":
		f.push(f.concat(f.popN(n)))
	case "LIST_EXTEND", "SET_UPDATE", "LIST_APPEND", "SET_ADD":
		f.extend(f.pop(), f.peek(n))
	case "BUILD_SLICE":
		f.push(sliceOf(f.popN(n)))
	case "BINARY_SUBSCR":
		idx := f.pop()
		f.push(f.subscript(f.pop(), idx))
	case "BINARY_SLICE":
		parts := f.popN(3)
		f.push(f.subscript(parts[0], sliceOf(parts[1:])))
	case "BINARY_ADD", "INPLACE_ADD":
		f.binaryAdd()
	case "BINARY_OP":
		switch n {
		case nbAdd, nbInplaceAdd:
			f.binaryAdd()
		case nbSubscr:
			if f.v >= pybytecode.Py314 {
				idx := f.pop()
				f.push(f.subscript(f.pop(), idx))
				return true
			}
			fallthrough
		default:
			f.push(unknown("…", taintOf(f.popN(2)...)))
		}
	case "EXEC_STMT": // Python 2's exec statement
		parts := f.popN(3)
		f.a.add(M1, "executes source code with Python 2's exec statement", f.name, "exec "+parts[0].text, f.in.Offset)
		f.chains(&value{kind: vRef, path: "builtins.exec"}, parts[:1], "exec "+parts[0].text)
	case "MAKE_FUNCTION":
		f.makeFunction(n)
	default:
		return false
	}
	return true
}

// Bounds on what run-time folding builds: code can double a string with
// every few instructions.
const (
	maxFolded = 1 << 16
	maxItems  = 1 << 12
)

// sliceOf builds slice(start, stop[, step]) from constants when it can.
func sliceOf(parts []*value) *value {
	o := &pymarshal.Object{Kind: pymarshal.Slice, Type: ':'}
	for _, p := range parts {
		if p.kind != vConst {
			return unknown("slice("+render(parts)+")", taintOf(parts...))
		}
		o.Items = append(o.Items, p.obj)
	}
	for len(o.Items) < 3 {
		o.Items = append(o.Items, &pymarshal.Object{Kind: pymarshal.None})
	}
	return constant(o, 0)
}

// concat folds f-strings and BUILD_STRING of constants.
func (f *frame) concat(parts []*value) *value {
	var b strings.Builder
	for _, p := range parts {
		s, ok := p.str()
		if !ok || b.Len()+len(s) > maxFolded {
			return unknown("f'…'", taintOf(parts...))
		}
		b.WriteString(s)
	}
	return f.folded(strConst(b.String(), taintOf(parts...)))
}

// binaryAdd folds 'ex' + 'ec' built at run time.
func (f *frame) binaryAdd() {
	r := f.pop()
	l := f.pop()
	ls, lok := l.str()
	rs, rok := r.str()
	switch {
	case len(ls)+len(rs) > maxFolded:
		f.push(unknown(clip(l.text+" + "+r.text), taintOf(l, r)))
	case lok && rok && l.isBytes() == r.isBytes() && l.isBytes():
		f.push(f.folded(bytesConst([]byte(ls+rs), taintOf(l, r))))
	case lok && rok && l.isBytes() == r.isBytes():
		f.push(f.folded(strConst(ls+rs, taintOf(l, r))))
	default:
		f.push(unknown(clip(l.text+" + "+r.text), taintOf(l, r)))
	}
}

// extend appends to a list or set being built (the container stays on the
// stack below the appended value).
func (f *frame) extend(v, container *value) {
	if container.kind != vUnknown || len(container.items) > maxItems {
		return
	}
	switch {
	case v.kind == vConst && (v.obj.Kind == pymarshal.Tuple || v.obj.Kind == pymarshal.FrozenSet):
		for _, it := range v.obj.Items {
			container.items = append(container.items, constant(it, v.taint))
		}
	case f.op() == "LIST_APPEND" || f.op() == "SET_ADD":
		container.items = append(container.items, v)
	default:
		container.items = append(container.items, v.items...)
	}
	container.taint |= v.taint
}

// makeFunction pops what MAKE_FUNCTION consumes in each version; the code
// object itself is analysed from co_consts.
func (f *frame) makeFunction(flags int) {
	switch {
	case f.v == pybytecode.Py27:
		f.popN(1 + flags)
	case f.v <= pybytecode.Py310:
		f.popN(2 + popcount(flags&0xf))
	case f.v <= pybytecode.Py312:
		f.popN(1 + popcount(flags&0xf))
	default:
		f.pop()
	}
	f.push(unknown("<function>", 0))
}

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}
