// Package safetensors reads the header of a safetensors file: an 8-byte
// little-endian length N, N bytes of JSON mapping tensor names to
// {dtype, shape, data_offsets} plus an optional "__metadata__" string map,
// then the byte buffer. Only the header is read; the JSON is parsed as a
// stream, as strictly as the reference (Rust, serde_json) reads it, and every
// place where lenient readers (Python's json) would disagree is recorded as a
// Problem rather than silently resolved.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"

	"github.com/modelgate/modelgate/internal/format/jsonx"
)

// MaxHeader is the reference implementation's MAX_HEADER_SIZE.
const MaxHeader = 100_000_000

// PrefixLen is the size of the length prefix.
const PrefixLen = 8

// maxDepth bounds JSON nesting (serde_json's own recursion limit is 128).
const maxDepth = 128

// dtypeBits is the reference's Dtype::bitsize.
var dtypeBits = map[string]uint64{
	"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8,
	"F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
	"I32": 32, "U32": 32, "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64,
}

// Tensor is one tensor entry of the header.
type Tensor struct {
	Name string
	// Off is the file offset of the entry's key.
	Off   int64
	DType string
	Shape []uint64
	// Begin and End are data_offsets, relative to the byte buffer.
	Begin, End uint64
	// Valid is false when a field is missing or has the wrong type; the
	// entry's Problem says which. Placed is true when data_offsets at
	// least was read, so the entry still covers its bytes.
	Valid, Placed bool
}

// Size is the byte size that dtype and shape call for. ok is false on
// overflow; whole is false when the bits do not fill whole bytes.
func (t *Tensor) Size() (size uint64, whole, ok bool) {
	bitsPer, known := dtypeBits[t.DType]
	if !known {
		return 0, false, false
	}
	n := uint64(1)
	for _, d := range t.Shape {
		hi, lo := bits.Mul64(n, d)
		if hi != 0 {
			return 0, false, false
		}
		n = lo
	}
	hi, nbits := bits.Mul64(n, bitsPer)
	if hi != 0 {
		return 0, false, false
	}
	return nbits / 8, nbits%8 == 0, true
}

// ProblemKind classifies a header problem.
type ProblemKind int

const (
	// Malformed: the reference loader rejects the entry (missing or
	// mistyped field, unknown dtype, number out of range).
	Malformed ProblemKind = iota + 1
	// Duplicate: a key repeats within one object; readers disagree on
	// which occurrence wins.
	Duplicate
	// NonString: a __metadata__ value is not a string (the reference
	// refuses it, Python accepts it).
	NonString
)

// Problem is one header anomaly.
type Problem struct {
	Kind ProblemKind
	// Off is the file offset of the offending token.
	Off int64
	// Path names the place: the tensor or metadata key, then the field.
	Path   string
	Detail string
}

// Header is a parsed header.
type Header struct {
	// Len is the declared header length N.
	Len uint64
	// DataStart is the file offset of the byte buffer (8+N).
	DataStart int64
	Tensors   []Tensor
	// Metadata counts the __metadata__ entries.
	Metadata int
	Problems []Problem
}

// FormatError is a header the reference cannot read at all.
type FormatError struct {
	Off int64
	Msg string
}

func (e *FormatError) Error() string { return e.Msg }

// ReadLen reads and checks the length prefix against the file size.
func ReadLen(prefix []byte, size int64) (uint64, error) {
	if len(prefix) < PrefixLen {
		return 0, &FormatError{0, "file shorter than the 8-byte header length"}
	}
	n := binary.LittleEndian.Uint64(prefix)
	switch {
	case n > MaxHeader:
		return n, &FormatError{0, fmt.Sprintf("header length %d exceeds the reference limit of %d bytes", n, MaxHeader)}
	case size >= 0 && n > uint64(size-PrefixLen):
		return n, &FormatError{0, fmt.Sprintf("header length %d runs past the end of the %d-byte file", n, size)}
	case n < 2:
		return n, &FormatError{0, fmt.Sprintf("header length %d is too small for a JSON object", n)}
	}
	return n, nil
}

