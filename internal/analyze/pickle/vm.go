package pickle

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"

	pkl "github.com/modelgate/modelgate/internal/format/pickle"
)

// Budgets of the symbolic machine. Real pickles stay far below them; a
// hostile one degrades to unknown values (and an `error` entry when that
// hides something) instead of exhausting memory.
const (
	maxStack     = 1 << 20
	maxMemo      = 1 << 20
	maxArena     = 16 << 20
	maxConts     = 1 << 20
	maxElems     = 1 << 20
	maxCalls     = 1 << 18
	maxGlobals   = 1 << 14
	maxKeptStr   = 1 << 12 // bytes of one string kept for names and evidence
	containerCap = 8       // items kept per list/tuple/set (pairs*2 for dicts)
	// wideTupleCap is kept for tuples built from a MARK: argument tuples of
	// types.CodeType (up to 18) and the names and constants of code.
	wideTupleCap = 64
)

// container is a list, tuple, dict or set: its first items and its length.
type container struct {
	first uint32 // index into elems, or noObj
	used  uint16
	cap   uint16 // items kept; 0 means the default for the kind
	n     uint32
}

// call is the result of calling something during unpickling.
type call struct {
	fn, args, kwargs value
	state            value // BUILD state applied to the result
	how              byte
	built            bool
	off              int64
}

// event is something the classifier reports: an import of a global, or a
// call whose target is not known to be safe.
type event struct {
	off    int64
	op     byte
	global int32  // for imports: index into globals
	callee string // for calls: resolved dotted target ("" if unknown)
	call   uint32 // for calls: index into calls (or noObj)
	v      verdict
	msg    string
	expr   string // rendered evidence
}

// machine interprets one pickle stream symbolically.
type machine struct {
	ctx  context.Context
	dec  *pkl.Decoder
	hint string

	stack []value
	marks []int
	memo  []value
	// memoSparse holds keys too large for the dense slice.
	memoSparse   map[int64]value
	memoCount    int
	memoOverflow bool

	arena   []byte
	conts   []container
	elems   []value
	calls   []call
	globals []global
	gidx    map[string]int32

	proto int
	// ops counts interpreted opcodes; the context is checked each time it
	// passes nextCheck.
	ops, nextCheck int64

	events    []event
	anomalies []anomaly
	// joblib: a NumpyArrayWrapper built by the last BUILD, awaiting its
	// array bytes.
	pendingArray *arrayInfo
	budgetHit    string
	stopValue    value
	// nesting counts nested loads (joblib object arrays); arrays counts
	// joblib array payloads skipped.
	nesting int
	arrays  int
	// payloads are constants holding serialised artifacts (payload.go).
	payloads []payload
	// codes maps call results that are rebuilt code objects or functions
	// to their analysis; codeHits are the findings about them (code.go).
	codes    map[uint32]*codeInfo
	codeHits []codeHit
}

// anomaly is a structural oddity with its offset.
type anomaly struct {
	off  int64
	rule string
	msg  string
	ev   string
}

var machines = sync.Pool{New: func() any {
	return &machine{memoSparse: map[int64]value{}, gidx: map[string]int32{}}
}}

// getMachine returns a machine with empty tables; small files reuse the
// buffers of earlier ones.
func getMachine() *machine {
	m := machines.Get().(*machine)
	m.stack, m.marks, m.memo = m.stack[:0], m.marks[:0], m.memo[:0]
	m.arena, m.conts, m.elems, m.calls, m.globals = m.arena[:0], m.conts[:0], m.elems[:0], m.calls[:0], m.globals[:0]
	clear(m.memoSparse)
	clear(m.gidx)
	m.memoCount, m.memoOverflow, m.proto, m.ops, m.nextCheck = 0, false, 0, 0, 0
	m.events, m.anomalies, m.pendingArray = m.events[:0], m.anomalies[:0], nil
	m.budgetHit, m.stopValue, m.nesting, m.arrays = "", value{}, 0, 0
	m.payloads = m.payloads[:0]
	clear(m.codes)
	m.codeHits = m.codeHits[:0]
	return m
}

