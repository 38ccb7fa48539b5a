package pickle

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	pkl "github.com/modelgate/modelgate/internal/format/pickle"
)

// A payload is a byte or text constant that holds another serialised
// artifact (a pickle, a torch zip, a compressed stream), possibly base64 or
// hex encoded. Each becomes a child artifact; the constant's identity (its
// arena offset) links it to the deserialiser call it is passed to, if any.
type payload struct {
	key      uint32 // arena offset of the constant
	opOff    int64  // offset of the opcode that pushed it
	argOff   int64  // offset of its raw bytes in the stream, or -1 (a decoded text line)
	size     int64  // full length of the constant
	encoding string // "bytes", "latin1" (protocol 2 bytes as text), "base64" or "hex"
	head     []byte // the constant's kept bytes (a prefix when it is long)
	loader   string // the deserialiser it is passed to, "" if none
}

const (
	minPayload  = 8
	maxPayloads = 256
	// maxDecoded bounds what is decoded from base64 or hex text.
	maxDecoded = 64 << 20
)

// payloadLoaders deserialise their first argument. A call of one on a
// constant payload is judged by analysing the payload itself.
var payloadLoaders = map[string]bool{
	"pickle.loads": true, "dill.loads": true, "dill._dill.loads": true, "cloudpickle.loads": true,
	"cloudpickle.cloudpickle.loads": true, "numpy.loads": true, "torch.load": true, "torch.serialization.load": true,
	"torch.storage._load_from_bytes": true,
}

// transparent calls turn a constant into bytes without side effects, so a
// deserialiser applied to their result still loads a known payload.
var transparent = map[string]bool{
	"io.BytesIO": true, "base64.b64decode": true, "base64.standard_b64decode": true, "base64.urlsafe_b64decode": true,
	"base64.decodebytes": true, "base64.decodestring": true, "binascii.a2b_base64": true, "binascii.unhexlify": true,
	"binascii.a2b_hex": true, "builtins.bytes.fromhex": true, "codecs.decode": true, "codecs.encode": true, "zlib.decompress": true,
	"gzip.decompress": true, "bz2.decompress": true, "lzma.decompress": true,
}

// unwrapTransparent looks through buffers and pure decoders to the constant
// they were given: torch.load(io.BytesIO(b'...')), pickle.loads(b64decode('...')).
func (m *machine) unwrapTransparent(arg value) value {
	for depth := 0; depth < 4 && arg.k == kCall && arg.a != noObj; depth++ {
		c := m.calls[arg.a]
		in, _ := m.items(c.args)
		if len(in) == 0 || !transparent[m.pathOf(c.fn, 0)] {
			break
		}
		arg = in[0]
	}
	return arg
}

// routineLoaders are the ones PyTorch's own pickling uses; they get no info finding.
var routineLoaders = map[string]bool{"torch.storage._load_from_bytes": true}

