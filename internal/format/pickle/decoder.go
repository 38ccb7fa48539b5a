package pickle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Op is one decoded opcode. Arg and Arg2 point into the decoder's buffers
// and are valid only until the next call to Next.
type Op struct {
	Code   byte
	Offset int64 // offset of the opcode byte in the stream

	// Int holds integer arguments: INT/BININT*/LONG* values, memo keys,
	// PROTO versions, FRAME lengths and EXT codes.
	Int int64
	// BigInt is set when a LONG value does not fit in Int.
	BigInt bool
	Float  float64
	// Arg holds string, bytes and line arguments (the module line for
	// GLOBAL and INST), decoded the way CPython decodes them for STRING and
	// UNICODE, and at most MaxArg bytes long.
	Arg []byte
	// Arg2 holds the name line of GLOBAL and INST.
	Arg2 []byte
	// Len is the full length of a string or bytes argument; Arg is shorter
	// when Len exceeds MaxArg.
	Len int64
	// ArgOffset is where a length-prefixed argument's bytes start.
	ArgOffset int64
}

// Truncated reports whether a string or bytes argument was not kept whole.
func (op *Op) Truncated() bool { return int64(len(op.Arg)) < op.Len }

// FrameMode selects how FRAME boundaries are honoured.
type FrameMode uint8

const (
	// Linear reads the stream as pickle.loads(bytes) and pickletools do:
	// frames are ignored for decoding, and disagreements are only counted.
	Linear FrameMode = iota
	// DropStraddled reads as CPython's C unpickler does from a file object
	// without peek() (io.BytesIO, as torch.load uses): a read that does not
	// fit in the current frame discards the rest of the frame and continues
	// after it.
	DropStraddled
)

// Errors returned by Next. Each is wrapped with the offset it occurred at.
var (
	ErrInvalidOpcode = errors.New("invalid opcode")
	ErrInvalidArg    = errors.New("invalid opcode argument")
	ErrTruncated     = errors.New("pickle data was truncated")
)

// Error locates a decoding failure.
type Error struct {
	Offset int64
	Code   byte
	Err    error
	Detail string
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("%v at offset %d (%s)", e.Err, e.Offset, e.Detail)
	}
	return fmt.Sprintf("%v at offset %d", e.Err, e.Offset)
}

func (e *Error) Unwrap() error { return e.Err }

const (
	bufSize = 64 << 10
	// DefaultMaxArg is the longest argument kept whole by default; longer
	// ones keep their first DefaultMaxArg bytes and the rest is skipped.
	DefaultMaxArg = 1 << 20
)

// Decoder reads opcodes from a stream. It never allocates more than its
// buffers, whatever the lengths the stream claims.
type Decoder struct {
	r          io.Reader
	buf        []byte
	start, end int   // unread data is buf[start:end]
	base       int64 // stream offset of buf[0]
	rerr       error // sticky read error (io.EOF at the end)

	// MaxArg bounds the bytes kept per argument.
	MaxArg  int
	scratch []byte
	line2   []byte

	mode     FrameMode
	inFrame  bool
	frameEnd int64
	// Straddles counts reads that crossed a frame's end and frames opened
	// before the previous one was consumed; FirstStraddle is the offset of
	// the first.
	Straddles     int
	FirstStraddle int64
}

// NewDecoder decodes r in Linear mode.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: r, buf: make([]byte, bufSize), MaxArg: DefaultMaxArg}
}

// Reset reuses the decoder (and its buffers) for a new stream.
func (d *Decoder) Reset(r io.Reader, mode FrameMode) {
	d.r, d.start, d.end, d.base, d.rerr = r, 0, 0, 0, nil
	d.mode, d.inFrame, d.frameEnd, d.Straddles, d.FirstStraddle = mode, false, 0, 0, 0
}

// SetBase declares the stream offset of the reader's first byte, so that
// offsets are reported relative to an enclosing file.
func (d *Decoder) SetBase(off int64) { d.base = off - int64(d.start) }

// Offset is the stream offset of the next unread byte.
func (d *Decoder) Offset() int64 { return d.base + int64(d.start) }

