package sign

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

// Re-signing a vector's model with the vector's own key must give the same
// statement (subject, resources, serialization) and the same verification
// material as the reference implementation wrote.
func TestResignVectorsMatchReference(t *testing.T) {
	keys := filepath.Join(vectorsDir, "keys")
	for _, v := range vectors(t) {
		if v.method == "sigstore" || strings.HasPrefix(v.name, "v0.2") {
			continue // keyless needs a live CA; v0.2 used another predicate
		}
		t.Run(v.name, func(t *testing.T) {
			key, err := LoadPrivateKey(filepath.Join(keys, "signing-key.pem"))
			if err != nil {
				t.Fatal(err)
			}
			var chain []*x509.Certificate
			if v.method == "certificate" {
				chain, err = LoadCertificates(filepath.Join(keys, "signing-key-cert.pem"), filepath.Join(keys, "int-ca-cert.pem"))
				if err != nil {
					t.Fatal(err)
				}
			}
			signer, err := NewKeySigner(key, chain)
			if err != nil {
				t.Fatal(err)
			}
			ours := filepath.Join(t.TempDir(), "model.sig")
			signTo(t, v.model, ours, signer, HashOptions{IgnoreGitPaths: true, IgnorePaths: []string{"ignore-me", "model.sig"}})
			compareStatements(t, payloadOf(t, v.sig), payloadOf(t, ours), strings.HasPrefix(v.name, "v1.1"))
			if strings.HasPrefix(v.name, "v1.1") {
				compareMaterial(t, v.sig, ours)
			}
			if _, err := verifyVector(v.model, ours, v.verifier(t)); err != nil {
				t.Fatalf("our bundle with the vector's verifier: %v", err)
			}
		})
	}
}

func payloadOf(t *testing.T, sig string) map[string]any {
	t.Helper()
	b, err := ReadBundle(sig)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(b.Payload(), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func compareStatements(t *testing.T, ref, ours map[string]any, withIgnorePaths bool) {
	t.Helper()
	for _, k := range []string{"_type", "subject", "predicateType"} {
		if !jsonEqual(ref[k], ours[k]) {
			t.Errorf("%s: reference %v, ours %v", k, ref[k], ours[k])
		}
	}
	rp, op := ref["predicate"].(map[string]any), ours["predicate"].(map[string]any)
	if !jsonEqual(rp["resources"], op["resources"]) {
		t.Errorf("resources: reference %v, ours %v", rp["resources"], op["resources"])
	}
	rs, ss := rp["serialization"].(map[string]any), op["serialization"].(map[string]any)
	for _, k := range []string{"method", "hash_type", "allow_symlinks"} {
		if rs[k] != ss[k] {
			t.Errorf("serialization.%s: reference %v, ours %v", k, rs[k], ss[k])
		}
	}
	if withIgnorePaths && !sameSet(rs["ignore_paths"], ss["ignore_paths"]) {
		t.Errorf("ignore_paths: reference %v, ours %v", rs["ignore_paths"], ss["ignore_paths"])
	}
}

func compareMaterial(t *testing.T, refSig, ourSig string) {
	t.Helper()
	ref, _ := ReadBundle(refSig)
	ours, _ := ReadBundle(ourSig)
	if ref.keyHint() != ours.keyHint() {
		t.Errorf("publicKey.hint: reference %q, ours %q", ref.keyHint(), ours.keyHint())
	}
	rc, _ := ref.chain()
	oc, _ := ours.chain()
	if len(rc) != len(oc) {
		t.Fatalf("certificate chain: reference %d certificates, ours %d", len(rc), len(oc))
	}
	for i := range rc {
		if !bytes.Equal(rc[i].Raw, oc[i].Raw) {
			t.Errorf("certificate %d differs", i)
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func sameSet(a, b any) bool {
	strs := func(v any) []string {
		var out []string
		for _, x := range v.([]any) {
			out = append(out, x.(string))
		}
		slices.Sort(out)
		return out
	}
	return a != nil && b != nil && slices.Equal(strs(a), strs(b))
}

// The key-method bundles modelgate writes parse with sigstore-go's strict
// parser and verify with its verifier, for every key type.
func TestBundleAcceptedBySigstoreGo(t *testing.T) {
	for name, key := range testKeys(t) {
		t.Run(name, func(t *testing.T) {
			model := makeModel(t, sampleModel)
			sig := filepath.Join(t.TempDir(), "model.sig")
			signer, _ := NewKeySigner(key, nil)
			m := signTo(t, model, sig, signer, HashOptions{})
			b, err := bundle.LoadJSONFromPath(sig)
			if err != nil {
				t.Fatalf("strict parse: %v", err)
			}
			sv, err := signature.LoadDefaultVerifier(key.Public())
			if err != nil {
				t.Fatal(err)
			}
			tm := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
				return root.NewExpiringKey(sv, time.Time{}, time.Time{}), nil
			})
			v, err := verify.NewVerifier(tm, verify.WithNoObserverTimestamps())
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(b, verify.NewPolicy(verify.WithArtifactDigest("sha256", m.RootDigest()), verify.WithKey()))
			if err != nil {
				t.Fatalf("sigstore-go verify: %v", err)
			}
		})
	}
}

func TestKeyHintMatchesReference(t *testing.T) {
	pub, err := LoadPublicKey(filepath.Join(vectorsDir, "keys", "signing-key-pub.pem"))
	if err != nil {
		t.Skip(err)
	}
	hint, _ := KeyHint(pub)
	// The hint of the v1.1.0-elliptic-key vector.
	if want := "e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e"; hint != want {
		t.Fatalf("hint %s, want %s", hint, want)
	}
}
