package pycode

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"io"
	"strings"

	"github.com/modelgate/modelgate/internal/format/pymarshal"
)

// result models what a call returns, for the calls whose result matters to
// a later reference: imports, reflection, decoders and loaders.
func (f *frame) result(fn *value, args []*value, kws []kwArg, text string, t taint) *value {
	switch fn.kind {
	case vGetter:
		if len(args) == 1 {
			return f.reflectAttr(args[0], fn.path, text)
		}
	case vCaller:
		if len(args) == 1 {
			m := f.reflectAttr(args[0], fn.path, text)
			return f.result(m, fn.items, nil, text, t)
		}
	case vBound:
		return f.constMethod(fn, args, text, t)
	case vRef:
		return f.refResult(fn, args, kws, text, t)
	}
	return unknown(text, t)
}

func (f *frame) refResult(fn *value, args []*value, kws []kwArg, text string, t taint) *value {
	first := arg(args, kws, 0, "name")
	switch fn.path {
	case "builtins.__import__", "importlib.import_module", "importlib.__import__":
		return f.dynamicImport(fn, first, text)
	case "builtins.getattr":
		if len(args) >= 2 {
			if name, ok := args[1].str(); ok {
				return f.reflectAttr(args[0], name, text)
			}
		}
	case "builtins.globals", "builtins.locals":
		return &value{kind: vNamespace, text: text}
	case "builtins.vars":
		if len(args) == 0 {
			return &value{kind: vNamespace, text: text}
		}
		if args[0].kind == vRef {
			return &value{kind: vNamespace, path: args[0].path, text: text}
		}
	case "operator.attrgetter", "operator.methodcaller":
		if first != nil {
			if name, ok := first.str(); ok {
				k := vGetter
				if fn.path == "operator.methodcaller" {
					k = vCaller
				}
				return &value{kind: k, path: name, text: text, items: args[1:]}
			}
		}
	case "marshal.loads":
		if first != nil {
			f.nestedPayload(first, text)
		}
	}
	if e, ok := classify(fn.path); ok {
		switch e.id {
		case S2:
			v := decodeCall(fn.path, args, text, t|tDecoded)
			if v.kind == vConst {
				f.folded(v)
			}
			return v
		case S1, S5:
			return unknown(text, t|tSecret)
		}
	}
	v := unknown(text, t)
	v.origin = fn.path
	return v
}

// dynamicImport models __import__('m') and importlib.import_module('m').
func (f *frame) dynamicImport(fn *value, name *value, text string) *value {
	m, ok := "", false
	if name != nil {
		m, ok = name.str()
	}
	if !ok || m == "" {
		f.a.add(M2, "imports a module whose name is computed at run time", f.name, text, f.in.Offset)
		return unknown(text, 0)
	}
	f.a.resolvedStr[m] = true
	f.a.imported(m, text, f.name, f.in.Offset)
	if fn.path == "builtins.__import__" {
		m, _, _ = strings.Cut(m, ".") // without a fromlist __import__ returns the top package
	}
	fn.ref.extended = true // the import stands for the reference
	return f.moduleRef(normalise(m), text)
}

// reflectAttr models getattr(obj, name) and attrgetter(name)(obj). A name
// resolved into a reference is classified as that reference; one reached on
// an unknown object stays a dangerous string for M7.
func (f *frame) reflectAttr(obj *value, name, text string) *value {
	f.reflect(text)
	v := f.attr(obj, name)
	v.text = clip(text)
	if v.kind == vRef {
		v.ref.text = v.text
		f.a.resolvedStr[name] = true
	}
	return v
}

// subscript models container[index].
func (f *frame) subscript(c, idx *value) *value {
	text := clip(c.text + "[" + idx.text + "]")
	ns := c
	if c.kind == vRef && len(c.items) > 0 {
		ns = c.items[0] // __builtins__ is both a reference and a namespace
	}
	key, isStr := idx.str()
	switch {
	case ns.kind == vNamespace && isStr:
		f.reflect(text)
		f.a.resolvedStr[key] = true
		if c.kind == vRef {
			c.ref.extended = true
		}
		return f.namespaceItem(ns, key, text)
	case c.kind == vRef && c.path == "sys.modules" && isStr:
		f.reflect(text)
		f.a.resolvedStr[key] = true
		f.a.imported(key, text, f.name, f.in.Offset)
		c.ref.extended = true
		return f.moduleRef(normalise(key), text)
	case c.kind == vRef:
		if c.ref.call == "" {
			c.ref.call = text
		}
	case c.kind == vConst:
		if s, ok := c.str(); ok && reverses(idx) {
			r := reverse(s)
			f.a.add(S2, "reverses a string at run time", f.name, text, f.in.Offset)
			if c.isBytes() {
				return bytesConst([]byte(r), c.taint|tDecoded)
			}
			return f.folded(strConst(r, c.taint|tDecoded))
		}
	}
	t := taintOf(c, idx)
	if c.kind == vRef {
		if e, ok := classify(c.path); ok && e.id == S1 {
			t |= tSecret
		}
	}
	return unknown(text, t)
}

