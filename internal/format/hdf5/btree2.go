package hdf5

import (
	"bytes"
	"math/bits"
	"slices"
)

// v2 B-tree types the reader walks.
const (
	bt2HugeObjects  = 1
	bt2LinkNames    = 5
	bt2AttrNames    = 8
	bt2Chunks       = 10
	bt2ChunksFilter = 11
)

// btree2 is a version 2 B-tree header and the node geometry derived from
// it, as libhdf5 derives it (H5B2__hdr_init).
type btree2 struct {
	addr     uint64
	typ      uint8
	nodeSize uint32
	recSize  int
	depth    int
	root     uint64
	rootNrec int
	// maxNrec[d] is the most records a node at depth d holds; nrecBytes
	// encodes a child's record count, totalBytes[d] the total records
	// below a child of a node at depth d+1.
	maxNrec    []uint64
	nrecBytes  int
	totalBytes []int
}

// openBTree2 reads the header at addr, whose type must be one of types.
func (f *File) openBTree2(addr uint64, types ...uint8) (*btree2, error) {
	s := f.src
	b, err := s.at("v2 B-tree header", addr, uint64(4+1+1+4+2+2+1+1+s.offSize+2+s.lenSize+4))
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, []byte("BTHD")) {
		return nil, s.errAt(ErrMalformed, "v2 B-tree header", addr, "no BTHD signature")
	}
	if !checksumOK(b) {
		f.anomaly("", addr, "v2 B-tree header checksum mismatch")
	}
	d := s.decoder(b[4:])
	if v := d.u8(); v != 0 {
		return nil, s.errAt(ErrUnsupported, "v2 B-tree header", addr, "version %d", v)
	}
	t := &btree2{addr: addr, typ: d.u8(), nodeSize: d.u32(), recSize: int(d.u16()), depth: int(d.u16())}
	d.skip(2) // split and merge percent
	t.root, t.rootNrec = d.addr(), int(d.u16())
	switch {
	case !slices.Contains(types, t.typ):
		return nil, s.errAt(ErrMalformed, "v2 B-tree header", addr, "type %d where %v was expected", t.typ, types)
	case t.recSize == 0 || uint64(t.nodeSize) < 10+uint64(t.recSize):
		return nil, s.errAt(ErrMalformed, "v2 B-tree header", addr, "records of %d bytes in nodes of %d", t.recSize, t.nodeSize)
	case int64(t.nodeSize) > f.lim.MaxBlockBytes:
		return nil, s.errAt(ErrLimit, "v2 B-tree header", addr, "nodes of %d bytes exceed MaxBlockBytes", t.nodeSize)
	case t.depth > f.lim.MaxBTreeDepth:
		return nil, s.errAt(ErrLimit, "v2 B-tree header", addr, "depth %d exceeds MaxBTreeDepth (%d)", t.depth, f.lim.MaxBTreeDepth)
	}
	t.geometry(s.offSize)
	return t, nil
}

// geometry computes the per-depth record capacities and the widths of the
// record counts stored in internal nodes.
func (t *btree2) geometry(offSize int) {
	const prefix = 10 // signature, version, type and checksum
	t.maxNrec = make([]uint64, t.depth+1)
	t.totalBytes = make([]int, t.depth+1)
	t.maxNrec[0] = (uint64(t.nodeSize) - prefix) / uint64(t.recSize)
	t.nrecBytes = sizeBytes(t.maxNrec[0])
	cum := t.maxNrec[0]
	for u := 1; u <= t.depth; u++ {
		ptr := uint64(offSize + t.nrecBytes + t.totalBytes[u-1])
		if uint64(t.nodeSize) > prefix+ptr {
			t.maxNrec[u] = (uint64(t.nodeSize) - prefix - ptr) / (uint64(t.recSize) + ptr)
		}
		hi, lo := bits.Mul64(t.maxNrec[u]+1, cum)
		cum = lo + t.maxNrec[u]
		if hi != 0 || cum < lo {
			cum = ^uint64(0)
		}
		t.totalBytes[u] = sizeBytes(cum)
	}
}

// btree2Records calls fn for every record of the tree at addr, of type typ.
func (f *File) btree2Records(addr uint64, typ uint8, fn func(rec []byte) error) error {
	t, err := f.openBTree2(addr, typ)
	if err != nil {
		return err
	}
	return f.walkBTree2(t, fn)
}

// walkBTree2 calls fn for every record in key order. Depths fall by one
// per level and no node is read twice.
func (f *File) walkBTree2(t *btree2, fn func(rec []byte) error) error {
	if t.root == undef {
		return nil
	}
	seen := map[uint64]bool{}
	var walk func(addr uint64, nrec, depth int) error
	walk = func(addr uint64, nrec, depth int) error {
		if seen[addr] {
			return f.src.errAt(ErrMalformed, "v2 B-tree node", addr, "node is reached twice")
		}
		seen[addr] = true
		recs, children, err := f.btree2Node(t, addr, nrec, depth)
		if err != nil {
			return err
		}
		for i, rec := range recs {
			if depth > 0 {
				if err := walk(children[i].addr, children[i].nrec, depth-1); err != nil {
					return err
				}
			}
			if err := fn(rec); err != nil {
				return err
			}
		}
		if depth > 0 {
			last := children[len(children)-1]
			return walk(last.addr, last.nrec, depth-1)
		}
		return nil
	}
	return walk(t.root, t.rootNrec, t.depth)
}

type bt2Child struct {
	addr uint64
	nrec int
}

// btree2Node reads a leaf (depth 0) or internal node holding nrec records.
func (f *File) btree2Node(t *btree2, addr uint64, nrec, depth int) ([][]byte, []bt2Child, error) {
	s := f.src
	if uint64(nrec) > t.maxNrec[depth] || nrec > f.lim.MaxFanout {
		return nil, nil, s.errAt(ErrMalformed, "v2 B-tree node", addr, "%d records where a node holds %d", nrec, t.maxNrec[depth])
	}
	sig, ptr := "BTLF", 0
	if depth > 0 {
		sig, ptr = "BTIN", s.offSize+t.nrecBytes+t.totalBytes[depth-1]
	}
	n := 6 + nrec*t.recSize + 4
	if depth > 0 {
		n += (nrec + 1) * ptr
	}
	b, err := s.at("v2 B-tree node", addr, uint64(n))
	if err != nil {
		return nil, nil, err
	}
	if !bytes.HasPrefix(b, []byte(sig)) || b[5] != t.typ {
		return nil, nil, s.errAt(ErrMalformed, "v2 B-tree node", addr, "no %s signature for a type %d tree", sig, t.typ)
	}
	if !checksumOK(b) {
		f.anomaly("", addr, "v2 B-tree node checksum mismatch")
	}
	recs := make([][]byte, nrec)
	for i := range recs {
		recs[i] = b[6+i*t.recSize : 6+(i+1)*t.recSize]
	}
	if depth == 0 {
		return recs, nil, nil
	}
	d := s.decoder(b[6+nrec*t.recSize : len(b)-4])
	children := make([]bt2Child, nrec+1)
	for i := range children {
		children[i] = bt2Child{addr: d.addr(), nrec: int(d.uint(t.nrecBytes))}
		d.skip(t.totalBytes[depth-1])
	}
	return recs, children, nil
}
