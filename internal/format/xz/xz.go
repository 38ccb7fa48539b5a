// Package xz reads .xz streams (what xz(1), Python's lzma module and
// joblib's xz compressor write) and classic .lzma streams with a bounded
// dictionary. github.com/ulikunitz/xz, whose LZMA2 and LZMA decoders this
// package drives, allocates the dictionary a header declares (up to 4 GiB)
// before decoding a byte; here the decoder gets no more than MaxDict, nor
// more than a declared uncompressed size. A stream that really reaches
// further back then fails to decode, which callers report as incomplete,
// never as clean.
//
// The container follows the .xz file format specification 1.1.0: stream
// header, blocks, index, stream footer, stream padding and concatenated
// streams. Only the LZMA2 filter is supported (as in ulikunitz/xz); other
// filter chains (BCJ, delta, ARM…) are an error. Checks (CRC32, CRC64,
// SHA-256) are skipped, not verified: the data is scanned either way.
package xz

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/ulikunitz/xz/lzma"
)

// MaxDict is the dictionary bound callers pass: that of the largest preset
// xz and Python's lzma write (-9, PRESET_EXTREME).
const MaxDict = 64 << 20

// Magic starts every .xz stream.
var Magic = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}

var footerMagic = []byte{'Y', 'Z'}

const (
	filterLZMA2 = 0x21
	// maxHeader is the largest block header the size byte can declare.
	maxHeader = 1024
)

// checkSizes gives the size of each check type's field (the specification
// reserves sizes for the undefined IDs).
var checkSizes = [16]int{0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64}

// reader decodes the blocks of one or more concatenated streams.
type reader struct {
	in    *counter
	dict  int       // the dictionary bound
	check int       // size of the check field of the current stream
	block io.Reader // the current block's decoder; nil between blocks
	err   error
}

// NewReader returns the decompressed data of the .xz streams in r, decoding
// with dictionaries of at most dictCap bytes.
func NewReader(r io.Reader, dictCap int) (io.Reader, error) {
	x := &reader{in: &counter{r: bufio.NewReaderSize(r, 64<<10)}, dict: dictCap}
	if err := x.streamHeader(); err != nil {
		return nil, err
	}
	return x, nil
}

func (x *reader) Read(p []byte) (int, error) {
	for x.err == nil {
		if x.block == nil {
			x.err = x.nextBlock()
			continue
		}
		n, err := x.block.Read(p)
		if errors.Is(err, io.EOF) {
			x.block, err = nil, x.endBlock()
		}
		if err != nil {
			x.err = err
		}
		if n > 0 || len(p) == 0 {
			return n, nil
		}
	}
	return 0, x.err
}

func (x *reader) streamHeader() error {
	var h [12]byte
	if _, err := io.ReadFull(x.in, h[:]); err != nil {
		return fmt.Errorf("xz: stream header: %w", unexpected(err))
	}
	if !bytes.HasPrefix(h[:], Magic) {
		return errors.New("xz: no stream header")
	}
	if crc32.ChecksumIEEE(h[6:8]) != binary.LittleEndian.Uint32(h[8:]) {
		return errors.New("xz: the stream header's CRC does not match")
	}
	if h[6] != 0 || h[7]&0xf0 != 0 {
		return fmt.Errorf("xz: unsupported stream flags %#x %#x", h[6], h[7])
	}
	x.check = checkSizes[h[7]&0x0f]
	return nil
}

// nextBlock starts the next block, or reads the index, the stream footer
// and whatever streams follow; io.EOF at the end of the last one.
func (x *reader) nextBlock() error {
	size, err := x.in.ReadByte()
	if err != nil {
		return fmt.Errorf("xz: block header: %w", unexpected(err))
	}
	if size == 0 {
		if err := x.skipIndex(); err != nil {
			return err
		}
		return x.nextStream()
	}
	var h [maxHeader]byte
	n := (int(size) + 1) * 4
	h[0] = size
	if _, err := io.ReadFull(x.in, h[1:n]); err != nil {
		return fmt.Errorf("xz: block header: %w", unexpected(err))
	}
	if crc32.ChecksumIEEE(h[:n-4]) != binary.LittleEndian.Uint32(h[n-4:n]) {
		return errors.New("xz: a block header's CRC does not match")
	}
	dict, err := parseBlockHeader(h[1:n-4], x.dict)
	if err != nil {
		return err
	}
	x.in.n = 0
	dec, err := lzma.Reader2Config{DictCap: dict}.NewReader2(x.in)
	if err != nil {
		return fmt.Errorf("xz: %w", err)
	}
	x.block = dec
	return nil
}

