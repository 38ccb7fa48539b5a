// Package hdf5 reads the metadata of HDF5 files (Keras .h5/.hdf5 models and
// model.weights.h5) without libhdf5 and without reading dataset payloads.
//
// Open walks the whole object tree once: groups (symbol tables, compact and
// dense links), datasets (dataspace, datatype, layout, filters, external
// files) and attributes (compact and dense, the latter in a fractal heap
// indexed by a v2 B-tree). Attribute values are kept as stored; vlen strings
// are resolved from the global heap when a value accessor asks for them.
//
// Everything that makes libhdf5 read outside the file or allocate far more
// than the file holds is reported as a Hazard: soft, external and
// user-defined links, external raw data storage, virtual datasets and shape
// bombs. Structural oddities the reader tolerates (bad checksums, a
// truncated file, duplicate names) are Anomalies. Parts that cannot be read
// are Errors; the rest of the tree is still walked, so a caller can report
// what it found and still treat the file as incompletely analysed.
//
// Every length and address is checked before use, all work is bounded by
// Limits, and no allocation is sized by the file beyond those limits.
// A File is not safe for concurrent use, and the io.ReaderAt given to Open
// must stay readable while attribute values and StoredBytes are requested.
package hdf5

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// File is an opened HDF5 file: its object tree, hazards and problems.
type File struct {
	src   *source
	lim   Limits
	super Superblock
	root  *Object

	objects   map[uint64]*Object // by object header address; nil if unreadable
	counted   int                // objects, links and attributes so far
	stopped   bool               // a file-wide limit was reached
	hazards   []Hazard
	anomalies []Anomaly
	errs      []error

	shared      map[sharedKey]*message
	heaps       map[uint64]*fractalHeap
	collections map[uint64]map[uint32][]byte // global heap objects
	localHeaps  map[uint64][]byte
	indexed     int // global heap objects and huge heap objects in the maps
}

// Open reads the superblock and walks every object reachable from the root
// group. It fails only when there is no HDF5 superblock or root object to
// read; problems below the root are collected in Errors.
func Open(r io.ReaderAt, size int64, lim Limits) (*File, error) {
	f := newFile(r, size, lim)
	if err := f.readSuperblock(); err != nil {
		return nil, err
	}
	f.root = f.load(f.super.Root, "/", 0)
	if f.root == nil {
		return nil, f.errs[0]
	}
	return f, nil
}

func newFile(r io.ReaderAt, size int64, lim Limits) *File {
	lim = lim.withDefaults()
	return &File{
		src:         &source{r: r, size: size, lim: &lim, offSize: 8, lenSize: 8},
		lim:         lim,
		objects:     map[uint64]*Object{},
		shared:      map[sharedKey]*message{},
		heaps:       map[uint64]*fractalHeap{},
		collections: map[uint64]map[uint32][]byte{},
		localHeaps:  map[uint64][]byte{},
	}
}

// Superblock describes the file's superblock.
func (f *File) Superblock() Superblock { return f.super }

// Root is the root group.
func (f *File) Root() *Object { return f.root }

// Hazards lists every construct that reaches outside the file or declares
// far more data than it stores, in walk order.
func (f *File) Hazards() []Hazard { return f.hazards }

// Anomalies lists inconsistencies the reader tolerated.
func (f *File) Anomalies() []Anomaly { return f.anomalies }

// Errors lists the parts of the file that could not be read; each is an
// *Error. An empty list means the whole tree was read.
func (f *File) Errors() []error { return f.errs }

// BytesRead is how many bytes have been read from the file so far.
func (f *File) BytesRead() int64 { return f.src.read }

// Walk calls fn for every object once, depth first in link-name order,
// starting with the root; an object reached by several hard links is
// visited under its first path. Walk stops at the first error fn returns.
func (f *File) Walk(fn func(o *Object) error) error {
	seen := map[*Object]bool{}
	var visit func(o *Object) error
	visit = func(o *Object) error {
		if o == nil || seen[o] {
			return nil
		}
		seen[o] = true
		if err := fn(o); err != nil {
			return err
		}
		for _, l := range o.links {
			if err := visit(l.Target); err != nil {
				return err
			}
		}
		return nil
	}
	return visit(f.root)
}

// Lookup follows hard links from the root along a slash-separated path.
func (f *File) Lookup(path string) *Object {
	o := f.root
	for _, name := range strings.Split(path, "/") {
		if name == "" || o == nil {
			continue
		}
		o = o.Child(name)
	}
	return o
}

// ObjectKind is what an object header describes.
type ObjectKind uint8

// Object kinds, decided the way libhdf5 does: a symbol table or link info
// message makes a group, then a datatype and a dataspace make a dataset, a
// datatype alone a committed datatype.
const (
	KindUnknown ObjectKind = iota
	KindGroup
	KindDataset
	KindDatatype
)

func (k ObjectKind) String() string {
	return [...]string{"unknown", "group", "dataset", "datatype"}[k]
}

// Object is a group, dataset or committed datatype.
type Object struct {
	// Path is the first path the walk reached the object by.
	Path string
	// Addr is the object header address.
	Addr uint64
	Kind ObjectKind
	// HeaderVersion is 1 or 2.
	HeaderVersion int

	attrs   []*Attribute
	links   []*Link
	dataset *Dataset
}

// Attrs lists the attributes sorted by name. When a name occurs twice (an
// anomaly), the copy libhdf5 would open comes first.
func (o *Object) Attrs() []*Attribute { return o.attrs }

