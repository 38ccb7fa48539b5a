// Package gguf reads the header of GGUF files (versions 1 to 3, little- or
// big-endian): the counts, the typed metadata key/value pairs and the tensor
// infos. Tensor data is never read. Every count and length is checked
// against the bytes that remain before anything is allocated from it — the
// unchecked versions of exactly these fields were llama.cpp's heap overflows
// (CVE-2024-21825, -21836, -21802, -23496, -23605). Anomalies that do not
// stop the parse (a dimension count above four, an unknown tensor type, a
// duplicate key) are recorded as Problems for the analyzer to judge.
package gguf

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
)

// Magic starts every GGUF file.
const Magic = "GGUF"

// ValueType is a metadata value type.
type ValueType uint32

const (
	Uint8 ValueType = iota
	Int8
	Uint16
	Int16
	Uint32
	Int32
	Float32
	Bool
	String
	Array
	Uint64
	Int64
	Float64
	numValueTypes
)

var typeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"}

func (t ValueType) String() string {
	if t < numValueTypes {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// fixedSize is the encoded size of scalar types (0 for string and array).
var fixedSize = [numValueTypes]int64{1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8}

// MaxDims is GGML_MAX_DIMS: llama.cpp refuses tensors with more dimensions.
const MaxDims = 4

// MaxName is GGML_MAX_NAME: llama.cpp refuses longer tensor names (older
// versions truncated them silently).
const MaxName = 64

// DefaultAlignment applies when general.alignment is absent.
const DefaultAlignment = 32

// Limits bound what one header may make the parser keep, whatever the
// file's size.
type Limits struct {
	// MaxString is the longest string value kept; longer ones are skipped
	// and marked Truncated.
	MaxString int64
	// MaxKept bounds all the bytes kept: string values, keys and tensor
	// names. Values beyond it are marked Truncated; keys and names beyond
	// it end the parse.
	MaxKept int64
	// MaxKVs and MaxTensors bound the entries kept.
	MaxKVs, MaxTensors uint64
	// Keep selects the keys whose string values are kept (nil: all).
	Keep func(key string) bool
}

// DefaultLimits are far above any real model.
func DefaultLimits() Limits {
	return Limits{MaxString: 16 << 20, MaxKept: 64 << 20, MaxKVs: 1 << 16, MaxTensors: 1 << 18}
}

// KV is one metadata entry.
type KV struct {
	Key string
	// Off is the offset of the key; ValueOff of the value (for a string,
	// of its length prefix).
	Off, ValueOff int64
	Type          ValueType
	// Scalar values: unsigned and signed integers share Uint (sign
	// extended for signed types); floats are in Float.
	Uint  uint64
	Float float64
	// Str is a string value; Truncated is set when it was longer than
	// Limits.MaxString and not kept. Array elements are never kept.
	Str       string
	Truncated bool
}

// Tensor is one tensor info.
type Tensor struct {
	Name string
	Off  int64
	// Dims are the dimensions as stored (int64 in llama.cpp: values above
	// math.MaxInt64 are negative there).
	Dims []uint64
	Type uint32
	// Offset is relative to the start of the data section.
	Offset uint64
}

// ProblemKind classifies a non-fatal anomaly.
type ProblemKind int

const (
	// DuplicateKey: a metadata key repeats.
	DuplicateKey ProblemKind = iota + 1
	// DuplicateTensor: a tensor name repeats.
	DuplicateTensor
	// NestedArray: an array of arrays (llama.cpp refuses them).
	NestedArray
	// BadAlignment: general.alignment is not a non-zero power of two u32.
	BadAlignment
	// TooManyDims: more than MaxDims dimensions.
	TooManyDims
	// LongName: a tensor name of MaxName bytes or more.
	LongName
)

// Problem is a non-fatal anomaly.
type Problem struct {
	Kind   ProblemKind
	Off    int64
	Detail string
}

// File is a parsed header.
type File struct {
	Version   uint32
	BigEndian bool
	// TensorCount and KVCount are the declared counts.
	TensorCount, KVCount uint64
	KVs                  []KV
	Tensors              []Tensor
	Alignment            uint64
	// DataStart is where tensor data starts: the end of the tensor infos
	// rounded up to the alignment.
	DataStart int64
	Problems  []Problem
}

// ErrorKind classifies a fatal header error.
type ErrorKind int

const (
	// Oversized: a count or length claims more than the file holds — the
	// shape of the llama.cpp heap-overflow CVEs.
	Oversized ErrorKind = iota + 1
	// Truncated: the file ends inside the header.
	Truncated
	// Invalid: an unknown version or value type, or a limit of this
	// parser was exceeded.
	Invalid
)

// Error is a header that cannot be parsed further.
type Error struct {
	Kind ErrorKind
	Off  int64
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Read parses the header of a GGUF file of the given size.
func Read(ra io.ReaderAt, size int64, lim Limits) (*File, error) {
	p := &parser{r: reader{ra: ra, size: size, order: binary.LittleEndian}, lim: lim, keys: map[string]bool{}}
	return p.file()
}

type parser struct {
	r    reader
	lim  Limits
	f    File
	v1   bool
	keys map[string]bool
	kept int64 // bytes of strings kept so far
}

func (p *parser) file() (*File, error) {
	magic, err := p.r.bytes(4)
	if err != nil || string(magic) != Magic {
		return nil, &Error{Invalid, 0, "missing GGUF magic"}
	}
	raw, err := p.r.bytes(4)
	if err != nil {
		return nil, p.truncated()
	}
	v := binary.LittleEndian.Uint32(raw)
	// A big-endian file's version reads as 0x0N000000 in little endian.
	if v&0xFFFF == 0 && v != 0 {
		v = bits.ReverseBytes32(v)
		p.f.BigEndian = true
		p.r.order, p.r.big = binary.BigEndian, true
	}
	p.f.Version = v
	if v < 1 || v > 3 {
		return nil, &Error{Invalid, 4, fmt.Sprintf("unsupported GGUF version %d", v)}
	}
	p.v1 = v == 1
	if err := p.counts(); err != nil {
		return nil, err
	}
	if err := p.kvs(); err != nil {
		return &p.f, err
	}
	if err := p.tensors(); err != nil {
		return &p.f, err
	}
	p.f.DataStart = alignUp(p.r.pos, p.f.Alignment)
	return &p.f, nil
}

func (p *parser) truncated() error {
	return &Error{Truncated, p.r.pos, fmt.Sprintf("file ends at byte %d inside the GGUF header", p.r.size)}
}

// count reads a u32 (v1) or u64 count.
func (p *parser) count() (uint64, error) {
	if p.v1 {
		v, err := p.r.u32()
		return uint64(v), err
	}
	return p.r.u64()
}

// Minimum encoded sizes, used to bound counts by the bytes that remain.
func (p *parser) minString() int64 {
	if p.v1 {
		return 4
	}
	return 8
}

func (p *parser) counts() error {
	off := p.r.pos
	nt, err := p.count()
	if err != nil {
		return p.truncated()
	}
	nkv, err := p.count()
	if err != nil {
		return p.truncated()
	}
	p.f.TensorCount, p.f.KVCount = nt, nkv
	// A KV is at least a key length, a type and a one-byte value; a tensor
	// info at least a name length, n_dims, a type and an offset.
	if err := p.fits(off, "metadata key count", nkv, p.minString()+4+1); err != nil {
		return err
	}
	if err := p.fits(off, "tensor count", nt, p.minString()+4+4+8); err != nil {
		return err
	}
	if nkv > p.lim.MaxKVs || nt > p.lim.MaxTensors {
		return &Error{Invalid, off, fmt.Sprintf("%d metadata keys and %d tensors exceed this parser's limits (%d, %d)", nkv, nt, p.lim.MaxKVs, p.lim.MaxTensors)}
	}
	return nil
}

// fits checks that n items of at least min bytes each fit in what remains.
func (p *parser) fits(off int64, what string, n uint64, min int64) error {
	hi, need := bits.Mul64(n, uint64(min))
	if hi != 0 || need > uint64(p.r.remaining()) {
		return &Error{Oversized, off, fmt.Sprintf("%s %d needs at least %s bytes but only %d remain", what, n, mulString(n, min), p.r.remaining())}
	}
	return nil
}

func mulString(n uint64, m int64) string {
	hi, lo := bits.Mul64(n, uint64(m))
	if hi != 0 {
		return "more than 2^64"
	}
	return fmt.Sprint(lo)
}

func (p *parser) kvs() error {
	p.f.Alignment = DefaultAlignment
	for i := uint64(0); i < p.f.KVCount; i++ {
		kv := KV{Off: p.r.pos}
		key, err := p.name("metadata key")
		if err != nil {
			return err
		}
		kv.Key = key
		t, err := p.r.u32()
		if err != nil {
			return p.truncated()
		}
		kv.Type, kv.ValueOff = ValueType(t), p.r.pos
		if err := p.value(&kv, 0); err != nil {
			return err
		}
		if p.keys[key] {
			p.problem(DuplicateKey, kv.Off, fmt.Sprintf("metadata key %q appears more than once", key))
		}
		p.keys[key] = true
		if key == "general.alignment" {
			p.alignment(&kv)
		}
		p.f.KVs = append(p.f.KVs, kv)
	}
	return nil
}

func (p *parser) alignment(kv *KV) {
	if kv.Type == Uint32 && kv.Uint != 0 && kv.Uint&(kv.Uint-1) == 0 {
		p.f.Alignment = kv.Uint
		return
	}
	p.problem(BadAlignment, kv.Off, fmt.Sprintf("general.alignment is %s %d, not a non-zero power of two uint32", kv.Type, kv.Uint))
}

func (p *parser) problem(k ProblemKind, off int64, detail string) {
	p.f.Problems = append(p.f.Problems, Problem{Kind: k, Off: off, Detail: detail})
}

// name reads a key or tensor name, which must fit the budget of kept bytes.
func (p *parser) name(what string) (string, error) {
	off := p.r.pos
	s, skipped, err := p.str(p.lim.MaxKept - p.kept)
	if err == nil && skipped {
		err = &Error{Invalid, off, fmt.Sprintf("a %s makes the header's names exceed this parser's %d-byte limit", what, p.lim.MaxKept)}
	}
	return s, err
}

// str reads a length-prefixed string, keeping it when it is at most keep
// bytes long (skipped is true otherwise).
func (p *parser) str(keep int64) (s string, skipped bool, err error) {
	off := p.r.pos
	n, err := p.count()
	if err != nil {
		return "", false, p.truncated()
	}
	if n > uint64(p.r.remaining()) {
		return "", false, &Error{Oversized, off, fmt.Sprintf("string length %d exceeds the %d bytes that remain", n, p.r.remaining())}
	}
	if int64(n) > keep {
		p.r.skip(int64(n))
		return "", true, nil
	}
	b, err := p.r.bytes(int64(n))
	if err != nil {
		return "", false, p.truncated()
	}
	p.kept += int64(n)
	return string(b), false, nil
}

// value reads the value of kv (already holding its type); depth counts
// array nesting.
func (p *parser) value(kv *KV, depth int) error {
	switch t := kv.Type; {
	case t == String:
		limit := min(p.lim.MaxString, p.lim.MaxKept-p.kept)
		if p.lim.Keep != nil && !p.lim.Keep(kv.Key) {
			limit = -1
		}
		s, skipped, err := p.str(limit)
		kv.Str, kv.Truncated = s, skipped && limit >= 0
		return err
	case t == Array:
		return p.array(kv, depth)
	case t < numValueTypes:
		return p.scalar(kv)
	default:
		return &Error{Invalid, kv.ValueOff - 4, fmt.Sprintf("metadata key %q has unknown value type %d", kv.Key, uint32(t))}
	}
}

func (p *parser) scalar(kv *KV) error {
	b, err := p.r.bytes(fixedSize[kv.Type])
	if err != nil {
		return p.truncated()
	}
	o := p.r.order
	switch kv.Type {
	case Uint8, Bool:
		kv.Uint = uint64(b[0])
	case Int8:
		kv.Uint = uint64(int64(int8(b[0])))
	case Uint16:
		kv.Uint = uint64(o.Uint16(b))
	case Int16:
		kv.Uint = uint64(int64(int16(o.Uint16(b))))
	case Uint32:
		kv.Uint = uint64(o.Uint32(b))
	case Int32:
		kv.Uint = uint64(int64(int32(o.Uint32(b))))
	case Uint64, Int64:
		kv.Uint = o.Uint64(b)
	case Float32:
		kv.Float = float64(math.Float32frombits(o.Uint32(b)))
	case Float64:
		kv.Float = math.Float64frombits(o.Uint64(b))
	}
	return nil
}

// maxNesting bounds arrays of arrays; llama.cpp accepts none, gguf-py any.
const maxNesting = 8

func (p *parser) array(kv *KV, depth int) error {
	off := p.r.pos
	et, err := p.r.u32()
	if err != nil {
		return p.truncated()
	}
	n, err := p.count()
	if err != nil {
		return p.truncated()
	}
	elem := ValueType(et)
	switch {
	case elem >= numValueTypes:
		return &Error{Invalid, off, fmt.Sprintf("array %q has unknown element type %d", kv.Key, et)}
	case elem == String:
		return p.stringArray(off, n)
	case elem == Array:
		if depth == 0 {
			p.problem(NestedArray, off, fmt.Sprintf("metadata key %q is an array of arrays, which llama.cpp refuses", kv.Key))
		}
		if depth >= maxNesting {
			return &Error{Invalid, off, fmt.Sprintf("array %q nests more than %d levels", kv.Key, maxNesting)}
		}
		if err := p.fits(off, "array length", n, 4+p.minString()); err != nil {
			return err
		}
		for i := uint64(0); i < n; i++ {
			inner := KV{Key: kv.Key, Type: Array, ValueOff: p.r.pos}
			if err := p.array(&inner, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := p.fits(off, "array length", n, fixedSize[elem]); err != nil {
		return err
	}
	p.r.skip(int64(n) * fixedSize[elem])
	return nil
}

// stringArray skips the elements of a string array (vocabularies and merge
// lists hold hundreds of thousands), reading only their lengths.
func (p *parser) stringArray(off int64, n uint64) error {
	if err := p.fits(off, "array length", n, p.minString()); err != nil {
		return err
	}
	at, claim, err := p.r.skipStrings(n, p.minString())
	switch {
	case err != nil:
		return p.truncated()
	case at >= 0:
		return &Error{Oversized, at, fmt.Sprintf("string length %d exceeds the %d bytes that remain", claim, p.r.size-at-p.minString())}
	}
	return nil
}

func (p *parser) tensors() error {
	names := make(map[string]bool, p.f.TensorCount)
	for i := uint64(0); i < p.f.TensorCount; i++ {
		t := Tensor{Off: p.r.pos}
		name, err := p.name("tensor name")
		if err != nil {
			return err
		}
		t.Name = name
		if len(name) >= MaxName {
			p.problem(LongName, t.Off, fmt.Sprintf("tensor name %q is %d bytes long; llama.cpp allows at most %d", name, len(name), MaxName-1))
		}
		if names[name] {
			p.problem(DuplicateTensor, t.Off, fmt.Sprintf("tensor name %q appears more than once", name))
		}
		names[name] = true
		if err := p.tensorShape(&t); err != nil {
			return err
		}
		p.f.Tensors = append(p.f.Tensors, t)
	}
	return nil
}

func (p *parser) tensorShape(t *Tensor) error {
	off := p.r.pos
	nd, err := p.r.u32()
	if err != nil {
		return p.truncated()
	}
	dimSize := int64(8)
	if p.v1 {
		dimSize = 4
	}
	if err := p.fits(off, "dimension count", uint64(nd), dimSize); err != nil {
		return err
	}
	if nd > MaxDims {
		p.problem(TooManyDims, off, fmt.Sprintf("tensor %q declares %d dimensions; llama.cpp has room for %d", t.Name, nd, MaxDims))
	}
	t.Dims = make([]uint64, 0, min(nd, MaxDims))
	for j := uint32(0); j < nd; j++ {
		d, err := p.dim()
		if err != nil {
			return p.truncated()
		}
		if j < MaxDims {
			t.Dims = append(t.Dims, d)
		}
	}
	typ, err := p.r.u32()
	if err != nil {
		return p.truncated()
	}
	t.Type = typ
	if t.Offset, err = p.r.u64(); err != nil {
		return p.truncated()
	}
	return nil
}

func (p *parser) dim() (uint64, error) {
	if p.v1 {
		v, err := p.r.u32()
		return uint64(v), err
	}
	return p.r.u64()
}

func alignUp(n int64, a uint64) int64 {
	if a == 0 {
		return n
	}
	r := uint64(n) % a
	if r == 0 {
		return n
	}
	return n + int64(a-r)
}

// reader reads forward through an io.ReaderAt with a small buffer; skip
// moves the position without reading.
type reader struct {
	ra    io.ReaderAt
	size  int64
	pos   int64
	order binary.ByteOrder
	big   bool // order is big-endian
	buf   []byte
	bufAt int64 // file offset of buf[0]
}

func (r *reader) remaining() int64 { return r.size - r.pos }

func (r *reader) skip(n int64) { r.pos += n }

// bytes returns the next n bytes (n must be checked against remaining by
// the caller when it comes from the file). The slice is valid until the
// next call.
func (r *reader) bytes(n int64) ([]byte, error) {
	if n > r.remaining() || n < 0 {
		return nil, io.ErrUnexpectedEOF
	}
	if r.pos < r.bufAt || r.pos+n > r.bufAt+int64(len(r.buf)) {
		if err := r.fill(n); err != nil {
			return nil, err
		}
	}
	start := r.pos - r.bufAt
	r.pos += n
	return r.buf[start : start+n], nil
}

const window = 64 << 10

func (r *reader) fill(n int64) error {
	want := max(n, window)
	want = min(want, r.remaining())
	if int64(cap(r.buf)) < want {
		r.buf = make([]byte, want)
	}
	r.buf = r.buf[:want]
	k, err := r.ra.ReadAt(r.buf, r.pos)
	r.bufAt = r.pos
	if int64(k) < n {
		r.buf = r.buf[:k]
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	r.buf = r.buf[:k]
	return nil
}

// skipStrings skips n strings with width-byte length prefixes, walking the
// prefixes in the read window. It returns the offset and claimed length of
// the first string longer than what remains (at is -1 when there is none).
func (r *reader) skipStrings(n uint64, width int64) (at int64, claim uint64, err error) {
	for n > 0 {
		if r.pos < r.bufAt || r.pos+width > r.bufAt+int64(len(r.buf)) {
			if err := r.fill(width); err != nil {
				return -1, 0, err
			}
		}
		i := r.pos - r.bufAt
		for n > 0 && i+width <= int64(len(r.buf)) {
			l := r.length(r.buf[i:], width)
			if l > uint64(r.size-(r.bufAt+i+width)) {
				return r.bufAt + i, l, nil
			}
			i += width + int64(l)
			n--
		}
		r.pos = r.bufAt + i
	}
	return -1, 0, nil
}

// length decodes a length prefix; the concrete byte orders inline.
func (r *reader) length(b []byte, width int64) uint64 {
	switch {
	case width == 4 && !r.big:
		return uint64(binary.LittleEndian.Uint32(b))
	case width == 4:
		return uint64(binary.BigEndian.Uint32(b))
	case !r.big:
		return binary.LittleEndian.Uint64(b)
	}
	return binary.BigEndian.Uint64(b)
}

func (r *reader) u32() (uint32, error) {
	b, err := r.bytes(4)
	if err != nil {
		return 0, err
	}
	return r.order.Uint32(b), nil
}

func (r *reader) u64() (uint64, error) {
	b, err := r.bytes(8)
	if err != nil {
		return 0, err
	}
	return r.order.Uint64(b), nil
}