func (f *frame) namespaceItem(ns *value, key, text string) *value {
	var v *value
	if ns.path == "" {
		v = f.global(key)
	} else {
		v = f.newRef(ns.path+"."+key, text, true, nil)
	}
	v.text = text
	v.ref.text = text
	return v
}

// reverses reports whether a subscript is the slice [::-1].
func reverses(idx *value) bool {
	if idx.kind != vConst || idx.obj.Kind != pymarshal.Slice || len(idx.obj.Items) != 3 {
		return false
	}
	st := idx.obj.Items[2]
	return st.Kind == pymarshal.Int && st.Int == -1 && st.Big == nil
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// folded records a string built at run time and returns it.
func (f *frame) folded(v *value) *value {
	f.a.constant(v.obj, f.name, f.in.Offset)
	return v
}

// constMethod models methods of constants: ”.join, b”.decode, str.encode,
// str.format, str.replace.
func (f *frame) constMethod(fn *value, args []*value, text string, t taint) *value {
	s, ok := fn.obj.Text()
	if !ok && fn.obj.Kind == pymarshal.Bytes {
		s, ok = string(fn.obj.Bytes), true
	}
	if !ok {
		return unknown(text, t)
	}
	switch fn.path {
	case "join":
		if len(args) == 1 {
			if parts, ok := constStrings(args[0]); ok && joinedLen(parts, s) <= maxFolded {
				return f.folded(strConst(strings.Join(parts, s), t))
			}
		}
	case "decode", "encode":
		if fn.path == "decode" {
			return f.folded(strConst(s, t))
		}
		return f.folded(bytesConst([]byte(s), t))
	case "replace":
		if len(args) == 2 {
			old, ok1 := args[0].str()
			repl, ok2 := args[1].str()
			if ok1 && ok2 && len(s)*(len(repl)+1) <= maxFolded {
				return f.folded(strConst(strings.ReplaceAll(s, old, repl), t))
			}
		}
	}
	return unknown(text, t)
}

func joinedLen(parts []string, sep string) int {
	n := len(sep) * len(parts)
	for _, p := range parts {
		n += len(p)
	}
	return n
}

// constStrings returns the items of a constant or built sequence of strings.
func constStrings(v *value) ([]string, bool) {
	var items []*value
	switch {
	case v.kind == vConst && (v.obj.Kind == pymarshal.Tuple || v.obj.Kind == pymarshal.List):
		for _, it := range v.obj.Items {
			items = append(items, constant(it, 0))
		}
	default:
		items = v.items
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.str()
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, len(items) > 0 || v.kind == vConst
}

// maxDecoded bounds the output of decoders applied to constants.
const maxDecoded = 1 << 20

// decodeCall evaluates a decoder on a constant argument, so that a payload
// hidden in base64 or hex is itself analysed; otherwise the result is an
// unknown tainted value.
func decodeCall(path string, args []*value, text string, t taint) *value {
	if len(args) == 0 {
		return unknown(text, t)
	}
	s, ok := args[0].str()
	if !ok {
		return unknown(text, t)
	}
	var out []byte
	var err error
	codec := ""
	if len(args) > 1 {
		codec, _ = args[1].str()
	}
	switch {
	case strings.HasPrefix(path, "base64.") && strings.Contains(path, "64") || path == "binascii.a2b_base64" ||
		path == "codecs.decode" && strings.HasPrefix(codec, "base64"):
		out, err = A2BBase64([]byte(strings.NewReplacer("-", "+", "_", "/").Replace(s)))
	case path == "bytes.fromhex" || path == "builtins.bytes.fromhex" || path == "binascii.unhexlify" ||
		path == "binascii.a2b_hex" || path == "codecs.decode" && codec == "hex":
		out, err = hex.DecodeString(strings.Join(strings.Fields(s), ""))
	case path == "zlib.decompress" || path == "codecs.decode" && codec == "zlib":
		out, err = inflate([]byte(s))
	case path == "codecs.decode" && (codec == "rot13" || codec == "rot_13"):
		return strConst(rot13(s), t)
	default:
		return unknown(text, t)
	}
	if err != nil {
		return unknown(text, t)
	}
	v := bytesConst(out, t)
	v.text = clip(text)
	return v
}

func inflate(b []byte) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(r, maxDecoded))
}

func rot13(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return 'a' + (r-'a'+13)%26
		case r >= 'A' && r <= 'Z':
			return 'A' + (r-'A'+13)%26
		}
		return r
	}, s)
}

// nestedPayload analyses a code object that marshal.loads would load from a
// constant (typically decoded from base64; a str on Python 2), as part of
// this payload. Its code objects are named after the loading call site.
func (f *frame) nestedPayload(data *value, text string) {
	s, ok := data.str()
	if !ok || f.depth >= maxNested || f.a.payloads[s] {
		return
	}
	f.a.payloads[s] = true
	prefix := f.name + "→marshal.loads@" + itoa(f.in.Offset)
	if err := f.a.marshalPayload([]byte(s), Input{Env: f.a.env}, prefix, f.depth+1); err != nil {
		f.a.add(A2, "marshal.loads of a constant that is not a loadable code object", f.name, text, f.in.Offset)
	}
}
