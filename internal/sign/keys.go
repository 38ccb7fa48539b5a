package sign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// pemBlocks returns the PEM blocks of data, skipping any text around them
// (tools such as certtool print a description before the block).
func pemBlocks(data []byte) []*pem.Block {
	var out []*pem.Block
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		out = append(out, b)
	}
}

// LoadPrivateKey reads a PEM private key (PKCS #8, or SEC 1 "EC PRIVATE
// KEY"): ECDSA on P-256, P-384 or P-521, or Ed25519.
func LoadPrivateKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for _, b := range pemBlocks(data) {
		var key any
		switch b.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(b.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, fmt.Errorf("%s: encrypted private keys are not supported (decrypt it with `openssl pkcs8`)", path)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		s, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("%s: unsupported private key type %T", path, key)
		}
		return s, supportedKey(s.Public())
	}
	return nil, fmt.Errorf("%s: no PEM private key found", path)
}

// LoadPublicKey reads a PEM public key (SubjectPublicKeyInfo), or takes the
// key of the first certificate in a PEM file.
func LoadPublicKey(path string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for _, b := range pemBlocks(data) {
		var key crypto.PublicKey
		switch b.Type {
		case "PUBLIC KEY":
			key, err = x509.ParsePKIXPublicKey(b.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(b.Bytes); err == nil {
				key = c.PublicKey
			}
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return key, supportedKey(key)
	}
	return nil, fmt.Errorf("%s: no PEM public key found", path)
}

// LoadCertificates reads every PEM certificate of the files, in order.
func LoadCertificates(paths ...string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		n := len(out)
		for _, b := range pemBlocks(data) {
			if b.Type != "CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			out = append(out, c)
		}
		if len(out) == n {
			return nil, fmt.Errorf("%s: no PEM certificate found", path)
		}
	}
	return out, nil
}

var errUnsupportedKey = errors.New("unsupported key: want ECDSA P-256, P-384, P-521 or Ed25519")

func supportedKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if _, err := curveHash(k.Curve); err != nil {
			return err
		}
		return nil
	case ed25519.PublicKey:
		return nil
	case *rsa.PublicKey:
		return fmt.Errorf("%w (RSA keys are not part of the model-signing format)", errUnsupportedKey)
	}
	return errUnsupportedKey
}

// curveHash is the digest the model-signing format pairs with each curve
// (sigstore's PKIX_ECDSA_P384_SHA_384 and so on): P-384 signs SHA-384.
func curveHash(c elliptic.Curve) (crypto.Hash, error) {
	switch c {
	case elliptic.P256():
		return crypto.SHA256, nil
	case elliptic.P384():
		return crypto.SHA384, nil
	case elliptic.P521():
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("%w (curve %s)", errUnsupportedKey, c.Params().Name)
}

// KeyHint is the bundle's publicKey.hint as the reference implementation
// writes it: the hex SHA-256 of the key's PEM SubjectPublicKeyInfo.
func KeyHint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	return hex.EncodeToString(sum[:]), nil
}

// signMessage signs a DSSE pre-authentication encoding with the key's
// format-mandated hash (Ed25519 signs the message itself).
func signMessage(key crypto.Signer, msg []byte) ([]byte, error) {
	if _, ok := key.Public().(ed25519.PublicKey); ok {
		return key.Sign(rand.Reader, msg, crypto.Hash(0))
	}
	ec, ok := key.Public().(*ecdsa.PublicKey)
	if !ok {
		return nil, errUnsupportedKey
	}
	h, err := curveHash(ec.Curve)
	if err != nil {
		return nil, err
	}
	d := h.New()
	d.Write(msg)
	return key.Sign(rand.Reader, d.Sum(nil), h)
}

// verifyMessage checks an ASN.1 ECDSA or an Ed25519 signature.
func verifyMessage(pub crypto.PublicKey, msg, sig []byte) bool {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(k, msg, sig)
	case *ecdsa.PublicKey:
		h, err := curveHash(k.Curve)
		if err != nil {
			return false
		}
		d := h.New()
		d.Write(msg)
		return ecdsa.VerifyASN1(k, d.Sum(nil), sig)
	}
	return false
}

// samePublicKey compares two public keys of the supported kinds.
func samePublicKey(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}
