package pymarshal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits bound the work and memory of one decode. Zero fields take the
// DefaultLimits value.
type Limits struct {
	MaxDepth   int // nesting of containers and code objects
	MaxObjects int // objects decoded, references included
	MaxBytes   int // bytes materialised in strings, bytes and digits
	MaxRefs    int // entries in the FLAG_REF table
}

// DefaultLimits suit Lambda payloads and pickled code objects: CPython
// allows a depth of 2000, but no compiler output nests beyond a few dozen.
var DefaultLimits = Limits{MaxDepth: 200, MaxObjects: 1 << 20, MaxBytes: 64 << 20, MaxRefs: 1 << 20}

// ErrLimit marks decoding stopped by a Limits bound rather than bad data.
var ErrLimit = errors.New("marshal limit exceeded")

// Error locates a decoding failure.
type Error struct {
	Offset int
	Msg    string
	Err    error // ErrLimit, or nil for malformed data
}

func (e *Error) Error() string { return fmt.Sprintf("marshal: %s at offset %d", e.Msg, e.Offset) }
func (e *Error) Unwrap() error { return e.Err }

const flagRef = 0x80

// reader decodes one object graph with one code-object layout. Python 2 and
// 3 differ in type codes ('t' is bytes on 2.7, str on 3), so the layout also
// selects the dialect.
type reader struct {
	data    []byte
	pos     int
	layout  Layout
	lim     Limits
	depth   int
	objects int
	bytes   int
	refs    []*Object // nil entries are reserved slots (code, frozenset, slice under construction)
	interns []*Object // 2.7 interned strings for TYPE_STRINGREF
	codes   []*CodeObject
	anoms   []Anomaly
	// sawSlice: a slice object exists only in marshal version 5 (3.14+).
	sawSlice bool
	hashed   map[*Object]bool
}

func (r *reader) py2() bool { return r.layout == Layout27 }

func (r *reader) fail(off int, format string, a ...any) error {
	return &Error{Offset: off, Msg: fmt.Sprintf(format, a...)}
}

func (r *reader) limit(what string) error {
	return &Error{Offset: r.pos, Msg: what, Err: ErrLimit}
}

