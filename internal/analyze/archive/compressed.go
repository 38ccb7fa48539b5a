package archive

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz/lzma"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/format/xz"
)

// codec is one compressed-stream format.
type codec struct {
	name   string
	ext    string
	detect func(head []byte) analyze.Confidence
	open   func(r io.Reader) (io.ReadCloser, error)
}

func magic(m ...byte) func([]byte) analyze.Confidence {
	return func(h []byte) analyze.Confidence {
		if bytes.HasPrefix(h, m) {
			return analyze.Magic
		}
		return analyze.No
	}
}

var codecs = []codec{
	{"gzip", ".gz", magic(0x1f, 0x8b, 0x08), func(r io.Reader) (io.ReadCloser, error) { return gzip.NewReader(r) }},
	{"bzip2", ".bz2", detectBzip2, func(r io.Reader) (io.ReadCloser, error) { return io.NopCloser(bzip2.NewReader(r)), nil }},
	{"xz", ".xz", magic(xz.Magic...), func(r io.Reader) (io.ReadCloser, error) {
		x, err := xz.NewReader(r, xz.MaxDict)
		return io.NopCloser(x), err
	}},
	{"zstd", ".zst", magic(0x28, 0xb5, 0x2f, 0xfd), func(r io.Reader) (io.ReadCloser, error) {
		d, err := zstd.NewReader(r, zstd.WithDecoderMaxMemory(256<<20), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}},
	{"lz4", ".lz4", magic(0x04, 0x22, 0x4d, 0x18), func(r io.Reader) (io.ReadCloser, error) { return io.NopCloser(lz4.NewReader(r)), nil }},
	{"zlib", ".z", detectZlib, func(r io.Reader) (io.ReadCloser, error) { return zlib.NewReader(r) }},
	{"lzma", ".lzma", detectLZMA, func(r io.Reader) (io.ReadCloser, error) {
		l, err := xz.NewLZMAReader(r, xz.MaxDict)
		return io.NopCloser(l), err
	}},
}

func detectBzip2(h []byte) analyze.Confidence {
	if len(h) >= 10 && bytes.HasPrefix(h, []byte("BZh")) && h[3] >= '1' && h[3] <= '9' &&
		(bytes.Equal(h[4:10], []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}) || bytes.Equal(h[4:10], []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90})) {
		return analyze.Magic
	}
	return analyze.No
}

// detectZlib checks the two-byte header (zlib.compress always writes a
// 32 KiB window, 0x78) and that the whole head inflates: the header alone
// matches one random prefix in 8000, a clean inflate of 4 KiB practically
// never.
func detectZlib(h []byte) analyze.Confidence {
	if len(h) < 2 || h[0] != 0x78 || (uint16(h[0])<<8|uint16(h[1]))%31 != 0 || h[1]&0x20 != 0 {
		return analyze.No
	}
	fr := flate.NewReader(bytes.NewReader(h[2:]))
	if _, err := io.Copy(io.Discard, io.LimitReader(fr, 1<<20)); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return analyze.No
	}
	return analyze.Structure
}

// detectLZMA recognises an .lzma ("alone") stream, which has no magic:
// valid properties (liblzma's lc+lp <= 4), a dictionary size that an encoder
// writes (2^n or 2^n+2^(n-1), or -1) or any size behind joblib's own
// 5d 00 prefix (joblib.load opens those whatever the size; Python's lzma
// module checks neither field), and a head that decodes.
func detectLZMA(h []byte) analyze.Confidence {
	if len(h) < 13 || !lzmaProps(h[0]) {
		return analyze.No
	}
	if !(h[0] == 0x5d && h[1] == 0) && !encoderDictSize(binary.LittleEndian.Uint32(h[1:])) {
		return analyze.No
	}
	// The first bytes reach back no further than the smallest dictionary.
	r, err := xz.NewLZMAReader(bytes.NewReader(h), lzma.MinDictCap)
	if err != nil {
		return analyze.No
	}
	var buf [16]byte
	if n, err := r.Read(buf[:]); n == 0 && err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return analyze.No
	}
	return analyze.Structure
}

// lzmaProps: the properties byte is (pb*5+lp)*9+lc with pb <= 4 and, for
// liblzma, lc+lp <= 4.
func lzmaProps(b byte) bool {
	if b >= 9*5*5 {
		return false
	}
	lc, lp := b%9, b/9%5
	return lc+lp <= 4
}

func encoderDictSize(d uint32) bool {
	if d == ^uint32(0) {
		return true
	}
	for i := 0; i < 32; i++ {
		if d == 1<<i || i > 0 && d == 1<<i|1<<(i-1) {
			return true
		}
	}
	return false
}

// Compressed analyses single compressed streams: the decompressed content
// becomes a child artifact (a compressed joblib dump, a .pkl.gz, a tar.xz).
type Compressed struct{}

// Name implements analyze.Analyzer.
func (Compressed) Name() string { return "compressed" }

func pick(a *analyze.Artifact) (*codec, analyze.Confidence) {
	for i := range codecs {
		if c := codecs[i].detect(a.Head); c > analyze.No {
			return &codecs[i], c
		}
	}
	return nil, analyze.No
}

// Match implements analyze.Analyzer.
func (Compressed) Match(a *analyze.Artifact) analyze.Confidence {
	_, c := pick(a)
	return c
}

// Analyze implements analyze.Analyzer.
func (Compressed) Analyze(s analyze.Scope) error {
	a := s.Artifact()
	c, _ := pick(a)
	s.SetFormat(c.name)
	name := strings.TrimSuffix(a.Name, path.Ext(a.Name))
	if name == "" || name == a.Name {
		name = a.Name + ".decompressed"
	}
	var last error
	open := func() (io.ReadCloser, error) {
		raw, err := s.Open()
		if err != nil {
			return nil, err
		}
		d, err := c.open(bufio.NewReaderSize(raw, 64<<10))
		if err != nil {
			raw.Close()
			return nil, fmt.Errorf("%s stream: %w", c.name, err)
		}
		return &decodeCloser{r: s.Meter(d, a.Size), d: d, raw: raw, err: &last, codec: c.name}, nil
	}
	s.Scan(analyze.Child{Name: name, Src: analyze.StreamSource{N: -1, Func: open}, Stored: a.Size})
	if last != nil {
		return last
	}
	return nil
}

// decodeCloser remembers decoding errors so the parent can report a corrupt
// stream even when the child analyzer stopped early.
type decodeCloser struct {
	r     io.Reader
	d     io.Closer
	raw   io.Closer
	err   *error
	codec string
}

func (d *decodeCloser) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, analyze.ErrBudget) && *d.err == nil {
		*d.err = fmt.Errorf("%s stream is corrupt: %w", d.codec, err)
	}
	return n, err
}

func (d *decodeCloser) Close() error {
	d.d.Close()
	return d.raw.Close()
}
