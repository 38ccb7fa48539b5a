package sign

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"strings"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// BundleMediaType is the media type of the bundles modelgate writes, as the
// reference implementation writes them.
const BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"

// Bundle is a parsed Sigstore bundle holding a DSSE envelope.
type Bundle struct {
	pb *protobundle.Bundle
}

// ParseBundle decodes a Sigstore bundle. Unknown fields are accepted:
// model_signing 1.0.0 and 1.0.1 wrote publicKey.rawBytes and keyDetails,
// which strict parsers reject. It checks only the shape; no signature.
func ParseBundle(data []byte) (*Bundle, error) {
	var pb protobundle.Bundle
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, &pb); err != nil {
		return nil, notVerified("corrupt bundle: %v", err)
	}
	if !strings.HasPrefix(pb.GetMediaType(), "application/vnd.dev.sigstore.bundle") {
		return nil, notVerified("corrupt bundle: media type %q is not a Sigstore bundle", pb.GetMediaType())
	}
	env := pb.GetDsseEnvelope()
	if env == nil {
		return nil, notVerified("corrupt bundle: no DSSE envelope (message signatures do not sign models)")
	}
	if env.GetPayloadType() != InTotoPayloadType {
		return nil, notVerified("corrupt bundle: DSSE payload type %q, want %q", env.GetPayloadType(), InTotoPayloadType)
	}
	if len(env.GetSignatures()) == 0 {
		return nil, notVerified("corrupt bundle: the DSSE envelope has no signature")
	}
	if pb.GetVerificationMaterial() == nil {
		return nil, notVerified("corrupt bundle: no verification material")
	}
	return &Bundle{pb: &pb}, nil
}

// Payload is the envelope's payload. It is not authenticated until a
// Verifier has accepted the bundle.
func (b *Bundle) Payload() []byte { return b.pb.GetDsseEnvelope().GetPayload() }

// signatures are the envelope's raw signatures.
func (b *Bundle) signatures() [][]byte {
	var out [][]byte
	for _, s := range b.pb.GetDsseEnvelope().GetSignatures() {
		out = append(out, s.GetSig())
	}
	return out
}

// chain returns the bundle's X.509 certificates: the x509CertificateChain
// (leaf first) or the single certificate of newer bundles.
func (b *Bundle) chain() ([]*x509.Certificate, error) {
	vm := b.pb.GetVerificationMaterial()
	var raw [][]byte
	if c := vm.GetCertificate(); c != nil {
		raw = append(raw, c.GetRawBytes())
	}
	for _, c := range vm.GetX509CertificateChain().GetCertificates() {
		raw = append(raw, c.GetRawBytes())
	}
	out := make([]*x509.Certificate, len(raw))
	for i, r := range raw {
		c, err := x509.ParseCertificate(r)
		if err != nil {
			return nil, notVerified("corrupt bundle: certificate %d: %v", i, err)
		}
		out[i] = c
	}
	return out, nil
}

// keyHint is the verification material's publicKey.hint, if any.
func (b *Bundle) keyHint() string {
	return b.pb.GetVerificationMaterial().GetPublicKey().GetHint()
}

// PAE is DSSE's pre-authentication encoding, the bytes actually signed.
func PAE(payloadType string, payload []byte) []byte {
	return fmt.Appendf(nil, "DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(payload), payload)
}

// paeCompat reproduces the encoding model_signing v0.2 signed by mistake (a
// Python f-string over bytes): "DSSEV1", and the payload as Python's repr of
// a bytes object.
func paeCompat(payloadType string, payload []byte) []byte {
	return fmt.Appendf(nil, "DSSEV1 %d %s %d %s", len(payloadType), payloadType, len(payload), pythonBytesRepr(payload))
}

// pythonBytesRepr is repr(b) for a Python bytes object.
func pythonBytesRepr(b []byte) string {
	quote := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		quote = '"'
	}
	var s strings.Builder
	s.WriteString("b")
	s.WriteByte(quote)
	for _, c := range b {
		switch {
		case c == quote || c == '\\':
			s.WriteByte('\\')
			s.WriteByte(c)
		case c == '\t':
			s.WriteString(`\t`)
		case c == '\n':
			s.WriteString(`\n`)
		case c == '\r':
			s.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&s, `\x%02x`, c)
		default:
			s.WriteByte(c)
		}
	}
	s.WriteByte(quote)
	return s.String()
}

// The JSON modelgate writes. Field order and spelling follow the bundles of
// the reference implementation; protojson is not used for writing because
// its output is deliberately unstable.
type bundleJSON struct {
	MediaType            string       `json:"mediaType"`
	VerificationMaterial materialJSON `json:"verificationMaterial"`
	DSSEEnvelope         envelopeJSON `json:"dsseEnvelope"`
}

type materialJSON struct {
	PublicKey            *publicKeyJSON `json:"publicKey,omitempty"`
	X509CertificateChain *chainJSON     `json:"x509CertificateChain,omitempty"`
	TlogEntries          []struct{}     `json:"tlogEntries"`
}

type publicKeyJSON struct {
	Hint string `json:"hint"`
}

type chainJSON struct {
	Certificates []rawCertJSON `json:"certificates"`
}

type rawCertJSON struct {
	RawBytes []byte `json:"rawBytes"`
}

type envelopeJSON struct {
	Payload     []byte          `json:"payload"`
	PayloadType string          `json:"payloadType"`
	Signatures  []signatureJSON `json:"signatures"`
}

type signatureJSON struct {
	Sig   []byte `json:"sig"`
	KeyID string `json:"keyid"`
}

// encodeBundle writes a bundle around a signed in-toto payload.
func encodeBundle(payload, sig []byte, material materialJSON) ([]byte, error) {
	material.TlogEntries = []struct{}{}
	return json.Marshal(bundleJSON{
		MediaType:            BundleMediaType,
		VerificationMaterial: material,
		DSSEEnvelope: envelopeJSON{
			Payload:     payload,
			PayloadType: InTotoPayloadType,
			Signatures:  []signatureJSON{{Sig: sig}},
		},
	})
}