// Plausible reports whether a file's first bytes look like a safetensors
// header: a length within the limits and the file, then the start of a
// JSON object that tokenizes without error as far as the head reaches. A
// pickle or other format cannot keep its own structure and valid JSON
// together for long, so this separates them where a magic number would.
func Plausible(head []byte, size int64) bool {
	if len(head) < PrefixLen+2 || head[PrefixLen] != '{' {
		return false
	}
	n, err := ReadLen(head, size)
	if err != nil {
		return false
	}
	prefix := head[PrefixLen:min(uint64(len(head)), PrefixLen+n)]
	dec := jsonx.NewDecoder(bytes.NewReader(prefix), maxDepth)
	for {
		_, err := dec.Next()
		switch {
		case err == nil:
		case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
			return true
		default:
			return false
		}
	}
}

// Read parses the header of a file of the given size.
func Read(r io.ReaderAt, size int64) (*Header, error) {
	var prefix [PrefixLen + 1]byte
	k, _ := r.ReadAt(prefix[:], 0)
	n, err := ReadLen(prefix[:k], size)
	if err != nil {
		return nil, err
	}
	if prefix[PrefixLen] != '{' {
		return nil, &FormatError{PrefixLen, fmt.Sprintf("header starts with %q, not '{'", prefix[PrefixLen])}
	}
	h := &Header{Len: n, DataStart: PrefixLen + int64(n)}
	p := &parser{h: h, dec: jsonx.NewDecoder(io.NewSectionReader(r, PrefixLen, int64(n)), maxDepth)}
	if err := p.document(); err != nil {
		var se *jsonx.SyntaxError
		if errors.As(err, &se) {
			return nil, &FormatError{PrefixLen + se.Off, "header is not valid JSON: " + se.Msg}
		}
		if errors.Is(err, jsonx.ErrDepth) {
			return nil, &FormatError{PrefixLen + p.dec.Offset(), "header JSON nests too deeply"}
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, &FormatError{PrefixLen + p.dec.Offset(), "header JSON ends before its object is complete"}
		}
		return nil, err
	}
	return h, nil
}

type parser struct {
	h   *Header
	dec *jsonx.Decoder
}

func (p *parser) next() (jsonx.Token, error) {
	t, err := p.dec.Next()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	t.Off += PrefixLen
	return t, err
}

func (p *parser) problem(kind ProblemKind, off int64, path, detail string) {
	p.h.Problems = append(p.h.Problems, Problem{Kind: kind, Off: off, Path: path, Detail: detail})
}

func (p *parser) document() error {
	if _, err := p.next(); err != nil { // '{', checked by Read
		return err
	}
	for {
		k, err := p.next()
		if err != nil {
			return err
		}
		if k.Kind == jsonx.ObjectEnd {
			break
		}
		if k.Dup {
			p.problem(Duplicate, k.Off, k.Text, "the key appears more than once in the header")
		}
		if k.Text == "__metadata__" {
			err = p.metadata()
		} else {
			err = p.tensor(k)
		}
		if err != nil {
			return err
		}
	}
	// Only whitespace may follow the object.
	if _, err := p.dec.Next(); err != io.EOF {
		if err == nil {
			err = &jsonx.SyntaxError{Off: p.dec.Offset(), Msg: "data after the header object"}
		}
		return err
	}
	return nil
}

func (p *parser) metadata() error {
	v, err := p.next()
	if err != nil {
		return err
	}
	switch v.Kind {
	case jsonx.Null:
		return nil
	case jsonx.ObjectStart:
	default:
		p.problem(Malformed, v.Off, "__metadata__", "__metadata__ is a "+v.Kind.String()+", not an object")
		return p.dec.Skip(v)
	}
	for {
		k, err := p.next()
		if err != nil || k.Kind == jsonx.ObjectEnd {
			return err
		}
		path := "__metadata__/" + k.Text
		if k.Dup {
			p.problem(Duplicate, k.Off, path, "the metadata key appears more than once")
		}
		v, err := p.next()
		if err != nil {
			return err
		}
		p.h.Metadata++
		if v.Kind != jsonx.String {
			p.problem(NonString, v.Off, path, "metadata value is a "+v.Kind.String()+", not a string")
			if err := p.dec.Skip(v); err != nil {
				return err
			}
		}
	}
}

