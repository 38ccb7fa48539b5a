package hdf5

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Message types the reader decodes.
const (
	msgNIL          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgExternal     = 0x07
	msgLayout       = 0x08
	msgFilters      = 0x0B
	msgAttribute    = 0x0C
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgAttrInfo     = 0x15
	msgLink         = 0x06
)

// Message flag bits.
const (
	flagShared       = 0x02
	flagFailUnknownW = 0x08
	flagFailUnknown  = 0x80
)

// message is one raw header message.
type message struct {
	typ   uint16
	flags uint8
	data  []byte
	addr  uint64 // where data starts, for errors
}

// header is a parsed object header: its messages from every chunk.
type header struct {
	addr      uint64
	version   int
	v2flags   uint8  // version 2 prefix flags
	prefixLen uint64 // version 2 prefix length, where chunk 0's messages start
	msgs      []message
}

// first returns the first message of a type, as libhdf5's H5O_msg_read does.
func (h *header) first(typ uint16) *message {
	for i := range h.msgs {
		if h.msgs[i].typ == typ {
			return &h.msgs[i]
		}
	}
	return nil
}

// chunk is an object header chunk still to be read.
type chunk struct{ addr, size uint64 }

// readHeader reads the object header at addr, following continuation
// messages (bounded in number and never revisiting a chunk). path is only
// used to attribute anomalies.
func (f *File) readHeader(addr uint64, path string) (*header, error) {
	s := f.src
	prefix, err := s.atMost("object header", addr, 16)
	if err != nil {
		return nil, err
	}
	h := &header{addr: addr}
	var first chunk
	switch {
	case bytes.HasPrefix(prefix, []byte("OHDR")):
		h.version = 2
		first, err = f.headerV2Prefix(h, addr)
	case len(prefix) >= 16 && prefix[0] == 1:
		// Version, reserved, message count (recounted from the chunks),
		// reference count, then the size of chunk 0, which starts after
		// the 16-byte prefix.
		h.version = 1
		first = chunk{addr: addr + 16, size: uint64(binary.LittleEndian.Uint32(prefix[8:]))}
	default:
		return nil, s.errAt(ErrMalformed, "object header", addr, "neither an OHDR signature nor a version 1 prefix")
	}
	if err != nil {
		return nil, err
	}
	queue := []chunk{first}
	seen := map[uint64]bool{}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if seen[c.addr] {
			return nil, s.errAt(ErrMalformed, "object header", c.addr, "continuation chunk is visited twice (a cycle)")
		}
		seen[c.addr] = true
		if len(seen) > f.lim.MaxContinuations+1 {
			return nil, s.errAt(ErrLimit, "object header", addr, "more than MaxContinuations (%d) continuation chunks", f.lim.MaxContinuations)
		}
		more, err := f.readChunk(h, c, len(seen) == 1, path)
		if err != nil {
			return nil, err
		}
		queue = append(queue, more...)
	}
	return h, nil
}

// headerV2Prefix reads the version 2 prefix, whose length depends on its
// flags, and returns chunk 0 including the prefix (the checksum covers it).
func (f *File) headerV2Prefix(h *header, addr uint64) (chunk, error) {
	s := f.src
	b, err := s.atMost("object header", addr, 4+1+1+16+4+8)
	if err != nil {
		return chunk{}, err
	}
	d := &decoder{b: b}
	d.skip(4)
	if v := d.u8(); v != 2 {
		return chunk{}, s.errAt(ErrUnsupported, "object header", addr, "OHDR version %d", v)
	}
	flags := d.u8()
	if flags&0x20 != 0 {
		d.skip(16) // access, modification, change and birth times
	}
	if flags&0x10 != 0 {
		d.skip(4) // attribute phase change values
	}
	size := d.uint(1 << (flags & 3))
	if d.err != nil {
		return chunk{}, s.errAt(ErrMalformed, "object header", addr, "truncated prefix")
	}
	h.v2flags = flags
	h.prefixLen = uint64(d.p)
	return chunk{addr: addr, size: uint64(d.p) + size + 4}, nil
}

// readChunk reads one chunk's messages and returns the continuation chunks
// it points to.
func (f *File) readChunk(h *header, c chunk, isFirst bool, path string) ([]chunk, error) {
	s := f.src
	b, err := s.at("object header chunk", c.addr, c.size)
	if err != nil {
		return nil, err
	}
	start := 0
	if h.version == 2 {
		start = int(h.prefixLen)
		if !isFirst {
			if !bytes.HasPrefix(b, []byte("OCHK")) {
				return nil, s.errAt(ErrMalformed, "object header continuation", c.addr, "no OCHK signature")
			}
			start = 4
		}
		if !checksumOK(b) {
			f.anomaly(path, c.addr, "object header chunk checksum mismatch")
		}
		if len(b) < start+4 {
			return nil, s.errAt(ErrMalformed, "object header chunk", c.addr, "chunk of %d bytes is too short", len(b))
		}
		b = b[:len(b)-4]
	}
	var more []chunk
	d := s.decoder(b)
	d.p = start
	for {
		m, ok := h.nextMessage(d, c.addr)
		if !ok {
			break
		}
		if len(h.msgs) >= f.lim.MaxMessages {
			return nil, s.errAt(ErrLimit, "object header", h.addr, "more than MaxMessages (%d) messages", f.lim.MaxMessages)
		}
		switch m.typ {
		case msgNIL:
			continue
		case msgContinuation:
			md := s.decoder(m.data)
			next := chunk{addr: md.addr(), size: md.length()}
			if md.err != nil {
				return nil, s.errAt(ErrMalformed, "continuation message", m.addr, "truncated")
			}
			more = append(more, next)
		}
		if m.flags&(flagFailUnknown|flagFailUnknownW) != 0 && !knownMessage(m.typ) {
			f.anomaly(path, m.addr, fmt.Sprintf("message type %#x is unknown and flagged fail-if-unknown: libhdf5 refuses this object", m.typ))
		}
		h.msgs = append(h.msgs, m)
	}
	if d.err != nil {
		return nil, s.errAt(ErrMalformed, "object header chunk", c.addr, "a message runs past the end of its chunk")
	}
	return more, nil
}

// nextMessage decodes one message header and slices its data; it stops at
// the end of the chunk or at a gap too small for another message. Version 1
// message headers are type (2 bytes), size, flags and 3 reserved bytes;
// version 2 ones are type (1 byte), size, flags and an optional creation
// order.
func (h *header) nextMessage(d *decoder, chunkAddr uint64) (message, bool) {
	hdrLen, typLen := 8, 2
	if h.version == 2 {
		hdrLen, typLen = 4, 1
		if h.v2flags&0x04 != 0 {
			hdrLen = 6
		}
	}
	if d.left() < hdrLen {
		return message{}, false // gap or end of chunk
	}
	start := d.p
	m := message{typ: uint16(d.uint(typLen))}
	n := int(d.u16())
	m.flags = d.u8()
	d.skip(hdrLen - (d.p - start))
	m.addr = chunkAddr + uint64(d.p)
	m.data = d.take(n)
	return m, d.err == nil
}

func knownMessage(typ uint16) bool {
	// 0x00–0x18 are defined by the specification (0x09 is the test-only
	// bogus message).
	return typ <= 0x18
}
