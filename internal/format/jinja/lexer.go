// Package jinja parses Jinja2 templates (the chat templates shipped in GGUF
// metadata and Hugging Face tokenizer configs) into an AST without rendering
// anything. The lexer follows Jinja2's own rules (jinja2/lexer.py: default
// delimiters, brace balancing inside tags, Python unicode-escape string
// literals) so that what is code and what is text is decided the way the
// victim's renderer decides it; the parser follows jinja2/parser.py,
// including the tags of the extensions Hugging Face enables (loop controls
// and {% generation %}). Every recursion is bounded.
//
// It is written in-house rather than built on gonja: a scanner must lex
// exactly as jinja2 does (any difference in what counts as code is a
// bypass), needs byte spans for evidence, and must not touch the file
// system while parsing, which gonja's parser does for {% extends %} (it
// reads the parent template through its loader).
package jinja

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TokenKind is a lexical token kind.
type TokenKind uint8

const (
	TokText TokenKind = iota + 1
	TokVarBegin
	TokVarEnd
	TokBlockBegin
	TokBlockEnd
	TokName
	TokString
	TokInt
	TokFloat
	TokOp
	TokEOF
)

// Token is one lexical token; Pos and End are byte offsets in the source.
type Token struct {
	Kind     TokenKind
	Pos, End int
	// Val is the operator, name, number text, or decoded string value.
	Val string
	// Escaped marks a string literal that spells ASCII letters, digits or
	// underscores with backslash escapes (\x5f, \u005f, \137, \N{...}).
	Escaped bool
}

// SyntaxError is a template Jinja2 would refuse to compile.
type SyntaxError struct {
	Pos int
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("template syntax error at byte %d: %s", e.Pos, e.Msg)
}

var (
	rawBegin = regexp.MustCompile(`^\{%[-+]?\s*raw\s*[-+]?%\}`)
	rawEnd   = regexp.MustCompile(`\{%[-+]?\s*endraw\s*[-+]?%\}`)
	floatRe  = regexp.MustCompile(`^(?i)(\d+_)*\d+((\.(\d+_)*\d+)?e[+\-]?(\d+_)*\d+|\.(\d+_)*\d+)`)
	intRe    = regexp.MustCompile(`^(?i)(0b(_?[0-1])+|0o(_?[0-7])+|0x(_?[\da-f])+|[1-9](_?\d)*|0(_?0)*)`)
)

// operators in Jinja2's matching order: longest first.
var operators = []string{"//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"}

// Lex splits a template into tokens.
func Lex(src string) ([]Token, error) {
	l := &lexer{src: src}
	err := l.run()
	l.toks = append(l.toks, Token{Kind: TokEOF, Pos: len(src), End: len(src)})
	return l.toks, err
}

type lexer struct {
	src  string
	pos  int
	toks []Token
}

func (l *lexer) emit(k TokenKind, pos, end int, val string) {
	l.toks = append(l.toks, Token{Kind: k, Pos: pos, End: end, Val: val})
}