// putMachine recycles a machine unless a large pickle grew its tables.
func putMachine(m *machine) {
	if cap(m.arena) > 1<<20 || cap(m.stack) > 1<<16 || cap(m.memo) > 1<<16 || cap(m.elems) > 1<<16 {
		return
	}
	m.ctx, m.dec = nil, nil
	machines.Put(m)
}

// reset prepares the machine for the next stacked pickle (a fresh memo and
// stack, as pickle.load starts with) while keeping tables for evidence.
func (m *machine) resetStream() {
	m.stack = m.stack[:0]
	m.marks = m.marks[:0]
	m.memo = m.memo[:0]
	clear(m.memoSparse)
	m.memoCount = 0
	m.memoOverflow = false
	m.proto = 0
	m.pendingArray = nil
}

// errStackBudget stops analysis of a pickle whose stack outgrows the budget.
var errStackBudget = errors.New("pickle stack exceeds the analysis budget")

// run interprets opcodes until STOP (returns nil), the end of the stream
// (io.EOF when nothing was read, else a truncation error) or a decoding error.
func (m *machine) run() error {
	var op pkl.Op
	first := true
	for {
		if m.ops >= m.nextCheck {
			if err := m.ctx.Err(); err != nil {
				return err
			}
			m.nextCheck = m.ops + 1<<16
		}
		if !first {
			if err := m.burst(); err != nil {
				return err
			}
		}
		err := m.dec.Next(&op)
		if err != nil {
			if errors.Is(err, io.EOF) && !first {
				return &pkl.Error{Offset: m.dec.Offset(), Err: pkl.ErrTruncated, Detail: "no STOP opcode"}
			}
			return err
		}
		first = false
		m.ops++
		if err := m.hot(&op); err != nil {
			return err
		}
		if op.Code == pkl.STOP {
			return nil
		}
		if m.pendingArray != nil {
			if err := m.readArray(); err != nil {
				return err
			}
		}
	}
}

// burst interprets a run of the opcodes that make up most of a dense pickle
// (BININT1, BININT2, BININT, BINFLOAT, MARK) straight from the decoder's
// window, without filling an Op for each: as hot does, a third of the cost.
// It stops at any other opcode and at an argument that is not wholly in the
// window; run's loop takes those through Next.
func (m *machine) burst() error {
	// The stack and marks live in locals for the loop: through m, every
	// push would store and reload the slice header.
	w, stack, marks, ops := m.dec.Window(), m.stack, m.marks, m.ops
	i := 0
	var err error
loop:
	for i < len(w) {
		var v value
		switch w[i] {
		case pkl.BININT1:
			if i+2 > len(w) {
				break loop
			}
			v = value{k: kInt, n: int64(w[i+1])}
			i += 2
		case pkl.BININT2:
			if i+3 > len(w) {
				break loop
			}
			v = value{k: kInt, n: int64(binary.LittleEndian.Uint16(w[i+1:]))}
			i += 3
		case pkl.BININT:
			if i+5 > len(w) {
				break loop
			}
			v = value{k: kInt, n: int64(int32(binary.LittleEndian.Uint32(w[i+1:])))}
			i += 5
		case pkl.BINFLOAT:
			if i+9 > len(w) {
				break loop
			}
			v = value{k: kFloat, n: int64(binary.BigEndian.Uint64(w[i+1:]))}
			i += 9
		case pkl.MARK:
			if len(marks) >= maxStack {
				err = errStackBudget
				break loop
			}
			marks = append(marks, len(stack))
			i++
			ops++
			continue
		default:
			break loop
		}
		if len(stack) >= maxStack {
			err = errStackBudget
			break
		}
		stack = append(stack, v)
		ops++
	}
	m.stack, m.marks, m.ops = stack, marks, ops
	m.dec.Advance(i)
	return err
}

