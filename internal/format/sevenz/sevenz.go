// Package sevenz reads 7z archives written by hostile hands. It lists the
// files of an archive and decodes their data with its own bounded coder
// chain: every count in the header is checked against the bytes that remain
// and against a sane maximum before anything is allocated for it, every
// packed stream must lie inside the file, and no decoder gets more memory
// than the data it produces can need. What it does not understand (coders
// such as PPMd or BCJ2, external data, exotic coder graphs) is an error,
// never silently skipped. Encrypted data is reported as ErrEncrypted.
//
// The format is described in 7-Zip's DOC/7zFormat.txt and DOC/Methods.txt.
package sevenz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sync"
)

const (
	// signatureSize is the fixed signature header: magic, version, CRC of
	// the start header, and the start header (where the next header is).
	signatureSize = 32
	// MaxHeaderSize bounds the header, read from the file or decoded from
	// an encoded header. Real headers are a few bytes per file.
	MaxHeaderSize = 64 << 20
	// MaxEntries bounds every list in the header: files, folders, packed
	// streams, substreams. Each entry costs memory beyond the bytes that
	// declare it, so the byte budget alone is not enough.
	MaxEntries = 1 << 18
	// MaxDecoderMemory bounds the dictionaries of one folder's coders.
	MaxDecoderMemory = 256 << 20
)

// Magic is the signature every 7z archive starts with.
var Magic = []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}

// ErrEncrypted is returned for data (or headers) encrypted with 7-Zip's AES.
var ErrEncrypted = errors.New("7z data is encrypted")

// Windows attribute bits, and 7-Zip's extension that keeps a Unix mode in
// the high 16 bits.
const (
	attrDirectory    = 0x10
	attrReparsePoint = 0x400
	attrUnixMode     = 0x8000
	unixTypeMask     = 0xF000
	unixSymlink      = 0xA000
	unixDirectory    = 0x4000
)

// File is one entry of the archive.
type File struct {
	Name string
	// Size is the length of the file's data (0 for empty files and
	// directories).
	Size int64
	// Attrib holds Windows attributes, with a Unix mode in the high 16
	// bits when bit 0x8000 is set; valid when HasAttrib.
	Attrib    uint32
	HasAttrib bool
	// HasStream is false for empty files, directories and anti-items.
	HasStream bool
	// Anti marks an anti-item: a deletion record of an update archive.
	Anti bool
	// CRC is the CRC-32 of the data, valid when HasCRC.
	CRC    uint32
	HasCRC bool

	emptyFile bool
	folder    int   // index of the folder holding the data
	offset    int64 // where the data starts in the folder's unpacked stream
}

// IsDir reports a directory: an entry without data that is not an empty
// file (how 7-Zip decides), or one whose attributes say so.
func (f *File) IsDir() bool {
	if f.HasStream {
		return false
	}
	return !f.emptyFile || f.unixType() == unixDirectory || (f.HasAttrib && f.Attrib&attrDirectory != 0)
}

// IsSymlink reports a symbolic link: a Unix link mode (7-Zip -snl stores
// the target as the data) or a Windows reparse point.
func (f *File) IsSymlink() bool {
	return f.unixType() == unixSymlink || (f.HasAttrib && f.Attrib&attrReparsePoint != 0)
}

func (f *File) unixType() uint32 {
	if !f.HasAttrib || f.Attrib&attrUnixMode == 0 {
		return 0
	}
	return f.Attrib >> 16 & unixTypeMask
}

// Options tune how data is read.
type Options struct {
	// Meter, when set, wraps every decoded folder stream, so that every
	// decompressed byte (including those skipped to reach a member of a
	// solid folder) passes through it; packed is the folder's packed size.
	Meter func(r io.Reader, packed int64) io.Reader
}

// Archive is an opened 7z archive.
type Archive struct {
	Files []File

	r       io.ReaderAt
	streams *streams // the main streams; nil when no file has data
	meter   func(io.Reader, int64) io.Reader

	mu   sync.Mutex
	idle *cursor // the folder stream last read, kept for the next member
}

// Open reads the archive's headers. Errors wrap ErrEncrypted when the
// headers are encrypted.
func Open(r io.ReaderAt, size int64, opt Options) (*Archive, error) {
	hdr, at, err := readNextHeader(r, size)
	if err != nil {
		return nil, err
	}
	a := &Archive{r: r, meter: opt.Meter}
	if hdr == nil {
		return a, nil
	}
	// Packed streams lie between the signature header and the header.
	if err := a.parse(hdr, at); err != nil {
		return nil, err
	}
	return a, nil
}

// readNextHeader checks the signature header and reads the header it
// points to, returning it and its offset.
func readNextHeader(r io.ReaderAt, size int64) ([]byte, int64, error) {
	var sig [signatureSize]byte
	if size < signatureSize {
		return nil, 0, errors.New("7z: file is shorter than the signature header")
	}
	if _, err := r.ReadAt(sig[:], 0); err != nil {
		return nil, 0, fmt.Errorf("7z: reading the signature header: %w", err)
	}
	if !bytes.HasPrefix(sig[:], Magic) {
		return nil, 0, errors.New("7z: no signature")
	}
	if sig[6] != 0 {
		return nil, 0, fmt.Errorf("7z: format version %d.%d is not supported", sig[6], sig[7])
	}
	if crc32.ChecksumIEEE(sig[12:]) != binary.LittleEndian.Uint32(sig[8:]) {
		return nil, 0, errors.New("7z: the start header's CRC does not match")
	}
	off := binary.LittleEndian.Uint64(sig[12:])
	n := binary.LittleEndian.Uint64(sig[20:])
	want := binary.LittleEndian.Uint32(sig[28:])
	if n > MaxHeaderSize {
		return nil, 0, fmt.Errorf("7z: the header is %d bytes, more than the %d this reader accepts", n, MaxHeaderSize)
	}
	if room := uint64(size - signatureSize); off > room || n > room-off {
		return nil, 0, fmt.Errorf("7z: the header (%d bytes at offset %d) lies beyond the end of the file (truncated or multi-volume archive)", n, signatureSize+off)
	}
	at := int64(signatureSize + off)
	if n == 0 {
		return nil, at, nil // an empty archive
	}
	hdr := make([]byte, n)
	if _, err := r.ReadAt(hdr, at); err != nil {
		return nil, 0, fmt.Errorf("7z: reading the header: %w", err)
	}
	if crc32.ChecksumIEEE(hdr) != want {
		return nil, 0, errors.New("7z: the header's CRC does not match")
	}
	return hdr, at, nil
}
