package hdf5

import (
	"fmt"
	"strings"
)

// Class is a datatype class as the file encodes it.
type Class uint8

// Datatype classes.
const (
	ClassInt Class = iota
	ClassFloat
	ClassTime
	ClassString
	ClassBitfield
	ClassOpaque
	ClassCompound
	ClassReference
	ClassEnum
	ClassVlen
	ClassArray
	ClassComplex
)

var classNames = [...]string{"int", "float", "time", "string", "bitfield", "opaque", "compound", "reference", "enum", "vlen", "array", "complex"}

// String padding, for fixed-length strings.
const (
	PadNullTerm = 0
	PadNull     = 1
	PadSpace    = 2
)

// Datatype describes how one element is stored.
type Datatype struct {
	Class Class
	// Size is the bytes per element in the file (16 for a vlen element
	// with 8-byte offsets: length, collection address, object index).
	Size uint32
	// Signed and BigEndian apply to integers, enums (through Base) and
	// floats.
	Signed, BigEndian bool
	// Pad and UTF8 apply to strings, fixed-length or variable-length.
	Pad  uint8
	UTF8 bool
	// VarString marks a vlen string (Class is ClassVlen).
	VarString bool
	// Base is the element type of vlen, array, enum and complex types.
	Base *Datatype
	// Dims are the dimensions of an array type.
	Dims []uint32
	// Members are the fields of a compound type.
	Members []Member
	// Names are the member names of an enum.
	Names []string
}

// Member is one field of a compound type.
type Member struct {
	Name   string
	Offset uint32
	Type   *Datatype
}

// String renders the type briefly: "int32", "float64", "string[6]",
// "vlen string", "compound{a:int32,b:float64}".
func (t *Datatype) String() string {
	switch t.Class {
	case ClassInt:
		if t.Signed {
			return fmt.Sprintf("int%d", 8*t.Size)
		}
		return fmt.Sprintf("uint%d", 8*t.Size)
	case ClassFloat:
		return fmt.Sprintf("float%d", 8*t.Size)
	case ClassString:
		return fmt.Sprintf("string[%d]", t.Size)
	case ClassVlen:
		if t.VarString {
			return "vlen string"
		}
		return "vlen " + t.Base.String()
	case ClassArray:
		return fmt.Sprintf("%s%v", t.Base, t.Dims)
	case ClassEnum:
		return "enum " + t.Base.String()
	case ClassCompound:
		parts := make([]string, len(t.Members))
		for i, m := range t.Members {
			parts[i] = m.Name + ":" + m.Type.String()
		}
		return "compound{" + strings.Join(parts, ",") + "}"
	}
	if int(t.Class) < len(classNames) {
		return fmt.Sprintf("%s%d", classNames[t.Class], 8*t.Size)
	}
	return fmt.Sprintf("class%d", t.Class)
}

// maxTypeNesting bounds nested compound, array, enum and vlen types; libhdf5
// has no limit, but real types nest a few levels at most.
const maxTypeNesting = 32

// maxMembers bounds compound and enum members (16-bit counts in the file).
const maxMembers = 1 << 16

// decodeDatatype decodes a datatype message body.
func decodeDatatype(d *decoder) (*Datatype, error) {
	return decodeType(d, 0)
}

func decodeType(d *decoder, depth int) (*Datatype, error) {
	if depth > maxTypeNesting {
		return nil, fail(ErrLimit, "datatype nests deeper than %d", maxTypeNesting)
	}
	cv := d.u8()
	bits := d.uint(3)
	t := &Datatype{Class: Class(cv & 0x0F), Size: d.u32()}
	version := cv >> 4
	if d.err != nil {
		return nil, d.err
	}
	if version < 1 || version > 5 {
		return nil, fail(ErrMalformed, "datatype version %d", version)
	}
	if t.Size == 0 {
		// libhdf5 rejects it too; element counts would be unbounded.
		return nil, fail(ErrMalformed, "datatype of size 0")
	}
	var err error
	switch t.Class {
	case ClassInt, ClassBitfield:
		t.BigEndian, t.Signed = bits&1 != 0, bits&8 != 0
		d.skip(4) // bit offset, precision
	case ClassFloat:
		t.BigEndian, t.Signed = bits&1 != 0, true
		d.skip(12)
	case ClassTime:
		t.BigEndian = bits&1 != 0
		d.skip(2)
	case ClassString:
		t.Pad, t.UTF8 = uint8(bits&0x0F), (bits>>4)&0x0F == 1
	case ClassOpaque:
		d.skip(int(bits & 0xFF)) // NUL-padded tag
	case ClassCompound:
		err = decodeCompound(d, t, version, int(bits&0xFFFF), depth)
	case ClassReference:
		// No properties; the reference kind is in bits.
	case ClassEnum:
		err = decodeEnum(d, t, version, int(bits&0xFFFF), depth)
	case ClassVlen:
		t.VarString = bits&0x0F == 1
		t.Pad, t.UTF8 = uint8((bits>>4)&0x0F), (bits>>8)&0x0F == 1
		t.Base, err = decodeType(d, depth+1)
	case ClassArray:
		err = decodeArray(d, t, version, depth)
	case ClassComplex:
		t.Base, err = decodeType(d, depth+1)
	default:
		return nil, fail(ErrUnsupported, "datatype class %d", t.Class)
	}
	if err != nil {
		return nil, err
	}
	if d.err != nil {
		return nil, d.err
	}
	return t, nil
}

func decodeCompound(d *decoder, t *Datatype, version uint8, n, depth int) error {
	if n > maxMembers {
		return fail(ErrLimit, "%d compound members", n)
	}
	for i := 0; i < n && d.err == nil; i++ {
		start := d.p
		m := Member{Name: d.cstring()}
		if version < 3 {
			d.align8(start)
			m.Offset = d.u32()
		} else {
			m.Offset = uint32(d.uint(sizeBytes(uint64(t.Size))))
		}
		if version == 1 {
			// Dimensionality, reserved, permutation, reserved and four
			// dimension sizes of the old array-member encoding.
			d.skip(1 + 3 + 4 + 4 + 16)
		}
		var err error
		if m.Type, err = decodeType(d, depth+1); err != nil {
			return err
		}
		t.Members = append(t.Members, m)
	}
	return nil
}

func decodeEnum(d *decoder, t *Datatype, version uint8, n, depth int) error {
	var err error
	if t.Base, err = decodeType(d, depth+1); err != nil {
		return err
	}
	if n > maxMembers {
		return fail(ErrLimit, "%d enum members", n)
	}
	for i := 0; i < n && d.err == nil; i++ {
		start := d.p
		t.Names = append(t.Names, d.cstring())
		if version < 3 {
			d.align8(start)
		}
	}
	d.skip(n * int(t.Base.Size)) // values
	return nil
}

func decodeArray(d *decoder, t *Datatype, version uint8, depth int) error {
	rank := int(d.u8())
	if rank > maxRank {
		return fail(ErrMalformed, "array of rank %d", rank)
	}
	if version < 3 {
		d.skip(3)
	}
	for i := 0; i < rank; i++ {
		t.Dims = append(t.Dims, d.u32())
	}
	if version < 3 {
		d.skip(4 * rank) // permutation indices
	}
	var err error
	t.Base, err = decodeType(d, depth+1)
	return err
}