func (m *machine) push(v value) error {
	if n := len(m.stack); n < cap(m.stack) {
		// The hot path of dense pickles: no slice-header write-back.
		m.stack = m.stack[:n+1]
		m.stack[n] = v
		return nil
	}
	if len(m.stack) >= maxStack {
		return errStackBudget
	}
	m.stack = append(m.stack, v)
	return nil
}

// pop removes the top value; an empty stack (above the last MARK) is a
// malformed pickle, where the real unpickler raises, and yields an unknown.
func (m *machine) pop(op *pkl.Op) value {
	v, ok := m.peek(op)
	if ok {
		m.stack = m.stack[:len(m.stack)-1]
	}
	return v
}

func (m *machine) top(op *pkl.Op) value {
	v, _ := m.peek(op)
	return v
}

func (m *machine) peek(op *pkl.Op) (value, bool) {
	floor := 0
	if len(m.marks) > 0 {
		floor = m.marks[len(m.marks)-1]
	}
	if len(m.stack) <= floor {
		m.malformed(op, "stack underflow")
		return value{}, false
	}
	return m.stack[len(m.stack)-1], true
}

// popMark returns the items above the last MARK and removes them.
func (m *machine) popMark(op *pkl.Op) []value {
	if len(m.marks) == 0 {
		m.malformed(op, "no MARK on the stack")
		return nil
	}
	k := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	items := m.stack[k:]
	m.stack = m.stack[:k]
	return items
}

func (m *machine) malformed(op *pkl.Op, what string) {
	if len(m.anomalies) < 16 {
		m.anomalies = append(m.anomalies, anomaly{off: op.Offset, rule: "PICKLE-201",
			msg: fmt.Sprintf("%s at %s: CPython's unpickler would stop here with an error", what, pkl.Name(op.Code)),
			ev:  pkl.Name(op.Code)})
	}
}

// str stores string bytes in the arena.
func (m *machine) str(k kind, b []byte, full int64) value {
	keep := b
	var flag uint8
	if len(keep) > maxKeptStr {
		keep = keep[:maxKeptStr]
		flag = flagTruncated
	}
	if int64(len(keep)) < full {
		flag = flagTruncated
	}
	if len(m.arena)+len(keep) > maxArena {
		m.noteBudget("string memory")
		return value{k: kDropped, n: full}
	}
	off := len(m.arena)
	m.arena = append(m.arena, keep...)
	return value{k: k, a: uint32(off), b: uint16(len(keep)), n: full, flag: flag}
}

func (m *machine) noteBudget(what string) {
	if m.budgetHit == "" {
		m.budgetHit = what
	}
}

// text returns a string value's kept bytes.
func (m *machine) text(v value) string {
	if v.k != kStr && v.k != kBytes {
		return ""
	}
	return string(m.arena[v.a : v.a+uint32(v.b)])
}

func (m *machine) newContainer(k kind) value {
	if len(m.conts) >= maxConts {
		m.noteBudget("container count")
		return value{k: k, a: noObj}
	}
	m.conts = append(m.conts, container{first: noObj})
	return value{k: k, a: uint32(len(m.conts) - 1)}
}

// add appends items to a container, keeping the first few.
func (m *machine) add(c value, items ...value) {
	if !c.isContainer() || c.a == noObj {
		return
	}
	ct := &m.conts[c.a]
	capacity := ct.cap
	if capacity == 0 {
		capacity = containerCap
		if c.k == kDict {
			capacity *= 2
		}
	}
	for _, it := range items {
		ct.n++
		if ct.used >= capacity {
			continue
		}
		if ct.first == noObj {
			if len(m.elems)+int(capacity) > maxElems {
				m.noteBudget("container items")
				continue
			}
			ct.first = uint32(len(m.elems))
			m.elems = append(m.elems, make([]value, capacity)...)
		}
		m.elems[ct.first+uint32(ct.used)] = it
		ct.used++
	}
}

