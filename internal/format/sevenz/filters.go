package sevenz

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
)

// Delta: the encoder stored each byte minus the byte dist positions
// earlier (zeros before the start). Properties: one byte, dist-1.
func deltaMemory(props []byte, _ int64) (int64, error) {
	if len(props) != 1 {
		return 0, fmt.Errorf("bad properties %x", props)
	}
	return 0, nil
}

func openDelta(r io.Reader, props []byte, _ int64) (io.Reader, error) {
	return &delta{r: r, dist: props[0] + 1}, nil
}

type delta struct {
	r    io.Reader
	dist byte // 1..256, where 256 wraps to 0 and still means a full turn
	pos  byte
	hist [256]byte // the last 256 bytes produced, indexed by position
}

func (d *delta) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	for i := range p[:n] {
		p[i] += d.hist[d.pos-d.dist]
		d.hist[d.pos] = p[i]
		d.pos++
	}
	return n, err
}

// x86 undoes the BCJ filter for x86 code. The encoder turned the relative
// targets of CALL (E8) and JMP (E9) instructions into absolute addresses,
// which compress better; the decoder subtracts the position again. Whether
// the four bytes after an E8/E9 were converted depends on the E8/E9 bytes
// seen just before (mask), which the decoder tracks the way the encoder
// did. Properties: none, or the start offset.
func x86Memory(props []byte, _ int64) (int64, error) {
	if len(props) != 0 && len(props) != 4 {
		return 0, fmt.Errorf("bad properties %x", props)
	}
	return 0, nil
}

func openX86(r io.Reader, props []byte, _ int64) (io.Reader, error) {
	x := &x86{r: r, buf: make([]byte, 64<<10)}
	if len(props) == 4 {
		x.start = int64(binary.LittleEndian.Uint32(props))
	}
	x.prev = x.start - 5
	return x, nil
}

type x86 struct {
	r   io.Reader
	err error // from r, returned once the buffer is drained
	// buf[:out] was returned, buf[out:done] is decoded, buf[done:end]
	// waits for the bytes that follow it.
	buf            []byte
	out, done, end int
	start          int64 // stream position of buf[0]
	prev           int64 // position of the last E8/E9 examined
	mask           uint32
}

func (x *x86) Read(p []byte) (int, error) {
	for x.out == x.done {
		if x.err != nil {
			return 0, x.err
		}
		x.fill()
	}
	n := copy(p, x.buf[x.out:x.done])
	x.out += n
	return n, nil
}

// fill moves the undecoded tail to the front, reads more after it and
// decodes what it can. At the end of the input the last bytes, too short
// to hold an instruction, pass unchanged.
func (x *x86) fill() {
	x.start += int64(x.done)
	x.end = copy(x.buf, x.buf[x.done:x.end])
	x.out, x.done = 0, 0
	n, err := x.r.Read(x.buf[x.end:])
	x.end += n
	x.done = x.decode(x.buf[:x.end])
	if err != nil {
		x.err = err
		x.done = x.end
	}
}

// decode converts b in place and returns how far it got: an E8/E9 within
// the last four bytes needs what follows.
func (x *x86) decode(b []byte) int {
	i := 0
	for i+5 <= len(b) {
		if b[i]&0xfe != 0xe8 {
			i++
			continue
		}
		at := x.start + int64(i)
		if gap := at - x.prev; gap > 5 {
			x.mask = 0
		} else {
			for range gap {
				x.mask = (x.mask & 0x77) << 1
			}
		}
		x.prev = at
		if m := x.mask >> 1; m <= 4 && m != 3 && signByte(b[i+4]) {
			x.convert(b[i+1:i+5], uint32(at)+5)
			x.mask = 0
			i += 5
			continue
		}
		x.mask |= 1
		if signByte(b[i+4]) {
			x.mask |= 0x10
		}
		i++
	}
	return i
}

// convert turns the absolute address in b back into one relative to next,
// the position after the instruction. When a recent E8/E9 makes one of
// the address bytes ambiguous, the encoder flipped the bits below it; undo
// that once, as 7-Zip does.
func (x *x86) convert(b []byte, next uint32) {
	dst := binary.LittleEndian.Uint32(b) - next
	if m := x.mask >> 1; m != 0 {
		shift := 24 - 8*bits.Len32(m)
		if signByte(byte(dst >> shift)) {
			dst = (dst ^ (1<<(shift+8) - 1)) - next
		}
	}
	// Bits 25-31 repeat bit 24: only ±16 MiB targets are converted.
	dst &= 0x01ffffff
	if dst&0x01000000 != 0 {
		dst |= 0xff000000
	}
	binary.LittleEndian.PutUint32(b, dst)
}

func signByte(b byte) bool { return b == 0 || b == 0xff }
