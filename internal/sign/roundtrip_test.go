package sign

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

var sampleModel = map[string]string{
	"config.json":              `{"layers": 2}`,
	"weights/part-0.bin":       "0123456789abcdef",
	"weights/part-1.bin":       "fedcba9876543210fedcba",
	"tokenizer/vocab.txt":      "a\nb\nc\n",
	"empty":                    "",
	".gitattributes":           "*.bin filter=lfs",
	"nested/.git/not-root-git": "kept: only root-level git paths are ignored",
}

func TestRoundTripKeys(t *testing.T) {
	for name, key := range testKeys(t) {
		for _, shard := range []int64{0, 5} {
			t.Run(name+shardLabel(shard), func(t *testing.T) {
				model := makeModel(t, sampleModel)
				sig := filepath.Join(model, SignatureName)
				signer, err := NewKeySigner(key, nil)
				if err != nil {
					t.Fatal(err)
				}
				opts := HashOptions{ShardSize: shard, IgnoreGitPaths: true, IgnorePaths: OwnFiles(model, sig)}
				signTo(t, model, sig, signer, opts)
				checkRoundTrip(t, model, sig, KeyVerifier{Key: key.Public()})
			})
		}
	}
}

func TestRoundTripCertificateChains(t *testing.T) {
	for name, key := range testKeys(t) {
		t.Run(name, func(t *testing.T) {
			pki := newTestPKI(t, key)
			model := makeModel(t, sampleModel)
			sig := filepath.Join(t.TempDir(), "model.sig")
			signer, err := NewKeySigner(pki.Leaf, pki.Chain)
			if err != nil {
				t.Fatal(err)
			}
			signTo(t, model, sig, signer, HashOptions{IgnoreGitPaths: true})
			cv, err := NewChainVerifier([]*x509.Certificate{pki.Root})
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, model, sig, cv)

			other := newTestPKI(t, key)
			cv2, _ := NewChainVerifier([]*x509.Certificate{other.Root})
			_, err = VerifyModel(context.Background(), model, sig, VerifyOptions{Verifier: cv2, IgnoreGitPaths: true})
			wantNotVerified(t, err, "untrusted signing certificate")
		})
	}
}

func TestRoundTripSingleFile(t *testing.T) {
	model := makeModel(t, map[string]string{"model.safetensors": "tensor bytes"})
	file := filepath.Join(model, "model.safetensors")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, _ := NewKeySigner(key, nil)
	sig := DefaultSignaturePath(file)
	m := signTo(t, file, sig, signer, HashOptions{IgnoreGitPaths: true})
	if len(m.Resources) != 1 || m.Resources[0].Path != "." || m.ModelName != "model.safetensors" {
		t.Fatalf("single-file manifest: %+v", m)
	}
	checkRoundTrip(t, file, sig, KeyVerifier{Key: key.Public()})
}

// A signature that records its ignore paths decides whether git files are
// signed, whatever the verifier's default.
func TestVerifyFollowsRecordedIgnorePaths(t *testing.T) {
	model := makeModel(t, sampleModel)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, _ := NewKeySigner(key, nil)
	sig := filepath.Join(t.TempDir(), "model.sig")
	m := signTo(t, model, sig, signer, HashOptions{IgnoreGitPaths: false})
	if !slices.Contains(names(m), ".gitattributes") {
		t.Fatalf(".gitattributes not signed: %v", names(m))
	}
	if _, err := VerifyModel(context.Background(), model, sig, VerifyOptions{Verifier: KeyVerifier{Key: key.Public()}, IgnoreGitPaths: true}); err != nil {
		t.Fatal(err)
	}
}

func TestNewKeySignerChecksCertificateKey(t *testing.T) {
	k1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pki := newTestPKI(t, k1)
	if _, err := NewKeySigner(k2, pki.Chain); err == nil {
		t.Fatal("a certificate for another key was accepted")
	}
}

// checkRoundTrip verifies, then checks a modified file and another key fail.
func checkRoundTrip(t *testing.T, model, sig string, v Verifier) {
	t.Helper()
	opts := VerifyOptions{Verifier: v, IgnoreGitPaths: true}
	if _, err := VerifyModel(context.Background(), model, sig, opts); err != nil {
		t.Fatalf("verify: %v", err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, err := VerifyModel(context.Background(), model, sig, VerifyOptions{Verifier: KeyVerifier{Key: &other.PublicKey}, IgnoreGitPaths: true})
	wantNotVerified(t, err, "wrong key")
	victim := model
	if info, err := os.Stat(model); err == nil && info.IsDir() {
		victim = filepath.Join(model, "config.json")
	}
	data, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	data[0] ^= 0x20
	writeFile(t, victim, data)
	_, err = VerifyModel(context.Background(), model, sig, opts)
	wantNotVerified(t, err, "modified")
}

func shardLabel(n int64) string {
	if n == 0 {
		return "/files"
	}
	return "/shards"
}

// A model the signature's rules refuse (here a symbolic link) does not
// verify; it is not an input/output error.
func TestVerifyRefusedModelIsNotVerified(t *testing.T) {
	model := makeModel(t, sampleModel)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, _ := NewKeySigner(key, nil)
	sig := filepath.Join(t.TempDir(), "model.sig")
	signTo(t, model, sig, signer, HashOptions{})
	if err := os.Symlink("config.json", filepath.Join(model, "link")); err != nil {
		t.Skip(err)
	}
	_, err := VerifyModel(context.Background(), model, sig, VerifyOptions{Verifier: KeyVerifier{Key: key.Public()}})
	wantNotVerified(t, err, "symbolic link refused")
}
