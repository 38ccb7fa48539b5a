package sign

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// Verifier authenticates a bundle's DSSE envelope. It returns the payload it
// vouches for and a description of the signer; what the payload says is
// checked by the caller.
type Verifier interface {
	Verify(ctx context.Context, b *Bundle) (payload []byte, signer string, err error)
}

// KeyVerifier accepts bundles signed by one public key, whatever
// verification material they carry (the reference implementation verifies
// its certificate-method bundles with the bare key too).
type KeyVerifier struct {
	Key crypto.PublicKey
}

func (v KeyVerifier) Verify(_ context.Context, b *Bundle) ([]byte, string, error) {
	want, err := KeyHint(v.Key)
	if err != nil {
		return nil, "", err
	}
	if hint := b.keyHint(); hint != "" && hint != want {
		return nil, "", notVerified("wrong key: the signature was made with the key whose hint is %s, the given public key's is %s", hint, want)
	}
	chain, err := b.chain()
	if err != nil {
		return nil, "", err
	}
	if len(chain) > 0 && !samePublicKey(chain[0].PublicKey, v.Key) {
		if b.pb.GetVerificationMaterial().GetCertificate() != nil {
			return nil, "", notVerified("wrong key: the bundle is a keyless Sigstore signature by %s; verify it with --trust-root, --identity and --issuer", certName(chain[0]))
		}
		return nil, "", notVerified("wrong key: the bundle was signed with the key of certificate %s, not the given public key", certName(chain[0]))
	}
	if verifyEnvelope(v.Key, b) {
		return b.Payload(), "public key " + want[:16], nil
	}
	return nil, "", notVerified("the signature does not verify with the given public key (wrong key, or the bundle was altered)")
}

// ChainVerifier accepts bundles whose signing certificate chains to one of
// the given roots. Certificates are checked at the signing certificate's
// NotBefore, as the reference implementation does: without a trusted
// timestamp there is no other signing time to check against.
type ChainVerifier struct {
	roots, intermediates *x509.CertPool
}

// NewChainVerifier trusts the self-signed certificates among certs and uses
// the others as intermediates.
func NewChainVerifier(certs []*x509.Certificate) (*ChainVerifier, error) {
	v := &ChainVerifier{roots: x509.NewCertPool(), intermediates: x509.NewCertPool()}
	n := 0
	for _, c := range certs {
		if c.CheckSignatureFrom(c) == nil {
			v.roots.AddCert(c)
			n++
		} else {
			v.intermediates.AddCert(c)
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("the certificate chain holds no self-signed root certificate to trust")
	}
	return v, nil
}

func (v *ChainVerifier) Verify(_ context.Context, b *Bundle) ([]byte, string, error) {
	chain, err := b.chain()
	if err != nil {
		return nil, "", err
	}
	if len(chain) == 0 {
		return nil, "", notVerified("the bundle holds no certificate: it was signed with a bare key (verify with --public-key)")
	}
	leaf, pool := chain[0], v.intermediates.Clone()
	for _, c := range chain[1:] {
		pool.AddCert(c)
	}
	_, err = leaf.Verify(x509.VerifyOptions{
		Roots: v.roots, Intermediates: pool, CurrentTime: leaf.NotBefore,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return nil, "", notVerified("untrusted signing certificate %s: %v", certName(leaf), err)
	}
	if !canSign(leaf) {
		return nil, "", notVerified("signing certificate %s allows neither digital signatures nor code signing", certName(leaf))
	}
	if err := supportedKey(leaf.PublicKey); err != nil {
		return nil, "", notVerified("signing certificate %s: %v", certName(leaf), err)
	}
	if verifyEnvelope(leaf.PublicKey, b) {
		return b.Payload(), fmt.Sprintf("certificate %s issued by %q", certName(leaf), leaf.Issuer), nil
	}
	return nil, "", notVerified("the signature does not verify with the key of certificate %s (the bundle was altered)", certName(leaf))
}

// verifyEnvelope reports whether one of the envelope's signatures is pub's,
// over the DSSE encoding or over the one model_signing v0.2 signed.
func verifyEnvelope(pub crypto.PublicKey, b *Bundle) bool {
	p := b.Payload()
	for _, sig := range b.signatures() {
		if verifyMessage(pub, PAE(InTotoPayloadType, p), sig) || verifyV02(pub, p, sig) {
			return true
		}
	}
	return false
}

// verifyV02 checks a model_signing v0.2 signature: ECDSA with SHA-256 (for
// every curve) over paeCompat. Later versions still accept these.
func verifyV02(pub crypto.PublicKey, payload, sig []byte) bool {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return false
	}
	d := sha256.Sum256(paeCompat(InTotoPayloadType, payload))
	return ecdsa.VerifyASN1(k, d[:], sig)
}

func canSign(c *x509.Certificate) bool {
	if c.KeyUsage&x509.KeyUsageDigitalSignature != 0 {
		return true
	}
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageCodeSigning {
			return true
		}
	}
	return false
}