// parseBlockHeader reads the flags, sizes and filters of a block header
// (without its size byte and CRC) and returns the dictionary to decode
// with: the declared one, lowered to dictCap and to the block's
// uncompressed size when the header records it.
func parseBlockHeader(h []byte, dictCap int) (int, error) {
	b := bytes.NewReader(h)
	flags, _ := b.ReadByte()
	if flags&0x3c != 0 {
		return 0, fmt.Errorf("xz: unsupported block flags %#x", flags)
	}
	if flags&0x40 != 0 { // compressed size: not needed to decode
		if _, err := binary.ReadUvarint(b); err != nil {
			return 0, errors.New("xz: bad compressed size in a block header")
		}
	}
	limit := uint64(dictCap)
	if flags&0x80 != 0 {
		u, err := binary.ReadUvarint(b)
		if err != nil {
			return 0, errors.New("xz: bad uncompressed size in a block header")
		}
		limit = min(limit, u)
	}
	if filters := int(flags&3) + 1; filters != 1 {
		return 0, fmt.Errorf("xz: a chain of %d filters is not supported (LZMA2 only)", filters)
	}
	id, err1 := binary.ReadUvarint(b)
	propSize, err2 := binary.ReadUvarint(b)
	if err1 != nil || err2 != nil {
		return 0, errors.New("xz: bad filter flags in a block header")
	}
	if id != filterLZMA2 {
		return 0, fmt.Errorf("xz: filter %#x is not supported (LZMA2 only)", id)
	}
	prop, err := b.ReadByte()
	if propSize != 1 || err != nil || prop > 40 {
		return 0, errors.New("xz: bad LZMA2 properties")
	}
	for b.Len() > 0 { // header padding
		if c, _ := b.ReadByte(); c != 0 {
			return 0, errors.New("xz: non-zero block header padding")
		}
	}
	return Dictionary(LZMA2Dict(prop), limit), nil
}

// LZMA2Dict decodes the LZMA2 dictionary-size property (at most 40).
func LZMA2Dict(p byte) uint64 {
	if p == 40 {
		return 1<<32 - 1
	}
	return uint64(2|p&1) << (p/2 + 11)
}

// Dictionary bounds a declared dictionary by limit (a cap, or the size of
// the output: no match reaches before the first byte), and by the
// decoder's minimum from below.
func Dictionary(declared, limit uint64) int {
	return int(max(min(declared, limit), lzma.MinDictCap))
}

// endBlock skips the block padding and the check.
func (x *reader) endBlock() error {
	pad := (4 - x.in.n%4) % 4
	if err := x.skip(int(pad) + x.check); err != nil {
		return fmt.Errorf("xz: block end: %w", err)
	}
	return nil
}

// skipIndex reads past the index (its indicator already read): the record
// count, two numbers per record, padding and CRC32. Nothing is kept.
func (x *reader) skipIndex() error {
	x.in.n = 1
	records, err := binary.ReadUvarint(x.in)
	if err != nil {
		return fmt.Errorf("xz: index: %w", unexpected(err))
	}
	for i := uint64(0); i < 2*records; i++ {
		if _, err := binary.ReadUvarint(x.in); err != nil {
			return fmt.Errorf("xz: index: %w", unexpected(err))
		}
	}
	pad := (4 - x.in.n%4) % 4
	return x.skip(int(pad) + 4)
}