// items returns a container's kept items and its full length.
func (m *machine) items(c value) ([]value, int) {
	if !c.isContainer() || c.a == noObj {
		return nil, -1
	}
	ct := m.conts[c.a]
	if ct.first == noObj {
		return nil, int(ct.n)
	}
	return m.elems[ct.first : ct.first+uint32(ct.used)], int(ct.n)
}

func (m *machine) tuple(items []value) value {
	t := m.newContainer(kTuple)
	if len(items) > containerCap && t.a != noObj {
		m.conts[t.a].cap = uint16(min(len(items), wideTupleCap))
	}
	m.add(t, items...)
	return t
}

func (m *machine) memoPut(op *pkl.Op, key int64, v value) {
	if key < 0 {
		m.malformed(op, "negative memo key")
		return
	}
	if key < maxMemo {
		if key >= int64(len(m.memo)) {
			if key > int64(len(m.memo))+4096 && key >= int64(cap(m.memo)) {
				m.putSparse(op, key, v)
				return
			}
			for int64(len(m.memo)) <= key {
				m.memo = append(m.memo, value{k: kUnknown, flag: 0})
			}
		}
		if m.memo[key].flag&flagPresent == 0 {
			m.memoCount++
		}
		v.flag |= flagPresent
		m.memo[key] = v
		return
	}
	m.putSparse(op, key, v)
}

// flagPresent marks memo slots that were stored.
const flagPresent uint8 = 1 << 7

func (m *machine) putSparse(op *pkl.Op, key int64, v value) {
	if _, ok := m.memoSparse[key]; !ok {
		if len(m.memoSparse) >= 1<<16 {
			m.memoOverflow = true
			m.noteBudget("memo entries")
			return
		}
		m.memoCount++
	}
	m.memoSparse[key] = v
}

func (m *machine) memoGet(op *pkl.Op, key int64) value {
	if key >= 0 && key < int64(len(m.memo)) && m.memo[key].flag&flagPresent != 0 {
		v := m.memo[key]
		v.flag &^= flagPresent
		return v
	}
	if v, ok := m.memoSparse[key]; ok {
		return v
	}
	if m.memoOverflow {
		return value{k: kDropped}
	}
	m.malformed(op, fmt.Sprintf("memo key %d was never stored", key))
	return value{k: kUnknown}
}

// hot interprets the opcodes that make up the bulk of large pickles with a
// small, well-predicted dispatch, and hands everything else to step.
func (m *machine) hot(op *pkl.Op) error {
	switch op.Code {
	case pkl.BININT1, pkl.BININT2, pkl.BININT:
		return m.push(value{k: kInt, n: op.Int})
	case pkl.BINFLOAT:
		return m.push(value{k: kFloat, n: int64(math.Float64bits(op.Float))})
	case pkl.MARK:
		if len(m.marks) >= maxStack {
			return errStackBudget
		}
		m.marks = append(m.marks, len(m.stack))
		return nil
	case pkl.BINGET:
		return m.push(m.memoGet(op, op.Int))
	case pkl.MEMOIZE:
		m.memoPut(op, int64(m.memoCount), m.top(op))
		return nil
	}
	return m.step(op)
}

