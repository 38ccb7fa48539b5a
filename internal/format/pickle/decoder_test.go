package pickle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func decodeAll(t testing.TB, data []byte, mode FrameMode) ([]Op, error) {
	d := NewDecoder(bytes.NewReader(data))
	d.Reset(bytes.NewReader(data), mode)
	var ops []Op
	for {
		var op Op
		err := d.Next(&op)
		if errors.Is(err, io.EOF) {
			return ops, nil
		}
		if err != nil {
			return ops, err
		}
		op.Arg = append([]byte(nil), op.Arg...)
		op.Arg2 = append([]byte(nil), op.Arg2...)
		ops = append(ops, op)
	}
}

func le32(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }
func le64(n uint64) []byte { return binary.LittleEndian.AppendUint64(nil, n) }

func TestArguments(t *testing.T) {
	f8 := binary.BigEndian.AppendUint64(nil, math.Float64bits(1.5))
	cases := []struct {
		name  string
		data  []byte
		check func(Op) bool
	}{
		{"BININT negative", append([]byte{BININT}, le32(uint32(0xffffffff))...), func(o Op) bool { return o.Int == -1 }},
		{"BININT1", []byte{BININT1, 200}, func(o Op) bool { return o.Int == 200 }},
		{"BININT2", []byte{BININT2, 0x34, 0x12}, func(o Op) bool { return o.Int == 0x1234 }},
		{"INT bool", []byte("I01\n"), func(o Op) bool { return o.Int == 1 && string(o.Arg) == "01" }},
		{"INT hex", []byte("I0x10\n"), func(o Op) bool { return o.Int == 16 }},
		{"LONG with L", []byte("L123L\n"), func(o Op) bool { return o.Int == 123 }},
		{"LONG huge", []byte("L123456789012345678901234567890\n"), func(o Op) bool { return o.BigInt }},
		{"LONG1 negative", []byte{LONG1, 1, 0xff}, func(o Op) bool { return o.Int == -1 }},
		{"LONG1 magic", append([]byte{LONG1, 10}, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19), func(o Op) bool { return o.BigInt && len(o.Arg) == 10 }},
		{"FLOAT", []byte("F2.5\n"), func(o Op) bool { return o.Float == 2.5 }},
		{"BINFLOAT", append([]byte{BINFLOAT}, f8...), func(o Op) bool { return o.Float == 1.5 }},
		{"STRING escapes", []byte(`S'a\'b\x41\n\101'` + "\n"), func(o Op) bool { return string(o.Arg) == "a'bA\nA" }},
		{"STRING double quotes", []byte(`S"os"` + "\n"), func(o Op) bool { return string(o.Arg) == "os" }},
		{"UNICODE escapes", []byte(`V\u00e9t\u00e9 \\u0041` + "\n"), func(o Op) bool { return string(o.Arg) == `été \\u0041` }},
		{"UNICODE latin-1", []byte("V\xe9\n"), func(o Op) bool { return string(o.Arg) == "é" }},
		{"SHORT_BINUNICODE", []byte{SHORT_BINUNICODE, 2, 'o', 's'}, func(o Op) bool { return string(o.Arg) == "os" && o.Len == 2 }},
		{"BINUNICODE", append(append([]byte{BINUNICODE}, le32(3)...), "sys"...), func(o Op) bool { return string(o.Arg) == "sys" }},
		{"BINBYTES8", append(append([]byte{BINBYTES8}, le64(2)...), 1, 2), func(o Op) bool { return bytes.Equal(o.Arg, []byte{1, 2}) }},
		{"GLOBAL", []byte("cos\nsystem\n"), func(o Op) bool { return string(o.Arg) == "os" && string(o.Arg2) == "system" }},
		{"INST", []byte("i__builtin__\nexec\n"), func(o Op) bool { return string(o.Arg) == "__builtin__" && string(o.Arg2) == "exec" }},
		{"PUT", []byte("p7\n"), func(o Op) bool { return o.Int == 7 }},
		{"LONG_BINGET", append([]byte{LONG_BINGET}, le32(70000)...), func(o Op) bool { return o.Int == 70000 }},
		{"EXT4", append([]byte{EXT4}, le32(5)...), func(o Op) bool { return o.Int == 5 }},
		{"PROTO 5", []byte{PROTO, 5}, func(o Op) bool { return o.Int == 5 }},
	}
	for _, c := range cases {
		ops, err := decodeAll(t, c.data, Linear)
		if err != nil || len(ops) != 1 || !c.check(ops[0]) {
			t.Errorf("%s: ops %+v err %v", c.name, ops, err)
		}
	}
}

func TestRejects(t *testing.T) {
	cases := map[string][]byte{
		"unknown opcode":          {0x00},
		"protocol 6":              {PROTO, 6},
		"unquoted STRING":         []byte("Sos\n"),
		"non-UTF-8 GLOBAL":        []byte("cmod\n\xf8\n"),
		"negative BINSTRING":      append([]byte{BINSTRING}, le32(0x80000000)...),
		"negative PUT":            []byte("p-1\n"),
		"bad INT":                 []byte("Ixyz\n"),
		"truncated GLOBAL":        []byte("cos\nsys"),
		"huge BINBYTES8":          append([]byte{BINBYTES8}, le64(1<<61)...),
		"huge BINUNICODE":         append([]byte{BINUNICODE}, le32(0xfffffff0)...),
		"non-ASCII PERSID":        []byte("P\xff\n"),
		"truncated FRAME length":  {FRAME, 1, 2},
		"BINUNICODE8 beyond data": append(append([]byte{BINUNICODE8}, le64(10)...), 'x'),
	}
	for name, data := range cases {
		if _, err := decodeAll(t, data, Linear); err == nil {
			t.Errorf("%s: accepted", name)
		} else if errors.Is(err, io.EOF) {
			t.Errorf("%s: bare EOF instead of a located error", name)
		}
	}
}