func (p *parser) tensor(key jsonx.Token) error {
	t := Tensor{Name: key.Text, Off: key.Off}
	v, err := p.next()
	if err != nil {
		return err
	}
	if v.Kind != jsonx.ObjectStart {
		p.problem(Malformed, v.Off, t.Name, "tensor entry is a "+v.Kind.String()+", not an object")
		p.h.Tensors = append(p.h.Tensors, t)
		return p.dec.Skip(v)
	}
	var seen [3]bool
	ok := true
	for {
		k, err := p.next()
		if err != nil {
			return err
		}
		if k.Kind == jsonx.ObjectEnd {
			break
		}
		if k.Dup {
			p.problem(Duplicate, k.Off, t.Name+"/"+k.Text, "the field appears more than once in the tensor entry")
		}
		field, good, err := p.field(&t, k)
		if err != nil {
			return err
		}
		if field >= 0 {
			seen[field] = true
		}
		ok = ok && good
	}
	for i, name := range []string{"dtype", "shape", "data_offsets"} {
		if !seen[i] {
			p.problem(Malformed, t.Off, t.Name, "tensor entry has no "+name)
			ok = false
		}
	}
	t.Valid = ok
	p.h.Tensors = append(p.h.Tensors, t)
	return nil
}

// field reads one field of a tensor entry; it returns which known field it
// was (-1 for an unknown one, which serde ignores) and whether it was valid.
func (p *parser) field(t *Tensor, k jsonx.Token) (int, bool, error) {
	v, err := p.next()
	if err != nil {
		return -1, false, err
	}
	path := t.Name + "/" + k.Text
	switch k.Text {
	case "dtype":
		if v.Kind != jsonx.String {
			p.problem(Malformed, v.Off, path, "dtype is a "+v.Kind.String()+", not a string")
			return 0, false, p.dec.Skip(v)
		}
		t.DType = v.Text
		if _, known := dtypeBits[v.Text]; !known {
			p.problem(Malformed, v.Off, path, fmt.Sprintf("unknown dtype %q", v.Text))
			return 0, false, nil
		}
		return 0, true, nil
	case "shape":
		shape, ok, err := p.uints(v, path, -1)
		t.Shape = shape
		return 1, ok, err
	case "data_offsets":
		offs, ok, err := p.uints(v, path, 2)
		if ok {
			t.Begin, t.End, t.Placed = offs[0], offs[1], true
		}
		return 2, ok, err
	}
	return -1, true, p.dec.Skip(v)
}

// uints reads an array of non-negative integers (serde usize); want is the
// required length, or -1.
func (p *parser) uints(v jsonx.Token, path string, want int) ([]uint64, bool, error) {
	if v.Kind != jsonx.ArrayStart {
		p.problem(Malformed, v.Off, path, "expected an array of integers, found a "+v.Kind.String())
		return nil, false, p.dec.Skip(v)
	}
	var out []uint64
	ok := true
	for {
		e, err := p.next()
		if err != nil {
			return out, false, err
		}
		if e.Kind == jsonx.ArrayEnd {
			break
		}
		n, err := strconv.ParseUint(e.Text, 10, 64)
		if e.Kind != jsonx.Number || err != nil {
			if ok {
				p.problem(Malformed, e.Off, path, fmt.Sprintf("%s is not a non-negative integer that fits 64 bits", describe(e)))
			}
			ok = false
			if err := p.dec.Skip(e); err != nil {
				return out, false, err
			}
			continue
		}
		out = append(out, n)
	}
	if want >= 0 && len(out) != want && ok {
		p.problem(Malformed, v.Off, path, fmt.Sprintf("expected %d integers, found %d", want, len(out)))
		ok = false
	}
	return out, ok, nil
}

func describe(t jsonx.Token) string {
	if t.Kind == jsonx.Number {
		return t.Text
	}
	return "a " + t.Kind.String()
}
