package pybytecode

import "sync"

// Flag describes how an opcode's argument is interpreted, as the dis module
// of that version does (hasname, hasconst, haslocal, hasfree, hasjrel,
// hasjabs, hascompare), plus what marks hand-assembled code.
type Flag uint16

const (
	HasName Flag = 1 << iota
	HasConst
	HasLocal
	HasFree
	JumpRel
	JumpAbs
	HasCompare
	// Specialized marks an adaptive form (LOAD_ATTR_MODULE...) that the
	// interpreter writes at run time and marshal never emits.
	Specialized
	// Instrumented marks monitoring forms (INSTRUMENTED_*, ENTER_EXECUTOR),
	// also never marshalled.
	Instrumented
	// Backward marks relative jumps that go backwards (3.11+).
	Backward
)

type op struct {
	name  string
	flags Flag
	cache uint8
	base  uint8 // family opcode of a specialised form
}

type rawTable struct {
	haveArg, extArg uint8
	ops             map[uint8]op
}

// Table is one version's opcode table.
type Table struct {
	version Version
	haveArg uint8
	extArg  uint8
	ops     [256]op
	byName  map[string]uint8
}

// tables are built on first use: scans without Python bytecode do not pay
// for them at start-up.
var tables = sync.OnceValue(buildTables)

func buildTables() map[Version]*Table {
	out := make(map[Version]*Table, len(rawTables))
	for v, raw := range rawTables {
		t := &Table{version: v, haveArg: raw.haveArg, extArg: raw.extArg, byName: map[string]uint8{}}
		for code, o := range raw.ops {
			if o.flags&Specialized == 0 {
				o.base = code
			}
			t.ops[code] = o
			t.byName[o.name] = code
		}
		for code := range t.ops { // specialised forms share their family's caches
			if o := &t.ops[code]; o.name != "" && o.flags&Specialized != 0 {
				o.cache = t.ops[o.base].cache
			}
		}
		out[v] = t
	}
	return out
}

// TableFor returns the opcode table of v, or nil for an unsupported version.
func TableFor(v Version) *Table { return tables()[v] }

// Name returns the opcode's name, or "" when the version does not define it.
func (t *Table) Name(code uint8) string { return t.ops[code].name }

// Opcode returns the number of a named opcode.
func (t *Table) Opcode(name string) (uint8, bool) {
	c, ok := t.byName[name]
	return c, ok
}

// Flags returns the opcode's argument and provenance flags.
func (t *Table) Flags(code uint8) Flag { return t.ops[code].flags }

// Caches is the number of inline cache units after the opcode (3.11+).
func (t *Table) Caches(code uint8) int { return int(t.ops[code].cache) }

// Base returns the family opcode of a specialised form, or code itself.
func (t *Table) Base(code uint8) uint8 { return t.ops[code].base }

// HasArg reports whether the opcode's argument is meaningful.
func (t *Table) HasArg(code uint8) bool { return code >= t.haveArg }

func (t *Table) isExtendedArg(code uint8) bool { return code == t.extArg }
