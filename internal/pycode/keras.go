package pycode

import (
	"errors"
	"fmt"

	"github.com/modelgate/modelgate/internal/format/pymarshal"
)

// ErrBase64 is what CPython's binascii.Error would be for a Lambda's code.
var ErrBase64 = errors.New("not base64 as binascii.a2b_base64 reads it")

// A2BBase64 decodes like CPython's binascii.a2b_base64 in its default,
// non-strict mode (what codecs.decode(s, "base64") and so Keras' func_load
// use): characters outside the alphabet are skipped, "=" before the third
// character of a quad is ignored, the first complete padding ends the data
// and whatever follows it is ignored. Like CPython it fails when the data
// ends inside a quad.
func A2BBase64(s []byte) ([]byte, error) {
	out := make([]byte, 0, len(s)*3/4)
	quad, pads := 0, 0
	var left byte
	for _, c := range s {
		if c == '=' {
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					return out, nil
				}
			}
			continue
		}
		v := b64value(c)
		if v < 0 {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			left = byte(v)
		case 1:
			out = append(out, left<<2|byte(v)>>4)
			left = byte(v) & 0x0f
		case 2:
			out = append(out, left<<4|byte(v)>>2)
			left = byte(v) & 0x03
		case 3:
			out = append(out, left<<6|byte(v))
		}
		quad = (quad + 1) % 4
	}
	switch quad {
	case 0:
		return out, nil
	case 1:
		return nil, fmt.Errorf("%w: number of data characters cannot be 1 more than a multiple of 4", ErrBase64)
	}
	return nil, fmt.Errorf("%w: incorrect padding", ErrBase64)
}

func b64value(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}

// RawUnicodeEscape encodes s as Python's str.encode("raw_unicode_escape"):
// code points up to U+00FF become that byte, larger ones \uXXXX or
// \UXXXXXXXX with lowercase hex digits.
func RawUnicodeEscape(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r <= 0xff:
			out = append(out, byte(r))
		case r <= 0xffff:
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = fmt.Appendf(out, `\U%08x`, r)
		}
	}
	return out
}

// DecodeKerasCode turns the "code" string of a serialised Keras lambda into
// the bytes func_load hands to marshal.loads: base64 when the string is
// ASCII and binascii accepts it, otherwise (raw is true) the string's own
// raw_unicode_escape encoding, which no legitimate writer produces.
func DecodeKerasCode(code string) (data []byte, raw bool) {
	if isASCII(code) {
		if b, err := A2BBase64([]byte(code)); err == nil {
			return b, false
		}
	}
	return RawUnicodeEscape(code), true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// AnalyzeKerasLambda grades a serialised Keras lambda as func_load would
// build it: code is the "code" string, defaults and closure the JSON values
// (nil when absent). A code string that is not base64 is decoded through the
// raw_unicode_escape fallback and reported as A2.
func AnalyzeKerasLambda(code string, defaults, closure []any, env Env) (*Report, error) {
	data, raw := DecodeKerasCode(code)
	in := Input{Env: env}
	for _, d := range defaults {
		in.Defaults = append(in.Defaults, FromJSON(d))
	}
	for _, c := range closure {
		in.Closure = append(in.Closure, FromJSON(c))
	}
	if raw {
		in.Anomalies = append(in.Anomalies, pymarshal.Anomaly{Kind: pymarshal.HandAssembled, Offset: -1,
			Detail: "code is not base64: func_load falls back to raw_unicode_escape"})
	}
	return AnalyzeMarshal(data, in)
}
