package sevenz

import (
	"bufio"
	"compress/bzip2"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/ulikunitz/xz/lzma"

	"github.com/modelgate/modelgate/internal/format/xz"
)

// Method IDs (Methods.txt).
const (
	methodCopy    = 0x00
	methodDelta   = 0x03
	methodX86     = 0x04
	methodLZMA2   = 0x21
	methodLZMA    = 0x030101
	methodBCJ     = 0x03030103
	methodDeflate = 0x040108
	methodBZip2   = 0x040202
	methodAES     = 0x06f10701
)

// maxChain bounds the coders of a decodable folder: 7-Zip writes at most a
// filter, a compressor and a cipher.
const maxChain = 4

// codec decodes one method. memory checks the properties and says how many
// bytes the decoder allocates for an output of size bytes; open builds the
// decoder over the coder's input. Methods this reader names but cannot
// decode have no open.
type codec struct {
	name   string
	memory func(props []byte, size int64) (int64, error)
	open   func(r io.Reader, props []byte, size int64) (io.Reader, error)
}

var codecs = map[uint64]codec{
	methodCopy:    {"Copy", noProps, func(r io.Reader, _ []byte, _ int64) (io.Reader, error) { return r, nil }},
	methodLZMA:    {"LZMA", lzmaMemory, openLZMA},
	methodLZMA2:   {"LZMA2", lzma2Memory, openLZMA2},
	methodDeflate: {"Deflate", fixedMemory(64 << 10), func(r io.Reader, _ []byte, _ int64) (io.Reader, error) { return flate.NewReader(r), nil }},
	methodBZip2:   {"BZip2", fixedMemory(4 << 20), func(r io.Reader, _ []byte, _ int64) (io.Reader, error) { return bzip2.NewReader(r), nil }},
	methodBCJ:     {"BCJ", x86Memory, openX86},
	methodX86:     {"BCJ", x86Memory, openX86},
	methodDelta:   {"Delta", deltaMemory, openDelta},
	methodAES:     {name: "AES-256"},
	0x030401:      {name: "PPMd"},
	0x0303011b:    {name: "BCJ2"},
	0x05:          {name: "PPC"},
	0x03030205:    {name: "PPC"},
	0x06:          {name: "IA64"},
	0x03030401:    {name: "IA64"},
	0x07:          {name: "ARM"},
	0x03030501:    {name: "ARM"},
	0x08:          {name: "ARMT"},
	0x03030701:    {name: "ARMT"},
	0x09:          {name: "SPARC"},
	0x03030805:    {name: "SPARC"},
	0x0a:          {name: "ARM64"},
	0x0b:          {name: "RISCV"},
	0x040109:      {name: "Deflate64"},
	0x04f71101:    {name: "Zstandard"},
	0x04f71102:    {name: "Brotli"},
	0x04f71104:    {name: "LZ4"},
	0x04f71105:    {name: "LZ5"},
	0x04f71106:    {name: "Lizard"},
}

func methodName(m uint64) string {
	if c, ok := codecs[m]; ok {
		return c.name
	}
	return fmt.Sprintf("%#x", m)
}

// plan decides whether the folder can be decoded, and how: a chain of
// single-input, single-output coders from the packed stream to the
// folder's output, within the memory budget. The verdict is kept for
// Check and Open.
func (f *folder) plan() {
	f.chain, f.err = f.makeChain()
}

func (f *folder) makeChain() ([]int, error) {
	for _, c := range f.coders {
		if c.method == methodAES {
			return nil, ErrEncrypted
		}
	}
	for _, c := range f.coders {
		if codecs[c.method].open == nil {
			return nil, fmt.Errorf("7z coder %s is not supported", methodName(c.method))
		}
		if c.in != 1 || c.out != 1 {
			return nil, fmt.Errorf("7z coder %s with %d inputs and %d outputs is not supported", methodName(c.method), c.in, c.out)
		}
	}
	if len(f.coders) > maxChain {
		return nil, fmt.Errorf("7z folder of %d coders is not supported", len(f.coders))
	}
	// With one input and one output per coder, coder i owns input i and
	// output i. Walk from the folder's output towards the packed stream.
	var chain []int
	for c := f.mainOut; len(chain) < len(f.coders); {
		chain = append(chain, c)
		next, bound := f.source(c)
		if !bound {
			break
		}
		c = next
	}
	if len(chain) != len(f.coders) || f.packed[0] != chain[len(chain)-1] {
		return nil, errors.New("7z folder's coders do not form a chain")
	}
	var mem int64
	for _, i := range chain {
		c := f.coders[i]
		m, err := codecs[c.method].memory(c.props, f.sizes[i])
		if err != nil {
			return nil, fmt.Errorf("7z coder %s: %w", methodName(c.method), err)
		}
		mem += m
	}
	if mem > MaxDecoderMemory {
		return nil, fmt.Errorf("7z folder needs %d bytes of decoder memory, more than the %d this reader allows", mem, MaxDecoderMemory)
	}
	return chain, nil
}

