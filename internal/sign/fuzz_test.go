package sign

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/internal/finding"
)

// seedBundles are the conformance vectors' bundles (when present) and
// bundles modelgate writes for each method.
func seedBundles(f *testing.F) [][]byte {
	var out [][]byte
	sigs, _ := filepath.Glob(filepath.Join(vectorsDir, "v*", "model.sig"))
	for _, s := range sigs {
		if b, err := os.ReadFile(s); err == nil {
			out = append(out, b)
		}
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pki := newTestPKI(f, key)
	model := makeModel(f, map[string]string{"a": "1", "b/c": "22", "e": ""})
	for _, chain := range [][]*x509.Certificate{nil, pki.Chain} {
		for _, shard := range []int64{0, 1} {
			signer, _ := NewKeySigner(key, chain)
			b, _, err := SignModel(context.Background(), model, signer, HashOptions{ShardSize: shard})
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

func FuzzParseBundle(f *testing.F) {
	for _, b := range seedBundles(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{}}`))
	key, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	pki := newTestPKI(f, key)
	cv, err := NewChainVerifier([]*x509.Certificate{pki.Root})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			return
		}
		ctx := context.Background()
		// Neither verifier may panic or accept a signature from another key.
		if _, _, err := (KeyVerifier{Key: key.Public()}).Verify(ctx, b); err == nil {
			t.Fatal("a fuzzed bundle verified with a fresh key")
		}
		if _, _, err := cv.Verify(ctx, b); err == nil {
			t.Fatal("a fuzzed bundle verified with a fresh CA")
		}
		payloadManifest(b.Payload())
	})
}

// seedStatements are the vectors' payloads and modelgate's own statements.
func seedStatements(f *testing.F) [][]byte {
	var out [][]byte
	for _, data := range seedBundles(f) {
		if b, err := ParseBundle(data); err == nil {
			out = append(out, b.Payload())
		}
	}
	m := mustHashF(f, makeModel(f, map[string]string{"x": "1"}), HashOptions{})
	st, _ := statementWith("m", m.RootDigest(), ScanPredicateType, NewScanPredicate(&finding.Report{}, m.Serialization))
	return append(out, st)
}

func mustHashF(f *testing.F, root string, opts HashOptions) *Manifest {
	m, err := Hash(context.Background(), root, opts)
	if err != nil {
		f.Fatal(err)
	}
	return m
}

// A statement that parses into a manifest re-encodes into a statement that
// parses into the same manifest.
func FuzzStatement(f *testing.F) {
	for _, s := range seedStatements(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseStatement(data)
		if err != nil {
			return
		}
		scanPredicateFor(data, &Manifest{})
		m, err := ManifestFromStatement(st)
		if err != nil {
			return
		}
		out, err := StatementFor(m)
		if err != nil {
			t.Fatal(err)
		}
		st2, err := ParseStatement(out)
		if err != nil {
			t.Fatalf("re-encoded statement: %v", err)
		}
		m2, err := ManifestFromStatement(st2)
		if err != nil {
			t.Fatalf("re-encoded manifest: %v\n%s", err, out)
		}
		if d := Compare(m, m2); !d.Empty() || !bytes.Equal(m.RootDigest(), m2.RootDigest()) {
			t.Fatalf("round trip changed the manifest: %s", d)
		}
		s1, s2 := m.Serialization, m2.Serialization
		if s1.Method != s2.Method || s1.ShardSize != s2.ShardSize || s1.AllowSymlinks != s2.AllowSymlinks || !slices.Equal(s1.IgnorePaths, s2.IgnorePaths) {
			t.Fatalf("round trip changed the serialization: %+v, %+v", s1, s2)
		}
	})
}
