package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// undef is the undefined address (all bits set), whatever the offset size.
const undef = math.MaxUint64

// source reads bounded ranges of the file and counts every byte read.
type source struct {
	r     io.ReaderAt
	size  int64  // bytes available from r
	base  uint64 // absolute offset of address 0: where the superblock starts
	lim   *Limits
	read  int64 // bytes read from the file
	spent int64 // bytes read or decoded, against MaxReadBytes
	// exhausted is set once MaxReadBytes refused a read.
	exhausted bool

	offSize, lenSize int // from the superblock
}

func (s *source) fileOffset(addr uint64) int64 {
	if addr == undef || addr > math.MaxInt64-s.base {
		return -1
	}
	return int64(addr + s.base)
}

// at reads n bytes at address addr. The range is checked against the file
// size and MaxBlockBytes, and the read against MaxReadBytes, before anything
// is allocated.
func (s *source) at(what string, addr, n uint64) ([]byte, error) {
	if n > uint64(s.lim.MaxBlockBytes) {
		return nil, s.errAt(ErrLimit, what, addr, "%d bytes exceed MaxBlockBytes (%d)", n, s.lim.MaxBlockBytes)
	}
	off := s.fileOffset(addr)
	if off < 0 || off > s.size || int64(n) > s.size-off {
		return nil, s.errAt(ErrMalformed, what, addr, "%d bytes at address %#x lie outside the file (%d bytes)", n, addr, s.size)
	}
	if err := s.charge(what, int64(n)); err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Offset = off
		}
		return nil, err
	}
	s.read += int64(n)
	b := make([]byte, n)
	if m, err := s.r.ReadAt(b, off); m < len(b) {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, &Error{Kind: ErrMalformed, What: what, Offset: off, Cause: err}
	}
	return b, nil
}

// charge counts n bytes read or decoded against MaxReadBytes.
func (s *source) charge(what string, n int64) error {
	if s.spent+n > s.lim.MaxReadBytes {
		s.exhausted = true
		return &Error{Kind: ErrLimit, What: what, Offset: -1,
			Detail: fmt.Sprintf("%d more bytes exceed MaxReadBytes (%d)", n, s.lim.MaxReadBytes)}
	}
	s.spent += n
	return nil
}

// atMost reads up to n bytes at addr, fewer when the file ends first: for
// prefixes whose real length is only known after decoding them.
func (s *source) atMost(what string, addr, n uint64) ([]byte, error) {
	if off := s.fileOffset(addr); off >= 0 && off <= s.size && uint64(s.size-off) < n {
		n = uint64(s.size - off)
	}
	return s.at(what, addr, n)
}

// stringCost is what a decoded string costs beyond its bytes (its header).
const stringCost = 16

// errShort marks a decoder that ran past the end of its buffer.
var errShort = errors.New("structure runs past its end")

// decoder reads little-endian fields from a buffer. Reading past the end
// sets err and yields zeros, so a parse checks err once at the end instead
// of after every field.
type decoder struct {
	b                []byte
	p                int
	offSize, lenSize int
	err              error
	src              *source // charged for the strings decoded, if set
}

func (s *source) decoder(b []byte) *decoder {
	return &decoder{b: b, offSize: s.offSize, lenSize: s.lenSize, src: s}
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b)-d.p {
		d.fail()
		return nil
	}
	v := d.b[d.p : d.p+n]
	d.p += n
	return v
}

func (d *decoder) u8() uint8 {
	if v := d.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *decoder) u16() uint16 { return uint16(d.uint(2)) }
func (d *decoder) u32() uint32 { return uint32(d.uint(4)) }
func (d *decoder) u64() uint64 { return d.uint(8) }

// uint reads an n-byte little-endian unsigned integer (n ≤ 8).
func (d *decoder) uint(n int) uint64 {
	v := d.take(n)
	if v == nil || n > 8 {
		d.fail()
		return 0
	}
	var buf [8]byte
	copy(buf[:], v)
	return binary.LittleEndian.Uint64(buf[:])
}

// addr reads an address; the all-ones pattern of any width becomes undef.
func (d *decoder) addr() uint64 {
	v := d.uint(d.offSize)
	if d.offSize < 8 && v == 1<<(8*d.offSize)-1 {
		return undef
	}
	return v
}

func (d *decoder) length() uint64 { return d.uint(d.lenSize) }

func (d *decoder) skip(n int) { d.take(n) }

func (d *decoder) left() int { return len(d.b) - d.p }

// cstring reads a NUL-terminated string; the NUL is consumed.
func (d *decoder) cstring() string {
	if d.err != nil {
		return ""
	}
	for i := d.p; i < len(d.b); i++ {
		if d.b[i] == 0 {
			s := d.own(d.b[d.p:i])
			d.p = i + 1
			return s
		}
	}
	d.err = errShort
	return ""
}

// str reads n bytes as a string.
func (d *decoder) str(n int) string { return d.own(d.take(n)) }

// own copies b into a string, charged against the read budget: names are
// decoded from cached blocks, which hostile files can reference again and
// again.
func (d *decoder) own(b []byte) string {
	if d.err != nil {
		return ""
	}
	if d.src != nil {
		if err := d.src.charge("decoded name", int64(len(b))+stringCost); err != nil {
			d.err = err
			return ""
		}
	}
	return string(b)
}

// align8 skips to the next multiple of 8 from start, as version 1 messages
// pad their fields.
func (d *decoder) align8(start int) {
	if r := (d.p - start) % 8; r != 0 {
		d.skip(8 - r)
	}
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errShort
	}
}

// sizeBytes is how many bytes encode values up to max: libhdf5's
// H5VM_limit_enc_size, used by B-tree node pointers and heap IDs.
func sizeBytes(max uint64) int {
	n := 1
	for max >>= 8; max > 0; max >>= 8 {
		n++
	}
	return n
}

// log2 is floor(log2(v)) for v > 0.
func log2(v uint64) int {
	n := -1
	for ; v > 0; v >>= 1 {
		n++
	}
	return n
}
