package hdf5

import (
	"bytes"
	"encoding/binary"
)

// fractalHeap is a fractal heap header with the doubling-table geometry
// libhdf5 derives from it (H5HF__hdr_finish_init, H5HF__dtable_init).
type fractalHeap struct {
	addr           uint64
	idLen          int
	checksumDirect bool
	hugeBTree      uint64
	width          uint64
	startBlock     uint64
	maxDirect      uint64
	maxHeapBits    int
	root           uint64
	rootRows       int

	offBytes, lenBytes int // managed heap ID fields
	maxDirectRows      int
	firstRowBits       int
	hugeDirect         bool // huge IDs hold the object's address and length
	hugeIDBytes        int

	huge     map[uint64][2]uint64 // huge object ID → address, length
	indirect map[uint64][]uint64  // indirect block → child addresses
	direct   map[uint64][]byte    // checksummed direct blocks read whole
}

func (f *File) openHeap(addr uint64) (*fractalHeap, error) {
	if h, ok := f.heaps[addr]; ok {
		return h, nil
	}
	s := f.src
	o, l := s.offSize, s.lenSize
	// The fixed fields and, for an unfiltered heap, the checksum after them.
	b, err := s.at("fractal heap header", addr, uint64(4+1+2+2+1+4+12*l+3*o+4*2+4))
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, []byte("FRHP")) {
		return nil, s.errAt(ErrMalformed, "fractal heap header", addr, "no FRHP signature")
	}
	d := s.decoder(b[4:])
	if v := d.u8(); v != 0 {
		return nil, s.errAt(ErrUnsupported, "fractal heap header", addr, "version %d", v)
	}
	h := &fractalHeap{addr: addr, idLen: int(d.u16())}
	filterLen := d.u16()
	flags := d.u8()
	h.checksumDirect = flags&2 != 0
	maxManaged := uint64(d.u32())
	d.length() // next huge object ID
	h.hugeBTree = d.addr()
	d.skip(l + o + 8*l) // free space, its manager, and statistics
	h.width, h.startBlock, h.maxDirect = uint64(d.u16()), d.length(), d.length()
	h.maxHeapBits = int(d.u16())
	d.u16() // starting rows of the root indirect block
	h.root, h.rootRows = d.addr(), int(d.u16())
	if filterLen > 0 {
		// Filtered heaps compress their blocks; libhdf5 never creates them
		// for links or attributes.
		return nil, s.errAt(ErrUnsupported, "fractal heap header", addr, "I/O filters on a fractal heap")
	}
	if err := h.init(s, maxManaged); err != nil {
		return nil, err
	}
	if !checksumOK(b) {
		f.anomaly("", addr, "fractal heap header checksum mismatch")
	}
	f.heaps[addr] = h
	return h, nil
}

// init validates the doubling table and derives the heap ID layout.
func (h *fractalHeap) init(s *source, maxManaged uint64) error {
	pow2 := func(v uint64) bool { return v > 0 && v&(v-1) == 0 }
	switch {
	case !pow2(h.width) || !pow2(h.startBlock) || !pow2(h.maxDirect) || h.maxDirect < h.startBlock:
		return s.errAt(ErrMalformed, "fractal heap header", h.addr, "doubling table width %d, blocks %d to %d", h.width, h.startBlock, h.maxDirect)
	case h.maxHeapBits < 1 || h.maxHeapBits > 64:
		return s.errAt(ErrMalformed, "fractal heap header", h.addr, "heap of %d bits", h.maxHeapBits)
	case h.idLen < 2 || h.idLen > 4096:
		return s.errAt(ErrMalformed, "fractal heap header", h.addr, "heap IDs of %d bytes", h.idLen)
	case uint64(s.lim.MaxFanout) < h.width:
		return s.errAt(ErrLimit, "fractal heap header", h.addr, "table width %d exceeds MaxFanout", h.width)
	}
	h.firstRowBits = log2(h.startBlock) + log2(h.width)
	h.maxDirectRows = log2(h.maxDirect) - log2(h.startBlock) + 2
	if maxRows := h.maxHeapBits - h.firstRowBits + 1; h.rootRows > maxRows {
		return s.errAt(ErrMalformed, "fractal heap header", h.addr, "root indirect block of %d rows (at most %d)", h.rootRows, maxRows)
	}
	h.offBytes = (h.maxHeapBits + 7) / 8
	h.lenBytes = min((log2(h.maxDirect)+7)/8, sizeBytes(maxManaged))
	h.hugeDirect = s.offSize+s.lenSize <= h.idLen-1
	h.hugeIDBytes = min(h.idLen-1, 8)
	return nil
}

