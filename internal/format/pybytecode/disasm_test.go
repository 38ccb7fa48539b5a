package pybytecode

import (
	"slices"
	"testing"
)

// TestTables checks the generated tables against the numbers of the
// research's section 4.4 and CPython's sources.
func TestTables(t *testing.T) {
	for _, c := range []struct {
		v    Version
		name string
		code uint8
	}{
		{Py27, "LOAD_GLOBAL", 116}, {Py27, "EXTENDED_ARG", 145}, {Py36, "LOAD_GLOBAL", 116},
		{Py37, "LOAD_METHOD", 160}, {Py310, "CALL_METHOD", 161}, {Py311, "PRECALL", 166},
		{Py311, "RESUME", 151}, {Py312, "RETURN_CONST", 121}, {Py312, "CALL_INTRINSIC_1", 173},
		{Py313, "RESUME", 149}, {Py313, "LOAD_GLOBAL", 91}, {Py313, "LOAD_CONST", 83}, {Py313, "CALL", 53},
		{Py313, "EXTENDED_ARG", 71}, {Py313, "COPY_FREE_VARS", 62}, {Py313, "MAKE_CELL", 94},
		{Py314, "RESUME", 128}, {Py314, "LOAD_GLOBAL", 92}, {Py314, "LOAD_ATTR", 80}, {Py314, "LOAD_CONST", 82},
		{Py314, "CALL", 52}, {Py314, "EXTENDED_ARG", 69}, {Py314, "LOAD_SMALL_INT", 94},
	} {
		if got, ok := TableFor(c.v).Opcode(c.name); !ok || got != c.code {
			t.Errorf("%s %s = %d, want %d", c.v, c.name, got, c.code)
		}
	}
	caches := map[Version]map[string]int{
		Py311: {"LOAD_GLOBAL": 5, "LOAD_ATTR": 4, "LOAD_METHOD": 10, "PRECALL": 1, "CALL": 4, "COMPARE_OP": 2},
		Py312: {"LOAD_GLOBAL": 4, "LOAD_ATTR": 9, "CALL": 3, "BINARY_SUBSCR": 1, "FOR_ITER": 1},
		Py313: {"LOAD_GLOBAL": 4, "LOAD_ATTR": 9, "TO_BOOL": 3, "JUMP_BACKWARD": 1, "POP_JUMP_IF_NONE": 1},
		Py314: {"LOAD_GLOBAL": 4, "BINARY_OP": 5, "CALL_KW": 3, "LOAD_ATTR": 9, "TO_BOOL": 3},
	}
	for v, m := range caches {
		tab := TableFor(v)
		for name, n := range m {
			c, _ := tab.Opcode(name)
			if tab.Caches(c) != n {
				t.Errorf("%s %s caches %d, want %d", v, name, tab.Caches(c), n)
			}
		}
	}
	if c, _ := TableFor(Py312).Opcode("LOAD_ATTR_MODULE"); TableFor(Py312).Caches(c) != 9 ||
		TableFor(Py312).Name(TableFor(Py312).Base(c)) != "LOAD_ATTR" {
		t.Error("3.12 specialised LOAD_ATTR_MODULE does not share LOAD_ATTR's caches")
	}
}

func names(d *Disassembly) []string {
	var out []string
	for _, in := range d.Instructions {
		out = append(out, in.Name)
	}
	return out
}

