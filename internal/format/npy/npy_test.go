package npy

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// header builds a .npy header of the given version around a dict literal.
func header(major byte, dict string) []byte {
	b := append([]byte(nil), Magic...)
	b = append(b, major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(dict)))
	}
	return append(b, dict...)
}

func TestParse(t *testing.T) {
	cases := []struct {
		dict     string
		major    byte
		itemsize int64
		objects  bool
		shape    string
	}{
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }\n", 1, 8, false, "[2 3]"},
		{"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 1, 8, true, "[1]"},
		{"{'descr': '<U10', 'fortran_order': True, 'shape': (), }", 2, 40, false, "[]"},
		{`{"descr": [('x', '<i4'), ('y', '<f2', (3,))], "fortran_order": False, "shape": (4,)}`, 1, 10, false, "[4]"},
		{"{'descr': [('a', '|O'), ('b', '<i8')], 'fortran_order': False, 'shape': (2,)}", 3, 16, true, "[2]"},
		{"{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (5L,)}", 1, 8, false, "[5]"},
		{"{'descr': '|b1', 'fortran_order': False, 'shape': (7,)}", 1, 1, false, "[7]"},
	}
	for _, c := range cases {
		h, err := Parse(header(c.major, c.dict))
		if err != nil {
			t.Errorf("%s: %v", c.dict, err)
			continue
		}
		if h.ItemSize != c.itemsize || h.Objects != c.objects || fmt.Sprint(h.Shape) != c.shape {
			t.Errorf("%s: itemsize %d objects %v shape %v", c.dict, h.ItemSize, h.Objects, h.Shape)
		}
	}
}

func TestRejects(t *testing.T) {
	cases := map[string][]byte{
		"no magic":        []byte("NUMPY\x01\x00"),
		"version 9":       append(append([]byte(nil), Magic...), 9, 0, 0, 0),
		"truncated":       header(1, "{'descr': '<f8'")[:20],
		"extra key":       header(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}"),
		"missing shape":   header(1, "{'descr': '<f8', 'fortran_order': False}"),
		"negative dim":    header(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}"),
		"code":            header(1, "{'descr': __import__('os'), 'fortran_order': False, 'shape': (1,)}"),
		"bad dtype":       header(1, "{'descr': '<q8', 'fortran_order': False, 'shape': (1,)}"),
		"duplicate key":   header(1, "{'descr': '<f8', 'descr': '|O', 'fortran_order': False, 'shape': (1,)}"),
		"deep nesting":    header(1, "{'descr': "+strings.Repeat("[", 100)+"'<f8'"+strings.Repeat("]", 100)+", 'fortran_order': False, 'shape': (1,)}"),
		"header too long": append(append([]byte(nil), Magic...), 2, 0, 0xff, 0xff, 0xff, 0x7f),
	}
	for name, b := range cases {
		if _, err := Parse(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDataSizeOverflow(t *testing.T) {
	h, err := Parse(header(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16)}"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := h.DataSize(); ok {
		t.Fatal("overflowing size accepted")
	}
}

func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("../../../testdata/samples/numpy/*.npy")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(header(3, "{'descr': [('a', '|O', (2, 2))], 'fortran_order': False, 'shape': (1,)}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := Parse(b)
		if err != nil {
			return
		}
		if h.ItemSize < 0 || h.DataOffset > int64(len(b)) {
			t.Fatalf("itemsize %d offset %d", h.ItemSize, h.DataOffset)
		}
		h.DataSize()
	})
}