func (l *lexer) fail(pos int, format string, args ...any) error {
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (l *lexer) run() error {
	for l.pos < len(l.src) {
		i := nextTag(l.src, l.pos)
		if i < 0 {
			l.emit(TokText, l.pos, len(l.src), "")
			return nil
		}
		if i > l.pos {
			l.emit(TokText, l.pos, i, "")
		}
		l.pos = i
		var err error
		switch l.src[i+1] {
		case '#':
			err = l.comment()
		case '%':
			if m := rawBegin.FindString(l.src[i:]); m != "" {
				err = l.raw(i + len(m))
			} else {
				err = l.tag(TokBlockBegin, TokBlockEnd, '%')
			}
		default:
			err = l.tag(TokVarBegin, TokVarEnd, '}')
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// nextTag finds the next "{{", "{%" or "{#" at or after from.
func nextTag(s string, from int) int {
	for i := from; ; {
		j := strings.IndexByte(s[i:], '{')
		if j < 0 || i+j+1 >= len(s) {
			return -1
		}
		i += j
		if c := s[i+1]; c == '{' || c == '%' || c == '#' {
			return i
		}
		i++
	}
}

func (l *lexer) comment() error {
	end := strings.Index(l.src[l.pos+2:], "#}")
	if end < 0 {
		return l.fail(l.pos, "missing end of comment tag")
	}
	l.pos += 2 + end + 2
	return nil
}

func (l *lexer) raw(bodyStart int) error {
	loc := rawEnd.FindStringIndex(l.src[bodyStart:])
	if loc == nil {
		return l.fail(l.pos, "missing end of raw directive")
	}
	if loc[0] > 0 {
		l.emit(TokText, bodyStart, bodyStart+loc[0], "")
	}
	l.pos = bodyStart + loc[1]
	return nil
}

// tag lexes one {{ … }} or {% … %}; endc is the character before the final
// '}' of the end delimiter.
func (l *lexer) tag(begin, end TokenKind, endc byte) error {
	start := l.pos
	l.pos += 2
	if l.pos < len(l.src) && (l.src[l.pos] == '-' || l.src[l.pos] == '+') {
		l.pos++
	}
	l.emit(begin, start, l.pos, "")
	var balance []byte
	for {
		l.skipSpace()
		if l.pos >= len(l.src) {
			return l.fail(start, "unexpected end of template inside a tag")
		}
		if len(balance) == 0 {
			if n := endDelim(l.src[l.pos:], endc); n > 0 {
				l.emit(end, l.pos, l.pos+n, "")
				l.pos += n
				return nil
			}
		}
		if err := l.token(&balance); err != nil {
			return err
		}
	}
}

// endDelim returns the length of the end delimiter ("-%}", "+%}", "%}",
// "-}}", "}}") at the start of s, or 0.
func endDelim(s string, endc byte) int {
	n := 0
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		n = 1
	}
	if len(s) >= n+2 && s[n] == endc && s[n+1] == '}' {
		return n + 2
	}
	return 0
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		l.pos += n
	}
}

// token lexes one token inside a tag, in Jinja2's rule order: float,
// integer, name, string, operator.
func (l *lexer) token(balance *[]byte) error {
	s := l.src[l.pos:]
	pos := l.pos
	if m := floatRe.FindString(s); m != "" && !(pos > 0 && l.src[pos-1] == '.') {
		l.emit(TokFloat, pos, pos+len(m), m)
		l.pos += len(m)
		return nil
	}
	if m := intRe.FindString(s); m != "" {
		l.emit(TokInt, pos, pos+len(m), m)
		l.pos += len(m)
		return nil
	}
	if n := nameLen(s); n > 0 {
		l.emit(TokName, pos, pos+n, s[:n])
		l.pos += n
		return nil
	}
	if s[0] == '\'' || s[0] == '"' {
		return l.str()
	}
	for _, op := range operators {
		if strings.HasPrefix(s, op) {
			if err := l.balance(balance, op, pos); err != nil {
				return err
			}
			l.emit(TokOp, pos, pos+len(op), op)
			l.pos += len(op)
			return nil
		}
	}
	r, _ := utf8.DecodeRuneInString(s)
	return l.fail(pos, "unexpected character %q", r)
}

func (l *lexer) balance(stack *[]byte, op string, pos int) error {
	switch op {
	case "(", "[", "{":
		*stack = append(*stack, map[string]byte{"(": ')', "[": ']', "{": '}'}[op])
	case ")", "]", "}":
		if len(*stack) == 0 {
			return l.fail(pos, "unexpected %q", op)
		}
		if want := (*stack)[len(*stack)-1]; want != op[0] {
			return l.fail(pos, "unexpected %q, expected %q", op, want)
		}
		*stack = (*stack)[:len(*stack)-1]
	}
	return nil
}

// nameLen measures an identifier: a letter or underscore, then letters,
// digits, underscores and combining marks (Python's str.isidentifier).
func nameLen(s string) int {
	n := 0
	for i, r := range s {
		ok := r == '_' || unicode.IsLetter(r)
		if i > 0 {
			ok = ok || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Nd, r) || unicode.Is(unicode.Pc, r)
		}
		if !ok {
			return n
		}
		n = i + utf8.RuneLen(r)
	}
	return n
}

// str lexes a string literal.
func (l *lexer) str() error {
	pos := l.pos
	q := l.src[pos]
	i := pos + 1
	for i < len(l.src) && l.src[i] != q {
		if l.src[i] == '\\' {
			i++
		}
		i++
	}
	if i >= len(l.src) {
		return l.fail(pos, "unterminated string literal")
	}
	val, escaped, err := DecodeString(l.src[pos+1 : i])
	if err != nil {
		return l.fail(pos, "invalid string literal: %v", err)
	}
	l.toks = append(l.toks, Token{Kind: TokString, Pos: pos, End: i + 1, Val: val, Escaped: escaped})
	l.pos = i + 1
	return nil
}

// DecodeString decodes the body of a string literal (without its quotes)
// as Jinja2 does: newlines normalised, non-ASCII characters
// backslash-escaped, then Python's unicode-escape codec. escaped reports
// escapes that spell plain ASCII letters, digits or underscores.
func DecodeString(body string) (val string, escaped bool, err error) {
	body = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(body)
	return unicodeEscape(backslashReplace(body))
}

// backslashReplace is Python's str.encode("ascii", "backslashreplace").
func backslashReplace(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	return b.String()
}

// unicodeEscape is Python's bytes.decode("unicode-escape") on ASCII input.
// escaped reports escapes that spell plain ASCII letters, digits or
// underscores, which only obfuscation needs.
func unicodeEscape(s string) (out string, escaped bool, err error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			if c == '\\' {
				return "", false, fmt.Errorf("\\ at end of string")
			}
			b.WriteByte(c)
			continue
		}
		i++
		r, n, numeric, err := escapeAt(s, i)
		if err != nil {
			return "", false, err
		}
		switch {
		case r == unknownEscape:
			// Unknown escapes are kept verbatim.
			b.WriteByte('\\')
			b.WriteByte(s[i])
		case r >= 0:
			b.WriteRune(r)
			escaped = escaped || numeric && r < 0x80 && (r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r))
		}
		i += n - 1
	}
	return b.String(), escaped, nil
}