// step interprets one opcode.
func (m *machine) step(op *pkl.Op) error {
	switch op.Code {
	case pkl.STOP:
		m.stopValue = m.pop(op)
		return nil
	case pkl.POP:
		if len(m.marks) > 0 && m.marks[len(m.marks)-1] == len(m.stack) {
			// POP with a MARK on top discards the mark (CPython behaviour).
			m.marks = m.marks[:len(m.marks)-1]
			return nil
		}
		m.pop(op)
		return nil
	case pkl.POP_MARK:
		m.popMark(op)
		return nil
	case pkl.DUP:
		return m.push(m.top(op))
	case pkl.PROTO:
		m.proto = int(op.Int)
		return nil
	case pkl.FRAME:
		return nil
	case pkl.NONE:
		return m.push(value{k: kNone})
	case pkl.NEWTRUE:
		return m.push(value{k: kBool, n: 1})
	case pkl.NEWFALSE:
		return m.push(value{k: kBool, n: 0})
	case pkl.INT, pkl.LONG, pkl.LONG1, pkl.LONG4:
		if op.BigInt {
			return m.push(m.bigInt(op))
		}
		if op.Code == pkl.INT && len(op.Arg) == 2 && op.Arg[0] == '0' && (op.Arg[1] == '0' || op.Arg[1] == '1') {
			return m.push(value{k: kBool, n: op.Int})
		}
		return m.push(value{k: kInt, n: op.Int})
	case pkl.FLOAT:
		return m.push(value{k: kFloat, n: int64(math.Float64bits(op.Float))})
	case pkl.STRING, pkl.BINSTRING, pkl.SHORT_BINSTRING:
		// Python 2 str: text for Python 3 (latin-1/ASCII) unless
		// encoding='bytes'; names resolve either way.
		return m.push(m.constant(op, kStr))
	case pkl.UNICODE, pkl.BINUNICODE, pkl.SHORT_BINUNICODE, pkl.BINUNICODE8:
		return m.push(m.constant(op, kStr))
	case pkl.BINBYTES, pkl.SHORT_BINBYTES, pkl.BINBYTES8, pkl.BYTEARRAY8:
		return m.push(m.constant(op, kBytes))
	case pkl.EMPTY_LIST:
		return m.push(m.newContainer(kList))
	case pkl.EMPTY_TUPLE:
		return m.push(m.newContainer(kTuple))
	case pkl.EMPTY_DICT:
		return m.push(m.newContainer(kDict))
	case pkl.EMPTY_SET:
		return m.push(m.newContainer(kSet))
	case pkl.LIST:
		items := m.popMark(op)
		l := m.newContainer(kList)
		m.add(l, items...)
		return m.push(l)
	case pkl.TUPLE:
		return m.push(m.tuple(m.popMark(op)))
	case pkl.FROZENSET:
		items := m.popMark(op)
		s := m.newContainer(kFrozenSet)
		m.add(s, items...)
		return m.push(s)
	case pkl.DICT:
		items := m.popMark(op)
		d := m.newContainer(kDict)
		m.add(d, items[:len(items)&^1]...)
		return m.push(d)
	case pkl.TUPLE1, pkl.TUPLE2, pkl.TUPLE3:
		n := int(op.Code-pkl.TUPLE1) + 1
		var it [3]value
		for i := n - 1; i >= 0; i-- {
			it[i] = m.pop(op)
		}
		return m.push(m.tuple(it[:n]))
	case pkl.APPEND:
		v := m.pop(op)
		m.add(m.top(op), v)
		return nil
	case pkl.APPENDS, pkl.ADDITEMS:
		items := m.popMark(op)
		m.add(m.top(op), items...)
		return nil
	case pkl.SETITEM:
		v := m.pop(op)
		k := m.pop(op)
		m.add(m.top(op), k, v)
		return nil
	case pkl.SETITEMS:
		items := m.popMark(op)
		m.add(m.top(op), items[:len(items)&^1]...)
		return nil
	case pkl.PUT, pkl.BINPUT, pkl.LONG_BINPUT:
		m.memoPut(op, op.Int, m.top(op))
		return nil
	case pkl.GET, pkl.LONG_BINGET:
		return m.push(m.memoGet(op, op.Int))
	case pkl.GLOBAL:
		return m.push(m.importGlobal(op, string(op.Arg), string(op.Arg2)))
	case pkl.STACK_GLOBAL:
		name := m.pop(op)
		module := m.pop(op)
		return m.push(m.stackGlobal(op, module, name))
	case pkl.INST:
		g := m.importGlobal(op, string(op.Arg), string(op.Arg2))
		args := m.tuple(m.popMark(op))
		return m.push(m.makeCall(op, g, args, value{}))
	case pkl.OBJ:
		items := m.popMark(op)
		if len(items) == 0 {
			m.malformed(op, "OBJ without a class")
			return m.push(value{})
		}
		return m.push(m.makeCall(op, items[0], m.tuple(items[1:]), value{}))
	case pkl.REDUCE:
		args := m.pop(op)
		fn := m.pop(op)
		return m.push(m.makeCall(op, fn, args, value{}))
	case pkl.NEWOBJ:
		args := m.pop(op)
		cls := m.pop(op)
		return m.push(m.makeCall(op, cls, args, value{}))
	case pkl.NEWOBJ_EX:
		kwargs := m.pop(op)
		args := m.pop(op)
		cls := m.pop(op)
		return m.push(m.makeCall(op, cls, args, kwargs))
	case pkl.BUILD:
		state := m.pop(op)
		m.build(op, m.top(op), state)
		return nil
	case pkl.EXT1, pkl.EXT2, pkl.EXT4:
		m.events = append(m.events, event{off: op.Offset, op: op.Code, global: -1, call: noObj,
			v:    verdict{cat: catUnresolved, why: "the copyreg extension registry maps this code to a global only inside the loading process"},
			msg:  fmt.Sprintf("%s loads global number %d from the copyreg extension registry", pkl.Name(op.Code), op.Int),
			expr: fmt.Sprintf("copyreg._extension_registry[%d]", op.Int)})
		return m.push(value{k: kUnknown})
	case pkl.PERSID:
		pid := m.constant(op, kStr)
		return m.push(m.persistent(op, pid))
	case pkl.BINPERSID:
		return m.push(m.persistent(op, m.pop(op)))
	case pkl.NEXT_BUFFER:
		return m.push(value{k: kBuffer})
	case pkl.READONLY_BUFFER:
		return nil
	}
	return nil
}