func TestDisassemble(t *testing.T) {
	for _, c := range []struct {
		name  string
		v     Version
		code  []byte
		want  []string
		check func(*testing.T, []Instruction)
	}{
		{"2.7 three-byte", Py27, []byte{116, 1, 0, 100, 0, 0, 131, 1, 0, 83},
			[]string{"LOAD_GLOBAL", "LOAD_CONST", "CALL_FUNCTION", "RETURN_VALUE"},
			func(t *testing.T, in []Instruction) {
				if in[0].Kind != ArgName || in[0].Index != 1 || in[3].Offset != 9 {
					t.Errorf("%+v", in)
				}
			}},
		{"2.7 EXTENDED_ARG", Py27, []byte{145, 1, 0, 100, 2, 0},
			[]string{"LOAD_CONST"},
			func(t *testing.T, in []Instruction) {
				if in[0].Arg != 1<<16|2 || in[0].Start != 0 || in[0].Offset != 3 {
					t.Errorf("%+v", in[0])
				}
			}},
		{"3.6 EXTENDED_ARG", Py36, []byte{144, 1, 100, 2, 83, 0},
			[]string{"LOAD_CONST", "RETURN_VALUE"},
			func(t *testing.T, in []Instruction) {
				if in[0].Arg != 258 || in[0].Kind != ArgConst {
					t.Errorf("%+v", in[0])
				}
			}},
		{"3.11 caches and LOAD_GLOBAL>>1", Py311, append(append([]byte{151, 0, 116, 3}, make([]byte, 10)...), 83, 0),
			[]string{"RESUME", "LOAD_GLOBAL", "RETURN_VALUE"},
			func(t *testing.T, in []Instruction) {
				if in[1].Index != 1 || in[1].Bits != PushNull || in[1].Caches != 5 || in[2].Offset != 14 {
					t.Errorf("%+v", in)
				}
			}},
		{"3.12 LOAD_ATTR>>1", Py312, append([]byte{106, 5}, make([]byte, 18)...),
			[]string{"LOAD_ATTR"},
			func(t *testing.T, in []Instruction) {
				if in[0].Index != 2 || in[0].Bits != Method {
					t.Errorf("%+v", in[0])
				}
			}},
		{"3.12 LOAD_SUPER_ATTR>>2", Py312, []byte{141, 9, 0, 0},
			[]string{"LOAD_SUPER_ATTR"},
			func(t *testing.T, in []Instruction) {
				if in[0].Index != 2 || in[0].Kind != ArgName {
					t.Errorf("%+v", in[0])
				}
			}},
		{"3.13 LOAD_FAST_LOAD_FAST", Py313, []byte{88, 0x12},
			[]string{"LOAD_FAST_LOAD_FAST"},
			func(t *testing.T, in []Instruction) {
				if in[0].Kind != ArgLocalPair || in[0].Index != 1 || in[0].Index2 != 2 {
					t.Errorf("%+v", in[0])
				}
			}},
		{"3.10 jump in code units", Py310, []byte{114, 2, 9, 0, 83, 0},
			[]string{"POP_JUMP_IF_FALSE", "NOP", "RETURN_VALUE"},
			func(t *testing.T, in []Instruction) {
				if in[0].Kind != ArgJump || in[0].Index != 4 {
					t.Errorf("%+v", in[0])
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Disassemble(c.code, c.v)
			if !d.Clean() || !slices.Equal(names(d), c.want) {
				t.Fatalf("%v %v", names(d), d.Issues)
			}
			c.check(t, d.Instructions)
		})
	}
}

func TestIssues(t *testing.T) {
	for _, c := range []struct {
		name string
		v    Version
		code []byte
		want IssueKind
	}{
		{"undefined", Py36, []byte{0, 0}, Undefined},
		{"odd length", Py38, []byte{100, 0, 83}, Truncated},
		{"caches cut", Py311, []byte{116, 0, 0, 0}, Truncated},
		{"2.7 argument cut", Py27, []byte{100, 0}, Truncated},
		{"dangling EXTENDED_ARG", Py39, []byte{144, 1}, Truncated},
		{"non-zero cache", Py312, []byte{122, 0, 7, 0}, NonZeroCache},
		{"stray cache", Py311, []byte{0, 0}, StrayCache},
		{"specialised", Py312, func() []byte {
			c, _ := TableFor(Py312).Opcode("LOAD_ATTR_MODULE")
			return append([]byte{c, 0}, make([]byte, 18)...)
		}(), Adaptive},
		{"jump into caches", Py311, append([]byte{110, 1, 116, 0}, make([]byte, 10)...), BadJump},
	} {
		d := Disassemble(c.code, c.v)
		if len(d.Issues) == 0 || d.Issues[0].Kind != c.want {
			t.Errorf("%s: %v, want %v", c.name, d.Issues, c.want)
		}
		if d.Valid() == c.want.Hard() {
			t.Errorf("%s: Valid() = %v", c.name, d.Valid())
		}
	}
}

func TestPrologue(t *testing.T) {
	if !Disassemble([]byte{149, 1, 151, 0}, Py311).CompilerPrologue() { // COPY_FREE_VARS; RESUME
		t.Error("3.11 closure prologue")
	}
	if Disassemble([]byte{100, 0, 83, 0}, Py312).CompilerPrologue() {
		t.Error("3.12 code without RESUME")
	}
	if !Disassemble([]byte{62, 1, 149, 0}, Py313).CompilerPrologue() {
		t.Error("3.13 closure prologue")
	}
}
