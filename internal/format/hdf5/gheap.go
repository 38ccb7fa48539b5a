package hdf5

import "bytes"

// globalObject returns object index of the global heap collection at addr
// (vlen data, virtual dataset mappings). A collection is read and indexed
// once; objects served from the cache are charged as if read again.
func (f *File) globalObject(addr uint64, index uint32) ([]byte, error) {
	c, ok := f.collections[addr]
	if ok {
		if obj, found := c[index]; found {
			if err := f.src.charge("global heap object", int64(len(obj))); err != nil {
				return nil, err
			}
		}
	} else {
		var err error
		if c, err = f.readCollection(addr); err != nil {
			return nil, err
		}
		f.collections[addr] = c
	}
	obj, ok := c[index]
	if !ok || index == 0 {
		return nil, f.src.errAt(ErrMalformed, "global heap collection", addr, "no object %d", index)
	}
	return obj, nil
}

// readCollection reads a GCOL collection and indexes its objects: index,
// reference count, reserved, size, then the data. The collection header,
// each object header and each object's data are padded to 8 bytes. Object
// 0 is the free space that ends the list.
func (f *File) readCollection(addr uint64) (map[uint32][]byte, error) {
	s := f.src
	hdrLen := align8(8 + s.lenSize)
	head, err := s.at("global heap collection", addr, uint64(hdrLen))
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(head, []byte("GCOL")) {
		return nil, s.errAt(ErrMalformed, "global heap collection", addr, "no GCOL signature")
	}
	size := s.decoder(head[8:]).length()
	if size < uint64(len(head)) {
		return nil, s.errAt(ErrMalformed, "global heap collection", addr, "collection of %d bytes", size)
	}
	b, err := s.at("global heap collection", addr, size)
	if err != nil {
		return nil, err
	}
	objs := map[uint32][]byte{}
	d := s.decoder(b)
	d.skip(len(head))
	for d.left() >= hdrLen {
		index := uint32(d.u16())
		d.skip(6) // reference count, reserved
		n := d.length()
		d.skip(hdrLen - 8 - s.lenSize)
		if index == 0 {
			break
		}
		if n > uint64(d.left()) {
			return nil, s.errAt(ErrMalformed, "global heap collection", addr, "object %d of %d bytes overruns the collection", index, n)
		}
		if err := f.index("global heap collection", addr, 1); err != nil {
			return nil, err
		}
		if _, dup := objs[index]; dup {
			f.anomaly("", addr, "global heap object index repeated")
		} else {
			objs[index] = d.take(int(n))
		}
		d.skip(int((8 - n%8) % 8))
	}
	return objs, nil
}

func align8(n int) int { return (n + 7) &^ 7 }