func (m *machine) constant(op *pkl.Op, k kind) value {
	v := m.str(k, op.Arg, op.Len)
	m.notePayload(op, v)
	return v
}

func (m *machine) bigInt(op *pkl.Op) value {
	// Keep the digits (or bytes) for evidence, e.g. the legacy torch magic.
	v := m.str(kBytes, op.Arg, op.Len)
	if v.k == kDropped {
		return value{k: kBigInt}
	}
	v.k = kBigInt
	return v
}

// persistent models persistent_load(pid): the loader's own hook (torch
// storages), represented as a call for evidence.
func (m *machine) persistent(op *pkl.Op, pid value) value {
	if cls, ok := m.legacyModuleClass(pid); ok {
		return cls
	}
	return m.newCall(op, value{k: kUnknown}, pid, value{})
}

func (m *machine) newCall(op *pkl.Op, fn, args, kwargs value) value {
	if len(m.calls) >= maxCalls {
		m.noteBudget("call count")
		return value{k: kCall, a: noObj}
	}
	m.calls = append(m.calls, call{fn: fn, args: args, kwargs: kwargs, how: op.Code, off: op.Offset})
	return value{k: kCall, a: uint32(len(m.calls) - 1)}
}

// importGlobal resolves GLOBAL/INST operands and STACK_GLOBAL strings.
func (m *machine) importGlobal(op *pkl.Op, module, name string) value {
	key := module + "\x00" + name
	if i, ok := m.gidx[key]; ok {
		g := &m.globals[i]
		g.count++
		return value{k: kGlobal, a: uint32(i)}
	}
	if len(m.globals) >= maxGlobals {
		m.noteBudget("distinct globals")
		return value{k: kUnknown}
	}
	v := classifyFor(m.hint, module, name)
	dotted := foldModule(module)
	if name != "" {
		dotted += "." + name
	}
	m.globals = append(m.globals, global{module: module, name: name, dotted: dotted, off: op.Offset, how: op.Code, count: 1,
		firstCall: noObj, verdict: v, user: v.cat == catUnknown && isUserModule(module)})
	i := int32(len(m.globals) - 1)
	m.gidx[key] = i
	return value{k: kGlobal, a: uint32(i)}
}