func (r *reader) take(n int) ([]byte, error) {
	if n < 0 || n > len(r.data)-r.pos {
		return nil, r.fail(r.pos, "need %d bytes, %d remain", n, len(r.data)-r.pos)
	}
	b := r.data[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *reader) byte1() (byte, error) {
	b, err := r.take(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (r *reader) int32() (int32, error) {
	b, err := r.take(4)
	if err != nil {
		return 0, err
	}
	return int32(binary.LittleEndian.Uint32(b)), nil
}

// length reads an int32 count and checks it against the bytes that remain,
// given that every element occupies at least minSize bytes.
func (r *reader) length(minSize int) (int, error) {
	off := r.pos
	n, err := r.int32()
	if err != nil {
		return 0, err
	}
	if n < 0 || int(n)*minSize > len(r.data)-r.pos {
		return 0, r.fail(off, "size %d out of range", n)
	}
	return int(n), nil
}

// materialise copies n bytes of payload, charging them to MaxBytes.
func (r *reader) materialise(n int) ([]byte, error) {
	if r.bytes += n; r.bytes > r.lim.MaxBytes {
		return nil, r.limit("too many bytes materialised")
	}
	b, err := r.take(n)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), b...), nil
}

// object reads one object; nil, nil is TYPE_NULL (the dict terminator).
func (r *reader) object() (*Object, error) {
	if r.depth++; r.depth > r.lim.MaxDepth {
		return nil, r.limit("nesting too deep")
	}
	defer func() { r.depth-- }()
	if r.objects++; r.objects > r.lim.MaxObjects {
		return nil, r.limit("too many objects")
	}
	off := r.pos
	code, err := r.byte1()
	if err != nil {
		return nil, r.fail(off, "EOF read where object expected")
	}
	flag := code&flagRef != 0
	if flag && r.py2() {
		return nil, r.fail(off, "unknown type code 0x%02x", code)
	}
	t := code &^ flagRef
	if o, ok := singleton(t); ok {
		o.Offset = off
		return o, nil
	}
	switch t {
	case '0':
		return nil, nil
	case 'r':
		if r.py2() {
			break
		}
		return r.ref(off)
	case 'R':
		if !r.py2() {
			break
		}
		return r.stringRef(off)
	case 'c':
		return r.code(off, flag)
	case '>':
		if !r.py2() {
			return r.frozenset(off, flag)
		}
	case ':':
		if !r.py2() {
			return r.slice(off, flag)
		}
	}
	// The object is entered before its items are read, so a tuple, list,
	// dict or set may contain itself, as in CPython.
	o := &Object{Type: t, Offset: off}
	r.fill(r.reserve(flag), o)
	if err := r.value(o); err != nil {
		return nil, err
	}
	return o, nil
}

// singleton decodes the types CPython never enters in the ref table.
func singleton(t byte) (*Object, bool) {
	switch t {
	case 'N':
		return &Object{Kind: None, Type: t}, true
	case 'F':
		return &Object{Kind: Bool, Type: t}, true
	case 'T':
		return &Object{Kind: Bool, Type: t, Int: 1}, true
	case 'S':
		return &Object{Kind: StopIteration, Type: t}, true
	case '.':
		return &Object{Kind: Ellipsis, Type: t}, true
	}
	return nil, false
}

// reserve takes the next ref index when FLAG_REF is set; the slot stays
// empty (an invalid reference target) until fill.
func (r *reader) reserve(flag bool) int {
	if !flag {
		return -1
	}
	r.refs = append(r.refs, nil)
	return len(r.refs) - 1
}

func (r *reader) fill(idx int, o *Object) {
	if idx >= 0 {
		r.refs[idx] = o
	}
}

func (r *reader) ref(off int) (*Object, error) {
	n, err := r.int32()
	if err != nil {
		return nil, err
	}
	if n < 0 || int(n) >= len(r.refs) || r.refs[n] == nil {
		return nil, r.fail(off, "bad marshal data (invalid reference %d)", n)
	}
	return r.refs[n], nil
}

func (r *reader) stringRef(off int) (*Object, error) {
	n, err := r.int32()
	if err != nil {
		return nil, err
	}
	if n < 0 || int(n) >= len(r.interns) {
		return nil, r.fail(off, "bad marshal data (string ref %d out of range)", n)
	}
	return r.interns[n], nil
}

// value decodes the payload of the ordinary types into o.
func (r *reader) value(o *Object) error {
	if len(r.refs) > r.lim.MaxRefs {
		return r.limit("too many references")
	}
	switch o.Type {
	case 'i':
		n, err := r.int32()
		o.Kind, o.Int = Int, int64(n)
		return err
	case 'I':
		if r.py2() {
			b, err := r.take(8)
			if err == nil {
				o.Kind, o.Int = Int, int64(binary.LittleEndian.Uint64(b))
			}
			return err
		}
	case 'l':
		return r.long(o)
	case 'g', 'y':
		return r.binaryFloat(o)
	case 'f', 'x':
		return r.textFloat(o)
	case 's', 't', 'u', 'a', 'A', 'z', 'Z':
		return r.str(o)
	case '(', ')', '[', '{':
		return r.container(o)
	case '<', '>':
		return r.container(o) // 3.x frozensets take the delayed path in object()
	}
	return r.fail(o.Offset, "bad marshal data (unknown type code 0x%02x)", o.Type)
}

// long decodes base-2**15 digits, rejecting digits >= 2**15 and a zero top
// digit as CPython does. The sign of the digit count is the number's.
func (r *reader) long(o *Object) error {
	sn, err := r.int32()
	if err != nil {
		return err
	}
	n := int(sn)
	if n < 0 {
		n = -n
	}
	if n*2 > len(r.data)-r.pos {
		return r.fail(o.Offset, "bad marshal data (long size out of range)")
	}
	if r.bytes += n * 2; r.bytes > r.lim.MaxBytes {
		return r.limit("too many bytes materialised")
	}
	v := new(big.Int)
	for i := n - 1; i >= 0; i-- {
		d := binary.LittleEndian.Uint16(r.data[r.pos+2*i:])
		if d >= 1<<15 {
			return r.fail(o.Offset, "bad marshal data (digit out of range in long)")
		}
		if i == n-1 && d == 0 {
			return r.fail(o.Offset, "bad marshal data (unnormalized long data)")
		}
		v.Lsh(v, 15).Or(v, big.NewInt(int64(d)))
	}
	r.pos += 2 * n
	if sn < 0 {
		v.Neg(v)
	}
	o.Kind = Int
	if v.IsInt64() {
		o.Int = v.Int64()
	} else {
		o.Big = v
	}
	return nil
}

func (r *reader) binaryFloat(o *Object) error {
	n := 8
	if o.Type == 'y' {
		n = 16
	}
	b, err := r.take(n)
	if err != nil {
		return err
	}
	o.Kind, o.Float = Float, math.Float64frombits(binary.LittleEndian.Uint64(b))
	if o.Type == 'y' {
		o.Kind, o.Imag = Complex, math.Float64frombits(binary.LittleEndian.Uint64(b[8:]))
	}
	return nil
}

// textFloat decodes the marshal v0/v1 repr form: a length byte and ASCII.
func (r *reader) textFloat(o *Object) error {
	parse := func() (float64, error) {
		n, err := r.byte1()
		if err != nil {
			return 0, err
		}
		b, err := r.take(int(n))
		if err != nil {
			return 0, err
		}
		s := string(b)
		if strings.ContainsAny(s, "xX_pP") { // Go accepts hex and underscores, CPython does not
			return 0, r.fail(o.Offset, "bad float literal %q", s)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return 0, r.fail(o.Offset, "bad float literal %q", s)
		}
		return f, nil
	}
	var err error
	o.Kind = Float
	if o.Float, err = parse(); err != nil || o.Type == 'f' {
		return err
	}
	o.Kind = Complex
	o.Imag, err = parse()
	return err
}

// str decodes every string type. On 2.7 's' and 't' are str (bytes that
// Python 2 uses for names) and 'u' is unicode; on 3.x 's' is bytes and the
// rest are str, the ASCII types being read as Latin-1 like CPython does.
func (r *reader) str(o *Object) error {
	var n int
	var err error
	if o.Type == 'z' || o.Type == 'Z' {
		var b byte
		b, err = r.byte1()
		n = int(b)
	} else {
		n, err = r.length(1)
	}
	if err != nil {
		return err
	}
	b, err := r.materialise(n)
	if err != nil {
		return err
	}
	switch {
	case o.Type == 's' && !r.py2():
		o.Kind, o.Bytes = Bytes, b
	case o.Type == 'a' || o.Type == 'A' || o.Type == 'z' || o.Type == 'Z':
		o.Kind, o.Str = Str, latin1(b)
		if o.Str != string(b) {
			r.anomaly(o.Offset, NonASCII, "ASCII-typed string holds bytes >= 0x80")
		}
	case o.Type == 'u' || !r.py2():
		if !validUTF8Surrogatepass(b) {
			return r.fail(o.Offset, "bad UTF-8 in string")
		}
		o.Kind, o.Str = Str, string(b)
	default: // 2.7 's', 't'
		o.Kind, o.Str = Str, string(b)
		if o.Type == 't' {
			r.interns = append(r.interns, o)
		}
	}
	return nil
}

func latin1(b []byte) string {
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c)
	}
	return string(rs)
}

