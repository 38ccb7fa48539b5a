package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/modelgate/modelgate/internal/format/gguf/ggufwrite"
)

func read(t *testing.T, b []byte) (*File, error) {
	t.Helper()
	return Read(bytes.NewReader(b), int64(len(b)), DefaultLimits())
}

func TestVersions(t *testing.T) {
	for _, c := range []struct {
		version uint32
		order   binary.ByteOrder
	}{{1, binary.LittleEndian}, {2, binary.LittleEndian}, {3, binary.LittleEndian}, {3, binary.BigEndian}} {
		w := ggufwrite.New(c.version, c.order)
		w.Count(1)
		w.Count(3)
		w.KVString("general.architecture", "llama")
		w.KVU32("general.alignment", 64)
		w.KVString("tokenizer.chat_template", "{{ messages }}")
		w.Tensor("output.weight", []uint64{32, 4}, 8, 0) // Q8_0
		f, err := read(t, w.Bytes())
		if err != nil {
			t.Fatalf("v%d %v: %v", c.version, c.order, err)
		}
		kv := f.KVs[2]
		if kv.Key != "tokenizer.chat_template" || kv.Str != "{{ messages }}" || f.Alignment != 64 || f.BigEndian != (c.order == binary.BigEndian) {
			t.Errorf("v%d: got %+v alignment %d", c.version, kv, f.Alignment)
		}
		tt := f.Tensors[0]
		if n, ok := tt.Bytes(); !ok || n != 4*34 || f.DataStart%64 != 0 {
			t.Errorf("v%d: tensor %+v bytes %d data start %d", c.version, tt, n, f.DataStart)
		}
	}
}

func TestOversized(t *testing.T) {
	cases := map[string]func(w *ggufwrite.Writer){
		"tensor count": func(w *ggufwrite.Writer) { w.Count(1 << 60); w.Count(0) },
		"kv count":     func(w *ggufwrite.Writer) { w.Count(0); w.Count(math.MaxUint64) },
		"string length": func(w *ggufwrite.Writer) {
			w.Count(0)
			w.Count(1)
			w.Count(1 << 62)
		},
		"array length": func(w *ggufwrite.Writer) {
			w.Count(0)
			w.Count(1)
			w.Str("a")
			w.U32(uint32(Array))
			w.U32(uint32(Uint64))
			w.Count(1 << 61)
		},
		"string array": func(w *ggufwrite.Writer) {
			w.Count(0)
			w.Count(1)
			w.Str("a")
			w.U32(uint32(Array))
			w.U32(uint32(String))
			w.Count(1 << 40)
		},
		"dimension count": func(w *ggufwrite.Writer) {
			w.Count(1)
			w.Count(0)
			w.Str("t")
			w.U32(math.MaxUint32)
		},
	}
	for name, build := range cases {
		w := ggufwrite.New(3, binary.LittleEndian)
		build(w)
		w.Write(make([]byte, 64))
		_, err := read(t, w.Bytes())
		var e *Error
		if !errors.As(err, &e) || e.Kind != Oversized {
			t.Errorf("%s: got %v, want an Oversized error", name, err)
		}
	}
}

