// Package protowalk is a schema-less, bounded walker over protobuf wire data
// held behind an io.ReaderAt. It reads tags and lengths, never payloads it is
// not asked for, so a multi-gigabyte tensor field costs one length decode.
// Every length is checked against the bytes its enclosing message has left,
// nesting depth and the number of fields visited are capped, and offsets are
// kept so callers can report where something was found.
package protowalk

import (
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
)

// Limits bound one walk.
type Limits struct {
	// MaxDepth is the deepest message nesting entered with Sub.
	MaxDepth int
	// MaxFields is the number of fields decoded over the whole walk.
	MaxFields int64
}

// DefaultLimits fit the largest real TF and ONNX graphs with room to spare.
func DefaultLimits() Limits { return Limits{MaxDepth: 64, MaxFields: 50_000_000} }

// ErrMalformed marks wire data no protobuf parser would accept.
var ErrMalformed = errors.New("malformed protobuf")

// ErrLimit marks a walk stopped by its limits.
var ErrLimit = errors.New("protobuf walk limit exceeded")

// ErrTooLarge is returned by Bytes for payloads longer than asked for.
var ErrTooLarge = errors.New("field larger than the caller's cap")

// Error locates a malformation or a limit.
type Error struct {
	Off int64
	Why string
	Err error // ErrMalformed or ErrLimit
}

func (e *Error) Error() string { return fmt.Sprintf("%s at offset %d: %s", e.Err, e.Off, e.Why) }
func (e *Error) Unwrap() error { return e.Err }

func malformed(off int64, why string) error { return &Error{Off: off, Why: why, Err: ErrMalformed} }

// blockSize is the read-ahead window: big enough that walking small nested
// messages is mostly memory access, small enough to be cheap to refill.
const blockSize = 64 << 10

// Walker reads one protobuf document (or any range of one).
type Walker struct {
	r      io.ReaderAt
	size   int64
	lim    Limits
	fields int64
	// win caches [winOff, winOff+len(win)) of r.
	win    []byte
	winOff int64
	buf    []byte
	// Read counts the bytes fetched from r, for tests of metadata-only reading.
	Read int64
}

// New returns a walker over the first size bytes of r.
func New(r io.ReaderAt, size int64, lim Limits) *Walker {
	return &Walker{r: r, size: size, lim: lim}
}

// Size is the length of the document.
func (w *Walker) Size() int64 { return w.size }

// Root is the whole document as a message.
func (w *Walker) Root() Msg { return Msg{w: w, Off: 0, End: w.size} }

// At views [off, off+n) as a message at the given depth, for payloads found
// elsewhere (a serialized graph inside a string constant).
func (w *Walker) At(off, n int64, depth int) (Msg, error) {
	if off < 0 || n < 0 || off > w.size || n > w.size-off {
		return Msg{}, malformed(off, "range outside the document")
	}
	if depth > w.lim.MaxDepth {
		return Msg{}, &Error{Off: off, Why: fmt.Sprintf("nesting deeper than %d", w.lim.MaxDepth), Err: ErrLimit}
	}
	return Msg{w: w, Off: off, End: off + n, Depth: depth}, nil
}

// peek returns up to n bytes at off (fewer at the end of the document).
func (w *Walker) peek(off int64, n int) ([]byte, error) {
	if rel := off - w.winOff; off >= w.winOff && rel+int64(n) <= int64(len(w.win)) {
		return w.win[rel : rel+int64(n)], nil
	}
	want := int64(blockSize)
	if w.size-off < want {
		want = w.size - off
	}
	if cap(w.buf) < blockSize {
		w.buf = make([]byte, blockSize)
	}
	got, err := w.r.ReadAt(w.buf[:want], off)
	w.Read += int64(got)
	if int64(got) < want {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("reading at offset %d: %w", off, err)
	}
	w.win, w.winOff = w.buf[:want], off
	if int64(n) > want {
		n = int(want)
	}
	return w.win[:n], nil
}

