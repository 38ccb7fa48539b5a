package hdf5

import (
	"bytes"
	"encoding/binary"
)

// Attribute is a named value attached to an object. Its stored bytes are
// read with the object; vlen strings are resolved from the global heap when
// a value accessor asks for them.
type Attribute struct {
	Name string
	Type *Datatype
	// Shape is nil for a scalar.
	Shape []uint64
	// Null marks a null dataspace: the attribute has no value at all.
	Null bool
	// Raw is the value as stored, Len()×Type.Size bytes; a vlen element is
	// a reference into the global heap. It shares memory with the reader's
	// buffers: do not modify it.
	Raw []byte
	// Dense is set when the attribute came from dense storage (a fractal
	// heap indexed by a v2 B-tree) rather than from the object header.
	Dense bool

	f *File
}

// decodeAttribute decodes an attribute message.
func (f *File) decodeAttribute(b []byte) (*Attribute, error) {
	d := f.src.decoder(b)
	version := d.u8()
	flags := d.u8()
	nameLen, typeLen, spaceLen := int(d.u16()), int(d.u16()), int(d.u16())
	if version < 1 || version > 3 {
		return nil, fail(ErrMalformed, "attribute message version %d", version)
	}
	if version == 3 {
		d.skip(1) // character set of the name
	}
	field := func(n int) []byte {
		v := d.take(n)
		if version == 1 {
			d.skip((8 - n%8) % 8)
		}
		return v
	}
	name, typeBytes, spaceBytes := field(nameLen), field(typeLen), field(spaceLen)
	if d.err != nil {
		return nil, fail(ErrMalformed, "attribute fields (%d, %d, %d bytes) run past the message", nameLen, typeLen, spaceLen)
	}
	a := &Attribute{Name: d.own(beforeNul(name)), f: f}
	if d.err != nil {
		return nil, d.err
	}
	typeBytes, err := f.body(typeBytes, version > 1 && flags&1 != 0, msgDatatype)
	if err != nil {
		return nil, err
	}
	if a.Type, err = decodeDatatype(f.src.decoder(typeBytes)); err != nil {
		return nil, err
	}
	spaceBytes, err = f.body(spaceBytes, version > 1 && flags&2 != 0, msgDataspace)
	if err != nil {
		return nil, err
	}
	ds, err := decodeDataspace(f.src.decoder(spaceBytes))
	if err != nil {
		return nil, err
	}
	a.Shape, a.Null = ds.dims, ds.null
	n, ok := ds.count()
	size, ok2 := product([]uint64{n, uint64(a.Type.Size)})
	if !ok || !ok2 || size > uint64(f.lim.MaxAttrBytes) {
		return nil, fail(ErrLimit, "attribute %q declares more than MaxAttrBytes (%d)", a.Name, f.lim.MaxAttrBytes)
	}
	if size > uint64(d.left()) {
		return nil, fail(ErrMalformed, "attribute %q needs %d bytes of value, the message holds %d", a.Name, size, d.left())
	}
	// Raw aliases the bytes read (a header chunk or a heap block), so that
	// many attributes decoded from one cached block cost no extra memory.
	a.Raw = d.take(int(size))
	return a, nil
}

// Len is the number of elements (0 for a null attribute).
func (a *Attribute) Len() uint64 {
	if a.Null {
		return 0
	}
	n, _ := product(a.Shape)
	return n
}

// Strings decodes a string attribute of any shape, flattened: fixed-length
// strings, vlen strings and vlen sequences of bytes. Each string is cut the
// way h5py hands it to Python: at the first NUL for NUL-terminated and vlen
// strings, trailing NULs or spaces dropped for NUL- and space-padded ones.
// The decoded value is bounded by MaxAttrBytes and counted against
// MaxReadBytes, like every decoded value.
func (a *Attribute) Strings() ([]string, error) {
	t := a.Type
	switch {
	case t.Class == ClassString:
		return a.fixedStrings()
	case t.Class == ClassVlen && (t.VarString || t.Base.Size == 1 && t.Base.Class == ClassInt):
		return a.vlenStrings()
	}
	return nil, fail(ErrUnsupported, "attribute %q of type %s is not a string", a.Name, t)
}

// Text is Strings for an attribute holding exactly one string, the way
// Keras stores model_config.
func (a *Attribute) Text() (string, error) {
	s, err := a.Strings()
	if err != nil {
		return "", err
	}
	if len(s) != 1 {
		return "", fail(ErrUnsupported, "attribute %q holds %d strings, not one", a.Name, len(s))
	}
	return s[0], nil
}