// embedded recognises the head of a serialised artifact.
func embedded(b []byte, size int64) bool {
	for _, sig := range [][]byte{[]byte("PK\x03\x04"), {0x1f, 0x8b}, []byte("BZh"), {0xfd, '7', 'z', 'X', 'Z'},
		{0x28, 0xb5, 0x2f, 0xfd}, {0x04, 0x22, 0x4d, 0x18}, {'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}} {
		if bytes.HasPrefix(b, sig) {
			return true
		}
	}
	return picklePayload(b, size)
}

// picklePayload demands more than the format sniffer: a protocol header
// as picklers write it (PROTO exists since protocol 2) or an import, so raw
// array bytes and bytecode tables are not mistaken for pickles.
func picklePayload(b []byte, size int64) bool {
	head := b[:min(len(b), analyze.HeadSize)]
	if !pkl.Sniff(head, size) {
		return false
	}
	return len(b) >= 2 && b[0] == pkl.PROTO && b[1] >= 2 && b[1] <= pkl.HighestProtocol || len(pkl.Imports(head, 64)) > 0
}

// complete reports whether a constant that nothing loads is a whole
// serialised artifact: an archive or compressed stream by its magic, or a
// pickle that decodes to STOP. A stray prefix that merely looks like one is
// not analysed (no loader would read it either).
func complete(b []byte, size int64) bool {
	if !picklePayload(b, size) {
		return embedded(b, size) // an archive or compressed stream
	}
	if int64(len(b)) < size {
		return true // longer than kept: the prefix already decoded cleanly
	}
	return pkl.Complete(b)
}

// notePayload records a constant that holds a serialised artifact.
func (m *machine) notePayload(op *pkl.Op, v value) {
	if op.Len < minPayload || len(m.payloads) >= maxPayloads || v.k == kDropped {
		return
	}
	p := payload{key: v.a, opOff: op.Offset, argOff: -1, size: op.Len}
	if op.Code != pkl.STRING && op.Code != pkl.UNICODE {
		p.argOff = op.ArgOffset
	}
	switch {
	case embedded(op.Arg, op.Len):
		p.encoding = "bytes"
	case v.k == kStr && decodesTo(op.Arg, decodeLatin1):
		p.encoding = "latin1"
	case op.Len >= 16 && decodesTo(op.Arg, decodeBase64):
		p.encoding = "base64"
	case op.Len >= 16 && decodesTo(op.Arg, decodeHex):
		p.encoding = "hex"
	default:
		return
	}
	p.head = append([]byte(nil), op.Arg...)
	m.payloads = append(m.payloads, p)
}

// decodesTo checks whether a text prefix decodes to a serialised artifact.
func decodesTo(text []byte, decode func([]byte) ([]byte, bool)) bool {
	prefix := text[:min(len(text), 2048)]
	b, ok := decode(prefix)
	return ok && len(b) >= minPayload && embedded(b, -1)
}

// decodeBase64 decodes standard or URL-safe base64, ignoring line breaks
// and whitespace; anything else makes it not base64.
func decodeBase64(text []byte) ([]byte, bool) {
	clean := make([]byte, 0, len(text))
	urlsafe := false
	for _, c := range text {
		switch {
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/':
		case c == '-' || c == '_':
			urlsafe = true
		case c == '=':
		case c == '\n' || c == '\r' || c == ' ' || c == '\t':
			continue
		default:
			return nil, false
		}
		clean = append(clean, c)
	}
	clean = bytes.TrimRight(clean, "=")
	if len(clean)%4 == 1 { // a dangling character carries no whole byte
		clean = clean[:len(clean)-1]
	}
	enc := base64.RawStdEncoding
	if urlsafe {
		enc = base64.RawURLEncoding
	}
	out := make([]byte, enc.DecodedLen(len(clean)))
	n, err := enc.Decode(out, clean)
	return out[:n], err == nil
}

// decodeLatin1 turns text whose code points are all below 256 back into the
// bytes protocol 2 pickled as codecs.encode(text, 'latin1').
func decodeLatin1(text []byte) ([]byte, bool) {
	out := make([]byte, 0, len(text))
	for _, r := range string(text) {
		if r > 0xff {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, len(out) < len(text) || len(out) > 0
}

func decodeHex(text []byte) ([]byte, bool) {
	t := bytes.TrimSpace(text)
	t = t[:len(t)/2*2]
	out := make([]byte, len(t)/2)
	_, err := hex.Decode(out, t)
	return out, err == nil
}

// markLoaded links a deserialiser call to the payload it loads. It returns
// true when the call is judged by its payload (a constant that is analysed).
func (m *machine) markLoaded(loader string, args value) bool {
	if !payloadLoaders[loader] {
		return false
	}
	items, _ := m.items(args)
	if len(items) == 0 {
		return false
	}
	arg := m.unwrapTransparent(items[0])
	if arg.k != kBytes && arg.k != kStr {
		return false
	}
	for i := range m.payloads {
		if m.payloads[i].key == arg.a {
			m.payloads[i].loader = loader
			return true
		}
	}
	return false
}

// scanPayloads hands every recorded payload to the engine and reports
// loaded ones (info) and staged ones (suspicious).
func (m *machine) scanPayloads(s analyze.Scope) error {
	var firstErr error
	for _, p := range m.payloads {
		if p.loader == "" && !complete(decode(p.encoding, p.head), p.size) {
			continue
		}
		name := fmt.Sprintf("<%s@%d>", p.encoding, p.opOff)
		data, err := m.payloadBytes(s, p)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("embedded payload %s of %d bytes could not be read: %w", name, p.size, err)
			}
			continue
		}
		s.Scan(analyze.Child{Name: name, Src: data, Hint: HintPickle})
		switch {
		case p.loader != "" && !routineLoaders[p.loader]:
			s.Report(analyze.Hit{Rule: "PICKLE-108", At: analyze.Offset(p.opOff),
				Message:  fmt.Sprintf("%s loads a constant %s payload of %d bytes; it was analysed as %s", p.loader, p.encoding, p.size, name),
				Evidence: p.loader + "(" + name + ")"})
		case p.loader == "":
			m.reportStaging(s, p, name)
		}
	}
	return firstErr
}

// reportStaging flags an embedded pickle with imports that nothing loads.
func (m *machine) reportStaging(s analyze.Scope, p payload, name string) {
	b := p.head
	b = decode(p.encoding, b)
	if !picklePayload(b, -1) {
		return
	}
	imports := pkl.Imports(b[:min(len(b), 1<<16)], 4096)
	if len(imports) == 0 {
		return
	}
	if len(imports) > 4 {
		imports = append(imports[:4:4], "…")
	}
	s.Report(analyze.Hit{Rule: "PICKLE-109", At: analyze.Offset(p.opOff),
		Message:  fmt.Sprintf("a %s constant of %d bytes holds a pickle that imports %s, and nothing in this stream loads it", p.encoding, p.size, strings.Join(imports, ", ")),
		Evidence: name})
}

// payloadBytes returns the payload's content: raw bytes straight from the
// artifact when they were not kept whole, decoded text otherwise.
func (m *machine) payloadBytes(s analyze.Scope, p payload) (analyze.Source, error) {
	raw := p.head
	if int64(len(raw)) < p.size {
		if p.argOff < 0 {
			return nil, fmt.Errorf("text argument longer than %d bytes", len(raw))
		}
		ra, err := s.ReaderAt()
		if err != nil {
			return nil, err
		}
		if p.encoding == "bytes" {
			return analyze.SectionSource{R: ra, Off: p.argOff, Len: p.size}, nil
		}
		if p.size > maxDecoded*2 {
			return nil, fmt.Errorf("encoded payload exceeds %d bytes", maxDecoded*2)
		}
		raw = make([]byte, p.size)
		if _, err := ra.ReadAt(raw, p.argOff); err != nil && err != io.EOF {
			return nil, err
		}
	}
	return analyze.BytesSource(decode(p.encoding, raw)), nil
}

// decode turns a payload's constant into the bytes it stands for.
func decode(encoding string, raw []byte) []byte {
	var b []byte
	switch encoding {
	case "latin1":
		b, _ = decodeLatin1(raw)
	case "base64":
		b, _ = decodeBase64(raw)
	case "hex":
		b, _ = decodeHex(raw)
	default:
		return raw
	}
	return b
}
