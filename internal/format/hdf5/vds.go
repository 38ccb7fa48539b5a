package hdf5

// VirtualSource is one mapping of a virtual dataset: libhdf5 opens File
// ("." is the virtual dataset's own file) and reads Dataset from it.
type VirtualSource struct {
	File, Dataset string
}

// maxVirtualMappings bounds the mappings decoded from one dataset; each one
// costs at least a few bytes of a heap object bounded by MaxBlockBytes, so
// this only bounds the result slice.
const maxVirtualMappings = 1 << 20

// virtualSources decodes the mappings of a virtual dataset: a global heap
// object holding a version, a count, then per mapping the source file and
// dataset names and two encoded selections, and a checksum.
func (f *File) virtualSources(l *Layout) ([]VirtualSource, error) {
	if l.Addr == undef {
		return nil, nil
	}
	b, err := f.globalObject(l.Addr, l.VirtualIndex)
	if err != nil {
		return nil, err
	}
	if !checksumOK(b) {
		f.anomaly("", l.Addr, "virtual dataset mapping checksum mismatch")
	}
	d := f.src.decoder(b)
	if v := d.u8(); v != 0 {
		return nil, fail(ErrUnsupported, "virtual dataset mappings version %d", v)
	}
	n := d.length()
	if n > maxVirtualMappings || n > uint64(d.left()) {
		return nil, fail(ErrMalformed, "%d virtual dataset mappings in %d bytes", n, len(b))
	}
	var out []VirtualSource
	seen := map[VirtualSource]bool{}
	for i := uint64(0); i < n && d.err == nil; i++ {
		v := VirtualSource{File: d.cstring(), Dataset: d.cstring()}
		for range 2 {
			if err := skipSelection(d); err != nil {
				return out, err
			}
		}
		if d.err == nil && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out, d.err
}

// skipSelection skips one encoded dataspace selection: type and version,
// then a layout that depends on both (H5S_SEL_NONE 0, POINTS 1,
// HYPERSLABS 2, ALL 3).
func skipSelection(d *decoder) error {
	typ, version := d.u32(), d.u32()
	switch {
	case typ == 0 || typ == 3: // reserved, length (always 0)
		d.skip(8)
	case version == 1: // reserved, then the length of the rest
		d.skip(4)
		d.skip(int(min(d.u32(), 1<<30)))
	case typ == 2 && version == 2: // flags, then the length of the rest
		d.skip(1)
		d.skip(int(min(d.u32(), 1<<30)))
	case typ == 2 && version == 3:
		flags, enc := d.u8(), int(d.u8())
		rank := uint64(d.u32())
		if flags&1 != 0 { // regular: start, stride, count, block per dimension
			return skipItems(d, 4*rank, enc)
		}
		n := d.uint(enc)
		return skipItems(d, mulSat(2*rank, n), enc)
	case typ == 1 && version == 2:
		enc := int(d.u8())
		rank := uint64(d.u32())
		return skipItems(d, mulSat(rank, d.uint(enc)), enc)
	default:
		return fail(ErrUnsupported, "selection type %d version %d", typ, version)
	}
	return nil
}

// skipItems skips n encoded integers of enc bytes each.
func skipItems(d *decoder, n uint64, enc int) error {
	if enc != 2 && enc != 4 && enc != 8 {
		return fail(ErrMalformed, "selection integers of %d bytes", enc)
	}
	if n > uint64(d.left()/enc) {
		d.fail()
		return nil
	}
	d.skip(int(n) * enc)
	return nil
}
