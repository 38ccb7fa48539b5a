package protowalk

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func msg(fields ...[]byte) []byte { return bytes.Join(fields, nil) }

func lenField(n protowire.Number, b []byte) []byte {
	out := protowire.AppendTag(nil, n, protowire.BytesType)
	return protowire.AppendBytes(out, b)
}

func varField(n protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, n, protowire.VarintType), v)
}

func walk(data []byte, lim Limits) ([]Field, error) {
	w := New(bytes.NewReader(data), int64(len(data)), lim)
	var got []Field
	err := w.Root().Each(func(f Field) error { got = append(got, f); return nil })
	return got, err
}

func TestEachDecodesEveryWireType(t *testing.T) {
	group := append(protowire.AppendTag(nil, 9, protowire.StartGroupType), varField(1, 5)...)
	group = protowire.AppendTag(group, 9, protowire.EndGroupType)
	data := msg(varField(1, 300), lenField(2, []byte("hello")),
		protowire.AppendFixed32(protowire.AppendTag(nil, 3, protowire.Fixed32Type), 7),
		protowire.AppendFixed64(protowire.AppendTag(nil, 4, protowire.Fixed64Type), 8),
		group, varField(5, 1))
	got, err := walk(data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		num protowire.Number
		u   uint64
	}{{1, 300}, {2, 0}, {3, 7}, {4, 8}, {5, 1}}
	if len(got) != len(want) {
		t.Fatalf("got %d fields, want %d (the group is skipped)", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Num != w.num || got[i].U != w.u {
			t.Errorf("field %d = %d/%d, want %d/%d", i, got[i].Num, got[i].U, w.num, w.u)
		}
	}
	if got[1].Len != 5 || got[1].Val != 5 {
		t.Errorf("bytes field at %d len %d", got[1].Val, got[1].Len)
	}
}

func TestMalformedAndLimits(t *testing.T) {
	deep := varField(1, 1)
	for i := 0; i < 10; i++ {
		deep = lenField(1, deep)
	}
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want error
	}{
		{"length past end", []byte{0x12, 0x7f, 'a'}, DefaultLimits(), ErrMalformed},
		{"huge length", append([]byte{0x12}, protowire.AppendVarint(nil, 1<<62)...), DefaultLimits(), ErrMalformed},
		{"bad varint", []byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, DefaultLimits(), ErrMalformed},
		{"end group outside group", protowire.AppendTag(nil, 1, protowire.EndGroupType), DefaultLimits(), ErrMalformed},
		{"unterminated group", protowire.AppendTag(nil, 1, protowire.StartGroupType), DefaultLimits(), ErrMalformed},
		{"field zero", []byte{0x00, 0x01}, DefaultLimits(), ErrMalformed},
		{"too many fields", msg(varField(1, 1), varField(1, 2), varField(1, 3)), Limits{MaxDepth: 8, MaxFields: 2}, ErrLimit},
		{"too deep", deep, Limits{MaxDepth: 4, MaxFields: 100}, ErrLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := New(bytes.NewReader(tc.data), int64(len(tc.data)), tc.lim)
			err := walkAll(w.Root())
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// walkAll enters every bytes field as a message, as a schema-less consumer
// that tries every interpretation would.
func walkAll(m Msg) error {
	return m.Each(func(f Field) error {
		if f.Type != protowire.BytesType {
			return nil
		}
		sub, err := m.Sub(f)
		if err != nil {
			return err
		}
		if err := walkAll(sub); errors.Is(err, ErrLimit) {
			return err
		}
		return nil
	})
}

func TestPayloadsAreNotReadUnlessAsked(t *testing.T) {
	big := make([]byte, 8<<20)
	data := msg(varField(1, 7), lenField(9, big), lenField(2, []byte("after")))
	r := bytes.NewReader(data)
	w := New(r, int64(len(data)), DefaultLimits())
	var name string
	err := w.Root().Each(func(f Field) error {
		if f.Num == 2 {
			s, err := w.String(f, 64)
			name = s
			return err
		}
		return nil
	})
	if err != nil || name != "after" {
		t.Fatalf("name %q err %v", name, err)
	}
	if w.Read > 4*blockSize {
		t.Fatalf("read %d bytes of an %d-byte document to walk three fields", w.Read, len(data))
	}
}

func TestPackedAndUnpackedRepeats(t *testing.T) {
	packed := lenField(1, protowire.AppendVarint(protowire.AppendVarint(nil, 3), 4))
	w := New(bytes.NewReader(packed), int64(len(packed)), DefaultLimits())
	var got []uint64
	err := w.Root().Each(func(f Field) error { return w.Varints(f, 8, func(v uint64) { got = append(got, v) }) })
	if err != nil || len(got) != 2 || got[0] != 3 || got[1] != 4 {
		t.Fatalf("got %v err %v", got, err)
	}
}

// FuzzWalk walks arbitrary bytes as nested messages, reading every string
// and packed field, within small limits: no panic, no unbounded allocation.
func FuzzWalk(f *testing.F) {
	for _, pattern := range []string{"tf/*.pb", "onnx/*.onnx"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "samples", pattern))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add(msg(varField(1, 1), lenField(2, lenField(1, []byte("x")))))
	f.Fuzz(func(t *testing.T, data []byte) {
		w := New(bytes.NewReader(data), int64(len(data)), Limits{MaxDepth: 32, MaxFields: 100_000})
		fuzzMsg(w, w.Root())
	})
}

func fuzzMsg(w *Walker, m Msg) {
	_ = m.Each(func(f Field) error {
		_, _ = w.String(f, 128)
		_ = w.Varints(f, 16, func(uint64) {})
		_ = w.Fixed32s(f, 16, func(uint32) {})
		if sub, err := m.Sub(f); err == nil {
			fuzzMsg(w, sub)
		}
		return nil
	})
}
