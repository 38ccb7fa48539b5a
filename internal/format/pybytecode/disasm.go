// Package pybytecode disassembles CPython bytecode (co_code) of versions 2.7
// and 3.6 to 3.14 without executing anything. Each version has its own opcode
// table (tables_gen.go, generated from the interpreters themselves; 3.14 from
// CPython's published sources), its own instruction width, EXTENDED_ARG
// opcode and, from 3.11 on, inline CACHE units that are skipped exactly as
// the interpreter skips them. Arguments are resolved the way dis resolves
// them (LOAD_GLOBAL namei = arg>>1 on 3.11+, LOAD_ATTR arg>>1 on 3.12+...).
//
// Disassemble never fails: it reports what a real interpreter would reject
// (undefined opcodes, code cut inside an instruction or its caches) and what
// no compiler produces (non-zero caches, specialised or instrumented
// opcodes, jumps into caches) as Issues, which marshal decoding uses to tell
// versions apart and analysis reports as signs of hand-assembled code.
package pybytecode

import "fmt"

// ArgKind says what an instruction's argument refers to.
type ArgKind uint8

const (
	ArgNone      ArgKind = iota // no argument, or an opcode-specific count/flag
	ArgName                     // Index into co_names
	ArgConst                    // Index into co_consts
	ArgLocal                    // Index into co_varnames (<=3.10) or localsplus (3.11+)
	ArgDeref                    // Index into cellvars+freevars (<=3.10) or localsplus (3.11+)
	ArgJump                     // Index is the target byte offset
	ArgCompare                  // Index into the comparison operators
	ArgLocalPair                // Index and Index2 are two local indices (3.13+ superinstructions)
	ArgValue                    // Index is an immediate value (LOAD_SMALL_INT, counts, flags)
)

// Bits carried in low argument bits on 3.11+.
const (
	// PushNull: LOAD_GLOBAL also pushes NULL (3.11+), the call-site marker.
	PushNull = 1 << iota
	// Method: LOAD_ATTR loads a method for a following call (3.12+), or
	// LOAD_SUPER_ATTR does.
	Method
)

// Instruction is one decoded instruction. EXTENDED_ARG prefixes are folded
// into Arg; Start is where the first prefix begins.
type Instruction struct {
	Start  int // offset of the first EXTENDED_ARG prefix, or Offset
	Offset int // offset of the opcode byte
	Op     uint8
	Base   uint8 // family opcode of a specialised form, else Op
	Name   string
	Arg    int // raw argument with EXTENDED_ARG applied; 0 when the opcode takes none
	Kind   ArgKind
	Index  int // resolved argument, see ArgKind
	Index2 int // second local of an ArgLocalPair
	Bits   int // PushNull, Method
	Caches int // inline cache units that follow
	Size   int // bytes from Start to the next instruction, caches included
}

// IssueKind classifies a problem found while decoding.
type IssueKind uint8

const (
	// Hard issues: the interpreter would fail on this code.
	Undefined IssueKind = iota // opcode not defined in this version
	Truncated                  // code ends inside an instruction, its argument or its caches
	// Soft issues: runnable, but never produced by the compiler and marshal.
	NonZeroCache // inline cache units carry data
	StrayCache   // a CACHE opcode outside an instruction's caches
	Adaptive     // specialised or instrumented opcode
	BadJump      // jump target outside the code, inside caches or inside an instruction
)

var issueNames = [...]string{"undefined opcode", "truncated code", "non-zero inline cache", "stray CACHE opcode",
	"specialised or instrumented opcode", "bad jump target"}

func (k IssueKind) String() string { return issueNames[k] }

// Hard reports whether the issue makes the code unrunnable in that version.
func (k IssueKind) Hard() bool { return k <= Truncated }

// Issue is a problem at an offset.
type Issue struct {
	Offset int
	Kind   IssueKind
	Detail string
}

func (i Issue) String() string { return fmt.Sprintf("%s at offset %d: %s", i.Kind, i.Offset, i.Detail) }