// fill makes at least n (≤ len(buf)) bytes available, or as many as remain.
func (d *Decoder) fill(n int) {
	if d.end-d.start >= n || d.rerr != nil {
		return
	}
	if d.start > 0 {
		copy(d.buf, d.buf[d.start:d.end])
		d.end -= d.start
		d.base += int64(d.start)
		d.start = 0
	}
	for d.end < n && d.rerr == nil {
		m, err := d.r.Read(d.buf[d.end:])
		d.end += m
		if err != nil {
			d.rerr = err
		} else if m == 0 {
			d.rerr = io.ErrNoProgress
		}
	}
}

// Window returns the buffered bytes that lie inside the current frame (all
// buffered bytes outside frames), for a caller that decodes the commonest
// fixed-size opcodes itself. It never reads; Advance consumes what the
// caller decoded.
func (d *Decoder) Window() []byte {
	b := d.buf[d.start:d.end]
	if d.inFrame {
		left := max(d.frameEnd-d.Offset(), 0)
		if left < int64(len(b)) {
			b = b[:left]
		}
	}
	return b
}

// Advance consumes n bytes of the Window.
func (d *Decoder) Advance(n int) { d.start += n }

// AtEOF reports whether the stream has no more bytes.
func (d *Decoder) AtEOF() bool {
	d.fill(1)
	return d.start == d.end
}

// Peek returns up to n upcoming bytes without consuming them.
func (d *Decoder) Peek(n int) []byte {
	if n > len(d.buf) {
		n = len(d.buf)
	}
	d.fill(n)
	m := min(n, d.end-d.start)
	return d.buf[d.start : d.start+m]
}

// Skip discards n bytes; it returns the number skipped.
func (d *Decoder) Skip(n int64) int64 {
	var done int64
	for done < n {
		if d.start == d.end {
			d.fill(1)
			if d.start == d.end {
				break
			}
		}
		k := min(int64(d.end-d.start), n-done)
		d.start += int(k)
		done += k
	}
	return done
}

func (d *Decoder) readErr(op *Op, what string) error {
	err := ErrTruncated
	if d.rerr != nil && !errors.Is(d.rerr, io.EOF) {
		err = d.rerr
	}
	return &Error{Offset: op.Offset, Code: op.Code, Err: err, Detail: what}
}

// frameCheck applies the frame discipline before a read of n bytes.
func (d *Decoder) frameCheck(n int64) {
	if !d.inFrame {
		return
	}
	pos := d.Offset()
	if pos >= d.frameEnd {
		d.inFrame = false
		return
	}
	if pos+n <= d.frameEnd {
		return
	}
	d.straddle(pos)
	if d.mode == DropStraddled {
		d.Skip(d.frameEnd - pos)
		d.inFrame = false
	}
}

func (d *Decoder) straddle(pos int64) {
	if d.Straddles == 0 {
		d.FirstStraddle = pos
	}
	d.Straddles++
}

// fixed reads n ≤ 8 bytes.
func (d *Decoder) fixed(op *Op, n int) ([]byte, error) {
	if d.inFrame {
		d.frameCheck(int64(n))
	}
	if d.end-d.start < n {
		d.fill(n)
	}
	if d.end-d.start < n {
		return nil, d.readErr(op, "argument")
	}
	b := d.buf[d.start : d.start+n]
	d.start += n
	return b, nil
}

