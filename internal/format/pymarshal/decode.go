// Package pymarshal decodes CPython's marshal format (the bytes of
// marshal.dumps, as Keras Lambda layers and cloudpickle carry code objects)
// for CPython 2.7 and 3.6 to 3.14, without executing anything.
//
// The input has no pyc header, so Decode infers the Python version from the
// data itself: it reads the whole graph once per code-object wire layout
// (2.7, 3.0-3.7, 3.8-3.10, 3.11+) with the type checks of CPython's code
// constructor, then keeps the versions of the accepted layout whose opcode
// table decodes every co_code (pybytecode), preferring compiler-shaped code.
//
// Every length is checked against the bytes that remain before anything is
// allocated, and Limits bound depth, object count, materialised bytes and
// the reference table. Like marshal.loads, Decode ignores trailing bytes but
// reports them as an anomaly.
package pymarshal

import (
	"errors"
	"fmt"

	"github.com/modelgate/modelgate/internal/format/pybytecode"
)

// AnomalyKind classifies what a real loader accepts but a compiler and
// marshal.dumps never produce.
type AnomalyKind uint8

const (
	// TrailingData: bytes after the object (marshal.loads ignores them).
	TrailingData AnomalyKind = iota
	// NonASCII: an ASCII-typed string holds bytes >= 0x80.
	NonASCII
	// AmbiguousLayout: the bytes parse with more than one code layout.
	AmbiguousLayout
	// HandAssembled: in every candidate version some co_code has inline
	// caches with data, specialised opcodes, bad jumps or no RESUME prologue.
	HandAssembled
	// InvalidBytecode: no candidate version defines every opcode of every
	// co_code; the versions reported are the layout's candidates.
	InvalidBytecode
)

var anomalyNames = [...]string{"trailing data", "non-ASCII ASCII string", "ambiguous layout",
	"hand-assembled bytecode", "invalid bytecode"}

func (k AnomalyKind) String() string { return anomalyNames[k] }

// Anomaly is one trait found while decoding.
type Anomaly struct {
	Kind   AnomalyKind
	Offset int
	Detail string
}

func (a Anomaly) String() string {
	return fmt.Sprintf("%s at offset %d: %s", a.Kind, a.Offset, a.Detail)
}

// Result is a decoded marshal stream.
type Result struct {
	Object *Object
	// Layout is the code-object layout the stream was read with (NoLayout
	// when it holds no code object).
	Layout Layout
	// Versions are the candidate CPython versions, oldest first: those of
	// the layout whose bytecode tables accept every code object.
	Versions []pybytecode.Version
	// Codes lists every code object in reading order (the top-level one
	// first when the stream is a code object).
	Codes     []*CodeObject
	Anomalies []Anomaly
	// Consumed is the number of bytes the object occupies.
	Consumed int
}

// Code returns the top-level code object, or nil.
func (r *Result) Code() *CodeObject {
	if r.Object == nil {
		return nil
	}
	return r.Object.Code
}

// layoutOrder is the order in which layouts are tried; the first accepted
// one is kept, the others only make the result ambiguous.
var layoutOrder = []Layout{Layout311, Layout38, Layout30, Layout27}

// Decode reads one marshalled object from data. Zero Limits fields take the
// defaults.
func Decode(data []byte, lim Limits) (*Result, error) {
	lim = lim.withDefaults()
	var best *reader
	var bestObj *Object
	var firstErr error
	var accepted []Layout
	for _, l := range layoutOrder {
		rd, obj, err := decodeAs(data, l, lim)
		if err != nil {
			if errors.Is(err, ErrLimit) {
				return nil, err
			}
			if firstErr == nil || errorDepth(err) > errorDepth(firstErr) {
				firstErr = err
			}
			continue
		}
		accepted = append(accepted, l)
		if best == nil {
			best, bestObj = rd, obj
		}
		if len(rd.codes) == 0 {
			break // no code object: every layout reads the same
		}
	}
	if best == nil {
		return nil, firstErr
	}
	return best.finish(bestObj, accepted), nil
}

func decodeAs(data []byte, l Layout, lim Limits) (*reader, *Object, error) {
	rd := &reader{data: data, layout: l, lim: lim}
	obj, err := rd.object()
	if err == nil && obj == nil {
		err = rd.fail(0, "NULL object in marshal data for object")
	}
	return rd, obj, err
}

// errorDepth ranks failures: the one that got furthest explains the input best.
func errorDepth(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Offset
	}
	return -1
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	if l.MaxObjects > 0 {
		d.MaxObjects = l.MaxObjects
	}
	if l.MaxBytes > 0 {
		d.MaxBytes = l.MaxBytes
	}
	if l.MaxRefs > 0 {
		d.MaxRefs = l.MaxRefs
	}
	return d
}

func (r *reader) finish(obj *Object, accepted []Layout) *Result {
	res := &Result{Object: obj, Layout: r.layout, Consumed: r.pos, Codes: r.codes, Anomalies: r.anoms}
	if len(r.codes) == 0 {
		res.Layout = NoLayout
	}
	if len(accepted) > 1 && len(r.codes) > 0 {
		res.add(Anomaly{Kind: AmbiguousLayout, Detail: fmt.Sprintf("also parses with layouts %v", accepted[1:])})
	}
	if r.pos < len(r.data) {
		res.add(Anomaly{Kind: TrailingData, Offset: r.pos, Detail: fmt.Sprintf("%d bytes after the object", len(r.data)-r.pos)})
	}
	if len(r.codes) > 0 {
		res.inferVersions(r.sawSlice)
	}
	return res
}

func (res *Result) add(a Anomaly) { res.Anomalies = append(res.Anomalies, a) }

func (r *reader) anomaly(off int, k AnomalyKind, detail string) {
	r.anoms = append(r.anoms, Anomaly{Kind: k, Offset: off, Detail: detail})
}

// inferVersions keeps the layout's versions whose opcode tables accept all
// code objects: compiler-shaped ones if any, else merely runnable ones.
func (res *Result) inferVersions(sawSlice bool) {
	cands := res.Layout.candidates()
	if sawSlice {
		cands = []pybytecode.Version{pybytecode.Py314}
	}
	var clean, valid []pybytecode.Version
	var why string
	for _, v := range cands {
		ok, shaped, detail := res.check(v)
		if ok && shaped {
			clean = append(clean, v)
		} else if ok {
			valid = append(valid, v)
		}
		if why == "" {
			why = detail
		}
	}
	switch {
	case len(clean) > 0:
		res.Versions = clean
	case len(valid) > 0:
		res.Versions = valid
		res.add(Anomaly{Kind: HandAssembled, Offset: -1, Detail: why})
	default:
		res.Versions = cands
		res.add(Anomaly{Kind: InvalidBytecode, Offset: -1, Detail: why})
	}
}

// check disassembles every code object as v: ok when none has a hard
// issue, shaped when none has any issue and all have the compiler prologue.
func (res *Result) check(v pybytecode.Version) (ok, shaped bool, detail string) {
	ok, shaped = true, true
	for _, c := range res.Codes {
		d := pybytecode.Disassemble(c.Code, v)
		if !d.Valid() {
			ok = false
		}
		if !d.Clean() || !d.CompilerPrologue() {
			shaped = false
		}
		if detail == "" && len(d.Issues) > 0 {
			detail = fmt.Sprintf("%s (%s): %s", c.Name, v, d.Issues[0])
		} else if detail == "" && !d.CompilerPrologue() {
			detail = fmt.Sprintf("%s (%s): no RESUME prologue", c.Name, v)
		}
	}
	return ok, shaped, detail
}
