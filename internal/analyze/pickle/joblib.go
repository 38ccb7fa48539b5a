package pickle

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"

	pkl "github.com/modelgate/modelgate/internal/format/pickle"
)

// arrayInfo describes the array bytes that joblib writes right after a
// NumpyArrayWrapper's BUILD: joblib.load reads them from the stream itself,
// so the opcode walk must skip exactly that many bytes and go on after them.
type arrayInfo struct {
	off       int64
	objects   bool  // object dtype: a nested pickle follows instead of raw bytes
	bytes     int64 // raw byte count
	aligned   bool  // joblib ≥ 1.2 writes a padding-length byte and padding
	err       string
	shapeText string
	dtypeText string
}

var wrapperClasses = map[string]bool{
	"joblib.numpy_pickle.NumpyArrayWrapper":                   true,
	"sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper": true,
}

// noteArrayWrapper inspects a BUILD state applied to a joblib wrapper.
func (m *machine) noteArrayWrapper(c *call) {
	if c.fn.k != kGlobal || !wrapperClasses[m.globals[c.fn.a].dotted] {
		return
	}
	info := &arrayInfo{off: c.off}
	m.pendingArray = info
	fields := map[string]value{}
	items, _ := m.items(c.state)
	if c.state.k != kDict {
		info.err = "its state is not a dict"
		return
	}
	for i := 0; i+1 < len(items); i += 2 {
		if items[i].k == kStr {
			fields[m.text(items[i])] = items[i+1]
		}
	}
	if a, ok := fields["numpy_array_alignment_bytes"]; ok && a.k == kInt {
		info.aligned = true
	}
	itemsize, objects, dt := m.dtypeSize(fields["dtype"])
	info.dtypeText = dt
	if objects {
		info.objects = true
		return
	}
	if itemsize <= 0 {
		info.err = "its dtype " + dt + " has no known item size"
		return
	}
	count, shape, ok := m.shapeCount(fields["shape"])
	info.shapeText = shape
	if !ok {
		info.err = "its shape " + shape + " is not a tuple of non-negative integers"
		return
	}
	hi, lo := bits.Mul64(uint64(count), uint64(itemsize))
	if hi != 0 || lo > math.MaxInt64 {
		info.err = "its size overflows"
		return
	}
	info.bytes = int64(lo)
}

// dtypeSize returns the item size of a pickled numpy.dtype(...) value.
func (m *machine) dtypeSize(v value) (int64, bool, string) {
	if v.k != kCall || v.a == noObj {
		return 0, false, m.render(v, 2)
	}
	c := m.calls[v.a]
	args, _ := m.items(c.args)
	if len(args) == 0 || args[0].k != kStr {
		return 0, false, m.render(v, 2)
	}
	code := m.text(args[0])
	if strings.HasPrefix(code, "O") {
		return 8, true, code
	}
	if c.built {
		if st, _ := m.items(c.state); len(st) > 5 && st[5].k == kInt && st[5].n > 0 {
			return st[5].n, false, code
		}
	}
	digits := strings.TrimLeft(code, "<>|=bifucmMSUVO?")
	if i := strings.IndexByte(digits, '['); i >= 0 {
		digits = digits[:i]
	}
	size, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || size <= 0 {
		return 0, false, code
	}
	if strings.HasPrefix(code, "U") {
		size *= 4
	}
	return size, false, code
}

func (m *machine) shapeCount(v value) (int64, string, bool) {
	text := m.render(v, 2)
	if v.k != kTuple {
		return 0, text, false
	}
	items, n := m.items(v)
	if len(items) != n {
		return 0, text, false
	}
	count := int64(1)
	for _, d := range items {
		if d.k != kInt || d.n < 0 {
			return 0, text, false
		}
		hi, lo := bits.Mul64(uint64(count), uint64(d.n))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, text, false
		}
		count = int64(lo)
	}
	return count, text, true
}

// maxArrayNesting bounds object arrays inside object arrays.
const maxArrayNesting = 8

// readArray consumes the array data that follows a wrapper's BUILD.
func (m *machine) readArray() error {
	info := m.pendingArray
	m.pendingArray = nil
	if info.err != "" {
		return &pkl.Error{Offset: info.off, Err: pkl.ErrInvalidArg,
			Detail: "joblib array record: " + info.err + "; the position of the rest of the pickle is unknown"}
	}
	if info.objects {
		// joblib pickles object arrays as a complete nested pickle.
		if m.nesting >= maxArrayNesting {
			return &pkl.Error{Offset: info.off, Err: errNesting}
		}
		saved := m.saveStream()
		m.nesting++
		err := m.run()
		m.nesting--
		m.restoreStream(saved)
		m.arrays++
		return err
	}
	if info.aligned {
		pad := m.dec.Peek(1)
		if len(pad) == 0 {
			return &pkl.Error{Offset: m.dec.Offset(), Err: pkl.ErrTruncated, Detail: "joblib array padding"}
		}
		m.dec.Skip(1 + int64(pad[0]))
	}
	start := m.dec.Offset()
	if got := m.dec.Skip(info.bytes); got < info.bytes {
		return &pkl.Error{Offset: start, Err: pkl.ErrTruncated,
			Detail: fmt.Sprintf("joblib array of %d bytes (shape %s, dtype %s) ends early", info.bytes, info.shapeText, info.dtypeText)}
	}
	m.arrays++
	return nil
}

var errNesting = fmt.Errorf("object arrays nested more than %d levels", maxArrayNesting)

// streamState is what one pickle.load owns: restored after a nested load.
type streamState struct {
	stack        []value
	marks        []int
	memo         []value
	memoSparse   map[int64]value
	memoCount    int
	memoOverflow bool
	proto        int
}

func (m *machine) saveStream() streamState {
	s := streamState{m.stack, m.marks, m.memo, m.memoSparse, m.memoCount, m.memoOverflow, m.proto}
	m.stack, m.marks, m.memo, m.memoSparse = nil, nil, nil, map[int64]value{}
	m.memoCount, m.memoOverflow, m.proto = 0, false, 0
	return s
}

func (m *machine) restoreStream(s streamState) {
	m.stack, m.marks, m.memo, m.memoSparse = s.stack, s.marks, s.memo, s.memoSparse
	m.memoCount, m.memoOverflow, m.proto = s.memoCount, s.memoOverflow, s.proto
}
