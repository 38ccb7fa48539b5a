// Package npy parses the header of NumPy .npy files: the magic, version,
// header length and the Python-literal dict {'descr', 'fortran_order',
// 'shape'} that numpy.lib.format writes. It reads the dtype enough to know
// the item size and whether the data is a pickle (object dtype).
package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Magic starts every .npy file.
var Magic = []byte("\x93NUMPY")

// maxHeader bounds the header dict; numpy itself refuses more than 10000
// bytes unless max_header_size is raised.
const maxHeader = 1 << 20

// Header is a parsed .npy header.
type Header struct {
	Major, Minor int
	// DataOffset is where the array data starts.
	DataOffset int64
	Descr      string // the descr as written, for evidence
	Fortran    bool
	Shape      []int64
	// ItemSize is the bytes per element (0 when unknown).
	ItemSize int64
	// Objects is set when the dtype holds Python objects: the data is a pickle.
	Objects bool
}

// Count is the number of elements, and false on overflow.
func (h *Header) Count() (int64, bool) {
	n := int64(1)
	for _, d := range h.Shape {
		hi, lo := bits.Mul64(uint64(n), uint64(d))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, false
		}
		n = int64(lo)
	}
	return n, true
}

// DataSize is Count×ItemSize, and false on overflow or unknown size.
func (h *Header) DataSize() (int64, bool) {
	n, ok := h.Count()
	if !ok || h.ItemSize <= 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(n), uint64(h.ItemSize))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	return int64(lo), true
}

// ErrNotNPY means the magic is missing.
var ErrNotNPY = errors.New("not an .npy file")

// HeaderLen returns how many bytes Parse needs, from the first 12 bytes.
func HeaderLen(b []byte) (int, error) {
	if !bytes.HasPrefix(b, Magic) || len(b) < 10 {
		return 0, ErrNotNPY
	}
	switch b[6] {
	case 1:
		return 10 + int(binary.LittleEndian.Uint16(b[8:])), nil
	case 2, 3:
		if len(b) < 12 {
			return 0, errors.New("truncated header length")
		}
		n := binary.LittleEndian.Uint32(b[8:])
		if n > maxHeader {
			return 0, fmt.Errorf("header of %d bytes exceeds %d", n, maxHeader)
		}
		return 12 + int(n), nil
	}
	return 0, fmt.Errorf("unsupported .npy version %d.%d", b[6], b[7])
}

// Parse reads a header from the bytes HeaderLen asked for.
func Parse(b []byte) (*Header, error) {
	total, err := HeaderLen(b)
	if err != nil {
		return nil, err
	}
	if len(b) < total {
		return nil, fmt.Errorf("header of %d bytes is truncated at %d", total, len(b))
	}
	h := &Header{Major: int(b[6]), Minor: int(b[7]), DataOffset: int64(total)}
	start := 10
	if h.Major > 1 {
		start = 12
	}
	text := b[start:total]
	if h.Major == 3 {
		if !utf8.Valid(text) {
			return nil, errors.New("header is not UTF-8")
		}
	} else if !isLatin1Text(text) {
		return nil, errors.New("header is not text")
	}
	p := &parser{s: string(text)}
	v, err := p.value(0)
	if err != nil {
		return nil, fmt.Errorf("header dict: %w", err)
	}
	d, ok := v.(dict)
	if !ok {
		return nil, errors.New("header is not a dict")
	}
	if err := h.fill(d); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *Header) fill(d dict) error {
	descr, ok := d.get("descr")
	if !ok {
		return errors.New("header has no 'descr'")
	}
	h.Descr = render(descr)
	size, objects, err := dtypeSize(descr, 0)
	if err != nil {
		return err
	}
	h.ItemSize, h.Objects = size, objects
	if f, ok := d.get("fortran_order"); ok {
		b, isBool := f.(bool)
		if !isBool {
			return errors.New("'fortran_order' is not a bool")
		}
		h.Fortran = b
	} else {
		return errors.New("header has no 'fortran_order'")
	}
	sh, ok := d.get("shape")
	if !ok {
		return errors.New("header has no 'shape'")
	}
	t, ok := sh.(tuple)
	if !ok {
		return errors.New("'shape' is not a tuple")
	}
	for _, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return fmt.Errorf("'shape' holds %s", render(x))
		}
		h.Shape = append(h.Shape, n)
	}
	if len(d.keys) != 3 {
		return fmt.Errorf("header has keys %s, numpy writes exactly descr, fortran_order and shape", strings.Join(d.keys, ", "))
	}
	return nil
}

// dtypeSize computes the item size of a descr: a type string ('<f8', '|O'),
// a list of fields for structured dtypes, or a (type, shape) subarray.
func dtypeSize(v any, depth int) (int64, bool, error) {
	if depth > 32 {
		return 0, false, errors.New("dtype nests too deeply")
	}
	switch d := v.(type) {
	case string:
		return typestrSize(d)
	case list:
		var total int64
		objects := false
		for _, f := range d {
			ft, ok := f.(tuple)
			if !ok || len(ft) < 2 || len(ft) > 3 {
				return 0, false, fmt.Errorf("structured dtype field %s", render(f))
			}
			size, obj, err := dtypeSize(ft[1], depth+1)
			if err != nil {
				return 0, false, err
			}
			if len(ft) == 3 {
				n, err := shapeProduct(ft[2])
				if err != nil {
					return 0, false, err
				}
				size = mulSat(size, n)
			}
			objects = objects || obj
			total = addSat(total, size)
		}
		return total, objects, nil
	case tuple:
		if len(d) != 2 {
			return 0, false, fmt.Errorf("dtype %s", render(d))
		}
		size, obj, err := dtypeSize(d[0], depth+1)
		if err != nil {
			return 0, false, err
		}
		n, err := shapeProduct(d[1])
		if err != nil {
			return 0, false, err
		}
		return mulSat(size, n), obj, nil
	}
	return 0, false, fmt.Errorf("dtype %s", render(v))
}

func shapeProduct(v any) (int64, error) {
	switch s := v.(type) {
	case int64:
		if s < 0 {
			return 0, errors.New("negative subarray shape")
		}
		return s, nil
	case tuple:
		n := int64(1)
		for _, x := range s {
			d, ok := x.(int64)
			if !ok || d < 0 {
				return 0, errors.New("subarray shape is not integers")
			}
			n = mulSat(n, d)
		}
		return n, nil
	}
	return 0, errors.New("subarray shape is not integers")
}

func mulSat(a, b int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(lo)
}

func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// typestrSize reads '<f8', '|u1', '<U10', '|S5', '|V16', '|O', '<M8[ns]'.
func typestrSize(s string) (int64, bool, error) {
	t := strings.TrimLeft(s, "<>|=")
	if t == "" {
		return 0, false, fmt.Errorf("empty dtype %q", s)
	}
	kind := t[0]
	digits := t[1:]
	if i := strings.IndexByte(digits, '['); i >= 0 {
		digits = digits[:i]
	}
	if kind == 'O' {
		return 8, true, nil
	}
	if !strings.ContainsRune("biufcmMSUVa?", rune(kind)) {
		return 0, false, fmt.Errorf("unknown dtype %q", s)
	}
	if digits == "" {
		if kind == '?' || kind == 'b' {
			return 1, false, nil
		}
		return 0, false, fmt.Errorf("dtype %q has no size", s)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 0 {
		return 0, false, fmt.Errorf("dtype %q has a bad size", s)
	}
	if kind == 'U' {
		n = mulSat(n, 4)
	}
	return n, false, nil
}

func isLatin1Text(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
