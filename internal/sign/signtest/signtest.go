// Package signtest makes signing material for tests: keys of every supported
// type, a small certificate hierarchy, PEM files, and the path of the
// OpenSSF conformance vectors (used in place, never copied in).
package signtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// VectorsDir is ../shared/corpus/model-signing beside the repository.
func VectorsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared", "corpus", "model-signing")
}

// Keys returns a fresh key of each type modelgate signs with.
func Keys(t testing.TB) map[string]crypto.Signer {
	t.Helper()
	keys := map[string]crypto.Signer{}
	for name, c := range map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()} {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = k
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keys["Ed25519"] = ed
	return keys
}

// PKI is a root CA, an intermediate CA and a code-signing leaf certificate.
type PKI struct {
	Root  *x509.Certificate
	Chain []*x509.Certificate // leaf, intermediate
	Leaf  crypto.Signer
}

// NewPKI issues a leaf certificate for leafKey under a new root.
func NewPKI(t testing.TB, leafKey crypto.Signer) *PKI {
	t.Helper()
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	intKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ca := &x509.Certificate{
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	root := issue(t, ca, "test root", rootKey.Public(), nil, rootKey)
	inter := issue(t, ca, "test intermediate", intKey.Public(), root, rootKey)
	leaf := issue(t, &x509.Certificate{
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}, "model signer", leafKey.Public(), inter, intKey)
	return &PKI{Root: root, Chain: []*x509.Certificate{leaf, inter}, Leaf: leafKey}
}

var serial atomic.Int64

func issue(t testing.TB, tmpl *x509.Certificate, cn string, pub crypto.PublicKey, parent *x509.Certificate, key crypto.Signer) *x509.Certificate {
	t.Helper()
	c := *tmpl
	c.SerialNumber = big.NewInt(serial.Add(1))
	c.Subject = pkix.Name{CommonName: cn}
	if parent == nil {
		parent = &c
	}
	der, err := x509.CreateCertificate(rand.Reader, &c, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// WriteKeys writes key's PKCS #8 private key and its public key as PEM
// files in dir, returning their paths.
func WriteKeys(t testing.TB, dir, name string, key crypto.Signer) (priv, pub string) {
	t.Helper()
	p8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	priv = WritePEM(t, filepath.Join(dir, name+".key"), &pem.Block{Type: "PRIVATE KEY", Bytes: p8})
	pub = WritePEM(t, filepath.Join(dir, name+".pub"), &pem.Block{Type: "PUBLIC KEY", Bytes: spki})
	return priv, pub
}

// WriteCerts writes certificates as one PEM file.
func WriteCerts(t testing.TB, path string, certs ...*x509.Certificate) string {
	t.Helper()
	var blocks []*pem.Block
	for _, c := range certs {
		blocks = append(blocks, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return WritePEM(t, path, blocks...)
}

// WritePEM writes PEM blocks to path.
func WritePEM(t testing.TB, path string, blocks ...*pem.Block) string {
	t.Helper()
	var data []byte
	for _, b := range blocks {
		data = append(data, pem.EncodeToMemory(b)...)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Model writes files (slash path → content) under a new directory "model".
func Model(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "model")
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