// rowSize is the size of the blocks in a doubling-table row.
func (h *fractalHeap) rowSize(row int) uint64 {
	if row == 0 {
		return h.startBlock
	}
	return h.startBlock << (row - 1)
}

// rowOffset is the heap offset where a row starts within its block.
func (h *fractalHeap) rowOffset(row int) uint64 {
	if row == 0 {
		return 0
	}
	return h.width * h.startBlock << (row - 1)
}

// object returns the object a heap ID designates.
func (f *File) heapObject(h *fractalHeap, id []byte) ([]byte, error) {
	if len(id) < h.idLen || len(id) == 0 {
		return nil, fail(ErrMalformed, "heap ID of %d bytes, the heap uses %d", len(id), h.idLen)
	}
	id = id[:h.idLen]
	if id[0]>>6 != 0 {
		return nil, fail(ErrMalformed, "heap ID version %d", id[0]>>6)
	}
	switch id[0] >> 4 & 3 {
	case 0:
		d := f.src.decoder(id[1:])
		return f.managedObject(h, d.uint(h.offBytes), d.uint(h.lenBytes))
	case 1:
		return f.hugeObject(h, id[1:])
	case 2:
		return tinyObject(h, id)
	}
	return nil, fail(ErrMalformed, "heap ID type 3")
}

// tinyObject returns an object stored inside its own ID.
func tinyObject(h *fractalHeap, id []byte) ([]byte, error) {
	n, data := int(id[0]&0x0F)+1, id[1:]
	if h.idLen-1 > 16 { // extended tiny IDs spend a second byte on the length
		n = (int(id[0]&0x0F)<<8 | int(id[1])) + 1
		data = id[2:]
	}
	if n > len(data) {
		return nil, fail(ErrMalformed, "tiny heap object of %d bytes in a %d-byte ID", n, len(id))
	}
	return data[:n], nil
}

// hugeObject returns an object stored outside the heap's blocks, found
// either directly from its ID or through the heap's huge-object B-tree.
func (f *File) hugeObject(h *fractalHeap, id []byte) ([]byte, error) {
	d := f.src.decoder(id)
	var addr, size uint64
	if h.hugeDirect {
		addr, size = d.addr(), d.length()
	} else {
		if err := f.loadHuge(h); err != nil {
			return nil, err
		}
		key := d.uint(h.hugeIDBytes)
		loc, ok := h.huge[key]
		if !ok {
			return nil, fail(ErrMalformed, "huge heap object %d is not indexed", key)
		}
		addr, size = loc[0], loc[1]
	}
	return f.src.at("huge heap object", addr, size)
}

// loadHuge indexes the huge-object B-tree once (type 1 records: address,
// length, ID).
func (f *File) loadHuge(h *fractalHeap) error {
	if h.huge != nil {
		return nil
	}
	h.huge = map[uint64][2]uint64{}
	if h.hugeBTree == undef {
		return nil
	}
	s := f.src
	return f.btree2Records(h.hugeBTree, bt2HugeObjects, func(rec []byte) error {
		d := s.decoder(rec)
		addr, size, id := d.addr(), d.length(), d.length()
		if d.err != nil {
			return fail(ErrMalformed, "huge object record of %d bytes", len(rec))
		}
		h.huge[id] = [2]uint64{addr, size}
		return f.index("huge object index", h.hugeBTree, 1)
	})
}

