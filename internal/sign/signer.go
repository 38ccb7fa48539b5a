package sign

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
)

// Signer turns an in-toto statement into a signed Sigstore bundle (JSON).
//
// Keyless Sigstore signing fits behind this interface: obtain an OIDC token,
// get a short-lived Fulcio certificate for an ephemeral key, sign, and log
// the envelope in Rekor — sigstore-go's pkg/sign does those steps and
// returns the bundle. It needs a network identity provider, so it is not
// built here.
type Signer interface {
	SignStatement(ctx context.Context, statement []byte) ([]byte, error)
}

// KeySigner signs with a private key. With a certificate chain the bundle
// carries the chain (the "certificate" method); without, the key's hint
// (the "key" method).
type KeySigner struct {
	key   crypto.Signer
	chain []*x509.Certificate
}

// NewKeySigner returns a signer for key. chain, if not empty, starts with
// the signing certificate, whose public key must be key's.
func NewKeySigner(key crypto.Signer, chain []*x509.Certificate) (*KeySigner, error) {
	if err := supportedKey(key.Public()); err != nil {
		return nil, err
	}
	if len(chain) > 0 && !samePublicKey(key.Public(), chain[0].PublicKey) {
		return nil, errors.New("the signing certificate's public key does not match the private key")
	}
	return &KeySigner{key: key, chain: chain}, nil
}

// PublicKey is the key a verifier needs.
func (s *KeySigner) PublicKey() crypto.PublicKey { return s.key.Public() }

// SignStatement signs the statement's DSSE encoding.
func (s *KeySigner) SignStatement(_ context.Context, statement []byte) ([]byte, error) {
	sig, err := signMessage(s.key, PAE(InTotoPayloadType, statement))
	if err != nil {
		return nil, err
	}
	var m materialJSON
	if len(s.chain) > 0 {
		m.X509CertificateChain = &chainJSON{}
		for _, c := range s.chain {
			m.X509CertificateChain.Certificates = append(m.X509CertificateChain.Certificates, rawCertJSON{RawBytes: c.Raw})
		}
	} else {
		hint, err := KeyHint(s.key.Public())
		if err != nil {
			return nil, err
		}
		m.PublicKey = &publicKeyJSON{Hint: hint}
	}
	return encodeBundle(statement, sig, m)
}
