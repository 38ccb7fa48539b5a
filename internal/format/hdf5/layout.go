package hdf5

// LayoutClass is how a dataset's raw data is stored.
type LayoutClass uint8

// Layout classes.
const (
	LayoutCompact LayoutClass = iota
	LayoutContiguous
	LayoutChunked
	LayoutVirtual
)

func (c LayoutClass) String() string {
	switch c {
	case LayoutCompact:
		return "compact"
	case LayoutContiguous:
		return "contiguous"
	case LayoutChunked:
		return "chunked"
	case LayoutVirtual:
		return "virtual"
	}
	return "unknown"
}

// ChunkIndex is how a chunked dataset finds its chunks.
type ChunkIndex uint8

// Chunk indexes: the version 1 B-tree of layout messages before version 4,
// then the five indexes of layout version 4.
const (
	IndexBTree1 ChunkIndex = iota
	IndexSingle
	IndexImplicit
	IndexFixedArray
	IndexExtensibleArray
	IndexBTree2
)

// Layout is a decoded data layout message.
type Layout struct {
	Class   LayoutClass
	Version int
	// Addr is the contiguous data address, the chunk index address, or the
	// global heap collection holding a virtual dataset's mappings; undefined
	// (all ones) when no storage is allocated.
	Addr uint64
	// Size is the allocated contiguous size (version 3 and later) or the
	// compact data size.
	Size uint64
	// Chunk holds the chunk dimensions, the last being the element size.
	Chunk []uint64
	Index ChunkIndex
	// VirtualIndex is the object index of the mappings in the collection.
	VirtualIndex uint32

	singleFiltered     bool
	singleFilteredSize uint64
}

func decodeLayout(d *decoder) (*Layout, error) {
	l := &Layout{Version: int(d.u8())}
	switch {
	case l.Version == 1 || l.Version == 2:
		return l, l.decodeOld(d)
	case l.Version == 3 || l.Version == 4:
		l.Class = LayoutClass(d.u8())
	default:
		return nil, fail(ErrMalformed, "layout version %d", l.Version)
	}
	switch l.Class {
	case LayoutCompact:
		l.Size = uint64(d.u16())
		d.skip(int(l.Size))
	case LayoutContiguous:
		l.Addr, l.Size = d.addr(), d.length()
	case LayoutChunked:
		if l.Version == 3 {
			n := int(d.u8())
			l.Addr = d.addr()
			if err := l.chunkDims(d, n, 4); err != nil {
				return nil, err
			}
		} else if err := l.decodeChunkedV4(d); err != nil {
			return nil, err
		}
	case LayoutVirtual:
		if l.Version < 4 {
			return nil, fail(ErrMalformed, "virtual layout in a version %d message", l.Version)
		}
		l.Addr, l.VirtualIndex = d.addr(), d.u32()
	default:
		return nil, fail(ErrMalformed, "layout class %d", l.Class)
	}
	return l, d.err
}

// decodeOld reads layout versions 1 and 2 the way libhdf5 does: the
// dimensionality counts the element size as a last chunk dimension, and a
// contiguous size is derived from the dataspace, not stored.
func (l *Layout) decodeOld(d *decoder) error {
	n := int(d.u8())
	l.Class = LayoutClass(d.u8())
	d.skip(5)
	if l.Class > LayoutChunked {
		return fail(ErrMalformed, "layout class %d in a version %d message", l.Class, l.Version)
	}
	l.Addr = undef
	if l.Class != LayoutCompact {
		l.Addr = d.addr()
	}
	if l.Class != LayoutChunked {
		if n > maxRank+1 {
			return fail(ErrMalformed, "layout of rank %d", n)
		}
		d.skip(4 * n)
	} else if err := l.chunkDims(d, n, 4); err != nil {
		return err
	}
	if l.Class == LayoutCompact {
		l.Size = uint64(d.u32())
	}
	return d.err
}

func (l *Layout) decodeChunkedV4(d *decoder) error {
	flags := d.u8()
	n := int(d.u8())
	width := int(d.u8())
	if width < 1 || width > 8 {
		return fail(ErrMalformed, "chunk dimensions encoded in %d bytes", width)
	}
	if err := l.chunkDims(d, n, width); err != nil {
		return err
	}
	l.Index = ChunkIndex(d.u8())
	switch l.Index {
	case IndexSingle:
		if flags&2 != 0 {
			l.singleFiltered = true
			l.singleFilteredSize = d.length()
			d.skip(4) // filter mask
		}
	case IndexImplicit:
	case IndexFixedArray:
		d.skip(1) // page bits
	case IndexExtensibleArray:
		d.skip(5)
	case IndexBTree2:
		d.skip(4 + 2) // node size, split and merge percent (the header repeats them)
	default:
		return fail(ErrMalformed, "chunk index type %d", l.Index)
	}
	l.Addr = d.addr()
	return nil
}

func (l *Layout) chunkDims(d *decoder, n, width int) error {
	if n < 1 || n > maxRank+1 {
		return fail(ErrMalformed, "chunked layout of rank %d", n)
	}
	for i := 0; i < n; i++ {
		v := d.uint(width)
		if v == 0 && d.err == nil {
			return fail(ErrMalformed, "chunk dimension %d is zero", i)
		}
		l.Chunk = append(l.Chunk, v)
	}
	return nil
}

// chunkBytes is the uncompressed size of one chunk.
func (l *Layout) chunkBytes() (uint64, bool) {
	return product(l.Chunk)
}