func TestProblems(t *testing.T) {
	w := ggufwrite.New(3, binary.LittleEndian)
	w.Count(3)
	w.Count(4)
	w.KVString("k", "a")
	w.KVString("k", "b")
	w.KVU32("general.alignment", 24)
	w.Str("nested")
	w.U32(uint32(Array))
	w.U32(uint32(Array))
	w.Count(1)
	w.U32(uint32(Uint8))
	w.Count(2)
	w.Write([]byte{1, 2})
	w.Tensor("t", []uint64{1, 1, 1, 1, 1}, 0, 0)
	w.Tensor("t", []uint64{1}, 0, 32)
	w.Tensor(string(bytes.Repeat([]byte("n"), 70)), []uint64{1}, 0, 64)
	f, err := read(t, w.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := map[ProblemKind]bool{DuplicateKey: true, BadAlignment: true, NestedArray: true, TooManyDims: true, DuplicateTensor: true, LongName: true}
	for _, p := range f.Problems {
		delete(want, p.Kind)
	}
	if len(want) > 0 || f.Alignment != DefaultAlignment {
		t.Errorf("missing problems %v (alignment %d, problems %+v)", want, f.Alignment, f.Problems)
	}
	if len(f.Tensors[0].Dims) != MaxDims {
		t.Errorf("kept %d dims", len(f.Tensors[0].Dims))
	}
}

func TestShapes(t *testing.T) {
	for _, c := range []struct {
		dims  []uint64
		typ   uint32
		bad   bool
		bytes uint64
	}{
		{[]uint64{256, 2}, 12, false, 2 * 144},             // Q4_K
		{[]uint64{4096, 4096}, 14, false, 4096 * 16 * 210}, // Q6_K
		{[]uint64{30, 2}, 2, true, 0},                      // Q4_0 rows must be multiples of 32
		{[]uint64{1 << 62, 1 << 62}, 0, true, 0},           // overflow
		{[]uint64{math.MaxUint64, 1}, 0, true, 0},          // negative as int64
		{[]uint64{1 << 40, 1 << 22}, 0, true, 0},           // bytes overflow int64
		{[]uint64{64}, 39, false, 2 * 17},                  // MXFP4
	} {
		tt := Tensor{Dims: c.dims, Type: c.typ}
		n, ok := tt.Bytes()
		if (tt.ShapeError() != "") != c.bad || !c.bad && (!ok || n != c.bytes) {
			t.Errorf("%v type %d: error %q bytes %d %v", c.dims, c.typ, tt.ShapeError(), n, ok)
		}
	}
}

// TestKeptBytes: only selected values are kept, and all kept bytes stay
// within MaxKept whatever the file holds.
func TestKeptBytes(t *testing.T) {
	w := ggufwrite.New(3, binary.LittleEndian)
	w.Header(0, 3)
	w.KVString("tokenizer.huggingface.json", string(bytes.Repeat([]byte("x"), 4096)))
	w.KVString("tokenizer.chat_template", "{{ messages }}")
	w.KVString("tokenizer.chat_template.big", string(bytes.Repeat([]byte("y"), 2048)))
	lim := DefaultLimits()
	lim.MaxKept = 1024
	lim.Keep = func(k string) bool { return k != "tokenizer.huggingface.json" }
	f, err := Read(bytes.NewReader(w.Bytes()), int64(w.Len()), lim)
	if err != nil {
		t.Fatal(err)
	}
	if kv := f.KVs[0]; kv.Str != "" || kv.Truncated {
		t.Errorf("unselected value kept: %+v", kv)
	}
	if kv := f.KVs[1]; kv.Str != "{{ messages }}" {
		t.Errorf("template not kept: %+v", kv)
	}
	if kv := f.KVs[2]; kv.Str != "" || !kv.Truncated {
		t.Errorf("over-budget value: %+v", kv)
	}

	w = ggufwrite.New(3, binary.LittleEndian)
	w.Header(0, 2)
	w.KVU32(string(bytes.Repeat([]byte("k"), 600)), 1)
	w.KVU32(string(bytes.Repeat([]byte("j"), 600)), 1)
	var e *Error
	if _, err := Read(bytes.NewReader(w.Bytes()), int64(w.Len()), lim); !errors.As(err, &e) || e.Kind != Invalid {
		t.Errorf("names over budget: %v", err)
	}
}

func TestTruncatedAndInvalid(t *testing.T) {
	w := ggufwrite.New(3, binary.LittleEndian)
	w.Count(0)
	w.Count(1)
	w.KVString("general.name", "x")
	full := w.Bytes()
	for i := 4; i < len(full); i++ {
		if _, err := read(t, full[:i]); err == nil {
			t.Fatalf("accepted a header cut at %d", i)
		}
	}
	for _, b := range [][]byte{[]byte("GGUF\x04\x00\x00\x00"), []byte("GGUF\x00\x00\x00\x00"), []byte("GGML\x03\x00\x00\x00")} {
		var e *Error
		if _, err := read(t, append(b, make([]byte, 16)...)); !errors.As(err, &e) || e.Kind != Invalid {
			t.Errorf("%q: got %v", b, err)
		}
	}
}

func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "samples", "gguf", "*.gguf"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		file, err := Read(bytes.NewReader(data), int64(len(data)), DefaultLimits())
		runtime.ReadMemStats(&after)
		// Everything kept comes from the input; a large allocation means
		// a length field was trusted.
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64*uint64(len(data))+1<<20 {
			t.Fatalf("allocated %d bytes for a %d-byte input", grew, len(data))
		}
		if err != nil && file == nil {
			return
		}
		for i := range file.Tensors {
			file.Tensors[i].Bytes()
		}
	})
}