func (m *machine) stackGlobal(op *pkl.Op, module, name value) value {
	if module.k == kStr && name.k == kStr {
		return m.importGlobal(op, m.text(module), m.text(name))
	}
	ev := event{off: op.Offset, op: op.Code, global: -1, call: noObj}
	switch {
	case module.k == kDropped || name.k == kDropped:
		ev.v = verdict{cat: catUnresolved, why: "an operand was dropped by the analysis memory budget"}
		ev.msg = "STACK_GLOBAL operands could not be kept within the analysis budget"
		m.noteBudget("string memory")
	case module.k == kGlobal || module.k == kCall || name.k == kGlobal || name.k == kCall:
		ev.v = verdict{cat: catReflect, why: "the module or name is computed while loading, which only evasion needs"}
		ev.msg = "STACK_GLOBAL imports a name computed at load time"
	default:
		ev.v = verdict{cat: catUnresolved, why: "the operands are not strings (a memo trick; CPython rejects it)"}
		ev.msg = "STACK_GLOBAL operands are not strings"
	}
	ev.expr = "find_class(" + m.render(module, 2) + ", " + m.render(name, 2) + ")"
	m.events = append(m.events, ev)
	return value{k: kUnknown}
}

// makeCall records a call and classifies what it reaches.
func (m *machine) makeCall(op *pkl.Op, fn, args, kwargs value) value {
	res := m.newCall(op, fn, args, kwargs)
	if fn.k == kGlobal {
		g := &m.globals[fn.a]
		g.calls++
		if g.verdict.cat != catSafe && (m.markLoaded(g.dotted, args) || m.judgeCode(op, g.dotted, fn, args, res)) {
			// A deserialiser of a constant payload, or a builder of code
			// that was rebuilt and graded: what they load decides.
			g.judged++
			return res
		}
		if g.firstCall == noObj && res.a != noObj {
			g.firstCall = res.a
		}
		if op.Code == pkl.NEWOBJ || op.Code == pkl.NEWOBJ_EX {
			return res // cls.__new__: the class was classified on import
		}
		m.checkReflection(op, g, args, res)
		m.checkGuarded(op, g, args, res)
		return res
	}
	// A call of something that is not a plain global: a reflected callable.
	if fn.k == kCall && fn.a != noObj {
		if inner := m.calls[fn.a].fn; inner.k == kGlobal {
			m.globals[inner.a].resultCalled = true
		}
	}
	target, how := m.callTarget(fn, args)
	if m.markLoaded(target, args) || m.judgeCode(op, target, fn, args, res) {
		return res
	}
	v := verdict{cat: catUnknown, why: "calls an object the pickle computed"}
	if target != "" {
		v = classifyDotted(m.hint, target)
	}
	if v.cat == catSafe {
		return res
	}
	msg := "calls " + how
	if target != "" {
		msg = fmt.Sprintf("calls %s through %s", target, how)
	}
	m.events = append(m.events, event{off: op.Offset, op: op.Code, global: -1, callee: target, call: res.a, v: v, msg: msg,
		expr: m.render(res, 4)})
	return res
}

// build applies BUILD: obj.__setstate__(state) or obj.__dict__.update(state).
func (m *machine) build(op *pkl.Op, obj, state value) {
	switch obj.k {
	case kCall:
		if obj.a != noObj {
			c := &m.calls[obj.a]
			c.state, c.built = state, true
			m.noteArrayWrapper(c)
		}
	case kGlobal:
		// Setting attributes on an imported module or class rewrites code
		// that later lookups will run (torch._utils overridden to eval).
		g := m.globals[obj.a]
		m.events = append(m.events, event{off: op.Offset, op: op.Code, global: -1, call: noObj,
			v:    verdict{cat: catState, why: "BUILD on an imported module or class overwrites its attributes"},
			msg:  "BUILD overwrites attributes of " + g.dotted,
			expr: g.dotted + ".__dict__.update(" + m.render(state, 3) + ")"})
	}
}