// source returns the output that feeds coder input in, if one does.
func (f *folder) source(in int) (int, bool) {
	for _, b := range f.bonds {
		if b.in == in {
			return b.out, true
		}
	}
	return 0, false
}

// open returns the decoded output of folder fi, exactly its unpacked size.
func (s *streams) open(r io.ReaderAt, fi int) (io.Reader, error) {
	f := &s.folders[fi]
	if f.err != nil {
		return nil, f.err
	}
	p := s.packs[f.firstPack]
	var out io.Reader = io.NewSectionReader(r, p.off, p.n)
	for k := len(f.chain) - 1; k >= 0; k-- {
		i := f.chain[k]
		c := f.coders[i]
		dec, err := codecs[c.method].open(out, c.props, f.sizes[i])
		if err != nil {
			return nil, fmt.Errorf("7z coder %s: %w", methodName(c.method), err)
		}
		out = &sized{r: dec, n: f.sizes[i]}
	}
	return out, nil
}

// packedSize is what folder fi occupies in the file.
func (s *streams) packedSize(fi int) int64 {
	f := &s.folders[fi]
	var n int64
	for _, p := range s.packs[f.firstPack : f.firstPack+len(f.packed)] {
		n += p.n
	}
	return n
}

// decodeHeader decodes an encoded header: the one folder of its streams.
func (a *Archive) decodeHeader(s *streams) ([]byte, error) {
	if len(s.folders) != 1 {
		return nil, fmt.Errorf("7z header: an encoded header of %d folders", len(s.folders))
	}
	f := &s.folders[0]
	if n := f.unpackSize(); n > MaxHeaderSize {
		return nil, fmt.Errorf("7z header: the encoded header unpacks to %d bytes, more than the %d this reader accepts", n, MaxHeaderSize)
	}
	r, err := s.open(a.r, 0)
	if errors.Is(err, ErrEncrypted) {
		return nil, fmt.Errorf("7z headers are encrypted: %w", err)
	}
	if err != nil {
		return nil, err
	}
	// Read what the decoder produces rather than allocating the declared
	// size up front.
	hdr, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("7z header: decoding: %w", err)
	}
	if f.crc.ok && crc32.ChecksumIEEE(hdr) != f.crc.crc {
		return nil, errors.New("7z header: the encoded header's CRC does not match")
	}
	return hdr, nil
}

// errTruncated reports decoded data shorter than declared.
var errTruncated = fmt.Errorf("7z data ends before its declared size: %w", io.ErrUnexpectedEOF)

// sized passes exactly n bytes of a decoder's output: more is cut off,
// less is an error.
type sized struct {
	r io.Reader
	n int64
}

func (s *sized) Read(p []byte) (int, error) {
	if s.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.n {
		p = p[:s.n]
	}
	k, err := s.r.Read(p)
	s.n -= int64(k)
	switch {
	case s.n == 0:
		return k, io.EOF
	case errors.Is(err, io.EOF):
		return k, errTruncated
	}
	return k, err
}

func noProps([]byte, int64) (int64, error) { return 0, nil }

func fixedMemory(n int64) func([]byte, int64) (int64, error) {
	return func([]byte, int64) (int64, error) { return n, nil }
}

// dictionary is the LZMA dictionary a decoder needs: never more than the
// output, since no match can reach further back than the first byte.
func dictionary(declared uint64, size int64) int64 {
	return int64(xz.Dictionary(declared, uint64(size)))
}

// LZMA properties: one byte for lc, lp and pb, then the dictionary size.
func lzmaMemory(props []byte, size int64) (int64, error) {
	if len(props) != 5 || props[0] >= 9*5*5 {
		return 0, fmt.Errorf("bad properties %x", props)
	}
	return dictionary(uint64(binary.LittleEndian.Uint32(props[1:])), size), nil
}

// openLZMA gives the decoder the classic .lzma header it expects: the
// properties, the declared dictionary and the output size, from which
// xz.NewLZMAStream derives the dictionary lzmaMemory planned for.
func openLZMA(r io.Reader, props []byte, size int64) (io.Reader, error) {
	var head [13]byte
	copy(head[:5], props)
	binary.LittleEndian.PutUint64(head[5:], uint64(size))
	return xz.NewLZMAStream(head, r, MaxDecoderMemory)
}

// LZMA2 properties: one byte encoding the dictionary size.
func lzma2Memory(props []byte, size int64) (int64, error) {
	if len(props) != 1 || props[0] > 40 {
		return 0, fmt.Errorf("bad properties %x", props)
	}
	return dictionary(xz.LZMA2Dict(props[0]), size), nil
}

func openLZMA2(r io.Reader, props []byte, size int64) (io.Reader, error) {
	dict, _ := lzma2Memory(props, size)
	return lzma.Reader2Config{DictCap: int(dict)}.NewReader2(bufio.NewReader(r))
}
