package hdf5

// denseAttributes reads attributes stored densely: attribute messages in a
// fractal heap, enumerated through the name index (v2 B-tree type 8:
// heap ID, message flags, creation order, name hash).
func (f *File) denseAttributes(path string, info denseInfo) []*Attribute {
	var out []*Attribute
	f.denseRecords(path, info, bt2AttrNames, func(h *fractalHeap, rec []byte) error {
		if len(rec) < 9 {
			return fail(ErrMalformed, "attribute name record of %d bytes", len(rec))
		}
		if rec[8]&flagShared != 0 {
			return fail(ErrUnsupported, "attribute stored in the shared message heap")
		}
		b, err := f.heapObject(h, rec[:8])
		if err != nil {
			return err
		}
		a, err := f.decodeAttribute(b)
		if err != nil {
			return err
		}
		a.Dense = true
		out = append(out, a)
		return nil
	})
	return out
}

// denseLinks reads links stored densely: link messages in a fractal heap,
// enumerated through the name index (v2 B-tree type 5: name hash, 7-byte
// heap ID).
func (f *File) denseLinks(path string, info denseInfo) []*Link {
	var out []*Link
	f.denseRecords(path, info, bt2LinkNames, func(h *fractalHeap, rec []byte) error {
		if len(rec) < 11 {
			return fail(ErrMalformed, "link name record of %d bytes", len(rec))
		}
		b, err := f.heapObject(h, rec[4:11])
		if err != nil {
			return err
		}
		l, err := decodeLink(f.src.decoder(b))
		if err != nil {
			return err
		}
		out = append(out, l)
		return nil
	})
	return out
}

// denseRecords opens the heap and walks the name index, counting every
// record against MaxObjects. A record that cannot be decoded is recorded
// and skipped; a broken index or heap ends the walk.
func (f *File) denseRecords(path string, info denseInfo, typ uint8, fn func(h *fractalHeap, rec []byte) error) {
	h, err := f.openHeap(info.heap)
	if err != nil {
		f.fail(path, err)
		return
	}
	err = f.btree2Records(info.nameIndex, typ, func(rec []byte) error {
		if !f.spend(path, 1) {
			return errStopped
		}
		if err := fn(h, rec); err != nil {
			f.fail(path, f.src.wrap(err, "dense storage record", info.heap))
		}
		return nil
	})
	if err != nil && err != errStopped {
		f.fail(path, err)
	}
}

// body returns a message body of type typ; a shared one is a reference
// to the object header holding the message (a committed datatype). That
// header is cached, so its message is charged as if read again: any number
// of objects may share it.
func (f *File) body(b []byte, shared bool, typ uint16) ([]byte, error) {
	if !shared {
		return b, nil
	}
	m, err := f.sharedMessage(b, typ)
	if err != nil {
		return nil, err
	}
	return m.data, f.src.charge("shared message", int64(len(m.data)))
}

// sharedMessage resolves a shared message reference to the message of the
// given type in the object header it points to (a committed datatype).
func (f *File) sharedMessage(ref []byte, typ uint16) (*message, error) {
	addr, err := sharedRef(f.src.decoder(ref))
	if err != nil {
		return nil, err
	}
	key := sharedKey{addr, typ}
	if m, ok := f.shared[key]; ok {
		return m, nil
	}
	h, err := f.readHeader(addr, "")
	if err != nil {
		return nil, err
	}
	m := h.first(typ)
	if m == nil {
		return nil, f.src.errAt(ErrMalformed, "shared message", addr, "no message of type %#x in the object header it points to", typ)
	}
	if m.flags&flagShared != 0 {
		return nil, f.src.errAt(ErrMalformed, "shared message", addr, "points to another shared message")
	}
	// Only the message is kept: whole headers could hold tens of thousands
	// of messages each.
	f.shared[key] = m
	return m, nil
}

// sharedKey identifies a shared message: its header and type.
type sharedKey struct {
	addr uint64
	typ  uint16
}
