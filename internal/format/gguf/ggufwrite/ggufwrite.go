// Package ggufwrite builds GGUF headers for tests and benchmarks, including
// ones no honest writer would produce. Value types and ggml type ids are
// raw numbers so that the package stays independent of the parser.
package ggufwrite

import (
	"bytes"
	"encoding/binary"
)

// Value type ids of the GGUF format.
const (
	Uint32  = 4
	Int32   = 5
	Float32 = 6
	Bool    = 7
	String  = 8
	Array   = 9
)

// Writer accumulates a header; counts are written by Header.
type Writer struct {
	bytes.Buffer
	Version uint32
	Order   binary.ByteOrder
}

// New starts a file: magic and version.
func New(version uint32, order binary.ByteOrder) *Writer {
	w := &Writer{Version: version, Order: order}
	w.WriteString("GGUF")
	w.U32(version)
	return w
}

// U32 and U64 write fixed-size integers.
func (w *Writer) U32(v uint32) { binary.Write(w, w.Order, v) }
func (w *Writer) U64(v uint64) { binary.Write(w, w.Order, v) }

// Count writes a count or length: u32 in version 1, u64 after.
func (w *Writer) Count(n uint64) {
	if w.Version == 1 {
		w.U32(uint32(n))
	} else {
		w.U64(n)
	}
}

// Header writes the tensor and metadata counts.
func (w *Writer) Header(tensors, kvs uint64) {
	w.Count(tensors)
	w.Count(kvs)
}

// Str writes a length-prefixed string.
func (w *Writer) Str(s string) {
	w.Count(uint64(len(s)))
	w.WriteString(s)
}

// KVString writes a string metadata entry.
func (w *Writer) KVString(k, v string) {
	w.Str(k)
	w.U32(String)
	w.Str(v)
}

// KVU32 writes a uint32 metadata entry.
func (w *Writer) KVU32(k string, v uint32) {
	w.Str(k)
	w.U32(Uint32)
	w.U32(v)
}

// KVStrings writes an array of strings.
func (w *Writer) KVStrings(k string, vs []string) {
	w.Str(k)
	w.U32(Array)
	w.U32(String)
	w.Count(uint64(len(vs)))
	for _, v := range vs {
		w.Str(v)
	}
}

// KVFloats writes an array of float32 zeros of length n.
func (w *Writer) KVFloats(k string, n int) {
	w.Str(k)
	w.U32(Array)
	w.U32(Float32)
	w.Count(uint64(n))
	w.Write(make([]byte, 4*n))
}

// Tensor writes a tensor info.
func (w *Writer) Tensor(name string, dims []uint64, typ uint32, offset uint64) {
	w.Str(name)
	w.U32(uint32(len(dims)))
	for _, d := range dims {
		w.Count(d)
	}
	w.U32(typ)
	w.U64(offset)
}

// Pad pads to the alignment, where tensor data starts.
func (w *Writer) Pad(alignment int) {
	if r := w.Len() % alignment; r != 0 {
		w.Write(make([]byte, alignment-r))
	}
}
