package hdf5

import (
	"bytes"
	"errors"
	"math"
	"math/bits"
)

// maxRank is libhdf5's H5S_MAX_RANK.
const maxRank = 32

// Unlimited marks an unlimited maximum dimension.
const Unlimited = math.MaxUint64

// dataspace is a decoded dataspace message.
type dataspace struct {
	dims, maxDims []uint64
	null          bool // no elements at all (H5S_NULL)
}

func decodeDataspace(d *decoder) (*dataspace, error) {
	version := d.u8()
	rank := int(d.u8())
	flags := d.u8()
	ds := &dataspace{}
	switch version {
	case 1:
		d.skip(5)
	case 2:
		ds.null = d.u8() == 2
	default:
		return nil, fail(ErrMalformed, "dataspace version %d", version)
	}
	if rank > maxRank {
		return nil, fail(ErrMalformed, "dataspace of rank %d", rank)
	}
	for i := 0; i < rank; i++ {
		ds.dims = append(ds.dims, d.length())
	}
	if flags&1 != 0 {
		for i := 0; i < rank; i++ {
			v := d.length()
			if d.lenSize < 8 && v == 1<<(8*d.lenSize)-1 {
				v = Unlimited
			}
			ds.maxDims = append(ds.maxDims, v)
		}
	}
	return ds, d.err
}

// count is the number of elements, and false when it overflows.
func (ds *dataspace) count() (uint64, bool) {
	if ds.null {
		return 0, true
	}
	return product(ds.dims)
}

func product(dims []uint64) (uint64, bool) {
	n := uint64(1)
	for _, v := range dims {
		hi, lo := bits.Mul64(n, v)
		if hi != 0 {
			return math.MaxUint64, false
		}
		n = lo
	}
	return n, true
}

// LinkKind is how a link reaches its target.
type LinkKind uint8

// Link kinds. Every kind but LinkHard makes libhdf5 resolve a path at
// access time, possibly in another file.
const (
	LinkHard LinkKind = iota
	LinkSoft
	LinkExternal
	LinkUser // a user-defined link type other than external
)

func (k LinkKind) String() string {
	return [...]string{"hard", "soft", "external", "user-defined"}[k]
}

// Link is one named entry of a group.
type Link struct {
	Name string
	Kind LinkKind
	// Addr is the target object header address of a hard link.
	Addr uint64
	// Target is the object a hard link reaches, once loaded (nil when it
	// could not be read).
	Target *Object
	// Path is the target path of a soft or external link.
	Path string
	// File is the target file of an external link.
	File string
	// Type is the raw link type (0 hard, 1 soft, 64 external, 65+ user).
	Type uint8
	// Data holds a user-defined link's value (shared with the reader's
	// buffers: do not modify it).
	Data []byte
}

func decodeLink(d *decoder) (*Link, error) {
	if v := d.u8(); v != 1 {
		return nil, fail(ErrMalformed, "link message version %d", v)
	}
	flags := d.u8()
	l := &Link{}
	if flags&0x08 != 0 {
		l.Type = d.u8()
	}
	if flags&0x04 != 0 {
		d.skip(8) // creation order
	}
	if flags&0x10 != 0 {
		d.skip(1) // character set
	}
	n := d.uint(1 << (flags & 3))
	if n == 0 || n > uint64(d.left()) {
		return nil, fail(ErrMalformed, "link name of %d bytes", n)
	}
	l.Name = d.str(int(n))
	switch {
	case l.Type == 0:
		l.Kind, l.Addr = LinkHard, d.addr()
	case l.Type == 1:
		l.Kind = LinkSoft
		l.Path = d.str(int(d.u16()))
	default:
		l.Data = d.take(int(d.u16()))
		l.Kind = LinkUser
		if l.Type == 64 {
			if err := l.decodeExternal(d.src); err != nil {
				return nil, err
			}
		}
	}
	return l, d.err
}

// decodeExternal reads an external link value: a version and flags byte,
// then the NUL-terminated file name and object path.
func (l *Link) decodeExternal(s *source) error {
	d := &decoder{b: l.Data, src: s}
	if v := d.u8() >> 4; v != 0 {
		return fail(ErrMalformed, "external link version %d", v)
	}
	l.File = d.cstring()
	l.Path = d.cstring()
	if errors.Is(d.err, errShort) {
		return fail(ErrMalformed, "external link value is not two NUL-terminated strings")
	}
	if d.err != nil {
		return d.err
	}
	l.Kind, l.Data = LinkExternal, nil
	return nil
}

