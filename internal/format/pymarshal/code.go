package pymarshal

import "github.com/modelgate/modelgate/internal/format/pybytecode"

// Layout is a wire layout of code objects (section 4.2 of the research).
type Layout uint8

const (
	NoLayout  Layout = iota // the input holds no code object
	Layout27                // 2.7: 4 ints, 8 objects, firstlineno, lnotab
	Layout30                // 3.0-3.7: + kwonlyargcount
	Layout38                // 3.8-3.10: + posonlyargcount (3.10's linetable has the same wire type)
	Layout311               // 3.11-3.14: no nlocals, localsplus names/kinds, qualname, exception table
)

var layoutNames = [...]string{"none", "2.7", "3.0-3.7", "3.8-3.10", "3.11+"}

func (l Layout) String() string { return layoutNames[l] }

// candidates are the supported versions that write a layout.
func (l Layout) candidates() []pybytecode.Version {
	switch l {
	case Layout27:
		return []pybytecode.Version{pybytecode.Py27}
	case Layout30:
		return []pybytecode.Version{pybytecode.Py36, pybytecode.Py37}
	case Layout38:
		return []pybytecode.Version{pybytecode.Py38, pybytecode.Py39, pybytecode.Py310}
	case Layout311:
		return []pybytecode.Version{pybytecode.Py311, pybytecode.Py312, pybytecode.Py313, pybytecode.Py314}
	}
	return nil
}

// Code flags (co_flags) that matter to analysis.
const (
	CoOptimized   = 0x1
	CoNewLocals   = 0x2
	CoVarargs     = 0x4
	CoVarkeywords = 0x8
	CoGenerator   = 0x20
	CoCoroutine   = 0x80
	CoIterableCo  = 0x100
	CoAsyncGen    = 0x200
)

// Localsplus kinds (3.11+ co_localspluskinds).
const (
	FastLocal = 0x20
	FastCell  = 0x40
	FastFree  = 0x80
)

// CodeObject is a decoded code object with every marshalled field. Fields a
// layout lacks are zero (NLocals from 3.11 on; QualName, LocalsPlus* and
// ExceptionTable before). VarNames, CellVars and FreeVars are derived from
// the localsplus kinds on 3.11+, as CPython derives co_varnames.
type CodeObject struct {
	Offset int // offset of the type byte in the input

	ArgCount, PosOnlyArgCount, KwOnlyArgCount int32
	NLocals, StackSize, Flags                 int32

	Code   []byte
	Consts []*Object
	Names  []string

	VarNames, CellVars, FreeVars []string
	LocalsPlusNames              []string
	LocalsPlusKinds              []byte

	Filename, Name, QualName string
	FirstLineNo              int32
	// LineTable is co_lnotab before 3.10 and co_linetable after.
	LineTable      []byte
	ExceptionTable []byte
}

// LocalName resolves an ArgLocal index as the interpreter of version v does.
func (c *CodeObject) LocalName(v pybytecode.Version, i int) (string, bool) {
	if v >= pybytecode.Py311 {
		return at(c.LocalsPlusNames, i)
	}
	return at(c.VarNames, i)
}

// DerefName resolves an ArgDeref index: cellvars then freevars before 3.11,
// localsplus after.
func (c *CodeObject) DerefName(v pybytecode.Version, i int) (string, bool) {
	if v >= pybytecode.Py311 {
		return at(c.LocalsPlusNames, i)
	}
	if i < len(c.CellVars) {
		return at(c.CellVars, i)
	}
	return at(c.FreeVars, i-len(c.CellVars))
}

// NameAt resolves an ArgName index.
func (c *CodeObject) NameAt(i int) (string, bool) { return at(c.Names, i) }

// ConstAt resolves an ArgConst index.
func (c *CodeObject) ConstAt(i int) (*Object, bool) {
	if i < 0 || i >= len(c.Consts) {
		return nil, false
	}
	return c.Consts[i], true
}

func at(s []string, i int) (string, bool) {
	if i < 0 || i >= len(s) {
		return "", false
	}
	return s[i], true
}

// deriveLocals fills VarNames/CellVars/FreeVars from localsplus (3.11+).
func (c *CodeObject) deriveLocals() {
	for i, n := range c.LocalsPlusNames {
		k := c.LocalsPlusKinds[i]
		if k&FastLocal != 0 {
			c.VarNames = append(c.VarNames, n)
		}
		if k&FastCell != 0 {
			c.CellVars = append(c.CellVars, n)
		}
		if k&FastFree != 0 {
			c.FreeVars = append(c.FreeVars, n)
		}
	}
}