// Disassembly is the result of decoding one co_code for one version.
type Disassembly struct {
	Version      Version
	Instructions []Instruction
	Issues       []Issue
}

// Valid reports whether the code has no hard issue.
func (d *Disassembly) Valid() bool {
	for _, is := range d.Issues {
		if is.Kind.Hard() {
			return false
		}
	}
	return true
}

// Clean reports whether the code looks compiler-made: no issue at all.
func (d *Disassembly) Clean() bool { return len(d.Issues) == 0 }

// Disassemble decodes code as version v. It returns nil for an unsupported
// version.
func Disassemble(code []byte, v Version) *Disassembly {
	t := TableFor(v)
	if t == nil {
		return nil
	}
	d := &Disassembly{Version: v, Instructions: make([]Instruction, 0, len(code)/2)}
	if v.Wordcode() {
		decodeWordcode(d, t, code)
	} else {
		decodeBytecode(d, t, code)
	}
	checkJumps(d)
	return d
}

func (d *Disassembly) issue(off int, k IssueKind, format string, a ...any) {
	d.Issues = append(d.Issues, Issue{Offset: off, Kind: k, Detail: fmt.Sprintf(format, a...)})
}

// decodeBytecode walks 2.7 code: one byte per opcode, two more for an
// argument, EXTENDED_ARG supplying the high 16 bits.
func decodeBytecode(d *Disassembly, t *Table, code []byte) {
	ext, start := 0, 0
	for pc := 0; pc < len(code); {
		c := code[pc]
		if t.Name(c) == "" {
			d.issue(pc, Undefined, "opcode %d", c)
		}
		size, arg := 1, 0
		if t.HasArg(c) {
			if pc+3 > len(code) {
				d.issue(pc, Truncated, "argument of %s", t.Name(c))
				return
			}
			size, arg = 3, ext|int(code[pc+1])|int(code[pc+2])<<8
		}
		if t.isExtendedArg(c) {
			ext = arg << 16
			pc += size
			continue
		}
		d.add(t, Instruction{Start: start, Offset: pc, Op: c, Arg: arg, Size: pc + size - start})
		pc += size
		ext, start = 0, pc
	}
	if start != len(code) {
		d.issue(start, Truncated, "EXTENDED_ARG at the end of the code")
	}
}

// decodeWordcode walks 3.6+ code: two-byte units, EXTENDED_ARG shifting the
// argument left by 8 bits, and on 3.11+ inline caches after the instruction.
func decodeWordcode(d *Disassembly, t *Table, code []byte) {
	if len(code)%2 != 0 {
		d.issue(len(code)-1, Truncated, "odd code length %d", len(code))
		code = code[:len(code)-1]
	}
	ext, start := 0, 0
	for pc := 0; pc < len(code); pc += 2 {
		c := code[pc]
		arg := ext | int(code[pc+1])
		if t.Name(c) == "" {
			d.issue(pc, Undefined, "opcode %d", c)
		}
		if t.isExtendedArg(c) {
			ext = arg << 8
			continue
		}
		if !t.HasArg(c) {
			arg = 0
		}
		caches := 0
		if t.version.hasCaches() {
			if c == 0 {
				d.issue(pc, StrayCache, "CACHE outside an instruction's caches")
			}
			caches = t.Caches(c)
			if pc+2+2*caches > len(code) {
				d.issue(pc, Truncated, "%s needs %d cache units", t.Name(c), caches)
				caches = (len(code) - pc - 2) / 2
			}
			checkCaches(d, code[pc+2:pc+2+2*caches], pc+2)
		}
		d.add(t, Instruction{Start: start, Offset: pc, Op: c, Arg: arg, Caches: caches, Size: pc + 2 + 2*caches - start})
		pc += 2 * caches
		ext, start = 0, pc+2
	}
	if start < len(code) {
		d.issue(start, Truncated, "EXTENDED_ARG at the end of the code")
	}
}

