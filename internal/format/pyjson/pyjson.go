// Package pyjson decodes JSON exactly as far as CPython's json.loads accepts
// it, because that is what Keras uses on config.json, an HDF5 model_config
// and keras_metadata.pb: bytes in UTF-8, UTF-16 or UTF-32 (told apart by
// BOM or NUL pattern, as json.detect_encoding does), NaN / Infinity /
// -Infinity, duplicate keys (the last one wins). A reader stricter than the
// loader would leave an attacker's config unread; everything Python accepts
// but no JSON writer of Keras produces is recorded as an Anomaly so that the
// caller can say so.
//
// Values form a tree whose size is bounded by Limits: the input length, the
// number of values and the nesting depth (CPython raises RecursionError
// around a thousand levels).
package pyjson

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is a JSON value's type.
type Kind uint8

// Value kinds.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

var kindNames = [...]string{"null", "bool", "number", "string", "array", "object"}

func (k Kind) String() string { return kindNames[k] }

// Value is one decoded JSON value.
type Value struct {
	Kind Kind
	// Str is the decoded string, the number's literal text, or "true" /
	// "false" for a Bool.
	Str string
	// Items are an array's elements or an object's member values.
	Items []Value
	// Keys are an object's member names, parallel to Items, in input order
	// and including shadowed duplicates.
	Keys []string
}

// Get returns an object's member by key as Python's dict would hold it (the
// last duplicate), or nil.
func (v *Value) Get(key string) *Value {
	if v == nil || v.Kind != Object {
		return nil
	}
	for i := len(v.Keys) - 1; i >= 0; i-- {
		if v.Keys[i] == key {
			return &v.Items[i]
		}
	}
	return nil
}

// Text returns a member's string value, or "" when it is absent or not a
// string.
func (v *Value) Text(key string) string {
	if m := v.Get(key); m != nil && m.Kind == String {
		return m.Str
	}
	return ""
}

// Shadowed reports whether member i is hidden by a later duplicate key.
func (v *Value) Shadowed(i int) bool {
	for j := i + 1; j < len(v.Keys); j++ {
		if v.Keys[j] == v.Keys[i] {
			return true
		}
	}
	return false
}

// IsFalse reports a JSON false.
func (v *Value) IsFalse() bool { return v != nil && v.Kind == Bool && v.Str == "false" }

// Limits bound one decode; zero fields take the defaults.
type Limits struct {
	MaxBytes  int // input length after transcoding
	MaxValues int
	MaxDepth  int
}

// DefaultLimits fit the largest real Keras configs (inline vocabularies of
// a few hundred thousand tokens) with room to spare.
func DefaultLimits() Limits { return Limits{MaxBytes: 32 << 20, MaxValues: 2_000_000, MaxDepth: 1000} }

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxValues <= 0 {
		l.MaxValues = d.MaxValues
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	return l
}

// ErrLimit marks input beyond the Limits: it may be valid JSON, but it was
// not decoded.
var ErrLimit = errors.New("JSON exceeds the decoding limits")

// SyntaxError is input that json.loads rejects.
type SyntaxError struct {
	Off int
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at character %d: %s", e.Off, e.Msg)
}

// Anomaly is something json.loads accepts that a JSON writer does not
// produce.
type Anomaly string

// Result is a decoded document.
type Result struct {
	Value Value
	// Encoding is what json.detect_encoding chose: "utf-8", "utf-8-sig",
	// "utf-16-le"...
	Encoding  string
	Anomalies []Anomaly
}

// Decode decodes a whole document from bytes, as json.loads(bytes) does.
func Decode(data []byte, lim Limits) (*Result, error) {
	lim = lim.withDefaults()
	text, enc, surrogates, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	if len(text) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrLimit, len(text), lim.MaxBytes)
	}
	d := &decoder{s: text, lim: lim}
	res := &Result{Encoding: enc}
	if enc != "utf-8" {
		d.note(Anomaly("encoded as " + enc + "; Keras writes plain UTF-8"))
	}
	if surrogates {
		d.note("UTF-8-encoded surrogates (Python decodes them with surrogatepass; strict UTF-8 readers refuse the file)")
	}
	d.space()
	if err := d.value(&res.Value, 0); err != nil {
		return nil, err
	}
	d.space()
	if d.i < len(d.s) {
		return nil, d.fail("extra data")
	}
	res.Anomalies = d.anomalies
	return res, nil
}

// Text returns the document as the UTF-8 text json.loads(bytes) decodes,
// and the encoding it detected.
func Text(data []byte) ([]byte, string, error) {
	text, enc, _, err := decodeText(data)
	return text, enc, err
}

