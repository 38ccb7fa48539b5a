// Package zipx reads zip archives as leniently as PyTorch's reader does, and
// records every inconsistency it tolerates. Entries come from the central
// directory (what PyTorch and most loaders trust); when there is none, the
// local headers are scanned instead. CRCs, flag bits and local-header
// disagreements never stop reading: they become Issues for the analyzer to
// report. Every offset and length is checked against the archive size.
package zipx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

const (
	sigLocal   = 0x04034b50
	sigCentral = 0x02014b50
	sigEOCD    = 0x06054b50
	sigEOCD64  = 0x06064b50
	sigLoc64   = 0x07064b50
	sigDD      = 0x08074b50

	localLen   = 30
	centralLen = 46
	eocdLen    = 22

	// Method values.
	Store   = 0
	Deflate = 8
	Bzip2   = 12
	LZMA    = 14
	Zstd    = 93
	XZ      = 95

	// Flag bits.
	FlagEncrypted      = 0x1
	FlagDataDescriptor = 0x8
	FlagPatched        = 0x20
	FlagStrongEncrypt  = 0x40
	FlagUTF8           = 0x800
)

// Entry is one member.
type Entry struct {
	Name             string
	Method           uint16
	Flags            uint16
	CRC32            uint32
	CompressedSize   int64
	UncompressedSize int64
	// HeaderOffset is where the local header starts.
	HeaderOffset int64
	// Mode bits from a Unix creator's external attributes (0 otherwise).
	Mode uint32
	// Issues are inconsistencies of this entry.
	Issues []string

	dataOffset int64 // resolved lazily from the local header; -1 until then
}

// IsDir reports a directory entry.
func (e *Entry) IsDir() bool { return strings.HasSuffix(e.Name, "/") && e.UncompressedSize == 0 }

// IsSymlink reports a Unix symbolic link.
func (e *Entry) IsSymlink() bool { return e.Mode&0xF000 == 0xA000 }

// Archive is an opened zip.
type Archive struct {
	r       io.ReaderAt
	size    int64
	Entries []*Entry
	// Issues are archive-level inconsistencies.
	Issues []string
	// Recovered is set when the entries come from scanning local headers.
	Recovered bool
	// Truncated is set when MaxEntries cut the listing.
	Truncated bool
	// shift is the length of data prepended to the archive, added to every
	// offset the central directory records.
	shift int64
}

// ErrNotZip is returned when no zip structure is found at all.
var ErrNotZip = errors.New("not a zip archive")

// Open reads the central directory, or scans local headers without one.
// maxEntries bounds the listing.
func Open(r io.ReaderAt, size int64, maxEntries int) (*Archive, error) {
	a := &Archive{r: r, size: size}
	cdOff, cdSize, count, err := a.findCentral()
	if err == nil {
		err = a.readCentral(cdOff, cdSize, count, maxEntries)
	}
	if err != nil || len(a.Entries) == 0 && count > 0 {
		reason := "the central directory is missing"
		if err != nil && !errors.Is(err, errNoEOCD) {
			reason = "the central directory is unreadable (" + err.Error() + ")"
		}
		a.Entries = a.Entries[:0]
		if serr := a.scanLocal(maxEntries); serr != nil {
			return nil, serr
		}
		a.Recovered = true
		a.Issues = append(a.Issues, reason+"; members were recovered from local headers")
	}
	return a, nil
}

var errNoEOCD = errors.New("no end of central directory record")