// blob reads a length-prefixed argument, keeping at most MaxArg bytes.
func (d *Decoder) blob(op *Op, n int64) error {
	op.Len = n
	d.frameCheck(n)
	op.ArgOffset = d.Offset()
	keep := n
	if keep > int64(d.MaxArg) {
		keep = int64(d.MaxArg)
	}
	if int(keep) <= len(d.buf) {
		d.fill(int(keep))
		if int64(d.end-d.start) < keep {
			d.Skip(keep)
			return d.readErr(op, fmt.Sprintf("argument of %d bytes", n))
		}
		op.Arg = d.buf[d.start : d.start+int(keep)]
		d.start += int(keep)
	} else {
		if cap(d.scratch) < int(keep) {
			d.scratch = make([]byte, keep)
		}
		d.scratch = d.scratch[:keep]
		got := 0
		for got < int(keep) {
			d.fill(1)
			if d.start == d.end {
				return d.readErr(op, fmt.Sprintf("argument of %d bytes", n))
			}
			c := copy(d.scratch[got:], d.buf[d.start:d.end])
			d.start += c
			got += c
		}
		op.Arg = d.scratch
	}
	if rest := n - keep; rest > 0 {
		if d.Skip(rest) < rest {
			return d.readErr(op, fmt.Sprintf("argument of %d bytes", n))
		}
	}
	return nil
}

// line reads up to and including a newline; the newline is not returned.
// Bytes beyond MaxArg are scanned but not kept. dst is reused.
func (d *Decoder) line(op *Op, dst []byte) ([]byte, error) {
	start := d.Offset()
	dst = dst[:0]
	for {
		d.fill(1)
		if d.start == d.end {
			return dst, d.readErr(op, "line")
		}
		chunk := d.buf[d.start:d.end]
		i := indexNL(chunk)
		take := chunk
		if i >= 0 {
			take = chunk[:i]
		}
		if room := d.MaxArg - len(dst); room > 0 {
			dst = append(dst, take[:min(room, len(take))]...)
		}
		if i >= 0 {
			d.start += i + 1
			break
		}
		d.start = d.end
	}
	// The newline lies beyond the frame: CPython's C unpickler reading a
	// file drops the frame's rest and takes the line that follows it.
	if d.inFrame && start < d.frameEnd && d.Offset() > d.frameEnd {
		d.straddle(start)
		if d.mode == DropStraddled {
			if cut := d.frameEnd - start; cut < int64(len(dst)) {
				dst = dst[cut:]
			} else {
				dst = dst[:0]
			}
			d.inFrame = false
		}
	}
	return dst, nil
}

func indexNL(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return -1
}

// fixedLen is the argument length of opcodes the fast path decodes, or -1.
var fixedLen = [...]int{argNone: 0, argU1: 1, argU2: 2, argI4: 4, argU4: 4, argF8: 8,
	argInvalid: -1, argU8: -1, argBytes1: -1, argBytes4: -1, argBytes4s: -1, argBytes8: -1, argLine: -1, argLines: -1}