// Field is one decoded field. For BytesType, Val..Val+Len is the payload.
type Field struct {
	Num  protowire.Number
	Type protowire.Type
	// Off is the offset of the tag, Val of the value.
	Off, Val int64
	// Len is the payload length of a BytesType field.
	Len int64
	// U holds varint and fixed values.
	U     uint64
	depth int
}

// Msg is a message: the byte range [Off, End) at a nesting depth.
type Msg struct {
	w        *Walker
	Off, End int64
	Depth    int
}

// Walker returns the walker the message belongs to.
func (m Msg) Walker() *Walker { return m.w }

// Each calls fn for every field in order. Groups (a deprecated encoding no
// TF or ONNX message uses) are skipped the way protobuf parsers skip them.
func (m Msg) Each(fn func(f Field) error) error {
	off := m.Off
	for off < m.End {
		f, next, err := m.next(off)
		if err != nil {
			return err
		}
		off = next
		switch f.Type {
		case protowire.StartGroupType:
			continue
		case protowire.EndGroupType:
			return malformed(f.Off, "end of group outside a group")
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// next decodes the field at off and returns the offset after it.
func (m Msg) next(off int64) (Field, int64, error) {
	w := m.w
	if w.fields++; w.fields > w.lim.MaxFields {
		return Field{}, 0, &Error{Off: off, Why: fmt.Sprintf("more than %d fields", w.lim.MaxFields), Err: ErrLimit}
	}
	b, err := w.peek(off, int(min(m.End-off, 20)))
	if err != nil {
		return Field{}, 0, err
	}
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return Field{}, 0, malformed(off, "bad field tag")
	}
	f := Field{Num: num, Type: typ, Off: off, Val: off + int64(n), depth: m.Depth}
	b = b[n:]
	switch typ {
	case protowire.VarintType:
		v, k := protowire.ConsumeVarint(b)
		if k < 0 {
			return f, 0, malformed(f.Val, "bad varint")
		}
		f.U = v
		return f, f.Val + int64(k), nil
	case protowire.Fixed32Type:
		v, k := protowire.ConsumeFixed32(b)
		if k < 0 {
			return f, 0, malformed(f.Val, "truncated fixed32")
		}
		f.U = uint64(v)
		return f, f.Val + 4, nil
	case protowire.Fixed64Type:
		v, k := protowire.ConsumeFixed64(b)
		if k < 0 {
			return f, 0, malformed(f.Val, "truncated fixed64")
		}
		f.U = v
		return f, f.Val + 8, nil
	case protowire.BytesType:
		v, k := protowire.ConsumeVarint(b)
		if k < 0 {
			return f, 0, malformed(f.Val, "bad length")
		}
		f.Val += int64(k)
		if v > uint64(m.End-f.Val) {
			return f, 0, malformed(f.Off, fmt.Sprintf("field %d claims %d bytes but its message has %d left", num, v, m.End-f.Val))
		}
		f.Len = int64(v)
		return f, f.Val + f.Len, nil
	case protowire.StartGroupType:
		end, err := m.skipGroup(f)
		return f, end, err
	case protowire.EndGroupType:
		return f, f.Val, nil
	}
	return f, 0, malformed(off, fmt.Sprintf("field %d has wire type %d outside a group", num, typ))
}

// skipGroup returns the offset after the EndGroup matching g.
func (m Msg) skipGroup(g Field) (int64, error) {
	inner := Msg{w: m.w, Off: g.Val, End: m.End, Depth: m.Depth + 1}
	if inner.Depth > m.w.lim.MaxDepth {
		return 0, &Error{Off: g.Off, Why: "groups nested too deeply", Err: ErrLimit}
	}
	off := inner.Off
	for off < inner.End {
		f, next, err := inner.next(off)
		if err != nil {
			return 0, err
		}
		if f.Type == protowire.EndGroupType {
			if f.Num != g.Num {
				return 0, malformed(f.Off, "mismatched end of group")
			}
			return f.Val, nil
		}
		off = next
	}
	return 0, malformed(g.Off, "unterminated group")
}

// Sub views a BytesType field as a nested message.
func (m Msg) Sub(f Field) (Msg, error) {
	if f.Type != protowire.BytesType {
		return Msg{}, malformed(f.Off, fmt.Sprintf("field %d should be a message", f.Num))
	}
	return m.w.At(f.Val, f.Len, f.depth+1)
}

// Bytes reads a BytesType payload of at most max bytes.
func (w *Walker) Bytes(f Field, max int) ([]byte, error) {
	if f.Type != protowire.BytesType {
		return nil, malformed(f.Off, fmt.Sprintf("field %d should be bytes", f.Num))
	}
	if f.Len > int64(max) {
		return nil, ErrTooLarge
	}
	if f.Len <= blockSize {
		b, err := w.peek(f.Val, int(f.Len))
		if err != nil {
			return nil, err
		}
		return append([]byte(nil), b...), nil
	}
	out := make([]byte, f.Len)
	n, err := w.r.ReadAt(out, f.Val)
	w.Read += int64(n)
	if int64(n) < f.Len {
		return nil, fmt.Errorf("reading at offset %d: %w", f.Val, io.ErrUnexpectedEOF)
	}
	return out, err
}

// String reads a string field, cut to max bytes when longer (the cut is
// marked with an ellipsis so it is never mistaken for the real value).
func (w *Walker) String(f Field, max int) (string, error) {
	if f.Type != protowire.BytesType {
		return "", malformed(f.Off, fmt.Sprintf("field %d should be a string", f.Num))
	}
	g := f
	if g.Len > int64(max) {
		g.Len = int64(max)
	}
	b, err := w.Bytes(g, max)
	if err != nil {
		return "", err
	}
	if f.Len > g.Len {
		return string(b) + "…", nil
	}
	return string(b), nil
}

// Varints decodes a repeated integer field in either encoding: one varint,
// or a packed run; fn sees each value. At most max values are decoded.
func (w *Walker) Varints(f Field, max int, fn func(uint64)) error {
	switch f.Type {
	case protowire.VarintType:
		fn(f.U)
		return nil
	case protowire.BytesType:
		b, cut, err := w.prefix(f, int64(max)*10)
		if err != nil {
			return err
		}
		for n := 0; len(b) > 0 && n < max; n++ {
			v, k := protowire.ConsumeVarint(b)
			if k < 0 {
				if cut {
					return nil // the cap fell inside a value
				}
				return malformed(f.Val, "bad packed varint")
			}
			fn(v)
			b = b[k:]
		}
		return nil
	}
	return malformed(f.Off, fmt.Sprintf("field %d should be an integer", f.Num))
}

// Fixed32s decodes a repeated 32-bit field (floats) in either encoding; at
// most max values are decoded.
func (w *Walker) Fixed32s(f Field, max int, fn func(uint32)) error {
	switch f.Type {
	case protowire.Fixed32Type:
		fn(uint32(f.U))
		return nil
	case protowire.BytesType:
		b, _, err := w.prefix(f, int64(max)*4)
		if err != nil {
			return err
		}
		for ; len(b) >= 4; b = b[4:] {
			v, _ := protowire.ConsumeFixed32(b)
			fn(v)
		}
		return nil
	}
	return malformed(f.Off, fmt.Sprintf("field %d should be 32-bit values", f.Num))
}

// prefix reads at most n bytes of a BytesType payload; cut tells whether the
// payload was longer.
func (w *Walker) prefix(f Field, n int64) ([]byte, bool, error) {
	g := f
	cut := g.Len > n
	if cut {
		g.Len = n
	}
	b, err := w.Bytes(g, int(g.Len))
	return b, cut, err
}

// Want checks a field's wire type, for strict trial parses that tell one
// protobuf schema from another.
func Want(f Field, t protowire.Type) error {
	if f.Type != t {
		return malformed(f.Off, fmt.Sprintf("field %d has wire type %d, want %d", f.Num, f.Type, t))
	}
	return nil
}