func (a *Archive) readAt(n int, off int64) ([]byte, error) {
	if off < 0 || int64(n) > a.size || off > a.size-int64(n) {
		return nil, fmt.Errorf("range %d+%d outside the archive", off, n)
	}
	b := make([]byte, n)
	if m, err := a.r.ReadAt(b, off); m < n {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b, nil
}

// findCentral locates the (zip64) end of central directory record.
func (a *Archive) findCentral() (off, size int64, count uint64, err error) {
	tail := int64(eocdLen + 65535)
	if tail > a.size {
		tail = a.size
	}
	if tail < eocdLen {
		return 0, 0, 0, errNoEOCD
	}
	buf, err := a.readAt(int(tail), a.size-tail)
	if err != nil {
		return 0, 0, 0, err
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	for i >= 0 && len(buf)-i < eocdLen {
		i = bytes.LastIndex(buf[:i], []byte("PK\x05\x06"))
	}
	if i < 0 {
		return 0, 0, 0, errNoEOCD
	}
	e := buf[i:]
	eocdPos := a.size - tail + int64(i)
	count = uint64(binary.LittleEndian.Uint16(e[10:]))
	size = int64(binary.LittleEndian.Uint32(e[12:]))
	off = int64(binary.LittleEndian.Uint32(e[16:]))
	commentLen := int(binary.LittleEndian.Uint16(e[20:]))
	if eocdLen+commentLen != len(e) {
		a.Issues = append(a.Issues, fmt.Sprintf("%d bytes follow the end-of-central-directory record", len(e)-eocdLen-commentLen))
	}
	if count == 0xffff || size == 0xffffffff || off == 0xffffffff {
		if o, s, c, ok := a.zip64(eocdPos); ok {
			off, size, count = o, s, c
		}
	}
	// The central directory really ends at the end record, or at the zip64
	// end record when there is one (PyTorch's writer always emits it). If
	// the recorded offset disagrees, either data was prepended (a
	// self-extracting stub, a polyglot: every offset shifts, and loaders
	// compensate) or the field is simply wrong; read the directory where it
	// is either way.
	cdEnd := eocdPos
	if rec := a.zip64RecordAt(eocdPos); rec >= 0 {
		cdEnd = rec
	}
	if expected := cdEnd - size; off != expected && expected >= 0 && expected < a.size {
		if sig, err := a.readAt(4, expected); err == nil && binary.LittleEndian.Uint32(sig) == sigCentral {
			if expected > off {
				a.Issues = append(a.Issues, fmt.Sprintf("%d bytes precede the archive (prefix or polyglot)", expected-off))
				a.shift = expected - off
			} else {
				a.Issues = append(a.Issues, fmt.Sprintf("the end record places the central directory at %d, it is at %d", off, expected))
			}
			off = expected
		}
	}
	if off < 0 || size < 0 || off+size > a.size {
		return 0, 0, 0, fmt.Errorf("central directory at %d+%d is outside the archive", off, size)
	}
	return off, size, count, nil
}

// zip64RecordAt returns where the zip64 end record sits when a zip64
// locator directly precedes the end record at eocdPos and the record is
// found just before it, or -1.
func (a *Archive) zip64RecordAt(eocdPos int64) int64 {
	loc, err := a.readAt(20, eocdPos-20)
	if err != nil || binary.LittleEndian.Uint32(loc) != sigLoc64 {
		return -1
	}
	// The record is 56 bytes unless it carries extensible data; its own
	// size field (bytes after the first 12) says which.
	const recLen = 56
	if rec, err := a.readAt(12, eocdPos-20-recLen); err == nil && binary.LittleEndian.Uint32(rec) == sigEOCD64 &&
		binary.LittleEndian.Uint64(rec[4:]) == recLen-12 {
		return eocdPos - 20 - recLen
	}
	// Extensible data: trust the locator's offset, shifted like the rest.
	recOff := int64(binary.LittleEndian.Uint64(loc[8:]))
	if rec, err := a.readAt(12, recOff); err == nil && binary.LittleEndian.Uint32(rec) == sigEOCD64 {
		if end := recOff + 12 + int64(binary.LittleEndian.Uint64(rec[4:])); end == eocdPos-20 {
			return recOff
		}
	}
	return -1
}

func (a *Archive) zip64(eocdPos int64) (off, size int64, count uint64, ok bool) {
	loc, err := a.readAt(20, eocdPos-20)
	if err != nil || binary.LittleEndian.Uint32(loc) != sigLoc64 {
		return 0, 0, 0, false
	}
	recOff := int64(binary.LittleEndian.Uint64(loc[8:]))
	rec, err := a.readAt(56, recOff)
	if err != nil || binary.LittleEndian.Uint32(rec) != sigEOCD64 {
		return 0, 0, 0, false
	}
	count = binary.LittleEndian.Uint64(rec[32:])
	size = int64(binary.LittleEndian.Uint64(rec[40:]))
	off = int64(binary.LittleEndian.Uint64(rec[48:]))
	return off, size, count, off >= 0 && size >= 0
}

// readCentral parses the central directory.
func (a *Archive) readCentral(off, size int64, count uint64, maxEntries int) error {
	if size > 256<<20 {
		return fmt.Errorf("central directory of %d bytes is too large", size)
	}
	cd, err := a.readAt(int(size), off)
	if err != nil {
		return err
	}
	for p := 0; p+centralLen <= len(cd); {
		if binary.LittleEndian.Uint32(cd[p:]) != sigCentral {
			if p == 0 {
				return errors.New("no central directory entry where the end record points")
			}
			a.Issues = append(a.Issues, fmt.Sprintf("%d trailing bytes in the central directory", len(cd)-p))
			break
		}
		if len(a.Entries) >= maxEntries {
			a.Truncated = true
			break
		}
		h := cd[p:]
		nameLen := int(binary.LittleEndian.Uint16(h[28:]))
		extraLen := int(binary.LittleEndian.Uint16(h[30:]))
		commentLen := int(binary.LittleEndian.Uint16(h[32:]))
		end := p + centralLen + nameLen + extraLen + commentLen
		if end > len(cd) {
			return errors.New("central directory entry runs past its end")
		}
		e := &Entry{
			Name:             string(h[centralLen : centralLen+nameLen]),
			Flags:            binary.LittleEndian.Uint16(h[8:]),
			Method:           binary.LittleEndian.Uint16(h[10:]),
			CRC32:            binary.LittleEndian.Uint32(h[16:]),
			CompressedSize:   int64(binary.LittleEndian.Uint32(h[20:])),
			UncompressedSize: int64(binary.LittleEndian.Uint32(h[24:])),
			HeaderOffset:     int64(binary.LittleEndian.Uint32(h[42:])) + a.shift,
			dataOffset:       -1,
		}
		if h[5] == 3 { // made by Unix: mode in the high half of external attributes
			e.Mode = binary.LittleEndian.Uint32(h[38:]) >> 16
		}
		applyZip64(e, h[centralLen+nameLen:centralLen+nameLen+extraLen], a.shift)
		a.Entries = append(a.Entries, e)
		p = end
	}
	if uint64(len(a.Entries)) != count && count != 0xffff && !a.Truncated {
		a.Issues = append(a.Issues, fmt.Sprintf("the end record counts %d entries, the central directory holds %d", count, len(a.Entries)))
	}
	return nil
}

// applyZip64 replaces saturated sizes and offsets from a zip64 extra field.
func applyZip64(e *Entry, extra []byte, shift int64) {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		n := int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+n > len(extra) {
			return
		}
		if id == 0x0001 {
			f := extra[4 : 4+n]
			next := func() (int64, bool) {
				if len(f) < 8 {
					return 0, false
				}
				v := binary.LittleEndian.Uint64(f)
				f = f[8:]
				return int64(v), v <= 1<<62
			}
			if e.UncompressedSize == 0xffffffff {
				if v, ok := next(); ok {
					e.UncompressedSize = v
				}
			}
			if e.CompressedSize == 0xffffffff {
				if v, ok := next(); ok {
					e.CompressedSize = v
				}
			}
			if e.HeaderOffset-shift == 0xffffffff {
				if v, ok := next(); ok {
					e.HeaderOffset = v + shift
				}
			}
			return
		}
		extra = extra[4+n:]
	}
}

// DataOffset resolves where an entry's data starts, from its local header,
// and records disagreements between the local header and the central
// directory.
func (a *Archive) DataOffset(e *Entry) (int64, error) {
	off, _, err := a.Locate(e, 0)
	return off, err
}

// Locate resolves the entry's data offset like DataOffset and also returns
// up to n leading bytes of its stored data, read together with the local
// header in one read (sniffing thousands of tensor members costs one
// system call each).
func (a *Archive) Locate(e *Entry, n int) (int64, []byte, error) {
	if e.dataOffset >= 0 && n == 0 {
		return e.dataOffset, nil, nil
	}
	// The local header, its name (usually as long as the central
	// directory's), some extra field and the head of the data.
	want := int64(localLen + len(e.Name) + 64 + n)
	want = min(want, a.size-e.HeaderOffset)
	if want < localLen || e.HeaderOffset < 0 {
		return 0, nil, fmt.Errorf("local header of %s at %d is outside the archive", e.Name, e.HeaderOffset)
	}
	buf, err := a.readAt(int(want), e.HeaderOffset)
	if err != nil {
		return 0, nil, fmt.Errorf("local header of %s: %w", e.Name, err)
	}
	if binary.LittleEndian.Uint32(buf) != sigLocal {
		return 0, nil, fmt.Errorf("no local header for %s at offset %d", e.Name, e.HeaderOffset)
	}
	nameLen := int64(binary.LittleEndian.Uint16(buf[26:]))
	extraLen := int64(binary.LittleEndian.Uint16(buf[28:]))
	off := e.HeaderOffset + localLen + nameLen + extraLen
	if off > a.size || e.CompressedSize > a.size-off {
		return 0, nil, fmt.Errorf("data of %s (%d bytes at %d) runs past the end of the archive", e.Name, e.CompressedSize, off)
	}
	if e.dataOffset < 0 {
		e.dataOffset = off
		a.compareLocal(e, buf, nameLen)
	}
	start := localLen + nameLen + extraLen
	if start > int64(len(buf)) {
		return off, nil, nil // a long extra field: the caller reads the data itself
	}
	head := buf[start:]
	return off, head[:min(int64(len(head)), int64(n), e.CompressedSize)], nil
}

// compareLocal records where the local header disagrees with the central
// directory (flags, method, name): readers that trust one or the other see
// different archives.
func (a *Archive) compareLocal(e *Entry, h []byte, nameLen int64) {
	if flags := binary.LittleEndian.Uint16(h[6:]); flags != e.Flags {
		e.Issues = append(e.Issues, fmt.Sprintf("flag bits differ: local header 0x%x, central directory 0x%x", flags, e.Flags))
	}
	if m := binary.LittleEndian.Uint16(h[8:]); m != e.Method {
		e.Issues = append(e.Issues, fmt.Sprintf("compression method differs: local header %d, central directory %d", m, e.Method))
	}
	var name []byte
	var err error
	if localLen+nameLen <= int64(len(h)) {
		name = h[localLen : localLen+nameLen]
	} else {
		name, err = a.readAt(int(nameLen), e.HeaderOffset+localLen)
	}
	if err == nil && string(name) != e.Name {
		e.Issues = append(e.Issues, fmt.Sprintf("name differs: local header %q, central directory %q", clipName(string(name)), clipName(e.Name)))
	}
}

func clipName(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// ReaderAt exposes the archive bytes.
func (a *Archive) ReaderAt() io.ReaderAt { return a.r }

// Size is the archive length.
func (a *Archive) Size() int64 { return a.size }