// Next decodes the next opcode into op. At the end of the stream it returns
// io.EOF; every other error is an *Error.
func (d *Decoder) Next(op *Op) error {
	// Fast path for opcodes with a fixed-size argument that is already
	// buffered and inside the current frame: most of a dense pickle.
	if d.end-d.start >= 9 {
		code := d.buf[d.start]
		info := &table[code]
		if n := fixedLen[info.arg]; n >= 0 && code != PROTO {
			pos := d.base + int64(d.start)
			if !d.inFrame || pos+1+int64(n) <= d.frameEnd {
				b := d.buf[d.start+1 : d.start+1+n]
				op.Code, op.Offset, op.BigInt, op.Arg, op.Arg2, op.Len = code, pos, false, nil, nil, 0
				switch info.arg {
				case argU1:
					op.Int = int64(b[0])
				case argU2:
					op.Int = int64(binary.LittleEndian.Uint16(b))
				case argI4:
					op.Int = int64(int32(binary.LittleEndian.Uint32(b)))
				case argU4:
					op.Int = int64(binary.LittleEndian.Uint32(b))
				case argF8:
					op.Float = math.Float64frombits(binary.BigEndian.Uint64(b))
				}
				d.start += 1 + n
				return nil
			}
		}
	}
	if d.inFrame {
		d.frameCheck(1)
	}
	if d.start == d.end {
		d.fill(1)
		if d.start == d.end {
			if d.rerr != nil && !errors.Is(d.rerr, io.EOF) {
				return &Error{Offset: d.Offset(), Err: d.rerr}
			}
			return io.EOF
		}
	}
	code := d.buf[d.start]
	*op = Op{Code: code, Offset: d.Offset()}
	d.start++
	info := &table[code]
	switch info.arg {
	case argNone:
		return nil
	case argInvalid:
		return &Error{Offset: op.Offset, Code: code, Err: ErrInvalidOpcode, Detail: fmt.Sprintf("byte 0x%02x", code)}
	case argU1:
		b, err := d.fixed(op, 1)
		if err != nil {
			return err
		}
		op.Int = int64(b[0])
		if code == PROTO && op.Int > HighestProtocol {
			return &Error{Offset: op.Offset, Code: code, Err: ErrInvalidArg, Detail: fmt.Sprintf("unsupported protocol %d", op.Int)}
		}
	case argU2:
		b, err := d.fixed(op, 2)
		if err != nil {
			return err
		}
		op.Int = int64(binary.LittleEndian.Uint16(b))
	case argI4:
		b, err := d.fixed(op, 4)
		if err != nil {
			return err
		}
		op.Int = int64(int32(binary.LittleEndian.Uint32(b)))
	case argU4:
		b, err := d.fixed(op, 4)
		if err != nil {
			return err
		}
		op.Int = int64(binary.LittleEndian.Uint32(b))
	case argU8:
		b, err := d.fixed(op, 8)
		if err != nil {
			return err
		}
		u := binary.LittleEndian.Uint64(b)
		if u > math.MaxInt64 {
			return &Error{Offset: op.Offset, Code: code, Err: ErrInvalidArg, Detail: "frame length"}
		}
		op.Int = int64(u)
		d.openFrame(op.Int)
	case argF8:
		b, err := d.fixed(op, 8)
		if err != nil {
			return err
		}
		op.Float = math.Float64frombits(binary.BigEndian.Uint64(b))
	case argBytes1:
		b, err := d.fixed(op, 1)
		if err != nil {
			return err
		}
		if err := d.blob(op, int64(b[0])); err != nil {
			return err
		}
	case argBytes4, argBytes4s:
		b, err := d.fixed(op, 4)
		if err != nil {
			return err
		}
		n := int64(binary.LittleEndian.Uint32(b))
		if info.arg == argBytes4s && int32(n) < 0 {
			return &Error{Offset: op.Offset, Code: code, Err: ErrInvalidArg, Detail: "negative length"}
		}
		if err := d.blob(op, n); err != nil {
			return err
		}
	case argBytes8:
		b, err := d.fixed(op, 8)
		if err != nil {
			return err
		}
		u := binary.LittleEndian.Uint64(b)
		if u > math.MaxInt64 {
			return d.readErr(op, fmt.Sprintf("argument of %d bytes", u))
		}
		if err := d.blob(op, int64(u)); err != nil {
			return err
		}
	case argLine:
		l, err := d.line(op, d.scratchLine())
		if err != nil {
			return err
		}
		d.scratch = l
		if err := decodeLine(op, info.line, l, d.MaxArg); err != nil {
			return err
		}
	case argLines:
		l, err := d.line(op, d.scratchLine())
		if err != nil {
			return err
		}
		d.scratch = l
		l2, err := d.line(op, d.line2[:0])
		if err != nil {
			return err
		}
		d.line2 = l2
		op.Arg, op.Arg2, op.Len = l, l2, int64(len(l))
		if err := checkGlobalLines(op); err != nil {
			return err
		}
	}
	if code == LONG1 || code == LONG4 {
		decodeLongBytes(op)
	}
	return nil
}

func (d *Decoder) scratchLine() []byte { return d.scratch[:0] }

// openFrame starts a frame of n bytes at the current offset.
func (d *Decoder) openFrame(n int64) {
	pos := d.Offset()
	if d.inFrame && pos < d.frameEnd {
		// A frame opened before the previous one was consumed: the Python
		// unpickler rejects it, the C unpickler reads on from its buffer.
		d.straddle(pos)
		if d.mode == DropStraddled {
			if pos+n <= d.frameEnd {
				return
			}
			end := d.frameEnd
			d.Skip(end - pos)
			d.frameEnd = end + n
			return
		}
	}
	d.inFrame = true
	d.frameEnd = pos + n
}