// validUTF8Surrogatepass accepts UTF-8 plus encoded surrogates (ED A0-BF xx),
// which CPython's "surrogatepass" decoding of marshalled str allows.
func validUTF8Surrogatepass(b []byte) bool {
	for i := 0; i < len(b); {
		if b[i] == 0xED && i+2 < len(b) && b[i+1] >= 0xA0 && b[i+1] <= 0xBF && b[i+2]&0xC0 == 0x80 {
			i += 3
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return false
		}
		i += size
	}
	return true
}

// container decodes tuples, lists, dicts and 2.7 sets.
func (r *reader) container(o *Object) error {
	o.Kind = map[byte]Kind{'(': Tuple, ')': Tuple, '[': List, '{': Dict, '<': Set, '>': FrozenSet}[o.Type]
	if o.Type == '{' {
		return r.dict(o)
	}
	n, err := r.count(o.Type)
	if err != nil {
		return err
	}
	return r.items(o, n)
}

func (r *reader) count(t byte) (int, error) {
	if t == ')' {
		b, err := r.byte1()
		return int(b), err
	}
	return r.length(1)
}

func (r *reader) items(o *Object, n int) error {
	o.Items = make([]*Object, 0, n)
	for range n {
		it, err := r.object()
		if err != nil {
			return err
		}
		if it == nil {
			return r.fail(o.Offset, "NULL object in marshal data for %s", o.Kind)
		}
		if (o.Kind == Set || o.Kind == FrozenSet) && !r.hashable(it, 0) {
			return r.fail(it.Offset, "unhashable %s in %s", it.Kind, o.Kind)
		}
		o.Items = append(o.Items, it)
	}
	return nil
}

// dict reads key/value pairs until a NULL key (or a NULL value, which
// CPython also takes as the end).
func (r *reader) dict(o *Object) error {
	o.Kind = Dict
	for {
		k, err := r.object()
		if err != nil || k == nil {
			return err
		}
		v, err := r.object()
		if err != nil || v == nil {
			return err
		}
		if !r.hashable(k, 0) {
			return r.fail(k.Offset, "unhashable dict key %s", k.Kind)
		}
		o.Items = append(o.Items, k, v)
	}
}

// hashable reports whether o can be a dict key or set item; tuples are
// checked once each (a key may be a reference to a large shared tuple).
func (r *reader) hashable(o *Object, depth int) bool {
	switch o.Kind {
	case List, Dict, Set:
		return false
	case Tuple:
		if ok, seen := r.hashed[o]; seen {
			return ok
		}
		ok := depth <= 64
		for _, it := range o.Items {
			if !ok {
				break
			}
			ok = r.hashable(it, depth+1)
		}
		if r.hashed == nil {
			r.hashed = map[*Object]bool{}
		}
		r.hashed[o] = ok
		return ok
	}
	return true
}

// frozenset and slice register in the ref table only once complete, so a
// reference to them from inside is invalid, as in CPython.
func (r *reader) frozenset(off int, flag bool) (*Object, error) {
	o := &Object{Type: '>', Kind: FrozenSet, Offset: off}
	return r.delayed(o, flag, func() error {
		n, err := r.length(1)
		if err != nil {
			return err
		}
		return r.items(o, n)
	})
}

func (r *reader) slice(off int, flag bool) (*Object, error) {
	o := &Object{Type: ':', Kind: Slice, Offset: off}
	return r.delayed(o, flag, func() error {
		r.sawSlice = true
		return r.items(o, 3)
	})
}

func (r *reader) delayed(o *Object, flag bool, read func() error) (*Object, error) {
	idx := r.reserve(flag)
	if err := read(); err != nil {
		return nil, err
	}
	r.fill(idx, o)
	return o, nil
}