// decodeText also reports UTF-8-encoded surrogates, which json.loads
// accepts ('surrogatepass') and which become U+FFFD here.
func decodeText(data []byte) (text []byte, enc string, surrogates bool, err error) {
	enc = DetectEncoding(data)
	switch enc {
	case "utf-8", "utf-8-sig":
		text, surrogates, err = checkUTF8(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	default:
		text, err = transcode(data, enc)
	}
	return text, enc, surrogates, err
}

// DetectEncoding is json.detect_encoding: BOMs first, then the pattern of
// NUL bytes in the first four bytes.
func DetectEncoding(b []byte) string {
	switch {
	case hasPrefix(b, "\x00\x00\xfe\xff"), hasPrefix(b, "\xff\xfe\x00\x00"):
		return "utf-32"
	case hasPrefix(b, "\xfe\xff"), hasPrefix(b, "\xff\xfe"):
		return "utf-16"
	case hasPrefix(b, "\xef\xbb\xbf"):
		return "utf-8-sig"
	}
	if len(b) >= 4 {
		if b[0] == 0 {
			if b[1] != 0 {
				return "utf-16-be"
			}
			return "utf-32-be"
		}
		if b[1] == 0 {
			if b[2] != 0 || b[3] != 0 {
				return "utf-16-le"
			}
			return "utf-32-le"
		}
	} else if len(b) == 2 {
		if b[0] == 0 {
			return "utf-16-be"
		}
		if b[1] == 0 {
			return "utf-16-le"
		}
	}
	return "utf-8"
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }

// transcode turns a UTF-16 or UTF-32 document into UTF-8 text the way
// Python's codecs do (a BOM selects the byte order and is dropped).
func transcode(b []byte, enc string) ([]byte, error) {
	switch enc {
	case "utf-16":
		return utf16Text(b[2:], b[0] == 0xfe)
	case "utf-16-be", "utf-16-le":
		return utf16Text(b, enc == "utf-16-be")
	case "utf-32":
		return utf32Text(b[4:], b[0] == 0)
	}
	return utf32Text(b, enc == "utf-32-be")
}

func checkUTF8(b []byte) ([]byte, bool, error) {
	if utf8.Valid(b) {
		return b, false, nil
	}
	// Surrogates encoded as 3-byte sequences (ED A0..BF xx) have the length
	// of U+FFFD: replace them in a copy and check again.
	out, found := append([]byte(nil), b...), false
	for i := 0; i+2 < len(out); i++ {
		if out[i] == 0xed && out[i+1] >= 0xa0 && out[i+1] <= 0xbf && out[i+2]&0xc0 == 0x80 {
			copy(out[i:], "\ufffd")
			found = true
			i += 2
		}
	}
	if !found || !utf8.Valid(out) {
		return nil, false, &SyntaxError{Msg: "not valid UTF-8 (json.loads raises UnicodeDecodeError)"}
	}
	return out, true, nil
}

func utf16Text(b []byte, big bool) ([]byte, error) {
	if len(b)%2 != 0 {
		return nil, &SyntaxError{Msg: "truncated UTF-16 data"}
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		if big {
			units[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			units[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	out := make([]byte, 0, len(units))
	for _, r := range utf16.Decode(units) {
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}

func utf32Text(b []byte, big bool) ([]byte, error) {
	if len(b)%4 != 0 {
		return nil, &SyntaxError{Msg: "truncated UTF-32 data"}
	}
	out := make([]byte, 0, len(b)/4)
	for i := 0; i < len(b); i += 4 {
		var r rune
		if big {
			r = rune(b[i])<<24 | rune(b[i+1])<<16 | rune(b[i+2])<<8 | rune(b[i+3])
		} else {
			r = rune(b[i+3])<<24 | rune(b[i+2])<<16 | rune(b[i+1])<<8 | rune(b[i])
		}
		if r < 0 || r > utf8.MaxRune {
			return nil, &SyntaxError{Off: i / 4, Msg: "code point out of range in UTF-32 data"}
		}
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}

type decoder struct {
	s         []byte
	i         int
	lim       Limits
	values    int
	anomalies []Anomaly
	noted     map[Anomaly]bool
}

func (d *decoder) fail(msg string) error { return &SyntaxError{Off: d.i, Msg: msg} }

// note records an anomaly once.
func (d *decoder) note(a Anomaly) {
	if d.noted[a] {
		return
	}
	if d.noted == nil {
		d.noted = map[Anomaly]bool{}
	}
	d.noted[a] = true
	d.anomalies = append(d.anomalies, a)
}

func (d *decoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) value(v *Value, depth int) error {
	if d.values++; d.values > d.lim.MaxValues {
		return fmt.Errorf("%w: more than %d values", ErrLimit, d.lim.MaxValues)
	}
	if d.i >= len(d.s) {
		return d.fail("expecting value")
	}
	switch c := d.s[d.i]; {
	case c == '{' || c == '[':
		if depth >= d.lim.MaxDepth {
			return fmt.Errorf("%w: nesting deeper than %d (CPython raises RecursionError)", ErrLimit, d.lim.MaxDepth)
		}
		if c == '{' {
			return d.object(v, depth+1)
		}
		return d.array(v, depth+1)
	case c == '"':
		s, err := d.str()
		*v = Value{Kind: String, Str: s}
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number(v)
	}
	return d.literal(v)
}

// literals json.loads accepts besides numbers, with the non-standard ones
// flagged.
var literals = []struct {
	text string
	kind Kind
	odd  bool
}{
	{"null", Null, false}, {"true", Bool, false}, {"false", Bool, false},
	{"NaN", Number, true}, {"Infinity", Number, true}, {"-Infinity", Number, true},
}

func (d *decoder) literal(v *Value) error {
	for _, l := range literals {
		if hasPrefix(d.s[d.i:], l.text) {
			d.i += len(l.text)
			*v = Value{Kind: l.kind, Str: l.text}
			if l.odd {
				d.note(Anomaly(l.text + " literal (not JSON; Python's json accepts it)"))
			}
			return nil
		}
	}
	return d.fail("expecting value")
}

// number follows json.scanner's NUMBER_RE: -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?
func (d *decoder) number(v *Value) error {
	start := d.i
	if d.s[d.i] == '-' {
		if hasPrefix(d.s[d.i:], "-Infinity") {
			return d.literal(v)
		}
		d.i++
	}
	if d.i < len(d.s) && d.s[d.i] == '0' {
		d.i++
	} else if !d.digits() {
		d.i = start
		return d.fail("expecting value")
	}
	if d.i+1 < len(d.s) && d.s[d.i] == '.' && isDigit(d.s[d.i+1]) {
		d.i++
		d.digits()
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		save := d.i
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if !d.digits() {
			d.i = save // Python's regex leaves a dangling exponent unmatched
		}
	}
	*v = Value{Kind: Number, Str: string(d.s[start:d.i])}
	return nil
}

func (d *decoder) digits() bool {
	start := d.i
	for d.i < len(d.s) && isDigit(d.s[d.i]) {
		d.i++
	}
	return d.i > start
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (d *decoder) array(v *Value, depth int) error {
	*v = Value{Kind: Array}
	return d.elements(']', func() error {
		v.Items = append(v.Items, Value{})
		return d.value(&v.Items[len(v.Items)-1], depth)
	})
}

func (d *decoder) object(v *Value, depth int) error {
	*v = Value{Kind: Object}
	seen := map[string]bool{}
	return d.elements('}', func() error {
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return d.fail("expecting property name enclosed in double quotes")
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		if seen[key] {
			d.note(Anomaly(fmt.Sprintf("duplicate key %s (Python keeps the last one)", strconv.Quote(clip(key)))))
		}
		seen[key] = true
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return d.fail("expecting ':' delimiter")
		}
		d.i++
		d.space()
		v.Keys = append(v.Keys, key)
		v.Items = append(v.Items, Value{})
		return d.value(&v.Items[len(v.Items)-1], depth)
	})
}

// elements reads the comma-separated elements of an array or object (d.i
// at its opening bracket) up to the closing byte; no trailing comma, as in
// Python.
func (d *decoder) elements(closing byte, element func() error) error {
	d.i++
	d.space()
	if d.i < len(d.s) && d.s[d.i] == closing {
		d.i++
		return nil
	}
	for {
		if err := element(); err != nil {
			return err
		}
		d.space()
		if d.i >= len(d.s) {
			return d.fail("expecting ',' delimiter")
		}
		switch d.s[d.i] {
		case ',':
			d.i++
			d.space()
		case closing:
			d.i++
			return nil
		default:
			return d.fail("expecting ',' delimiter")
		}
	}
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// str decodes a string at d.i (the opening quote).
func (d *decoder) str() (string, error) {
	d.i++
	start := d.i
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			s := string(d.s[start:d.i])
			d.i++
			return s, nil
		case c == '\\':
			return d.escaped(start)
		case c < 0x20:
			return "", d.fail("invalid control character in string")
		}
		d.i++
	}
	return "", d.fail("unterminated string")
}

func (d *decoder) escaped(start int) (string, error) {
	out := append([]byte(nil), d.s[start:d.i]...)
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return string(out), nil
		case c < 0x20:
			return "", d.fail("invalid control character in string")
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.s) {
			return "", d.fail("unterminated string")
		}
		e := d.s[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, err := d.unicode()
			if err != nil {
				return "", err
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", d.fail("invalid \\escape")
		}
	}
	return "", d.fail("unterminated string")
}

// unicode reads the XXXX of \uXXXX (d.i just past the u), joining a
// surrogate pair. A lone surrogate, which Python keeps as such, becomes
// U+FFFD here and is noted.
func (d *decoder) unicode() (rune, error) {
	r, ok := d.hex4()
	if !ok {
		return 0, d.fail("invalid \\uXXXX escape")
	}
	if !utf16.IsSurrogate(r) {
		return r, nil
	}
	if r < 0xdc00 && hasPrefix(d.s[d.i:], `\u`) {
		save := d.i
		d.i += 2
		if lo, ok := d.hex4(); ok && lo >= 0xdc00 && lo <= 0xdfff {
			return utf16.DecodeRune(r, lo), nil
		}
		d.i = save
	}
	d.note("lone surrogate in a string")
	return utf8.RuneError, nil
}

func (d *decoder) hex4() (rune, bool) {
	if d.i+4 > len(d.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(d.s[d.i:d.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	d.i += 4
	return rune(n), true
}