func checkCaches(d *Disassembly, units []byte, off int) {
	for i, b := range units {
		if b != 0 {
			d.issue(off+i-i%2, NonZeroCache, "byte 0x%02x", b)
			return
		}
	}
}

// add resolves the argument of in and appends it.
func (d *Disassembly) add(t *Table, in Instruction) {
	in.Name = t.Name(in.Op)
	in.Base = t.Base(in.Op)
	fl := t.Flags(in.Op)
	if fl&(Specialized|Instrumented) != 0 {
		d.issue(in.Offset, Adaptive, "%s", in.Name)
	}
	in.Kind, in.Index = argKind(fl), in.Arg
	base := t.Name(in.Base)
	v := t.version
	switch {
	case base == "LOAD_GLOBAL" && v >= Py311:
		in.Index, in.Bits = in.Arg>>1, in.Arg&1*PushNull
	case base == "LOAD_ATTR" && v >= Py312:
		in.Index, in.Bits = in.Arg>>1, in.Arg&1*Method
	case base == "LOAD_SUPER_ATTR":
		in.Index, in.Bits = in.Arg>>2, in.Arg&1*Method
	case base == "LOAD_FAST_LOAD_FAST" || base == "STORE_FAST_LOAD_FAST" || base == "STORE_FAST_STORE_FAST" ||
		base == "LOAD_FAST_BORROW_LOAD_FAST_BORROW":
		in.Kind, in.Index, in.Index2 = ArgLocalPair, in.Arg>>4, in.Arg&15
	case in.Kind == ArgJump:
		in.Index = jumpTarget(t, in, fl)
	case in.Kind == ArgNone && t.HasArg(in.Op):
		in.Kind = ArgValue
	}
	d.Instructions = append(d.Instructions, in)
}

func argKind(fl Flag) ArgKind {
	switch {
	case fl&HasName != 0:
		return ArgName
	case fl&HasConst != 0:
		return ArgConst
	case fl&HasLocal != 0:
		return ArgLocal
	case fl&HasFree != 0:
		return ArgDeref
	case fl&(JumpRel|JumpAbs) != 0:
		return ArgJump
	case fl&HasCompare != 0:
		return ArgCompare
	}
	return ArgNone
}

// jumpTarget computes a jump's destination as dis does for each version:
// byte offsets up to 3.9, code units from 3.10, relative to the end of the
// caches from 3.11, backwards for *_BACKWARD_* opcodes.
func jumpTarget(t *Table, in Instruction, fl Flag) int {
	next := in.Offset + in.Size - (in.Offset - in.Start)
	switch {
	case t.version < Py310 && fl&JumpAbs != 0:
		return in.Arg
	case t.version < Py310:
		return next + in.Arg
	case fl&JumpAbs != 0:
		return 2 * in.Arg
	case fl&Backward != 0:
		return next - 2*in.Arg
	}
	return next + 2*in.Arg
}

// checkJumps reports targets that are not the start of an instruction.
func checkJumps(d *Disassembly) {
	starts := make(map[int]bool, len(d.Instructions)+1)
	end := 0
	for _, in := range d.Instructions {
		starts[in.Start] = true
		end = in.Start + in.Size
	}
	starts[end] = true // falling off the end is caught by the interpreter, not here
	for _, in := range d.Instructions {
		if in.Kind == ArgJump && !starts[in.Index] {
			d.issue(in.Offset, BadJump, "%s to %d", in.Name, in.Index)
		}
	}
}

// CompilerPrologue reports whether 3.11+ code starts the way the compiler
// starts every code object: MAKE_CELL/COPY_FREE_VARS/RETURN_GENERATOR/POP_TOP
// then RESUME. Older versions have no prologue and always pass.
func (d *Disassembly) CompilerPrologue() bool {
	if d.Version < Py311 {
		return true
	}
	for _, in := range d.Instructions {
		switch in.Name {
		case "RESUME":
			return true
		case "MAKE_CELL", "COPY_FREE_VARS", "RETURN_GENERATOR", "POP_TOP", "NOP":
		default:
			return false
		}
	}
	return false
}