// nextStream reads the stream footer, then the stream padding and the next
// stream header, if any.
func (x *reader) nextStream() error {
	var f [12]byte
	if _, err := io.ReadFull(x.in, f[:]); err != nil {
		return fmt.Errorf("xz: stream footer: %w", unexpected(err))
	}
	if !bytes.Equal(f[10:], footerMagic) {
		return errors.New("xz: no stream footer")
	}
	for {
		c, err := x.in.ReadByte()
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		if err != nil {
			return err
		}
		if c != 0 {
			if err := x.in.UnreadByte(); err != nil {
				return err
			}
			return x.streamHeader()
		}
	}
}

func (x *reader) skip(n int) error {
	_, err := io.CopyN(io.Discard, x.in, int64(n))
	return unexpected(err)
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// counter counts the bytes read through it, for the 4-byte alignment of
// block padding and index; it is an io.ByteReader, which both the LZMA2
// decoder and binary.ReadUvarint want.
type counter struct {
	r *bufio.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *counter) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

func (c *counter) UnreadByte() error {
	err := c.r.UnreadByte()
	if err == nil {
		c.n--
	}
	return err
}

// NewLZMAReader decodes classic .lzma streams (13-byte header: properties,
// dictionary size, uncompressed size, then the data) with NewLZMAStream's
// bounds. Like Python's LZMAFile (and so joblib), it goes on with the next
// stream when one ends and data remains, and stops quietly at trailing
// data that is not a stream.
func NewLZMAReader(r io.Reader, dictCap int) (io.Reader, error) {
	s := &lzmaStreams{in: bufio.NewReaderSize(r, 64<<10), dictCap: dictCap}
	var err error
	s.cur, err = s.open()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// lzmaStreams reads concatenated .lzma streams.
type lzmaStreams struct {
	in      *bufio.Reader
	dictCap int
	cur     io.Reader
}

func (s *lzmaStreams) Read(p []byte) (int, error) {
	for {
		if s.cur == nil {
			return 0, io.EOF
		}
		n, err := s.cur.Read(p)
		if !errors.Is(err, io.EOF) {
			return n, err
		}
		s.cur = nil
		if _, perr := s.in.Peek(1); perr == nil {
			if next, oerr := s.open(); oerr == nil {
				s.cur = next
			} // else trailing data that is not a stream, ignored as Python does
		}
		if n > 0 {
			return n, nil
		}
	}
}

// open starts the stream at the current position.
func (s *lzmaStreams) open() (io.Reader, error) {
	var h [13]byte
	if _, err := io.ReadFull(s.in, h[:]); err != nil {
		return nil, fmt.Errorf("lzma: header: %w", unexpected(err))
	}
	return NewLZMAStream(h, s.in, s.dictCap)
}

// NewLZMAStream decodes the data of one LZMA stream whose classic header
// (properties, dictionary size, uncompressed size or all ones) is h: an
// .lzma file's, or one built from a container's properties (zip, 7z).
// Its fields are attacker data: the dictionary is lowered to dictCap and
// to a known uncompressed size, and an implausible size becomes "unknown",
// so that neither field can push the data out of analysis.
func NewLZMAStream(h [13]byte, r io.Reader, dictCap int) (io.Reader, error) {
	limit := uint64(dictCap)
	switch size := binary.LittleEndian.Uint64(h[5:]); {
	case size == ^uint64(0):
	case size > 1<<44:
		binary.LittleEndian.PutUint64(h[5:], ^uint64(0))
	default:
		limit = min(limit, size)
	}
	binary.LittleEndian.PutUint32(h[1:], uint32(Dictionary(uint64(binary.LittleEndian.Uint32(h[1:])), limit)))
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	return lzma.NewReader(&prefixed{head: h[:], r: br})
}

// prefixed reads head, then r. It is an io.ByteReader, which the LZMA
// decoder otherwise emulates with one Read call per byte.
type prefixed struct {
	head []byte
	r    *bufio.Reader
}

func (p *prefixed) Read(b []byte) (int, error) {
	if len(p.head) > 0 {
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	}
	return p.r.Read(b)
}

func (p *prefixed) ReadByte() (byte, error) {
	if len(p.head) > 0 {
		c := p.head[0]
		p.head = p.head[1:]
		return c, nil
	}
	return p.r.ReadByte()
}
