package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func file(header string, data int) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(make([]byte, data))
	return b.Bytes()
}

func read(b []byte) (*Header, error) { return Read(bytes.NewReader(b), int64(len(b))) }

func TestRead(t *testing.T) {
	h, err := read(file(`{"__metadata__":{"format":"pt"},"b":{"dtype":"F16","shape":[2,3],"data_offsets":[16,28]},`+
		`"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16],"extra":{"ignored":[1]}}}  `, 28))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Tensors) != 2 || h.Metadata != 1 || len(h.Problems) != 0 || h.DataStart != 8+int64(h.Len) {
		t.Fatalf("got %+v", h)
	}
	b := h.Tensors[0]
	if size, whole, ok := b.Size(); b.Name != "b" || !b.Valid || size != 12 || !whole || !ok || b.Begin != 16 || b.End != 28 {
		t.Errorf("tensor %+v size %d", b, size)
	}
}

func TestFormatErrors(t *testing.T) {
	huge := make([]byte, 16)
	binary.LittleEndian.PutUint64(huge, MaxHeader+1)
	past := file(`{}`, 0)
	binary.LittleEndian.PutUint64(past, 100)
	for name, b := range map[string][]byte{
		"too large":      huge,
		"past the end":   past,
		"short":          {1, 2, 3},
		"not an object":  file(`[1, 2]`, 0),
		"leading space":  file(` {}`, 0),
		"trailing data":  file(`{} x`, 0),
		"nul padding":    file("{}\x00\x00", 0),
		"bad json":       file(`{"a":}`, 0),
		"nan":            file(`{"a":{"dtype":"F32","shape":[NaN],"data_offsets":[0,4]}}`, 4),
		"lone surrogate": file(`{"\ud800":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4),
	} {
		var fe *FormatError
		if _, err := read(b); !errors.As(err, &fe) {
			t.Errorf("%s: got %v, want a FormatError", name, err)
		}
	}
}

func TestProblems(t *testing.T) {
	for _, c := range []struct {
		header string
		kind   ProblemKind
		path   string
	}{
		{`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, Duplicate, "a"},
		{`{"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}`, Duplicate, "a/dtype"},
		{`{"__metadata__":{"k":"v","k":"w"}}`, Duplicate, "__metadata__/k"},
		{`{"__metadata__":{"epoch":3}}`, NonString, "__metadata__/epoch"},
		{`{"__metadata__":[1]}`, Malformed, "__metadata__"},
		{`{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,4]}}`, Malformed, "a/dtype"},
		{`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, Malformed, "a/shape"},
		{`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, Malformed, "a/shape"},
		{`{"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,4]}}`, Malformed, "a/shape"},
		{`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, Malformed, "a/data_offsets"},
		{`{"a":{"dtype":"F32","shape":[1]}}`, Malformed, "a"},
		{`{"a":[1]}`, Malformed, "a"},
	} {
		h, err := read(file(c.header, 8))
		if err != nil {
			t.Errorf("%s: %v", c.header, err)
			continue
		}
		if len(h.Problems) == 0 || h.Problems[0].Kind != c.kind || h.Problems[0].Path != c.path {
			t.Errorf("%s: problems %+v, want kind %d at %s", c.header, h.Problems, c.kind, c.path)
		}
	}
}

func TestSize(t *testing.T) {
	for _, c := range []struct {
		dtype        string
		shape        []uint64
		size         uint64
		whole, valid bool
	}{
		{"F4", []uint64{3}, 1, false, true},
		{"F6_E2M3", []uint64{4}, 3, true, true},
		{"BF16", nil, 2, true, true},
		{"F32", []uint64{0, 5}, 0, true, true},
		{"F32", []uint64{1 << 32, 1 << 32}, 0, false, false},
		{"F64", []uint64{1 << 61}, 0, false, false},
	} {
		tt := Tensor{DType: c.dtype, Shape: c.shape}
		size, whole, ok := tt.Size()
		if ok != c.valid || ok && (size != c.size || whole != c.whole) {
			t.Errorf("%s %v: %d %v %v", c.dtype, c.shape, size, whole, ok)
		}
	}
}

func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "samples", "safetensors", "*.safetensors"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(file(`{"a":{"dtype":"F32","shape":[`+strings.Repeat("1,", 50)+`1],"data_offsets":[0,4]}}`, 4))
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		h, err := read(data)
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64*uint64(len(data))+1<<20 {
			t.Fatalf("allocated %d bytes for a %d-byte input", grew, len(data))
		}
		if err != nil {
			return
		}
		for i := range h.Tensors {
			h.Tensors[i].Size()
		}
	})
}