// Attr returns the attribute libhdf5 would open by this name, or nil.
func (o *Object) Attr(name string) *Attribute {
	i := sort.Search(len(o.attrs), func(i int) bool { return o.attrs[i].Name >= name })
	if i < len(o.attrs) && o.attrs[i].Name == name {
		return o.attrs[i]
	}
	return nil
}

// Links lists a group's links sorted by name, the copy libhdf5 would
// follow first when a name occurs twice.
func (o *Object) Links() []*Link { return o.links }

// Link returns the link libhdf5 would follow by this name, or nil.
func (o *Object) Link(name string) *Link {
	i := sort.Search(len(o.links), func(i int) bool { return o.links[i].Name >= name })
	if i < len(o.links) && o.links[i].Name == name {
		return o.links[i]
	}
	return nil
}

// Child returns the object a hard link of this name reaches, or nil.
func (o *Object) Child(name string) *Object {
	if l := o.Link(name); l != nil {
		return l.Target
	}
	return nil
}

// Dataset describes a dataset object, or is nil for other kinds.
func (o *Object) Dataset() *Dataset { return o.dataset }

// HazardKind classifies hazards.
type HazardKind uint8

// Hazards are what Keras refuses since CVE-2026-1669 and CVE-2026-0897.
const (
	// HazardSoftLink: a soft link, resolved by path at access time.
	HazardSoftLink HazardKind = iota + 1
	// HazardExternalLink: a link into another file.
	HazardExternalLink
	// HazardUserLink: a user-defined link type libhdf5 resolves through a
	// registered handler.
	HazardUserLink
	// HazardExternalStorage: dataset bytes stored in other files (EFL).
	HazardExternalStorage
	// HazardVirtual: a virtual dataset mapping other datasets or files.
	HazardVirtual
	// HazardShapeBomb: a dataset declaring far more bytes than it stores.
	HazardShapeBomb
)

func (k HazardKind) String() string {
	switch k {
	case HazardSoftLink:
		return "soft link"
	case HazardExternalLink:
		return "external link"
	case HazardUserLink:
		return "user-defined link"
	case HazardExternalStorage:
		return "external storage"
	case HazardVirtual:
		return "virtual dataset"
	case HazardShapeBomb:
		return "shape bomb"
	}
	return "unknown"
}

// Hazard is one construct that reaches outside the file or declares far
// more data than the file holds.
type Hazard struct {
	Kind HazardKind
	// Path is the link or the dataset.
	Path string
	// File is the other file: the external link target, the external
	// storage file, the virtual source file ("." for this file).
	File string
	// Target is the path a soft or external link resolves, or a virtual
	// source dataset.
	Target string
	// Declared and Stored are a shape bomb's declared bytes (saturated at
	// the maximum on overflow) and allocated bytes (-1 when unknown).
	Declared uint64
	Stored   int64
}

func (h Hazard) String() string {
	switch h.Kind {
	case HazardShapeBomb:
		stored := "unknown"
		if h.Stored >= 0 {
			stored = fmt.Sprint(h.Stored)
		}
		return fmt.Sprintf("%s %s: declares %d bytes, stores %s", h.Kind, h.Path, h.Declared, stored)
	case HazardSoftLink:
		return fmt.Sprintf("%s %s -> %s", h.Kind, h.Path, h.Target)
	}
	s := fmt.Sprintf("%s %s -> %s", h.Kind, h.Path, h.File)
	if h.Target != "" {
		s += ":" + h.Target
	}
	return s
}

// Anomaly is an inconsistency the reader tolerated.
type Anomaly struct {
	Path   string
	Offset int64 // absolute file offset, or -1
	Msg    string
}

func (a Anomaly) String() string {
	s := a.Msg
	if a.Offset >= 0 {
		s = fmt.Sprintf("%s (offset %d)", s, a.Offset)
	}
	if a.Path != "" {
		s += " in " + a.Path
	}
	return s
}

func (f *File) anomaly(path string, addr uint64, msg string) {
	f.anomalies = append(f.anomalies, Anomaly{Path: path, Offset: f.src.fileOffset(addr), Msg: msg})
}

// fail records a problem with the object at path. A file-wide limit stops
// the walk: every later read would fail the same way.
func (f *File) fail(path string, err error) {
	if f.stopped {
		return
	}
	f.errs = append(f.errs, withPath(err, path))
	if errors.Is(err, ErrLimit) && f.src.exhausted {
		f.stopped = true
	}
}

// index counts n heap objects about to be indexed in memory against
// MaxObjects: their index entries cost more than the bytes they were read
// from.
func (f *File) index(what string, addr uint64, n int) error {
	if f.indexed += n; f.indexed > f.lim.MaxObjects {
		return f.src.errAt(ErrLimit, what, addr, "more than MaxObjects (%d) heap objects indexed", f.lim.MaxObjects)
	}
	return nil
}

// spend counts n objects, links or attributes against MaxObjects.
func (f *File) spend(path string, n int) bool {
	if f.stopped {
		return false
	}
	f.counted += n
	if f.counted > f.lim.MaxObjects {
		f.errs = append(f.errs, &Error{Kind: ErrLimit, What: "object tree", Offset: -1, Path: path,
			Detail: fmt.Sprintf("more than MaxObjects (%d) objects, links and attributes", f.lim.MaxObjects)})
		f.stopped = true
		return false
	}
	return true
}
