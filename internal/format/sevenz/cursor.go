package sevenz

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// reader walks header bytes. The first error sticks and empties the input,
// so later reads return zero values and parsing code checks err only where
// it decides something (before allocating, before looping).
type reader struct {
	b   []byte
	err error
}

func (h *reader) fail(format string, args ...any) {
	if h.err == nil {
		h.err = fmt.Errorf("7z header: "+format, args...)
	}
	h.b = nil
}

func (h *reader) byte() byte {
	if len(h.b) < 1 {
		h.fail("truncated")
		return 0
	}
	c := h.b[0]
	h.b = h.b[1:]
	return c
}

func (h *reader) bytes(n uint64) []byte {
	if n > uint64(len(h.b)) {
		h.fail("%d bytes declared, %d left", n, len(h.b))
		return nil
	}
	p := h.b[:n:n]
	h.b = h.b[n:]
	return p
}

func (h *reader) uint32() uint32 {
	if p := h.bytes(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

// number reads 7z's variable-length UINT64: the leading one bits of the
// first byte count the extra little-endian bytes, the rest of the first
// byte holds the highest bits.
func (h *reader) number() uint64 {
	first := h.byte()
	extra := bits.LeadingZeros8(^first)
	var v uint64
	for i := range extra {
		v |= uint64(h.byte()) << (8 * i)
	}
	if extra < 8 {
		v |= uint64(first&(0xff>>(extra+1))) << (8 * extra)
	}
	return v
}

// size reads a length, which must fit comfortably in an int64.
func (h *reader) size(what string) int64 {
	n := h.number()
	if n > 1<<62 {
		h.fail("%s of %d bytes", what, n)
		return 0
	}
	return int64(n)
}

// count reads the number of items of a list, each taking at least per
// bytes of what remains: a count the remaining bytes cannot pay for, or
// beyond MaxEntries, is refused before anything is allocated for it.
func (h *reader) count(what string, per int) int {
	n := h.number()
	switch {
	case h.err != nil:
		return 0
	case n > MaxEntries:
		h.fail("%d %s declared, more than the %d this reader accepts", n, what, MaxEntries)
		return 0
	case per > 0 && n > uint64(len(h.b)/per):
		h.fail("%d %s declared, more than the %d bytes left can hold", n, what, len(h.b))
		return 0
	}
	return int(n)
}

// bitVector reads n bits.
func (h *reader) bitVector(n int) bitVector {
	return bitVector{b: h.bytes(uint64(n+7) / 8)}
}

// definedVector reads 7z's "all defined" byte, then a vector of n bits
// unless everything is defined.
func (h *reader) definedVector(n int) bitVector {
	if h.byte() != 0 {
		return bitVector{all: true}
	}
	return h.bitVector(n)
}

// skipProperty skips a property of unknown meaning by its length, as
// 7-Zip does.
func (h *reader) skipProperty() { h.bytes(h.number()) }

// expect skips other properties until id, which must come before kEnd.
func (h *reader) expect(id byte, what string) {
	for h.err == nil {
		switch h.byte() {
		case id:
			return
		case idEnd:
			h.fail("%s is missing", what)
		default:
			h.skipProperty()
		}
	}
}

// bitVector is a sequence of bits, most significant bit first. The zero
// value (an absent property) has no bit set; all sets every bit. Indices
// are below the length the vector was read with.
type bitVector struct {
	b   []byte
	all bool
}

func (v bitVector) has(i int) bool {
	return v.all || (v.b != nil && v.b[i/8]&(0x80>>(i%8)) != 0)
}

// ones counts the set bits among the first n.
func (v bitVector) ones(n int) int {
	c := 0
	for i := range n {
		if v.has(i) {
			c++
		}
	}
	return c
}
