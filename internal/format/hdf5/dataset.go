package hdf5

import (
	"errors"
	"math"
	"math/bits"
)

// Dataset describes a dataset: everything but its data.
type Dataset struct {
	// Shape is the current extent (nil for a scalar); MaxShape the maximum
	// extent when declared, Unlimited for unlimited dimensions.
	Shape, MaxShape []uint64
	// Null marks a null dataspace (no elements).
	Null bool
	// Type and Layout are nil when their message is missing or unreadable
	// (an error is recorded).
	Type   *Datatype
	Layout *Layout
	// Filters is the filter pipeline applied to chunks.
	Filters []Filter
	// External lists the files holding the data (external storage).
	External []ExternalFile
	// Virtual lists the sources of a virtual dataset.
	Virtual []VirtualSource

	f      *File
	path   string
	stored *int64 // StoredBytes, once computed
}

// decodeDataset decodes the dataset messages of a header and records its
// hazards. Problems are recorded; whatever decoded is kept.
func (f *File) decodeDataset(path string, h *header) *Dataset {
	ds := &Dataset{f: f, path: path}
	// try decodes the first message of a type, shared or not; decode
	// stores its result only when it succeeds.
	try := func(typ uint16, what string, decode func(d *decoder) error) {
		m := h.first(typ)
		if m == nil {
			return
		}
		b, err := f.body(m.data, m.flags&flagShared != 0, typ)
		if err == nil {
			err = decode(f.src.decoder(b))
		}
		if err != nil {
			f.fail(path, f.src.wrap(err, what, m.addr))
		}
	}
	try(msgDataspace, "dataspace message", func(d *decoder) error {
		sp, err := decodeDataspace(d)
		if err == nil {
			ds.Shape, ds.MaxShape, ds.Null = sp.dims, sp.maxDims, sp.null
		}
		return err
	})
	try(msgDatatype, "datatype message", func(d *decoder) (err error) {
		ds.Type, err = decodeDatatype(d)
		return err
	})
	try(msgLayout, "layout message", func(d *decoder) error {
		l, err := decodeLayout(d)
		if err == nil {
			ds.Layout = l
		}
		return err
	})
	try(msgFilters, "filter pipeline message", func(d *decoder) error {
		fl, err := decodeFilters(d)
		if err == nil {
			ds.Filters = fl
		}
		return err
	})
	try(msgExternal, "external files message", func(d *decoder) (err error) {
		ds.External, err = f.externalFiles(d)
		return err
	})
	if h.first(msgLayout) == nil {
		f.fail(path, f.src.errAt(ErrMalformed, "dataset", h.addr, "no layout message"))
	}
	if ds.IsVirtual() {
		vs, err := f.virtualSources(ds.Layout)
		if err != nil {
			f.fail(path, f.src.wrap(err, "virtual dataset mappings", ds.Layout.Addr))
		}
		ds.Virtual = vs
	}
	f.datasetHazards(ds)
	return ds
}

// datasetHazards records external storage, virtual sources and shape bombs.
func (f *File) datasetHazards(ds *Dataset) {
	for _, e := range ds.External {
		f.hazards = append(f.hazards, Hazard{Kind: HazardExternalStorage, Path: ds.path, File: e.Name})
	}
	if ds.IsVirtual() {
		if len(ds.Virtual) == 0 {
			f.hazards = append(f.hazards, Hazard{Kind: HazardVirtual, Path: ds.path})
		}
		for _, v := range ds.Virtual {
			f.hazards = append(f.hazards, Hazard{Kind: HazardVirtual, Path: ds.path, File: v.File, Target: v.Dataset})
		}
	}
	// The test Keras applies before reading a weight (safe_get_h5_dataset):
	// more than HugeDatasetBytes declared, and more than HugeDatasetRatio
	// times the storage allocated.
	declared, _ := ds.DeclaredBytes()
	if ds.Type == nil || declared <= f.lim.HugeDatasetBytes {
		return
	}
	stored, err := ds.StoredBytes()
	if err != nil {
		stored = -1
		if !errors.Is(err, ErrUnsupported) {
			f.fail(ds.path, err)
		}
	}
	if hi, lo := bits.Mul64(f.lim.HugeDatasetRatio, uint64(max(stored, 0))); stored < 0 || hi == 0 && declared > lo {
		f.hazards = append(f.hazards, Hazard{Kind: HazardShapeBomb, Path: ds.path, Declared: declared, Stored: stored})
	}
}

// IsVirtual reports a virtual dataset (layout class 3).
func (d *Dataset) IsVirtual() bool { return d.Layout != nil && d.Layout.Class == LayoutVirtual }

// DeclaredBytes is the size the dataspace and datatype declare: what a
// loader allocates to read the dataset. On overflow it is the maximum
// uint64 and false.
func (d *Dataset) DeclaredBytes() (uint64, bool) {
	if d.Type == nil || d.Null {
		return 0, d.Type != nil
	}
	n, ok := product(d.Shape)
	size, ok2 := product([]uint64{n, uint64(d.Type.Size)})
	return size, ok && ok2
}

// StoredBytes is the storage allocated for the dataset in this file:
// compact and contiguous sizes, or the sum of the allocated chunks read
// from the chunk index. Unallocated storage is 0; data in external files
// or virtual sources is not counted. The extensible array chunk index is
// not read: it yields an error wrapping ErrUnsupported.
func (d *Dataset) StoredBytes() (int64, error) {
	if d.stored != nil {
		return *d.stored, nil
	}
	if d.Layout == nil {
		return 0, fail(ErrMalformed, "dataset has no layout")
	}
	n, err := d.f.storedBytes(d)
	if err != nil {
		return 0, withPath(err, d.path)
	}
	if n > math.MaxInt64 {
		n = math.MaxInt64
	}
	v := int64(n)
	d.stored = &v
	return v, nil
}

func (f *File) storedBytes(d *Dataset) (uint64, error) {
	l := d.Layout
	switch l.Class {
	case LayoutCompact:
		return l.Size, nil
	case LayoutContiguous:
		if l.Addr == undef {
			return 0, nil
		}
		if l.Version < 3 {
			n, _ := d.DeclaredBytes()
			return n, nil
		}
		return l.Size, nil
	case LayoutChunked:
		return f.chunkStorage(d)
	}
	return 0, nil
}

// externalFiles decodes an external data files message and looks its file
// names up in the local heap.
func (f *File) externalFiles(d *decoder) ([]ExternalFile, error) {
	e, err := decodeEFL(d)
	if err != nil {
		return nil, err
	}
	heap, err := f.localHeap(e.heap)
	if err != nil {
		return nil, err
	}
	out := make([]ExternalFile, len(e.slots))
	for i, s := range e.slots {
		name, err := f.src.heapString(heap, s.nameOff)
		if err != nil {
			return nil, err
		}
		out[i] = ExternalFile{Name: name, Offset: s.offset, Size: s.size}
	}
	return out, nil
}
