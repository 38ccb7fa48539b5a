package pickle

import (
	"math"
)

// kind is the type of a symbolic value.
type kind uint8

const (
	kUnknown kind = iota // content not known statically (or dropped by a budget)
	kNone
	kBool
	kInt
	kBigInt
	kFloat
	kStr   // text
	kBytes // bytes, bytearray, Python 2 str
	kTuple
	kList
	kDict
	kSet
	kFrozenSet
	kGlobal  // a class, function or module imported by GLOBAL/STACK_GLOBAL/INST
	kCall    // the result of calling something (REDUCE, NEWOBJ, OBJ, INST)
	kPersID  // the result of persistent_load(pid)
	kBuffer  // an out-of-band buffer (protocol 5)
	kDropped // a string whose bytes were dropped by the memory budget
)

// value is a symbolic stack or memo entry. It stays 16 bytes and pointer-
// free so that dense pickles cost no garbage-collector work.
//
//   - kInt/kBool: n is the value.
//   - kFloat: n holds the IEEE bits.
//   - kStr/kBytes: a is the arena offset, b the kept length, n the full length.
//   - containers, kGlobal, kCall, kPersID: a is the object index.
type value struct {
	n    int64
	a    uint32
	b    uint16
	k    kind
	flag uint8
}

// flags on values.
const (
	flagTruncated uint8 = 1 << iota // string kept only in part
)

func (v value) float() float64 { return math.Float64frombits(uint64(v.n)) }

func (v value) isContainer() bool { return v.k >= kTuple && v.k <= kFrozenSet }

// noObj marks an absent object index.
const noObj = math.MaxUint32

// object is what a container, global or call value refers to.
type object struct {
	// containers: up to cap items stored from elems[first], n counted.
	first uint32
	used  uint16
	cap   uint16
	n     int64

	// kGlobal: index into the machine's globals table.
	global int32

	// kCall: what was called and how.
	fn     value
	args   value
	kwargs value
	how    byte  // the opcode that made the call
	off    int64 // offset of that opcode
	// state is the BUILD state applied to the result, if any.
	state value
	built bool
}

// global is one distinct imported name.
type global struct {
	module, name string
	// dotted is the canonical reference after alias folding.
	dotted string
	off    int64 // first import
	how    byte
	count  int
	calls  int
	// judged counts calls proven harmless by what they touch (a
	// deserialiser of a constant payload that was analysed).
	judged int
	// firstCall is the first call object that called it directly, or noObj.
	firstCall uint32
	verdict   verdict
	// user marks a global from the user's own code (not the standard
	// library, not a known ML library); resultCalled marks one whose call
	// result was itself called, which classes' instances never are.
	user         bool
	resultCalled bool
}
