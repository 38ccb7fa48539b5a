package hdf5

import (
	"bytes"
	"math/bits"
)

// chunkStorage sums the chunks a chunked dataset's index records as
// allocated.
func (f *File) chunkStorage(d *Dataset) (uint64, error) {
	l := d.Layout
	per, ok := l.chunkBytes()
	if !ok {
		return 0, fail(ErrMalformed, "chunk of more than 2^64 bytes")
	}
	if l.Addr == undef {
		return 0, nil
	}
	switch l.Index {
	case IndexBTree1:
		return f.btree1Chunks(l)
	case IndexSingle:
		if l.singleFiltered {
			return l.singleFilteredSize, nil
		}
		return per, nil
	case IndexImplicit:
		n, ok := chunkCount(d.Shape, l.Chunk)
		if !ok {
			return 0, fail(ErrMalformed, "%d chunk dimensions for a dataspace of rank %d", len(l.Chunk), len(d.Shape))
		}
		return mulSat(n, per), nil
	case IndexFixedArray:
		return f.fixedArrayChunks(l.Addr, per)
	case IndexBTree2:
		return f.btree2Chunks(l, per)
	}
	return 0, fail(ErrUnsupported, "the extensible array chunk index is not read")
}

// chunkCount is how many chunks cover a shape (every dimension rounded
// up; the count saturates).
func chunkCount(shape, chunk []uint64) (uint64, bool) {
	if len(chunk) != len(shape)+1 {
		return 0, false
	}
	n := uint64(1)
	for i, v := range shape {
		n = mulSat(n, v/chunk[i]+min(v%chunk[i], 1))
	}
	return n, true
}

func mulSat(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return ^uint64(0)
	}
	return lo
}

func addSat(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return ^uint64(0)
}

// btree1Chunks sums the chunk sizes in the keys of a version 1 chunk B-tree
// (key: chunk size, filter mask, one 8-byte offset per dimension).
func (f *File) btree1Chunks(l *Layout) (uint64, error) {
	total := uint64(0)
	err := f.btree1(l.Addr, btreeChunk, 8+8*len(l.Chunk), func(key []byte, _ uint64) error {
		total = addSat(total, uint64(f.src.decoder(key).u32()))
		return nil
	})
	return total, err
}

// btree2Chunks sums a version 2 B-tree chunk index: type 10 records are
// whole chunks, type 11 records carry their filtered size.
func (f *File) btree2Chunks(l *Layout, per uint64) (uint64, error) {
	t, err := f.openBTree2(l.Addr, bt2Chunks, bt2ChunksFilter)
	if err != nil {
		return 0, err
	}
	o := f.src.offSize
	width := t.recSize - o - 4 - 8*(len(l.Chunk)-1)
	if t.typ == bt2ChunksFilter && (width < 1 || width > 8) {
		return 0, f.src.errAt(ErrMalformed, "v2 B-tree header", l.Addr, "filtered chunk records of %d bytes", t.recSize)
	}
	total := uint64(0)
	err = f.walkBTree2(t, func(rec []byte) error {
		d := f.src.decoder(rec)
		switch {
		case d.addr() == undef:
		case t.typ == bt2Chunks:
			total = addSat(total, per)
		default:
			total = addSat(total, d.uint(width))
		}
		return nil
	})
	return total, err
}

// fixedArrayChunks sums a fixed array chunk index: a header (FAHD) and a
// data block (FADB) of one entry per chunk, split into pages when large.
// Entries are an address, plus a size and filter mask when filtered.
func (f *File) fixedArrayChunks(addr uint64, per uint64) (uint64, error) {
	s := f.src
	o, l := s.offSize, s.lenSize
	b, err := s.at("fixed array header", addr, uint64(4+1+1+1+1+l+o+4))
	if err != nil {
		return 0, err
	}
	if !bytes.HasPrefix(b, []byte("FAHD")) {
		return 0, s.errAt(ErrMalformed, "fixed array header", addr, "no FAHD signature")
	}
	if !checksumOK(b) {
		f.anomaly("", addr, "fixed array header checksum mismatch")
	}
	d := s.decoder(b[5:])
	client, entry, pageBits := d.u8(), int(d.u8()), int(d.u8())
	n, block := d.length(), d.addr()
	if client > 1 || entry < o || client == 1 && entry <= o+4 || pageBits > 32 {
		return 0, s.errAt(ErrMalformed, "fixed array header", addr, "client %d, entries of %d bytes, %d page bits", client, entry, pageBits)
	}
	if block == undef {
		return 0, nil
	}
	sum := func(entries []byte) uint64 {
		total := uint64(0)
		for p := 0; p+entry <= len(entries); p += entry {
			d := s.decoder(entries[p : p+entry])
			if d.addr() == undef {
				continue
			}
			if client == 0 {
				total = addSat(total, per)
			} else {
				total = addSat(total, d.uint(entry-o-4))
			}
		}
		return total
	}
	prefix := uint64(4 + 1 + 1 + o)
	pageLen := uint64(1) << pageBits
	if n <= pageLen {
		b, err := s.at("fixed array data block", block, prefix+n*uint64(entry)+4)
		if err != nil {
			return 0, err
		}
		return sum(b[prefix : len(b)-4]), nil
	}
	return f.fixedArrayPages(block, prefix, n, pageLen, uint64(entry), sum)
}

// fixedArrayPages reads a paged fixed array data block: a bitmap of
// initialised pages, then each page with its own checksum.
func (f *File) fixedArrayPages(block, prefix, n, pageLen, entry uint64, sum func([]byte) uint64) (uint64, error) {
	s := f.src
	pages := (n + pageLen - 1) / pageLen
	if pages > uint64(f.lim.MaxFanout) {
		return 0, s.errAt(ErrLimit, "fixed array data block", block, "%d pages exceed MaxFanout", pages)
	}
	bitmap, err := s.at("fixed array data block", block+prefix, (pages+7)/8)
	if err != nil {
		return 0, err
	}
	total := uint64(0)
	pos := block + prefix + uint64(len(bitmap)) + 4
	for p := uint64(0); p < pages; p++ {
		count := min(pageLen, n-p*pageLen)
		size := count*entry + 4
		if bitmap[p/8]&(0x80>>(p%8)) != 0 {
			b, err := s.at("fixed array page", pos, size)
			if err != nil {
				return 0, err
			}
			total = addSat(total, sum(b[:len(b)-4]))
		}
		pos += size
	}
	return total, nil
}
