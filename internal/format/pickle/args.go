package pickle

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// decodeLine converts a text argument the way CPython's unpickler does,
// rejecting what it rejects. Decoding can lengthen a line (Latin-1 bytes
// become two UTF-8 bytes), so the result is cut to maxArg again.
func decodeLine(op *Op, kind lineKind, l []byte, maxArg int) error {
	op.Arg, op.Len = l, int64(len(l))
	bad := func(what string) error {
		return &Error{Offset: op.Offset, Code: op.Code, Err: ErrInvalidArg, Detail: what}
	}
	switch kind {
	case lineInt, lineLong:
		s := string(bytes.TrimSpace(l))
		base := 0
		if op.Code == GET || op.Code == PUT {
			base = 10
		}
		if kind == lineLong {
			s = trimSuffixByte(s, 'L')
		}
		v, err := strconv.ParseInt(s, base, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				op.BigInt = true
				return nil
			}
			return bad("not an integer")
		}
		op.Int = v
		if (op.Code == GET || op.Code == PUT) && v < 0 {
			return bad("negative memo key")
		}
	case lineFloat:
		v, err := strconv.ParseFloat(string(bytes.TrimSpace(l)), 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
				return bad("not a float")
			}
		}
		op.Float = v
	case lineString:
		if len(l) < 2 || l[0] != l[len(l)-1] || (l[0] != '\'' && l[0] != '"') {
			return bad("the STRING argument must be quoted")
		}
		dec, ok := escapeDecode(l[1 : len(l)-1])
		if !ok {
			return bad("invalid escape in STRING")
		}
		op.Arg, op.Len = cut(dec, maxArg), int64(len(dec))
	case lineUnicode:
		dec, ok := rawUnicodeEscape(l)
		if !ok {
			return bad("invalid raw-unicode-escape in UNICODE")
		}
		op.Arg, op.Len = cut(dec, maxArg), int64(len(dec))
	case lineASCIIPID:
		for _, c := range l {
			if c >= 0x80 {
				return bad("persistent id is not ASCII")
			}
		}
	}
	return nil
}

// cut keeps at most n bytes of b, never splitting a UTF-8 sequence.
func cut(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return b[:n]
}

func trimSuffixByte(s string, c byte) string {
	if len(s) > 0 && s[len(s)-1] == c {
		return s[:len(s)-1]
	}
	return s
}

// checkGlobalLines applies CPython 3's strict UTF-8 decoding of GLOBAL and
// INST operands.
func checkGlobalLines(op *Op) error {
	if !utf8.Valid(op.Arg) || !utf8.Valid(op.Arg2) {
		return &Error{Offset: op.Offset, Code: op.Code, Err: ErrInvalidArg, Detail: "module or name is not UTF-8"}
	}
	return nil
}

// decodeLongBytes reads LONG1/LONG4 little-endian two's complement values.
func decodeLongBytes(op *Op) {
	b := op.Arg
	if op.Len > 8 || int64(len(b)) != op.Len {
		op.BigInt = op.Len > 0
		return
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	if n := len(b); n > 0 && n < 8 && b[n-1]&0x80 != 0 {
		v |= ^uint64(0) << (8 * n)
	}
	op.Int = int64(v)
}

// escapeDecode implements Python's codecs.escape_decode for STRING.
func escapeDecode(s []byte) ([]byte, bool) {
	if bytes.IndexByte(s, '\\') < 0 {
		return s, true
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, false // trailing backslash
		}
		switch e := s[i]; e {
		case '\n':
		case '\\', '\'', '"':
			out = append(out, e)
		case 'a':
			out = append(out, 7)
		case 'b':
			out = append(out, 8)
		case 'f':
			out = append(out, 12)
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, 11)
		case 'x':
			if i+2 >= len(s) {
				return nil, false
			}
			v, err := strconv.ParseUint(string(s[i+1:i+3]), 16, 8)
			if err != nil {
				return nil, false
			}
			out = append(out, byte(v))
			i += 2
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(e - '0')
			for k := 0; k < 2 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(s[i]-'0')
			}
			out = append(out, byte(v))
		default:
			// Unknown escapes are kept verbatim, as Python does.
			out = append(out, '\\', e)
		}
	}
	return out, true
}

// rawUnicodeEscape implements Python's raw-unicode-escape decoding: bytes
// are Latin-1 code points except \uXXXX and \UXXXXXXXX. The result is UTF-8.
func rawUnicodeEscape(s []byte) ([]byte, bool) {
	ascii := true
	for _, c := range s {
		if c >= 0x80 || c == '\\' {
			ascii = false
			break
		}
	}
	if ascii {
		return s, true
	}
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			out = utf8.AppendRune(out, rune(s[i]))
			i++
			continue
		}
		// \u-escapes count only after an odd run of backslashes.
		run := i
		for i < len(s) && s[i] == '\\' {
			out = append(out, '\\')
			i++
		}
		if (i-run)%2 == 0 || i >= len(s) || (s[i] != 'u' && s[i] != 'U') {
			continue
		}
		out = out[:len(out)-1]
		n := 4
		if s[i] == 'U' {
			n = 8
		}
		if i+1+n > len(s) {
			return nil, false
		}
		v, err := strconv.ParseUint(string(s[i+1:i+1+n]), 16, 32)
		if err != nil || v > utf8.MaxRune {
			return nil, false
		}
		out = utf8.AppendRune(out, rune(v))
		i += 1 + n
	}
	return out, true
}
