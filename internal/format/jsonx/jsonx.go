// Package jsonx is a strict, streaming JSON (RFC 8259) reader for hostile
// input. It reports every token with its byte offset, flags duplicate object
// keys (encoding/json silently keeps the last one, other readers keep the
// first), and rejects what strict readers such as serde_json reject and
// lenient ones accept: invalid UTF-8, lone surrogates, NaN, trailing commas,
// control characters in strings. Memory grows with the nesting depth and the
// keys of the open objects, never with a length claimed by the input.
package jsonx

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is a token kind.
type Kind uint8

const (
	ObjectStart Kind = iota + 1
	ObjectEnd
	ArrayStart
	ArrayEnd
	String
	Number
	True
	False
	Null
)

var kindNames = [...]string{"", "{", "}", "[", "]", "string", "number", "true", "false", "null"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Token is one JSON token.
type Token struct {
	Kind Kind
	// Off is the byte offset of the token's first byte.
	Off int64
	// Text is the decoded string for String, the literal text for Number.
	Text string
	// Key marks a String that is an object key.
	Key bool
	// Dup marks a key already present in the same object.
	Dup bool
}

// SyntaxError is malformed JSON at an offset.
type SyntaxError struct {
	Off int64
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("invalid JSON at byte %d: %s", e.Off, e.Msg) }

// ErrDepth is returned when nesting exceeds the decoder's limit.
var ErrDepth = errors.New("JSON nesting too deep")

type frame struct {
	object bool
	// wantKey: inside an object, the next token is a key (or '}').
	wantKey bool
	// first: no member has been read yet.
	first bool
	keys  map[string]struct{}
}

// Decoder reads tokens one at a time.
type Decoder struct {
	r        *bufio.Reader
	off      int64
	stack    []frame
	maxDepth int
	done     bool // the top-level value is complete
	buf      []byte
}

// NewDecoder reads JSON from r, refusing nesting deeper than maxDepth.
func NewDecoder(r io.Reader, maxDepth int) *Decoder {
	return &Decoder{r: bufio.NewReaderSize(r, 64<<10), maxDepth: maxDepth}
}

// Offset is the number of bytes consumed so far.
func (d *Decoder) Offset() int64 { return d.off }

func (d *Decoder) fail(off int64, format string, args ...any) error {
	return &SyntaxError{Off: off, Msg: fmt.Sprintf(format, args...)}
}

func (d *Decoder) readByte() (byte, error) {
	b, err := d.r.ReadByte()
	if err == nil {
		d.off++
	}
	return b, err
}

func (d *Decoder) unread() {
	_ = d.r.UnreadByte()
	d.off--
}

// skipSpace consumes the four JSON whitespace bytes and returns the next
// byte, unread.
func (d *Decoder) skipSpace() (byte, error) {
	for {
		b, err := d.readByte()
		if err != nil {
			return 0, err
		}
		if b != ' ' && b != '\t' && b != '\n' && b != '\r' {
			d.unread()
			return b, nil
		}
	}
}

// Next returns the next token. At the end of the document it returns io.EOF
// once only whitespace remains; anything else after the top-level value is a
// SyntaxError. Input that ends inside the document gives io.ErrUnexpectedEOF.
func (d *Decoder) Next() (Token, error) {
	if d.done {
		b, err := d.skipSpace()
		if err == io.EOF {
			return Token{}, io.EOF
		}
		if err != nil {
			return Token{}, err
		}
		return Token{}, d.fail(d.off, "data after the top-level value (%q)", b)
	}
	b, err := d.skipSpace()
	if err != nil {
		return Token{}, d.eof(err)
	}
	if n := len(d.stack); n > 0 {
		if err := d.separator(&d.stack[n-1], b); err != nil {
			return Token{}, err
		}
		if b, err = d.skipSpace(); err != nil {
			return Token{}, d.eof(err)
		}
	}
	return d.token(b)
}

// eof turns the end of input inside a document into io.ErrUnexpectedEOF,
// which callers that see only a prefix (a file's head) tell apart from a
// syntax error.
func (d *Decoder) eof(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (d *Decoder) atEOF() bool {
	_, err := d.r.Peek(1)
	return err != nil
}

// separator consumes the ',' or ':' that must precede the next token of the
// enclosing container, given the upcoming byte b.
func (d *Decoder) separator(f *frame, b byte) error {
	closing := (f.object && b == '}') || (!f.object && b == ']')
	switch {
	case f.object && !f.wantKey:
		if b != ':' {
			return d.fail(d.off, "expected ':' after an object key, found %q", b)
		}
		d.readByte()
	case closing && f.first:
	case closing:
		return nil
	case f.first:
	default:
		if b != ',' {
			return d.fail(d.off, "expected ',' or a closing bracket, found %q", b)
		}
		d.readByte()
		if nb, err := d.skipSpace(); err == nil && ((f.object && nb == '}') || (!f.object && nb == ']')) {
			return d.fail(d.off, "trailing comma")
		}
	}
	return nil
}

func (d *Decoder) token(b byte) (Token, error) {
	off := d.off
	var f *frame
	if n := len(d.stack); n > 0 {
		f = &d.stack[n-1]
	}
	if f != nil && f.object && f.wantKey {
		if b == '}' {
			return d.close(off, true)
		}
		if b != '"' {
			return Token{}, d.fail(off, "object keys must be strings, found %q", b)
		}
		s, err := d.str()
		if err != nil {
			return Token{}, err
		}
		_, dup := f.keys[s]
		if f.keys == nil {
			f.keys = map[string]struct{}{}
		}
		f.keys[s] = struct{}{}
		f.wantKey, f.first = false, false
		return Token{Kind: String, Off: off, Text: s, Key: true, Dup: dup}, nil
	}
	if f != nil && !f.object && b == ']' {
		return d.close(off, false)
	}
	t, err := d.value(b, off)
	if err != nil {
		return t, err
	}
	if t.Kind != ObjectStart && t.Kind != ArrayStart {
		d.valueDone()
	}
	return t, nil
}

func (d *Decoder) close(off int64, object bool) (Token, error) {
	d.readByte()
	d.stack = d.stack[:len(d.stack)-1]
	d.valueDone()
	if object {
		return Token{Kind: ObjectEnd, Off: off}, nil
	}
	return Token{Kind: ArrayEnd, Off: off}, nil
}

// valueDone records that a complete value was read in the current container.
func (d *Decoder) valueDone() {
	n := len(d.stack)
	if n == 0 {
		d.done = true
		return
	}
	f := &d.stack[n-1]
	f.first = false
	if f.object {
		f.wantKey = true
	}
}

func (d *Decoder) value(b byte, off int64) (Token, error) {
	switch {
	case b == '{' || b == '[':
		if len(d.stack) >= d.maxDepth {
			return Token{}, ErrDepth
		}
		d.readByte()
		d.stack = append(d.stack, frame{object: b == '{', wantKey: b == '{', first: true})
		if b == '{' {
			return Token{Kind: ObjectStart, Off: off}, nil
		}
		return Token{Kind: ArrayStart, Off: off}, nil
	case b == '"':
		s, err := d.str()
		return Token{Kind: String, Off: off, Text: s}, err
	case b == '-' || b >= '0' && b <= '9':
		s, err := d.number()
		return Token{Kind: Number, Off: off, Text: s}, err
	case b == 't':
		return Token{Kind: True, Off: off}, d.literal("true")
	case b == 'f':
		return Token{Kind: False, Off: off}, d.literal("false")
	case b == 'n':
		return Token{Kind: Null, Off: off}, d.literal("null")
	}
	return Token{}, d.fail(off, "unexpected %q", b)
}

func (d *Decoder) literal(word string) error {
	off := d.off
	for i := 0; i < len(word); i++ {
		b, err := d.readByte()
		if err != nil {
			return d.eof(err)
		}
		if b != word[i] {
			return d.fail(off, "invalid literal (expected %s)", word)
		}
	}
	return nil
}

// number reads a number with the RFC 8259 grammar (no leading zeros, no
// '+', no bare '.', no NaN or Infinity).
func (d *Decoder) number() (string, error) {
	off := d.off
	d.buf = d.buf[:0]
	b, _ := d.readByte()
	if b == '-' {
		d.buf = append(d.buf, b)
		var err error
		if b, err = d.readByte(); err != nil {
			return "", d.eof(err)
		}
	}
	switch {
	case b == '0':
		d.buf = append(d.buf, b)
	case b >= '1' && b <= '9':
		d.buf = append(d.buf, b)
		d.digits()
	default:
		return "", d.fail(off, "invalid number")
	}
	if d.peekIs('.') {
		d.take()
		if d.digits() == 0 {
			return "", d.numberEnd(off, "no digits after '.'")
		}
	}
	if d.peekIs('e') || d.peekIs('E') {
		d.take()
		if d.peekIs('+') || d.peekIs('-') {
			d.take()
		}
		if d.digits() == 0 {
			return "", d.numberEnd(off, "no exponent digits")
		}
	}
	return string(d.buf), nil
}

// numberEnd reports a number cut short: by the end of input, or by a byte
// that cannot continue it.
func (d *Decoder) numberEnd(off int64, why string) error {
	if d.atEOF() {
		return io.ErrUnexpectedEOF
	}
	return d.fail(off, "invalid number: %s", why)
}

func (d *Decoder) peekIs(c byte) bool {
	b, err := d.r.Peek(1)
	return err == nil && b[0] == c
}

func (d *Decoder) take() {
	b, _ := d.readByte()
	d.buf = append(d.buf, b)
}

func (d *Decoder) digits() int {
	n := 0
	for {
		p, err := d.r.Peek(1)
		if err != nil || p[0] < '0' || p[0] > '9' {
			return n
		}
		d.take()
		n++
	}
}

// str reads a string after its opening quote is the next byte.
func (d *Decoder) str() (string, error) {
	start := d.off
	d.readByte()
	d.buf = d.buf[:0]
	for {
		b, err := d.readByte()
		if err != nil {
			return "", d.eof(err)
		}
		switch {
		case b == '"':
			if !utf8.Valid(d.buf) {
				return "", d.fail(start, "string is not valid UTF-8")
			}
			return string(d.buf), nil
		case b == '\\':
			if err := d.escape(); err != nil {
				return "", err
			}
		case b < 0x20:
			return "", d.fail(d.off-1, "control character 0x%02x in a string", b)
		default:
			d.buf = append(d.buf, b)
		}
	}
}

func (d *Decoder) escape() error {
	off := d.off - 1
	b, err := d.readByte()
	if err != nil {
		return d.eof(err)
	}
	if i := strings.IndexByte(`"\/bfnrt`, b); i >= 0 {
		d.buf = append(d.buf, "\"\\/\b\f\n\r\t"[i])
		return nil
	}
	if b != 'u' {
		return d.fail(off, "invalid escape \\%c", b)
	}
	r, err := d.hex4(off)
	if err != nil {
		return err
	}
	if utf16.IsSurrogate(r) {
		// A high surrogate must be followed by an escaped low surrogate;
		// serde_json refuses lone surrogates, Python accepts them.
		if r < 0xDC00 && d.atEOF() {
			return io.ErrUnexpectedEOF
		}
		if r >= 0xDC00 || !d.peekIs('\\') {
			return d.fail(off, "lone surrogate \\u%04x", r)
		}
		d.readByte()
		b, err := d.readByte()
		if err != nil {
			return d.eof(err)
		}
		if b != 'u' {
			return d.fail(off, "lone surrogate \\u%04x", r)
		}
		lo, err := d.hex4(off)
		if err != nil {
			return err
		}
		if r = utf16.DecodeRune(r, lo); r == utf8.RuneError {
			return d.fail(off, "invalid surrogate pair")
		}
	}
	d.buf = utf8.AppendRune(d.buf, r)
	return nil
}

func (d *Decoder) hex4(off int64) (rune, error) {
	var r rune
	for i := 0; i < 4; i++ {
		b, err := d.readByte()
		if err != nil {
			return 0, d.eof(err)
		}
		v, ok := unhex(b)
		if !ok {
			return 0, d.fail(off, "invalid \\u escape")
		}
		r = r<<4 | rune(v)
	}
	return r, nil
}

func unhex(b byte) (byte, bool) {
	switch {
	case b >= '0' && b <= '9':
		return b - '0', true
	case b >= 'a' && b <= 'f':
		return b - 'a' + 10, true
	case b >= 'A' && b <= 'F':
		return b - 'A' + 10, true
	}
	return 0, false
}

// Skip consumes the rest of a value whose first token t was just read: for
// an array or object start, everything up to its matching end.
func (d *Decoder) Skip(t Token) error {
	if t.Kind != ObjectStart && t.Kind != ArrayStart {
		return nil
	}
	depth := len(d.stack) - 1
	for len(d.stack) > depth {
		if _, err := d.Next(); err != nil {
			return err
		}
	}
	return nil
}