// charge accounts for a decoded value of cost bytes: at most MaxAttrBytes
// each, and MaxReadBytes in total with the bytes read, so that decoding the
// same cached bytes again and again cannot multiply the work.
func (a *Attribute) charge(cost int64) error {
	if cost > a.f.lim.MaxAttrBytes {
		return fail(ErrLimit, "attribute %q decodes to more than MaxAttrBytes (%d)", a.Name, a.f.lim.MaxAttrBytes)
	}
	return a.f.src.charge("attribute value", cost)
}

func (a *Attribute) fixedStrings() ([]string, error) {
	size := int(a.Type.Size)
	n := len(a.Raw) / size
	if err := a.charge(int64(len(a.Raw) + n*stringCost)); err != nil {
		return nil, err
	}
	out := make([]string, 0, n)
	for p := 0; p+size <= len(a.Raw); p += size {
		out = append(out, cutString(a.Raw[p:p+size], a.Type.Pad))
	}
	return out, nil
}

func cutString(b []byte, pad uint8) string {
	switch pad {
	case PadNullTerm:
		return string(beforeNul(b))
	case PadSpace:
		return string(bytes.TrimRight(b, " "))
	}
	return string(bytes.TrimRight(b, "\x00"))
}

func (a *Attribute) vlenStrings() ([]string, error) {
	s := a.f.src
	elem := 4 + s.offSize + 4
	if int(a.Type.Size) < elem {
		return nil, fail(ErrMalformed, "vlen element of %d bytes is shorter than %d", a.Type.Size, elem)
	}
	var out []string
	cost := int64(0)
	for p := 0; p+int(a.Type.Size) <= len(a.Raw); p += int(a.Type.Size) {
		d := s.decoder(a.Raw[p : p+elem])
		n, coll, idx := uint64(d.u32()), d.addr(), d.u32()
		if cost += int64(n) + stringCost; cost > a.f.lim.MaxAttrBytes {
			return nil, a.charge(cost)
		}
		if n == 0 {
			out = append(out, "")
			continue
		}
		obj, err := a.f.globalObject(coll, idx)
		if err != nil {
			return nil, err
		}
		if uint64(len(obj)) < n {
			return nil, fail(ErrMalformed, "attribute %q: vlen string of %d bytes in a heap object of %d", a.Name, n, len(obj))
		}
		if a.Type.VarString {
			// libhdf5 hands vlen strings to h5py as C strings: a NUL ends them.
			out = append(out, string(beforeNul(obj[:n])))
		} else {
			out = append(out, string(obj[:n]))
		}
	}
	return out, a.charge(cost)
}

// Ints decodes an integer, enum or bitfield attribute of any shape,
// flattened.
func (a *Attribute) Ints() ([]int64, error) {
	t := a.Type
	if t.Class == ClassEnum {
		t = t.Base
	}
	if (t.Class != ClassInt && t.Class != ClassBitfield) || t.Size < 1 || t.Size > 8 || t.Size != a.Type.Size {
		return nil, fail(ErrUnsupported, "attribute %q of type %s is not an integer", a.Name, a.Type)
	}
	size := int(t.Size)
	if err := a.charge(int64(len(a.Raw) / size * 8)); err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(a.Raw)/size)
	var buf [8]byte
	for p := 0; p+size <= len(a.Raw); p += size {
		buf = [8]byte{}
		copy(buf[:], a.Raw[p:p+size])
		if t.BigEndian {
			for i := 0; i < size; i++ {
				buf[i] = a.Raw[p+size-1-i]
			}
		}
		v := binary.LittleEndian.Uint64(buf[:])
		if t.Signed && size < 8 && v&(1<<(8*size-1)) != 0 {
			v |= ^uint64(0) << (8 * size) // sign-extend
		}
		if !t.Signed && int64(v) < 0 {
			return nil, fail(ErrUnsupported, "attribute %q holds %d, beyond int64", a.Name, v)
		}
		out = append(out, int64(v))
	}
	return out, nil
}

// Int is Ints for an attribute holding exactly one integer.
func (a *Attribute) Int() (int64, error) {
	v, err := a.Ints()
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, fail(ErrUnsupported, "attribute %q holds %d integers, not one", a.Name, len(v))
	}
	return v[0], nil
}
