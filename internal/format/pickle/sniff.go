package pickle

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// openers are opcodes a real pickle can start with: they push without
// needing anything on the stack.
var openers = func() (t [256]bool) {
	for _, c := range []byte{PROTO, MARK, EMPTY_DICT, EMPTY_LIST, EMPTY_TUPLE, EMPTY_SET, GLOBAL, NONE, NEWTRUE, NEWFALSE,
		INT, BININT, BININT1, BININT2, LONG, LONG1, LONG4, FLOAT, BINFLOAT, STRING, BINSTRING, SHORT_BINSTRING, UNICODE,
		BINUNICODE, SHORT_BINUNICODE, BINUNICODE8, BINBYTES, SHORT_BINBYTES, BINBYTES8, BYTEARRAY8, PERSID} {
		t[c] = true
	}
	return
}()

var sniffPool = sync.Pool{New: func() any {
	d := NewDecoderSize(nil, 4096)
	return d
}}

// Sniff decides from a stream's first bytes whether it is a pickle; size is
// the whole stream's length (-1 if unknown). It accepts a prefix that decodes
// to a STOP, a window of valid opcodes, a truncated stream that began like a
// pickle, and invalid data that follows a well-formed import (which a loader
// would already have executed). Random binary data fails within a few bytes.
func Sniff(head []byte, size int64) bool {
	if len(head) == 0 || !openers[head[0]] {
		return false
	}
	complete := size >= 0 && size <= int64(len(head))
	d := sniffPool.Get().(*Decoder)
	defer sniffPool.Put(d)
	d.Reset(bytes.NewReader(head), Linear)
	d.MaxArg = 256
	var op Op
	ops, strs := 0, 0
	sawImport, strong := false, head[0] == PROTO
	for ops < 512 {
		err := d.Next(&op)
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			if complete {
				return strong || sawImport // a pickle that stops without STOP
			}
			return ops >= 8 || sawImport || strong && ops >= 2
		case errors.Is(err, ErrTruncated):
			if complete {
				return ops >= 1 && (strong || sawImport)
			}
			// The window ended inside an argument: plausible only if the
			// claimed length fits in the stream.
			if size >= 0 && op.Len > 0 && op.ArgOffset+op.Len > size {
				return false
			}
			return ops >= 8 || sawImport || strong
		default:
			return ops >= 8 || sawImport
		}
		ops++
		switch op.Code {
		case STOP:
			// A tiny pickle is plausible when it is the whole stream; one
			// followed by more bytes needs some substance (random bytes
			// start with NEWTRUE STOP one time in 65536).
			return d.AtEOF() && complete || ops >= 4 || strong || sawImport
		case GLOBAL, INST:
			if identifier(op.Arg) && identifier(op.Arg2) {
				sawImport = true
			}
		case STACK_GLOBAL:
			if strs >= 2 {
				sawImport = true
			}
		case SHORT_BINUNICODE, BINUNICODE, UNICODE, STRING, BINSTRING, SHORT_BINSTRING:
			strs++
		}
	}
	return true
}

// identifier reports a plausible dotted Python name.
func identifier(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80) {
			return false
		}
	}
	return true
}

// NewDecoderSize is NewDecoder with a chosen buffer size.
func NewDecoderSize(r interface{ Read([]byte) (int, error) }, size int) *Decoder {
	return &Decoder{r: r, buf: make([]byte, size), MaxArg: DefaultMaxArg}
}

// Imports lists the globals a pickle in b imports (GLOBAL, INST and
// STACK_GLOBAL fed by the two preceding strings), decoding at most maxOps
// opcodes. It is a quick look, not an analysis: memo indirection is ignored.
func Imports(b []byte, maxOps int) []string {
	d := sniffPool.Get().(*Decoder)
	defer sniffPool.Put(d)
	d.Reset(bytes.NewReader(b), Linear)
	d.MaxArg = 256
	var out []string
	var last [2]string
	var op Op
	for i := 0; i < maxOps && d.Next(&op) == nil; i++ {
		switch op.Code {
		case GLOBAL, INST:
			out = append(out, string(op.Arg)+"."+string(op.Arg2))
		case STACK_GLOBAL:
			out = append(out, last[0]+"."+last[1])
		case SHORT_BINUNICODE, BINUNICODE, UNICODE, STRING, BINSTRING, SHORT_BINSTRING:
			last[0], last[1] = last[1], string(op.Arg)
		case STOP:
			return out
		}
	}
	return out
}

// Complete reports whether b holds exactly one pickle: every opcode decodes
// and the last one is STOP.
func Complete(b []byte) bool {
	d := sniffPool.Get().(*Decoder)
	defer sniffPool.Put(d)
	d.Reset(bytes.NewReader(b), Linear)
	d.MaxArg = 256
	var op Op
	for d.Next(&op) == nil {
		if op.Code == STOP {
			return d.AtEOF()
		}
	}
	return false
}