// SigstoreVerifier accepts keyless Sigstore bundles: a Fulcio certificate
// (with its certificate-transparency timestamp) for the expected identity
// and OIDC issuer, and a transparency-log entry proving the signature was
// made while the certificate was valid; all checked offline against a
// trusted root file, as sigstore-python does for the reference.
type SigstoreVerifier struct {
	v                *verify.Verifier
	identity, issuer string
	policy           verify.PolicyOption
}

// NewSigstoreVerifier loads trusted_root.json and expects signatures from the
// exact identity (certificate SAN, such as an e-mail) and issuer URL.
func NewSigstoreVerifier(trustedRoot, identity, issuer string) (*SigstoreVerifier, error) {
	tr, err := root.NewTrustedRootFromPath(trustedRoot)
	if err != nil {
		return nil, fmt.Errorf("trust root %s: %w", trustedRoot, err)
	}
	v, err := verify.NewVerifier(tr, verify.WithSignedCertificateTimestamps(1), verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1))
	if err != nil {
		return nil, err
	}
	id, err := verify.NewShortCertificateIdentity(issuer, "", identity, "")
	if err != nil {
		return nil, err
	}
	return &SigstoreVerifier{v: v, identity: identity, issuer: issuer, policy: verify.WithCertificateIdentity(id)}, nil
}

func (v *SigstoreVerifier) Verify(_ context.Context, b *Bundle) ([]byte, string, error) {
	switch vm := b.pb.GetVerificationMaterial(); {
	case vm.GetPublicKey() != nil:
		return nil, "", notVerified("the bundle was signed with a bare key, not keyless Sigstore (verify it with --public-key)")
	case vm.GetX509CertificateChain() != nil:
		return nil, "", notVerified("the bundle was signed with a certificate chain, not keyless Sigstore (verify it with --certificate-chain)")
	}
	sb, err := bundle.NewBundle(b.pb)
	if err != nil {
		return nil, "", notVerified("corrupt bundle: %v", err)
	}
	// The statement is checked against the model by the caller, resource by
	// resource, which binds the signature to the artifact more tightly than
	// the subject digest sigstore-go would compare.
	_, err = v.v.Verify(sb, verify.NewPolicy(verify.WithoutArtifactUnsafe(), v.policy))
	if err != nil {
		if idErr := v.identityMismatch(b); idErr != nil {
			return nil, "", idErr
		}
		return nil, "", notVerified("sigstore verification failed: %v", err)
	}
	return b.Payload(), fmt.Sprintf("sigstore identity %s (issuer %s)", v.identity, v.issuer), nil
}

// identityMismatch explains a failure caused by the wrong signer, which
// sigstore-go reports only as a policy error.
func (v *SigstoreVerifier) identityMismatch(b *Bundle) error {
	chain, err := b.chain()
	if err != nil || len(chain) == 0 {
		return nil
	}
	s, err := certificate.SummarizeCertificate(chain[0])
	if err != nil {
		return nil
	}
	if s.SubjectAlternativeName != v.identity || s.Issuer != v.issuer {
		return notVerified("wrong identity: signed by %s (issuer %s), expected %s (issuer %s)",
			orNone(s.SubjectAlternativeName), orNone(s.Issuer), v.identity, v.issuer)
	}
	return nil
}

// certName names a certificate by its subject, or by its first subject
// alternative name when the subject is empty (as in Fulcio certificates).
func certName(c *x509.Certificate) string {
	switch {
	case len(c.Subject.String()) > 0:
		return fmt.Sprintf("%q", c.Subject)
	case len(c.EmailAddresses) > 0:
		return c.EmailAddresses[0]
	case len(c.URIs) > 0:
		return c.URIs[0].String()
	case len(c.DNSNames) > 0:
		return c.DNSNames[0]
	}
	return fmt.Sprintf("with serial %s", c.SerialNumber)
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "<none>"
	}
	return s
}
