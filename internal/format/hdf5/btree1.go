package hdf5

import (
	"bytes"
	"errors"
	"fmt"
)

// v1 B-tree node types.
const (
	btreeGroup = 0
	btreeChunk = 1
)

// btree1 walks the version 1 B-tree at addr and calls leaf for every child
// of its level-0 nodes, with the key that precedes it. Levels must fall by
// one at each step and no node is visited twice, so a hostile tree can
// neither loop nor fan out into repeated work.
func (f *File) btree1(addr uint64, typ uint8, keySize int, leaf func(key []byte, child uint64) error) error {
	seen := map[uint64]bool{}
	var walk func(addr uint64, level int) error
	walk = func(addr uint64, level int) error {
		if seen[addr] {
			return f.src.errAt(ErrMalformed, "v1 B-tree node", addr, "node is reached twice")
		}
		seen[addr] = true
		keys, children, nodeLevel, err := f.btree1Node(addr, typ, keySize)
		if err != nil {
			return err
		}
		switch {
		case level < 0 && nodeLevel > f.lim.MaxBTreeDepth:
			return f.src.errAt(ErrLimit, "v1 B-tree node", addr, "level %d exceeds MaxBTreeDepth (%d)", nodeLevel, f.lim.MaxBTreeDepth)
		case level >= 0 && nodeLevel != level:
			return f.src.errAt(ErrMalformed, "v1 B-tree node", addr, "level %d where %d was expected", nodeLevel, level)
		}
		for i, child := range children {
			if nodeLevel == 0 {
				err = leaf(keys[i], child)
			} else {
				err = walk(child, nodeLevel-1)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	return walk(addr, -1)
}

// btree1Node reads one node: its keys (one more than its children), its
// children and its level.
func (f *File) btree1Node(addr uint64, typ uint8, keySize int) ([][]byte, []uint64, int, error) {
	s := f.src
	o := s.offSize
	head, err := s.at("v1 B-tree node", addr, uint64(8+2*o))
	if err != nil {
		return nil, nil, 0, err
	}
	if !bytes.HasPrefix(head, []byte("TREE")) {
		return nil, nil, 0, s.errAt(ErrMalformed, "v1 B-tree node", addr, "no TREE signature")
	}
	if head[4] != typ {
		return nil, nil, 0, s.errAt(ErrMalformed, "v1 B-tree node", addr, "node type %d where %d was expected", head[4], typ)
	}
	level := int(head[5])
	n := int(head[6]) | int(head[7])<<8
	if n > f.lim.MaxFanout {
		return nil, nil, 0, s.errAt(ErrLimit, "v1 B-tree node", addr, "%d entries exceed MaxFanout (%d)", n, f.lim.MaxFanout)
	}
	body, err := s.at("v1 B-tree node", addr+uint64(8+2*o), uint64(n*(keySize+o)+keySize))
	if err != nil {
		return nil, nil, 0, err
	}
	d := s.decoder(body)
	keys := make([][]byte, 0, n+1)
	children := make([]uint64, 0, n)
	for i := 0; i < n; i++ {
		keys = append(keys, d.take(keySize))
		children = append(children, d.addr())
	}
	keys = append(keys, d.take(keySize))
	return keys, children, level, nil
}

// symbolTableLinks reads an old-style group: a v1 B-tree of symbol table
// nodes whose entries name their links through a local heap.
func (f *File) symbolTableLinks(path string, m *message) []*Link {
	d := f.src.decoder(m.data)
	btree, heapAddr := d.addr(), d.addr()
	if d.err != nil {
		f.fail(path, f.src.errAt(ErrMalformed, "symbol table message", m.addr, "truncated"))
		return nil
	}
	heap, err := f.localHeap(heapAddr)
	if err != nil {
		f.fail(path, err)
		return nil
	}
	var out []*Link
	err = f.btree1(btree, btreeGroup, f.src.lenSize, func(_ []byte, snod uint64) error {
		links, err := f.symbolNode(snod, heap)
		out = append(out, links...)
		if err == nil && !f.spend(path, len(links)) {
			err = errStopped
		}
		return err
	})
	if err != nil && err != errStopped {
		f.fail(path, err)
	}
	return out
}

// errStopped ends a walk after a file-wide limit was recorded.
var errStopped = fmt.Errorf("%w: walk stopped", ErrLimit)

// symbolNode reads a symbol table node (SNOD). An entry caching a soft link
// (cache type 2) keeps its target in the local heap; every other entry is a
// hard link.
func (f *File) symbolNode(addr uint64, heap []byte) ([]*Link, error) {
	s := f.src
	head, err := s.at("symbol table node", addr, 8)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(head, []byte("SNOD")) {
		return nil, s.errAt(ErrMalformed, "symbol table node", addr, "no SNOD signature")
	}
	n := int(head[6]) | int(head[7])<<8
	if n > f.lim.MaxFanout {
		return nil, s.errAt(ErrLimit, "symbol table node", addr, "%d entries exceed MaxFanout (%d)", n, f.lim.MaxFanout)
	}
	entry := 2*s.offSize + 24
	body, err := s.at("symbol table node", addr+8, uint64(n*entry))
	if err != nil {
		return nil, err
	}
	d := s.decoder(body)
	out := make([]*Link, 0, n)
	for i := 0; i < n; i++ {
		nameOff, target, cache := d.addr(), d.addr(), d.u32()
		d.skip(4)
		scratch := d.take(16)
		name, err := s.heapString(heap, nameOff)
		if err != nil {
			return out, s.wrap(err, "symbol table node", addr)
		}
		l := &Link{Name: name, Kind: LinkHard, Addr: target}
		if cache == 2 {
			value := uint64(scratch[0]) | uint64(scratch[1])<<8 | uint64(scratch[2])<<16 | uint64(scratch[3])<<24
			if l.Path, err = s.heapString(heap, value); err != nil {
				return out, s.wrap(err, "symbol table node", addr)
			}
			l.Kind, l.Type, l.Addr = LinkSoft, 1, 0
		}
		out = append(out, l)
	}
	return out, nil
}

// localHeap returns the data segment of the local heap at addr (link names
// of old-style groups, external file names).
func (f *File) localHeap(addr uint64) ([]byte, error) {
	if b, ok := f.localHeaps[addr]; ok {
		return b, nil
	}
	s := f.src
	head, err := s.at("local heap", addr, uint64(8+2*s.lenSize+s.offSize))
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(head, []byte("HEAP")) {
		return nil, s.errAt(ErrMalformed, "local heap", addr, "no HEAP signature")
	}
	d := s.decoder(head[8:])
	size := d.length()
	d.length() // free list head
	data, err := s.at("local heap data", d.addr(), size)
	if err != nil {
		return nil, err
	}
	f.localHeaps[addr] = data
	return data, nil
}

// heapString reads the NUL-terminated string at off in a local heap.
func (s *source) heapString(heap []byte, off uint64) (string, error) {
	if off >= uint64(len(heap)) {
		return "", fail(ErrMalformed, "local heap offset %d beyond its %d bytes", off, len(heap))
	}
	d := s.decoder(heap)
	d.p = int(off)
	name := d.cstring()
	if errors.Is(d.err, errShort) {
		return "", fail(ErrMalformed, "local heap string at %d is not terminated", off)
	}
	return name, d.err
}
