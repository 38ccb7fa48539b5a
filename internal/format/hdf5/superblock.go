package hdf5

import "fmt"

// signature starts every superblock.
const signature = "\x89HDF\r\n\x1a\n"

// nextSignatureOffset steps through the offsets where a superblock may
// start: 0, then 512 and every power of two after it (a userblock before).
func nextSignatureOffset(off int64) int64 { return max(512, 2*off) }

// Sniff reports whether head, the first bytes of a file, holds an HDF5
// superblock signature where the specification allows one.
func Sniff(head []byte) bool {
	for off := int64(0); off+int64(len(signature)) <= int64(len(head)); off = nextSignatureOffset(off) {
		if string(head[off:off+int64(len(signature))]) == signature {
			return true
		}
	}
	return false
}

// Superblock is what the file's superblock declares.
type Superblock struct {
	Version int
	// Offset is where the signature was found: 0, or the size of a userblock
	// (512, 1024, 2048, …). Every address in the file is relative to it.
	Offset int64
	// SizeOffsets and SizeLengths are the widths of addresses and lengths.
	SizeOffsets, SizeLengths int
	// EOF is the end-of-file address the superblock records.
	EOF uint64
	// Root is the address of the root group's object header.
	Root uint64
}

// findSignature looks where the specification allows, as libhdf5 does.
func findSignature(s *source) (int64, error) {
	var sig [len(signature)]byte
	for off := int64(0); off <= s.size-int64(len(sig)); off = nextSignatureOffset(off) {
		if err := s.charge("superblock search", int64(len(sig))); err != nil {
			return 0, err
		}
		s.read += int64(len(sig))
		if n, _ := s.r.ReadAt(sig[:], off); n == len(sig) && string(sig[:]) == signature {
			return off, nil
		}
	}
	return 0, &Error{Kind: ErrNotHDF5, What: "superblock", Offset: -1, Detail: "no signature at 0, 512, 1024, …"}
}

// readSuperblock decodes the superblock at the signature's offset. A bad
// checksum or a file shorter than the recorded end is an anomaly, not an
// error: the reader stays at least as lenient as libhdf5.
func (f *File) readSuperblock() error {
	s := f.src
	off, err := findSignature(s)
	if err != nil {
		return err
	}
	s.base = uint64(off)
	sb := &f.super
	sb.Offset = off
	// The largest superblock (v1 with 8-byte fields) is under 128 bytes.
	b, err := s.atMost("superblock", 0, 160)
	if err != nil {
		return err
	}
	d := &decoder{b: b}
	d.skip(len(signature))
	sb.Version = int(d.u8())
	switch sb.Version {
	case 0, 1:
		err = f.superblockV0(d)
	case 2, 3:
		err = f.superblockV2(d)
	default:
		return s.errAt(ErrUnsupported, "superblock", 0, "version %d", sb.Version)
	}
	if err != nil {
		return err
	}
	// The recorded end of file counts the userblock (libhdf5 compares it
	// with the file size plus the base address).
	if sb.EOF != undef && sb.EOF > uint64(s.size) {
		f.anomaly("", 0, fmt.Sprintf("file is truncated: the superblock records %d bytes, %d are present (libhdf5 refuses to open it)", sb.EOF, s.size))
	}
	return nil
}

func (f *File) superblockV0(d *decoder) error {
	sb := &f.super
	d.skip(3) // free-space, root-entry and reserved versions
	d.skip(1) // shared header version
	if err := f.setSizes(d, int(d.u8()), int(d.u8())); err != nil {
		return err
	}
	d.skip(1)
	d.skip(4) // group leaf and internal K
	d.skip(4) // consistency flags
	if sb.Version == 1 {
		d.skip(4) // indexed storage K and reserved
	}
	d.offSize, d.lenSize = sb.SizeOffsets, sb.SizeLengths
	base := d.addr()
	d.addr() // free-space info
	sb.EOF = d.addr()
	d.addr() // driver info
	// Root group symbol table entry: link name offset, then the header.
	d.addr()
	sb.Root = d.addr()
	if d.err != nil {
		return f.src.errAt(ErrMalformed, "superblock", 0, "truncated")
	}
	f.checkBase(base)
	return nil
}

func (f *File) superblockV2(d *decoder) error {
	sb := &f.super
	if err := f.setSizes(d, int(d.u8()), int(d.u8())); err != nil {
		return err
	}
	d.skip(1) // consistency flags
	d.offSize, d.lenSize = sb.SizeOffsets, sb.SizeLengths
	base := d.addr()
	d.addr() // superblock extension
	sb.EOF = d.addr()
	sb.Root = d.addr()
	end := d.p
	d.u32()
	if d.err != nil {
		return f.src.errAt(ErrMalformed, "superblock", 0, "truncated")
	}
	if !checksumOK(d.b[:end+4]) {
		f.anomaly("", 0, "superblock checksum mismatch")
	}
	f.checkBase(base)
	return nil
}

func (f *File) setSizes(d *decoder, off, length int) error {
	if d.err != nil {
		return f.src.errAt(ErrMalformed, "superblock", 0, "truncated")
	}
	for _, n := range []int{off, length} {
		if n != 2 && n != 4 && n != 8 {
			return f.src.errAt(ErrUnsupported, "superblock", 0, "field size %d (only 2, 4 and 8 are read)", n)
		}
	}
	f.super.SizeOffsets, f.super.SizeLengths = off, length
	f.src.offSize, f.src.lenSize = off, length
	return nil
}

// checkBase notes a recorded base address that differs from where the
// signature was found; libhdf5 uses the latter, and so do we.
func (f *File) checkBase(base uint64) {
	if base != uint64(f.super.Offset) {
		f.anomaly("", 0, fmt.Sprintf("superblock records base address %d but starts at %d", base, f.super.Offset))
	}
}
