package pymarshal

import (
	"errors"
	"fmt"
)

// argLayouts give, per CodeType signature length, the layout and the
// position of every field in types.CodeType(...)'s positional arguments
// (-1: absent from that signature).
var argLayouts = map[int]struct {
	layout Layout
	pos    codeArgPos
}{
	14: {Layout27, codeArgPos{0, -1, -1, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, 10, 11, -1, 12, 13}},
	15: {Layout30, codeArgPos{0, -1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1, 11, 12, -1, 13, 14}},
	16: {Layout38, codeArgPos{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -1, 12, 13, -1, 14, 15}},
	18: {Layout311, codeArgPos{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}},
}

// codeArgPos: argcount, posonly, kwonly, nlocals, stacksize, flags, code,
// consts, names, varnames, filename, name, qualname, firstlineno,
// linetable, exceptiontable, freevars, cellvars.
type codeArgPos [18]int

// ErrCodeArgs is returned for arguments no CodeType signature accepts.
var ErrCodeArgs = errors.New("not the arguments of types.CodeType")

// CodeFromArgs builds the code object that types.CodeType(*args) builds,
// as a pickle (cloudpickle, dill, a hand-written reduce) calls it, and
// infers the version like Decode: the signature length gives the layout
// (14 arguments on 2.7, 15 on 3.6-3.7, 16 on 3.8-3.10, 18 on 3.11+) and the
// bytecode narrows it. Nested code objects must already be Code objects.
func CodeFromArgs(args []*Object) (*Result, error) {
	al, ok := argLayouts[len(args)]
	if !ok {
		return nil, fmt.Errorf("%w: %d arguments", ErrCodeArgs, len(args))
	}
	b := argBuilder{args: args, pos: al.pos, py2: al.layout == Layout27}
	c := &CodeObject{Offset: -1}
	for i, f := range []*int32{&c.ArgCount, &c.PosOnlyArgCount, &c.KwOnlyArgCount, &c.NLocals, &c.StackSize, &c.Flags} {
		*f = b.int(i)
	}
	c.Code, c.Consts, c.Names, c.VarNames = b.bytes(6), b.tuple(7), b.names(8), b.names(9)
	c.Filename, c.Name, c.QualName, c.FirstLineNo = b.str(10), b.str(11), b.str(12), b.int(13)
	c.LineTable, c.ExceptionTable, c.FreeVars, c.CellVars = b.bytes(14), b.bytes(15), b.names(16), b.names(17)
	if b.err != nil {
		return nil, b.err
	}
	if al.layout == Layout311 {
		c.buildLocalsPlus()
	}
	res := &Result{Object: &Object{Kind: Code, Type: 'c', Offset: -1, Code: c}, Layout: al.layout, Consumed: -1}
	Walk(res.Object, func(o *Object) bool {
		if o.Kind == Code {
			res.Codes = append(res.Codes, o.Code)
		}
		return true
	})
	res.inferVersions(false)
	return res, nil
}

type argBuilder struct {
	args []*Object
	pos  codeArgPos
	py2  bool
	err  error
}

func (b *argBuilder) arg(field int, kinds ...Kind) *Object {
	i := b.pos[field]
	if i < 0 || b.err != nil {
		return nil
	}
	o := b.args[i]
	for _, k := range kinds {
		if o != nil && o.Kind == k {
			return o
		}
	}
	b.err = fmt.Errorf("%w: argument %d is not a %v", ErrCodeArgs, i, kinds)
	return nil
}

func (b *argBuilder) int(field int) int32 {
	if o := b.arg(field, Int); o != nil {
		return int32(o.Int)
	}
	return 0
}

func (b *argBuilder) bytes(field int) []byte {
	if b.py2 {
		if o := b.arg(field, Str); o != nil {
			return []byte(o.Str)
		}
		return nil
	}
	if o := b.arg(field, Bytes); o != nil {
		return o.Bytes
	}
	return nil
}

func (b *argBuilder) str(field int) string {
	if o := b.arg(field, Str); o != nil {
		return o.Str
	}
	return ""
}

func (b *argBuilder) tuple(field int) []*Object {
	if o := b.arg(field, Tuple); o != nil {
		return o.Items
	}
	return nil
}

func (b *argBuilder) names(field int) []string {
	items := b.tuple(field)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if it.Kind != Str {
			b.err = fmt.Errorf("%w: a name is a %s", ErrCodeArgs, it.Kind)
			return nil
		}
		out = append(out, it.Str)
	}
	return out
}

// buildLocalsPlus lays out localsplus as CPython 3.11+ does from varnames,
// cellvars and freevars: a cell that is also an argument keeps the
// argument's slot.
func (c *CodeObject) buildLocalsPlus() {
	slot := map[string]int{}
	add := func(n string, k byte) {
		if i, ok := slot[n]; ok {
			c.LocalsPlusKinds[i] |= k
			return
		}
		slot[n] = len(c.LocalsPlusNames)
		c.LocalsPlusNames = append(c.LocalsPlusNames, n)
		c.LocalsPlusKinds = append(c.LocalsPlusKinds, k)
	}
	for _, n := range c.VarNames {
		add(n, FastLocal)
	}
	for _, n := range c.CellVars {
		add(n, FastCell)
	}
	for _, n := range c.FreeVars {
		add(n, FastFree)
	}
}