// TestHugeLengthsDoNotAllocate: a length claim is checked against what the
// stream holds; memory stays at the decoder's buffers.
func TestHugeLengthsDoNotAllocate(t *testing.T) {
	data := append(append([]byte{PROTO, 4, BINBYTES8}, le64(1<<40)...), make([]byte, 3<<20)...)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := decodeAll(t, data, Linear)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("err %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Fatalf("allocated %d bytes for a 3 MiB input", grew)
	}
}

// The FRAME differential of cpython #154848: a 3-byte frame holds BINBYTES
// and half its length field.
func straddle(hidden []byte) []byte {
	b := []byte{PROTO, 4, FRAME}
	b = append(b, le64(3)...)
	b = append(b, BINBYTES)
	b = binary.LittleEndian.AppendUint16(b, uint16(2+len(hidden)))
	b = append(b, 0, 0, 0, 0)
	b = append(b, hidden...)
	return append(b, STOP)
}

func TestFrameReadings(t *testing.T) {
	hidden := []byte("cos\nsystem\nN\x85R0")
	data := straddle(hidden)
	linear, err := decodeAll(t, data, Linear)
	if err != nil || len(linear) != 4 || linear[2].Code != BINBYTES || linear[3].Code != STOP {
		t.Fatalf("linear reading: %+v %v", linear, err)
	}
	d := NewDecoder(bytes.NewReader(data))
	for d.Next(&Op{}) == nil {
	}
	if d.Straddles != 1 || d.FirstStraddle != 12 {
		t.Fatalf("straddles %d at %d", d.Straddles, d.FirstStraddle)
	}
	dropped, err := decodeAll(t, data, DropStraddled)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, op := range dropped {
		names = append(names, Name(op.Code))
	}
	if got := strings.Join(names, " "); got != "PROTO FRAME BINBYTES GLOBAL NONE TUPLE1 REDUCE POP STOP" {
		t.Fatalf("file reading: %s", got)
	}
	if dropped[2].Len != 0 {
		t.Fatalf("file reading sees %d bytes", dropped[2].Len)
	}
}

func TestLineStraddleDropsFrameRest(t *testing.T) {
	// A 7-byte frame holds "cos\nsys": the name line runs past it, so the
	// file reader drops "sys" and takes the line that starts after the frame.
	data := append(append([]byte{PROTO, 4, FRAME}, le64(7)...), []byte("cos\nsysXYZ\n.")...)
	ops, err := decodeAll(t, data, DropStraddled)
	if err != nil || string(ops[2].Arg2) != "XYZ" {
		t.Fatalf("file reading: ops %+v err %v", ops, err)
	}
	ops, err = decodeAll(t, data, Linear)
	if err != nil || string(ops[2].Arg2) != "sysXYZ" {
		t.Fatalf("linear reading: ops %+v err %v", ops, err)
	}
}

func TestSniff(t *testing.T) {
	yes := map[string][]byte{
		"protocol 0":       []byte("(lp0\nVa\np1\na."),
		"protocol 4":       {PROTO, 4, EMPTY_LIST, STOP},
		"truncated import": []byte("cbuiltins\nexec\n(X>\x00\x00\x00f = open"),
		"global only":      []byte("cos\nsystem\n"),
		"big bytes":        append(append([]byte{PROTO, 4, BINBYTES8}, le64(100)...), make([]byte, 10)...),
	}
	no := map[string][]byte{
		"empty":         {},
		"zeros":         make([]byte, 64),
		"png":           []byte("\x89PNG\r\n\x1a\n\x00\x00"),
		"bad global":    []byte("cmod\n\xf8\n"),
		"text":          []byte("This model was trained on ..."),
		"json":          []byte(`{"a": 1}`),
		"proto garbage": {PROTO, 2, 0x00, 0x01},
		"huge claim":    append(append([]byte{PROTO, 4, BINBYTES8}, le64(1<<50)...), 1, 2, 3),
	}
	for name, b := range yes {
		size := int64(len(b))
		if name == "big bytes" {
			size = 200
		}
		if !Sniff(b, size) {
			t.Errorf("%s: not recognised", name)
		}
	}
	for name, b := range no {
		if Sniff(b, int64(len(b))+1000) {
			t.Errorf("%s: recognised as a pickle", name)
		}
	}
}

func FuzzDecoder(f *testing.F) {
	seeds, _ := filepath.Glob("../../../testdata/samples/pickle/*.pkl")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(straddle([]byte("cos\nsystem\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, mode := range []FrameMode{Linear, DropStraddled} {
			d := NewDecoderSize(nil, 512)
			d.Reset(bytes.NewReader(data), mode)
			d.MaxArg = 1024
			var op Op
			for i := 0; i < 100000; i++ {
				if err := d.Next(&op); err != nil {
					break
				}
				if len(op.Arg) > d.MaxArg || len(op.Arg2) > d.MaxArg {
					t.Fatalf("argument of %d bytes kept", len(op.Arg))
				}
			}
		}
		Sniff(data, int64(len(data)))
	})
}
