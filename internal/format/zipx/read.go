package zipx

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"

	"github.com/klauspost/compress/zstd"

	"github.com/modelgate/modelgate/internal/format/xz"
)

// Raw returns the entry's stored (possibly compressed) bytes.
func (a *Archive) Raw(e *Entry) (*io.SectionReader, error) {
	off, err := a.DataOffset(e)
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(a.r, off, e.CompressedSize), nil
}

// Open returns the entry's decompressed content. Flag bits are ignored, as
// PyTorch ignores them: an entry flagged as encrypted is read as plain data
// (the caller decides from the CRC whether it really was encrypted).
func (a *Archive) Open(e *Entry) (io.ReadCloser, error) {
	raw, err := a.Raw(e)
	if err != nil {
		return nil, err
	}
	return decompress(e, raw)
}

func decompress(e *Entry, raw io.Reader) (io.ReadCloser, error) {
	switch e.Method {
	case Store:
		return io.NopCloser(raw), nil
	case Deflate:
		return flate.NewReader(bufio.NewReaderSize(raw, 32<<10)), nil
	case Bzip2:
		return io.NopCloser(bzip2.NewReader(raw)), nil
	case LZMA:
		return zipLZMA(e, raw)
	case XZ:
		r, err := xz.NewReader(raw, xz.MaxDict)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(r), nil
	case Zstd:
		d, err := zstd.NewReader(raw, zstd.WithDecoderMaxMemory(256<<20), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}
	return nil, fmt.Errorf("unsupported compression method %d", e.Method)
}

// zipLZMA adapts zip's LZMA framing (version, properties size, properties)
// to the classic .lzma header the decoder expects.
func zipLZMA(e *Entry, raw io.Reader) (io.ReadCloser, error) {
	var h [4]byte
	if _, err := io.ReadFull(raw, h[:]); err != nil {
		return nil, err
	}
	n := int(binary.LittleEndian.Uint16(h[2:]))
	if n != 5 {
		return nil, fmt.Errorf("LZMA properties of %d bytes", n)
	}
	var hdr [13]byte
	if _, err := io.ReadFull(raw, hdr[:5]); err != nil {
		return nil, err
	}
	size := uint64(e.UncompressedSize)
	if e.Flags&0x2 != 0 { // end-of-stream marker present
		size = ^uint64(0)
	}
	binary.LittleEndian.PutUint64(hdr[5:], size)
	r, err := xz.NewLZMAStream(hdr, raw, xz.MaxDict)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(r), nil
}

// CRCReader checks the CRC-32 of what it reads once the stream ends.
type CRCReader struct {
	R    io.Reader
	Want uint32
	h    hash.Hash32
	// Mismatch is set at the end of the stream when the CRC differs.
	Mismatch bool
	// Done is set when the whole stream was read.
	Done bool
}

func (c *CRCReader) Read(p []byte) (int, error) {
	if c.h == nil {
		c.h = crc32.NewIEEE()
	}
	n, err := c.R.Read(p)
	c.h.Write(p[:n])
	if errors.Is(err, io.EOF) && !c.Done {
		c.Done = true
		c.Mismatch = c.h.Sum32() != c.Want
	}
	return n, err
}

// scanLocal recovers entries from local headers when there is no usable
// central directory: the way a tolerant extractor sees the file.
func (a *Archive) scanLocal(maxEntries int) error {
	const chunk = 1 << 20
	sig := []byte("PK\x03\x04")
	buf := make([]byte, chunk+3)
	for pos := int64(0); pos < a.size; {
		n, err := a.r.ReadAt(buf[:min(int64(len(buf)), a.size-pos)], pos)
		if n == 0 {
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			break
		}
		i := bytes.Index(buf[:n], sig)
		if i < 0 {
			pos += int64(max(n-3, 1))
			continue
		}
		at := pos + int64(i)
		e, next, ok := a.localEntry(at)
		if !ok {
			pos = at + 1
			continue
		}
		if len(a.Entries) >= maxEntries {
			a.Truncated = true
			break
		}
		a.Entries = append(a.Entries, e)
		pos = next
	}
	if len(a.Entries) == 0 {
		return ErrNotZip
	}
	return nil
}

// localEntry parses a local header at off and finds where its data ends.
func (a *Archive) localEntry(off int64) (*Entry, int64, bool) {
	h, err := a.readAt(localLen, off)
	if err != nil {
		return nil, 0, false
	}
	nameLen := int64(binary.LittleEndian.Uint16(h[26:]))
	extraLen := int64(binary.LittleEndian.Uint16(h[28:]))
	name, err := a.readAt(int(nameLen), off+localLen)
	if err != nil {
		return nil, 0, false
	}
	e := &Entry{
		Name:             string(name),
		Flags:            binary.LittleEndian.Uint16(h[6:]),
		Method:           binary.LittleEndian.Uint16(h[8:]),
		CRC32:            binary.LittleEndian.Uint32(h[14:]),
		CompressedSize:   int64(binary.LittleEndian.Uint32(h[18:])),
		UncompressedSize: int64(binary.LittleEndian.Uint32(h[22:])),
		HeaderOffset:     off,
	}
	if extra, err := a.readAt(int(extraLen), off+localLen+nameLen); err == nil {
		applyZip64(e, extra, 0)
	}
	e.dataOffset = off + localLen + nameLen + extraLen
	if e.dataOffset > a.size {
		return nil, 0, false
	}
	if e.Flags&FlagDataDescriptor == 0 {
		if e.CompressedSize > a.size-e.dataOffset {
			e.CompressedSize = a.size - e.dataOffset
			e.Issues = append(e.Issues, "data is truncated")
		}
		return e, e.dataOffset + e.CompressedSize, true
	}
	// Sizes follow the data in a descriptor: find where the data ends.
	end, ok := a.findDataEnd(e)
	if !ok {
		return nil, 0, false
	}
	e.CompressedSize = end - e.dataOffset
	return e, a.skipDescriptor(e, end), true
}

// findDataEnd locates the end of data written with a trailing descriptor.
func (a *Archive) findDataEnd(e *Entry) (int64, bool) {
	sec := io.NewSectionReader(a.r, e.dataOffset, a.size-e.dataOffset)
	if e.Method == Deflate {
		cr := &countingByteReader{r: bufio.NewReaderSize(sec, 32<<10)}
		fr := flate.NewReader(cr)
		// Inflating tells where the stream ends; cap the work.
		n, err := io.Copy(io.Discard, io.LimitReader(fr, 1<<30))
		if err != nil || n == 1<<30 {
			return 0, false
		}
		e.UncompressedSize = n
		return e.dataOffset + cr.n, true
	}
	// Stored (or unknown) data: the next descriptor whose size matches.
	const chunk = 1 << 20
	buf := make([]byte, chunk)
	for pos := e.dataOffset; pos < a.size; pos += chunk - 16 {
		n, _ := a.r.ReadAt(buf, pos)
		if n < 16 {
			break
		}
		for i := 0; i+16 <= n; i++ {
			if binary.LittleEndian.Uint32(buf[i:]) != sigDD {
				continue
			}
			at := pos + int64(i)
			if int64(binary.LittleEndian.Uint32(buf[i+8:])) == at-e.dataOffset {
				e.UncompressedSize = int64(binary.LittleEndian.Uint32(buf[i+12:]))
				return at, true
			}
		}
		if n < chunk {
			break
		}
	}
	return 0, false
}

func (a *Archive) skipDescriptor(e *Entry, end int64) int64 {
	b, err := a.readAt(16, end)
	if err != nil {
		return end
	}
	if binary.LittleEndian.Uint32(b) == sigDD {
		e.CRC32 = binary.LittleEndian.Uint32(b[4:])
		return end + 16
	}
	e.CRC32 = binary.LittleEndian.Uint32(b)
	return end + 12
}

type countingByteReader struct {
	r *bufio.Reader
	n int64
}

func (c *countingByteReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingByteReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}
