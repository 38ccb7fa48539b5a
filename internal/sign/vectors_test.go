package sign

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/sign/signtest"
)

// vectorsDir holds the OpenSSF model-signing conformance vectors, used in
// place (they are never copied into the repository).
var vectorsDir = signtest.VectorsDir()

const (
	vectorIdentity = "stefanb@us.ibm.com"
	vectorIssuer   = "https://sigstore.verify.ibm.com/oauth2"
)

// vector is one conformance case: a model and its signature.
type vector struct {
	name, dir, model, sig, method string
}

func vectors(t testing.TB) []vector {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(vectorsDir, "v*-*"))
	if len(dirs) == 0 {
		t.Skipf("conformance vectors not found at %s", vectorsDir)
	}
	var out []vector
	for _, d := range dirs {
		v := vector{name: filepath.Base(d), dir: d, model: d, sig: filepath.Join(d, "model.sig")}
		v.method = v.name[strings.IndexByte(v.name, '-')+1:]
		if m := signedManifest(t, v.sig); m.Resources[0].Path == "." {
			// Signed as a single file, as the reference's own test verifies it.
			v.model = filepath.Join(d, m.ModelName)
		}
		out = append(out, v)
	}
	return out
}

// signedManifest reads a signature's manifest without verifying it.
func signedManifest(t testing.TB, sig string) *Manifest {
	t.Helper()
	b, err := ReadBundle(sig)
	if err != nil {
		t.Fatal(err)
	}
	m, err := payloadManifest(b.Payload())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (v vector) verifier(t testing.TB) Verifier {
	t.Helper()
	keys := filepath.Join(vectorsDir, "keys")
	switch v.method {
	case "elliptic-key":
		pub, err := LoadPublicKey(filepath.Join(keys, "signing-key-pub.pem"))
		if err != nil {
			t.Fatal(err)
		}
		return KeyVerifier{Key: pub}
	case "certificate":
		certs, err := LoadCertificates(filepath.Join(keys, "ca-cert.pem"))
		if err != nil {
			t.Fatal(err)
		}
		cv, err := NewChainVerifier(certs)
		if err != nil {
			t.Fatal(err)
		}
		return cv
	case "sigstore":
		sv, err := NewSigstoreVerifier(filepath.Join(vectorsDir, "trusted-root-public-good.json"), vectorIdentity, vectorIssuer)
		if err != nil {
			t.Fatal(err)
		}
		return sv
	}
	t.Fatalf("unknown method %q", v.method)
	return nil
}

// verifyVector verifies model against the vector's signature, ignoring
// "ignore-me" as the vectors' README says.
func verifyVector(model, sig string, vf Verifier) (*Result, error) {
	return VerifyModel(context.Background(), model, sig, VerifyOptions{
		Verifier: vf, IgnorePaths: []string{"ignore-me"}, IgnoreGitPaths: true,
	})
}

// Every vector verifies as its folder (the vectors' README), and a vector
// signed as a single file also as that file.
func TestVectorsVerify(t *testing.T) {
	for _, v := range vectors(t) {
		t.Run(v.name, func(t *testing.T) {
			for _, model := range []string{v.dir, v.model} {
				res, err := verifyVector(model, v.sig, v.verifier(t))
				if err != nil {
					t.Fatalf("verify %s: %v", model, err)
				}
				if len(res.Local.Resources) != len(res.Signed.Resources) {
					t.Errorf("local %d resources, signed %d", len(res.Local.Resources), len(res.Signed.Resources))
				}
			}
		})
	}
}

// The reference's own tests verify certificate-method bundles with the bare
// public key too.
func TestVectorsCertificateWithKey(t *testing.T) {
	pub, err := LoadPublicKey(filepath.Join(vectorsDir, "keys", "signing-key-pub.pem"))
	if err != nil {
		t.Skip(err)
	}
	for _, v := range vectors(t) {
		if v.method != "certificate" {
			continue
		}
		if _, err := verifyVector(v.model, v.sig, KeyVerifier{Key: pub}); err != nil {
			t.Errorf("%s: %v", v.name, err)
		}
	}
}

// Every byte of every signed file matters.
func TestVectorsFailOnAnyByteChange(t *testing.T) {
	for _, v := range vectors(t) {
		t.Run(v.name, func(t *testing.T) {
			vf := v.verifier(t)
			model, sig := copyVector(t, v)
			for _, r := range signedManifest(t, sig).Resources {
				file := rootPath(model, r.Path)
				orig, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				for i := range orig {
					changed := append([]byte(nil), orig...)
					changed[i] ^= 0x01
					writeFile(t, file, changed)
					_, err := verifyVector(model, sig, vf)
					if !errors.Is(err, ErrNotVerified) || !strings.Contains(err.Error(), "modified") {
						t.Fatalf("%s byte %d changed: got %v, want a modified-file error", r.Path, i, err)
					}
				}
				writeFile(t, file, orig)
			}
			if _, err := verifyVector(model, sig, vf); err != nil {
				t.Fatalf("restored copy: %v", err)
			}
		})
	}
}

func TestVectorsMissingAndExtraFiles(t *testing.T) {
	for _, v := range vectors(t) {
		if v.model != v.dir {
			continue // single-file models have no room for these cases
		}
		t.Run(v.name, func(t *testing.T) {
			vf := v.verifier(t)
			model, sig := copyVector(t, v)
			writeFile(t, filepath.Join(model, "extra.bin"), []byte("unsigned"))
			_, err := verifyVector(model, sig, vf)
			wantNotVerified(t, err, "unsigned (extra) (1): extra.bin")
			res, err := VerifyModel(context.Background(), model, sig, VerifyOptions{
				Verifier: vf, IgnorePaths: []string{"ignore-me"}, IgnoreGitPaths: true, IgnoreUnsigned: true,
			})
			if err != nil || len(res.Unsigned) != 1 || res.Unsigned[0] != "extra.bin" {
				t.Fatalf("ignore-unsigned policy: %v, %+v", err, res)
			}
			if err := os.Remove(filepath.Join(model, "signme-2")); err != nil {
				t.Fatal(err)
			}
			_, err = verifyVector(model, sig, vf)
			wantNotVerified(t, err, "missing (1): signme-2")
		})
	}
}

func TestVectorsWrongSigner(t *testing.T) {
	other, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	wrongID, err := NewSigstoreVerifier(filepath.Join(vectorsDir, "trusted-root-public-good.json"), "someone@example.com", vectorIssuer)
	if err != nil {
		t.Skip(err)
	}
	for _, v := range vectors(t) {
		_, err := verifyVector(v.model, v.sig, KeyVerifier{Key: &other.PublicKey})
		wantNotVerified(t, err, "wrong key")
		if v.method == "sigstore" {
			_, err := verifyVector(v.model, v.sig, wrongID)
			wantNotVerified(t, err, "wrong identity: signed by stefanb@us.ibm.com")
		}
	}
}

func TestVectorsCorruptBundle(t *testing.T) {
	for _, v := range vectors(t) {
		data, err := os.ReadFile(v.sig)
		if err != nil {
			t.Fatal(err)
		}
		sig := filepath.Join(t.TempDir(), "model.sig")
		writeFile(t, sig, data[:len(data)/2])
		_, err = verifyVector(v.model, sig, v.verifier(t))
		wantNotVerified(t, err, "corrupt bundle")
	}
}

// A directory stands for the single file its signature covers only when
// it holds nothing else unsigned.
func TestVectorSingleFileSignatureOnDirectory(t *testing.T) {
	n := 0
	for _, v := range vectors(t) {
		if v.model == v.dir {
			continue
		}
		n++
		model, sig := copyVector(t, v)
		dir := filepath.Dir(model)
		writeFile(t, filepath.Join(dir, "extra.bin"), []byte("unsigned"))
		_, err := verifyVector(dir, sig, v.verifier(t))
		wantNotVerified(t, err, "unsigned (extra) (1): extra.bin")
		res, err := VerifyModel(context.Background(), dir, sig, VerifyOptions{
			Verifier: v.verifier(t), IgnoreUnsigned: true, IgnorePaths: []string{"ignore-me"}, IgnoreGitPaths: true,
		})
		if err != nil || !slices.Equal(res.Unsigned, []string{"extra.bin"}) {
			t.Fatalf("ignoring unsigned files: %v, %+v", err, res)
		}
		if err := os.Remove(model); err != nil {
			t.Fatal(err)
		}
		_, err = verifyVector(dir, sig, v.verifier(t))
		wantNotVerified(t, err, "does not hold")
	}
	if n == 0 {
		t.Fatal("no vector is signed as a single file")
	}
}

// copyVector copies a vector's files to a writable temporary directory.
func copyVector(t *testing.T, v vector) (model, sig string) {
	t.Helper()
	dst := filepath.Join(t.TempDir(), v.name)
	if err := os.CopyFS(dst, os.DirFS(v.dir)); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(dst, func(p string, d os.DirEntry, err error) error {
		if err == nil {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	rel, _ := filepath.Rel(v.dir, v.model)
	return filepath.Join(dst, rel), filepath.Join(dst, "model.sig")
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func wantNotVerified(t testing.TB, err error, contains string) {
	t.Helper()
	if !errors.Is(err, ErrNotVerified) || !strings.Contains(err.Error(), contains) {
		t.Fatalf("got %v, want a not-verified error containing %q", err, contains)
	}
}