var simpleEscapes = map[byte]rune{'\\': '\\', '\'': '\'', '"': '"', 'a': 7, 'b': 8, 'f': 12, 'n': '\n', 'r': '\r', 't': '\t', 'v': 11}

// escapeAt decodes the escape whose letter is s[i]; it returns the rune (-1
// for a line continuation), the bytes consumed from i, and whether the
// escape was numeric or named.
func escapeAt(s string, i int) (r rune, n int, numeric bool, err error) {
	c := s[i]
	if v, ok := simpleEscapes[c]; ok {
		return v, 1, false, nil
	}
	switch {
	case c == '\n':
		return -1, 1, false, nil
	case c >= '0' && c <= '7':
		j := i
		for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
			j++
		}
		v, _ := strconv.ParseUint(s[i:j], 8, 32)
		return rune(v), j - i, true, nil
	case c == 'x' || c == 'u' || c == 'U':
		width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		if i+1+width > len(s) {
			return 0, 0, false, fmt.Errorf("truncated \\%c escape", c)
		}
		v, perr := strconv.ParseUint(s[i+1:i+1+width], 16, 32)
		if perr != nil || v > unicode.MaxRune {
			return 0, 0, false, fmt.Errorf("invalid \\%c escape", c)
		}
		return rune(v), 1 + width, true, nil
	case c == 'N':
		if i+1 >= len(s) || s[i+1] != '{' {
			return 0, 0, false, fmt.Errorf("malformed \\N character escape")
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return 0, 0, false, fmt.Errorf("malformed \\N character escape")
		}
		v, ok := namedRune(s[i+2 : i+end])
		if !ok {
			// The name is unknown here; Python may know it. Keep a
			// placeholder and report the escape.
			v = utf8.RuneError
		}
		return v, end + 1, true, nil
	}
	return unknownEscape, 1, false, nil
}

// unknownEscape is escapeAt's result for a backslash Python keeps as is.
const unknownEscape = -2

// namedRune resolves the \N{...} names of the ASCII characters, which is
// all an obfuscated attribute name needs; Python matches names
// case-insensitively.
func namedRune(name string) (rune, bool) {
	name = strings.ToUpper(strings.TrimSpace(name))
	for _, p := range [][2]string{{"LATIN SMALL LETTER ", "a"}, {"LATIN CAPITAL LETTER ", "A"}} {
		if rest, ok := strings.CutPrefix(name, p[0]); ok && len(rest) == 1 && rest[0] >= 'A' && rest[0] <= 'Z' {
			return rune(p[1][0] + rest[0] - 'A'), true
		}
	}
	digits := []string{"ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"}
	for d, w := range digits {
		if name == "DIGIT "+w {
			return rune('0' + d), true
		}
	}
	r, ok := asciiNames[name]
	return r, ok
}

var asciiNames = map[string]rune{
	"LOW LINE": '_', "FULL STOP": '.', "SPACE": ' ', "APOSTROPHE": '\'', "QUOTATION MARK": '"',
	"LEFT PARENTHESIS": '(', "RIGHT PARENTHESIS": ')', "LEFT SQUARE BRACKET": '[', "RIGHT SQUARE BRACKET": ']',
	"COMMA": ',', "COLON": ':', "SEMICOLON": ';', "SOLIDUS": '/', "REVERSE SOLIDUS": '\\', "HYPHEN-MINUS": '-',
	"EQUALS SIGN": '=', "VERTICAL LINE": '|', "AMPERSAND": '&', "PERCENT SIGN": '%', "NUMBER SIGN": '#',
	"GRAVE ACCENT": '`', "DOLLAR SIGN": '$', "EXCLAMATION MARK": '!', "GREATER-THAN SIGN": '>', "LESS-THAN SIGN": '<',
}