// denseInfo is a link info or attribute info message: where dense storage
// lives, if anywhere.
type denseInfo struct {
	heap, nameIndex uint64
}

func decodeLinkInfo(d *decoder) (denseInfo, error) {
	if v := d.u8(); v != 0 {
		return denseInfo{}, fail(ErrMalformed, "link info version %d", v)
	}
	if d.u8()&1 != 0 {
		d.skip(8) // maximum creation index
	}
	return denseInfo{heap: d.addr(), nameIndex: d.addr()}, d.err
}

func decodeAttrInfo(d *decoder) (denseInfo, error) {
	if v := d.u8(); v != 0 {
		return denseInfo{}, fail(ErrMalformed, "attribute info version %d", v)
	}
	if d.u8()&1 != 0 {
		d.skip(2) // maximum creation index
	}
	return denseInfo{heap: d.addr(), nameIndex: d.addr()}, d.err
}

// Filter is one stage of a dataset's filter pipeline (1 deflate, 2 shuffle,
// 3 fletcher32, 4 szip, 5 nbit, 6 scaleoffset, 32000+ registered plugins).
type Filter struct {
	ID     uint16
	Name   string
	Flags  uint16
	Params []uint32
}

func decodeFilters(d *decoder) ([]Filter, error) {
	version := d.u8()
	n := int(d.u8())
	if version == 1 {
		d.skip(6)
	} else if version != 2 {
		return nil, fail(ErrMalformed, "filter pipeline version %d", version)
	}
	if n > 32 {
		return nil, fail(ErrMalformed, "%d filters (libhdf5 allows 32)", n)
	}
	var out []Filter
	for i := 0; i < n && d.err == nil; i++ {
		f := Filter{ID: d.u16()}
		nameLen := 0
		if version == 1 || f.ID >= 256 {
			nameLen = int(d.u16())
		}
		f.Flags = d.u16()
		nv := int(d.u16())
		if nameLen > 0 {
			start := d.p
			f.Name = d.own(beforeNul(d.take(nameLen)))
			if version == 1 {
				d.align8(start)
			}
		}
		if nv > d.left()/4 {
			return nil, fail(ErrMalformed, "filter with %d parameters", nv)
		}
		for j := 0; j < nv; j++ {
			f.Params = append(f.Params, d.u32())
		}
		if version == 1 && nv%2 == 1 {
			d.skip(4)
		}
		out = append(out, f)
	}
	return out, d.err
}

// beforeNul is b up to its first NUL.
func beforeNul(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// ExternalFile is one slot of an external data files message: part of the
// dataset's bytes live in another file, which libhdf5 opens and reads.
type ExternalFile struct {
	Name         string
	Offset, Size uint64
}

// efl is a decoded external data files message before its names are looked
// up in the local heap.
type efl struct {
	heap  uint64
	slots []struct{ nameOff, offset, size uint64 }
}

func decodeEFL(d *decoder) (*efl, error) {
	if v := d.u8(); v != 1 {
		return nil, fail(ErrMalformed, "external files message version %d", v)
	}
	d.skip(3)
	d.u16() // allocated slots
	used := int(d.u16())
	e := &efl{heap: d.addr()}
	if used > d.left()/(3*d.lenSize) {
		return nil, fail(ErrMalformed, "%d external file slots in a %d-byte message", used, len(d.b))
	}
	e.slots = make([]struct{ nameOff, offset, size uint64 }, used)
	for i := range e.slots {
		e.slots[i].nameOff, e.slots[i].offset, e.slots[i].size = d.length(), d.length(), d.length()
	}
	return e, d.err
}

// sharedRef decodes a shared message reference: the message lives in
// another object header (a committed datatype) or in the shared message
// heap, which the reader does not follow.
func sharedRef(d *decoder) (uint64, error) {
	version := d.u8()
	typ := d.u8()
	switch {
	case version == 1:
		d.skip(6)
		d.length() // unused heap address of the old symbol table entry form
		return d.addr(), d.err
	case version == 2 || version == 3 && typ == 2:
		return d.addr(), d.err
	case version == 3 && typ == 1:
		return 0, fail(ErrUnsupported, "message stored in the shared object header message heap")
	}
	return 0, fail(ErrMalformed, "shared message version %d type %d", version, typ)
}