// managedObject finds the direct block holding heap offset off by walking
// the doubling table down from the root, then reads the object.
func (f *File) managedObject(h *fractalHeap, off, size uint64) ([]byte, error) {
	if size == 0 || size > h.maxDirect {
		return nil, fail(ErrMalformed, "managed heap object of %d bytes", size)
	}
	block, blockOff, blockSize := h.root, uint64(0), h.startBlock
	rows := h.rootRows
	for depth := 0; rows > 0; depth++ {
		if depth > f.lim.MaxBTreeDepth {
			return nil, fail(ErrLimit, "fractal heap indirect blocks nest deeper than MaxBTreeDepth")
		}
		row, col, err := h.locate(off-blockOff, rows)
		if err != nil {
			return nil, err
		}
		children, err := f.indirectBlock(h, block, rows)
		if err != nil {
			return nil, err
		}
		block = children[row*int(h.width)+col]
		blockOff += h.rowOffset(row) + uint64(col)*h.rowSize(row)
		blockSize = h.rowSize(row)
		rows = 0
		if row >= h.maxDirectRows {
			// A child indirect block spans one entry of this row; its rows
			// cover exactly that span.
			if rows = log2(blockSize) - h.firstRowBits + 1; rows <= 0 {
				return nil, fail(ErrMalformed, "indirect block entry too small for a row")
			}
		}
	}
	if block == undef {
		return nil, fail(ErrMalformed, "heap offset %d lies in an unallocated block", off)
	}
	return f.directObject(h, block, blockSize, off-blockOff, size)
}

// locate finds the row and column of a relative heap offset.
func (h *fractalHeap) locate(rel uint64, rows int) (int, int, error) {
	row := 0
	if rel >= h.width*h.startBlock {
		row = log2(rel) - h.firstRowBits + 1
	}
	if row >= rows {
		return 0, 0, fail(ErrMalformed, "heap offset beyond an indirect block of %d rows", rows)
	}
	return row, int((rel - h.rowOffset(row)) / h.rowSize(row)), nil
}

// indirectBlock reads the child addresses of an indirect block: rows of
// direct blocks up to maxDirectRows, then rows of indirect blocks.
func (f *File) indirectBlock(h *fractalHeap, addr uint64, rows int) ([]uint64, error) {
	if c, ok := h.indirect[addr]; ok {
		if len(c) != rows*int(h.width) {
			return nil, f.src.errAt(ErrMalformed, "fractal heap indirect block", addr, "block is reached with different row counts")
		}
		return c, nil
	}
	s := f.src
	prefix := 4 + 1 + s.offSize + h.offBytes
	n := rows * int(h.width)
	b, err := s.at("fractal heap indirect block", addr, uint64(prefix+n*s.offSize+4))
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, []byte("FHIB")) {
		return nil, s.errAt(ErrMalformed, "fractal heap indirect block", addr, "no FHIB signature")
	}
	if !checksumOK(b) {
		f.anomaly("", addr, "fractal heap indirect block checksum mismatch")
	}
	d := s.decoder(b[prefix:])
	children := make([]uint64, n)
	for i := range children {
		children[i] = d.addr()
	}
	if h.indirect == nil {
		h.indirect = map[uint64][]uint64{}
	}
	h.indirect[addr] = children
	return children, nil
}

// directObject reads an object at offset pos of a direct block. A
// checksummed block is read and verified whole, once; otherwise only the
// object is read.
func (f *File) directObject(h *fractalHeap, addr, blockSize, pos, size uint64) ([]byte, error) {
	s := f.src
	header := uint64(4 + 1 + s.offSize + h.offBytes)
	if h.checksumDirect {
		header += 4
	}
	if pos < header || pos > blockSize || size > blockSize-pos {
		return nil, fail(ErrMalformed, "heap object of %d bytes at %d in a %d-byte direct block", size, pos, blockSize)
	}
	if !h.checksumDirect {
		return s.at("fractal heap object", addr+pos, size)
	}
	b, ok := h.direct[addr]
	if ok {
		// Objects of a cached block cost what reading them would.
		if err := s.charge("fractal heap object", int64(size)); err != nil {
			return nil, err
		}
	} else {
		var err error
		if b, err = s.at("fractal heap direct block", addr, blockSize); err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(b, []byte("FHDB")) {
			return nil, s.errAt(ErrMalformed, "fractal heap direct block", addr, "no FHDB signature")
		}
		if !directChecksumOK(b, header-4) {
			f.anomaly("", addr, "fractal heap direct block checksum mismatch")
		}
		if h.direct == nil {
			h.direct = map[uint64][]byte{}
		}
		h.direct[addr] = b
	}
	return b[pos : pos+size], nil
}

// directChecksumOK verifies a direct block, whose checksum (at offset at)
// covers the whole block with the checksum field zeroed.
func directChecksumOK(b []byte, at uint64) bool {
	want := binary.LittleEndian.Uint32(b[at:])
	c := bytes.Clone(b)
	clear(c[at : at+4])
	return lookup3(c, 0) == want
}
