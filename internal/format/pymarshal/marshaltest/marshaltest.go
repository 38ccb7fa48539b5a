// Package marshaltest assembles marshal data by hand, without a Python
// compiler, for tests and fuzz seeds: code objects of any layout, with any
// bytecode, including what no compiler emits.
package marshaltest

import (
	"encoding/binary"

	"github.com/modelgate/modelgate/internal/format/pymarshal"
)

// Obj is one encoded object.
type Obj []byte

func withLen(t byte, n int, payload []byte) Obj {
	o := Obj{t}
	o = binary.LittleEndian.AppendUint32(o, uint32(n))
	return append(o, payload...)
}

// None, True and False are the singletons.
func None() Obj { return Obj{'N'} }

// Int is TYPE_INT.
func Int(v int32) Obj { return binary.LittleEndian.AppendUint32(Obj{'i'}, uint32(v)) }

// Str is a short ASCII str (or, on 2.7, Interned is used instead).
func Str(s string) Obj { return append(Obj{'z', byte(len(s))}, s...) }

// Unicode is TYPE_UNICODE (UTF-8).
func Unicode(s string) Obj { return withLen('u', len(s), []byte(s)) }

// Interned is TYPE_INTERNED: a str on 3.x, an interned byte string on 2.7.
func Interned(s string) Obj { return withLen('t', len(s), []byte(s)) }

// Bytes is TYPE_STRING: bytes on 3.x, str on 2.7.
func Bytes(b []byte) Obj { return withLen('s', len(b), b) }

// Tuple is TYPE_TUPLE of the items.
func Tuple(items ...Obj) Obj {
	o := withLen('(', len(items), nil)
	for _, it := range items {
		o = append(o, it...)
	}
	return o
}

// Ref sets FLAG_REF on an object's type byte.
func Ref(o Obj) Obj { return append(Obj{o[0] | 0x80}, o[1:]...) }

// RefTo is TYPE_REF to index i.
func RefTo(i int32) Obj { return binary.LittleEndian.AppendUint32(Obj{'r'}, uint32(i)) }

// Slice is TYPE_SLICE (marshal v5, 3.14+).
func Slice(start, stop, step Obj) Obj {
	o := Obj{':'}
	return append(append(append(o, start...), stop...), step...)
}

// Code describes a code object to assemble.
type Code struct {
	Layout    pymarshal.Layout
	ArgCount  int32
	Flags     int32 // 0 means CO_OPTIMIZED|CO_NEWLOCALS
	StackSize int32
	Code      []byte
	Consts    []Obj
	Names     []string
	// Locals are co_varnames (<=3.10) or the localsplus names (3.11+,
	// all of kind CO_FAST_LOCAL).
	Locals   []string
	Name     string // "<lambda>" when empty
	Filename string // "<stdin>" when empty
}

// Marshal encodes the code object with FLAG_REF, as marshal.dumps does.
func (c Code) Marshal() []byte {
	if c.Flags == 0 {
		c.Flags = pymarshal.CoOptimized | pymarshal.CoNewLocals
	}
	if c.Name == "" {
		c.Name = "<lambda>"
	}
	if c.Filename == "" {
		c.Filename = "<stdin>"
	}
	str, names := Str, strs
	if c.Layout == pymarshal.Layout27 {
		str, names = Interned, interned
	}
	o := Obj{'c'}
	if c.Layout != pymarshal.Layout27 {
		o[0] |= 0x80
	}
	ints := []int32{c.ArgCount}
	switch c.Layout {
	case pymarshal.Layout27:
		ints = append(ints, int32(len(c.Locals)))
	case pymarshal.Layout30:
		ints = append(ints, 0, int32(len(c.Locals)))
	case pymarshal.Layout38:
		ints = append(ints, 0, 0, int32(len(c.Locals)))
	default:
		ints = append(ints, 0, 0)
	}
	for _, v := range append(ints, c.StackSize, c.Flags) {
		o = binary.LittleEndian.AppendUint32(o, uint32(v))
	}
	o = append(o, Bytes(c.Code)...)
	o = append(o, Tuple(c.Consts...)...)
	o = append(o, names(c.Names)...)
	if c.Layout == pymarshal.Layout311 {
		kinds := make([]byte, len(c.Locals))
		for i := range kinds {
			kinds[i] = pymarshal.FastLocal
		}
		o = append(append(o, names(c.Locals)...), Bytes(kinds)...)
	} else {
		o = append(append(append(o, names(c.Locals)...), Tuple()...), Tuple()...)
	}
	o = append(append(o, str(c.Filename)...), str(c.Name)...)
	if c.Layout == pymarshal.Layout311 {
		o = append(o, str(c.Name)...)
	}
	o = binary.LittleEndian.AppendUint32(o, 1)
	o = append(o, Bytes(nil)...)
	if c.Layout == pymarshal.Layout311 {
		o = append(o, Bytes(nil)...)
	}
	return o
}

func strs(ss []string) Obj {
	items := make([]Obj, len(ss))
	for i, s := range ss {
		items[i] = Str(s)
	}
	return Tuple(items...)
}

func interned(ss []string) Obj {
	items := make([]Obj, len(ss))
	for i, s := range ss {
		items[i] = Interned(s)
	}
	return Tuple(items...)
}
