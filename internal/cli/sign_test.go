package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/sign/signtest"
)

func want(t *testing.T, code int, args ...string) string {
	t.Helper()
	out, errOut, got := run(t, "", args...)
	if got != code {
		t.Fatalf("modelgate %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, code, out, errOut)
	}
	return out + errOut
}

var model = map[string]string{
	"config.json":     `{"hidden": 8}`,
	"weights/a.bin":   strings.Repeat("a", 5000),
	"weights/b.bin":   strings.Repeat("b", 300),
	"tokenizer.model": "vocab",
	".gitignore":      "*.tmp",
}

func TestSignVerifyEveryKeyType(t *testing.T) {
	dir := t.TempDir()
	for name, key := range signtest.Keys(t) {
		t.Run(name, func(t *testing.T) {
			m := signtest.Model(t, model)
			priv, pub := signtest.WriteKeys(t, dir, name, key)
			want(t, 0, "sign", "--private-key", priv, m)
			want(t, 0, "verify", "--public-key", pub, m)
			want(t, 0, "verify", "--signature", filepath.Join(m, "model.sig"), "--public-key", pub, "--jobs", "1", m)

			_, other := signtest.WriteKeys(t, t.TempDir(), "other", signtest.Keys(t)["P-256"])
			if msg := want(t, 1, "verify", "--public-key", other, m); !strings.Contains(msg, "wrong key") {
				t.Errorf("wrong key message: %s", msg)
			}
			os.WriteFile(filepath.Join(m, "weights", "b.bin"), []byte(strings.Repeat("c", 300)), 0o644)
			if msg := want(t, 1, "verify", "--public-key", pub, m); !strings.Contains(msg, "modified (1): weights/b.bin") {
				t.Errorf("modified message: %s", msg)
			}
		})
	}
}

func TestSignVerifyCertificateChain(t *testing.T) {
	dir := t.TempDir()
	key := signtest.Keys(t)["P-384"]
	pki := signtest.NewPKI(t, key)
	priv, _ := signtest.WriteKeys(t, dir, "leaf", key)
	cert := signtest.WriteCerts(t, filepath.Join(dir, "leaf.pem"), pki.Chain[0])
	chain := signtest.WriteCerts(t, filepath.Join(dir, "chain.pem"), pki.Chain[1])
	ca := signtest.WriteCerts(t, filepath.Join(dir, "ca.pem"), pki.Root)
	m := signtest.Model(t, model)
	sig := filepath.Join(dir, "out.sig")
	want(t, 0, "sign", "--private-key", priv, "--certificate", cert, "--certificate-chain", chain, "--signature", sig, m)
	want(t, 0, "verify", "--signature", sig, "--certificate-chain", ca, m)
	otherCA := signtest.WriteCerts(t, filepath.Join(dir, "other-ca.pem"), signtest.NewPKI(t, key).Root)
	if msg := want(t, 1, "verify", "--signature", sig, "--certificate-chain", otherCA, m); !strings.Contains(msg, "untrusted signing certificate") {
		t.Errorf("untrusted chain message: %s", msg)
	}
}

func TestVerifyUsageAndIOErrors(t *testing.T) {
	dir := t.TempDir()
	priv, pub := signtest.WriteKeys(t, dir, "k", signtest.Keys(t)["P-256"])
	m := signtest.Model(t, model)
	want(t, 2, "verify", m)                                                         // no method
	want(t, 2, "verify", "--public-key", pub, "--trust-root", "x.json", m)          // two methods
	want(t, 2, "verify", "--trust-root", "x.json", "--identity", "a@b.c", m)        // no issuer
	want(t, 2, "verify", "--public-key", pub, m)                                    // no signature file
	want(t, 2, "verify", "--public-key", pub, "--require-scan", m)                  // no scanner key
	want(t, 2, "sign", m)                                                           // no key
	want(t, 2, "sign", "--private-key", priv, "--certificate-chain", "c.pem", m)    // chain without certificate
	want(t, 2, "sign", "--private-key", filepath.Join(dir, "missing.pem"), m)       // unreadable key
	want(t, 2, "sign", "--private-key", priv, filepath.Join(dir, "no-such-model"))  // missing model
	os.WriteFile(filepath.Join(m, "model.sig"), []byte(`{"mediaType": 42}`), 0o644) // corrupt bundle
	if msg := want(t, 1, "verify", "--public-key", pub, m); !strings.Contains(msg, "corrupt bundle") {
		t.Errorf("corrupt bundle message: %s", msg)
	}
}

func TestSignIncremental(t *testing.T) {
	dir := t.TempDir()
	priv, pub := signtest.WriteKeys(t, dir, "k", signtest.Keys(t)["Ed25519"])
	m := signtest.Model(t, model)
	state := filepath.Join(dir, "state.json")
	first := want(t, 0, "sign", "--private-key", priv, "--incremental", "--state", state, m)
	if !strings.Contains(first, "no saved state") {
		t.Errorf("first incremental run: %s", first)
	}
	os.WriteFile(filepath.Join(m, "config.json"), []byte(`{"hidden": 16}`), 0o644)
	second := want(t, 0, "sign", "--private-key", priv, "--incremental", "--verify-reused", "--state", state, m)
	if !strings.Contains(second, "3 reused") || strings.Contains(second, "stale") {
		t.Errorf("second incremental run: %s", second)
	}
	want(t, 0, "verify", "--public-key", pub, m)
	// Another key cannot vouch for the previous digests: everything is hashed.
	priv2, _ := signtest.WriteKeys(t, dir, "k2", signtest.Keys(t)["P-256"])
	if out := want(t, 0, "sign", "--private-key", priv2, "--incremental", "--state", state, m); !strings.Contains(out, "previous signature unusable") {
		t.Errorf("incremental with another key: %s", out)
	}
}

func TestScanAttestationGate(t *testing.T) {
	dir := t.TempDir()
	prodKey, prodPub := signtest.WriteKeys(t, dir, "producer", signtest.Keys(t)["P-256"])
	scanKey, scanPub := signtest.WriteKeys(t, dir, "scanner", signtest.Keys(t)["Ed25519"])
	m := signtest.Model(t, model)
	gate := []string{"verify", "--public-key", prodPub, "--require-scan", "--scan-public-key", scanPub, m}

	want(t, 0, "sign", "--private-key", prodKey, "--shard-size", "1000", m)
	want(t, 0, "scan", "--attest", scanKey, m)
	if out := want(t, 0, gate...); !strings.Contains(out, "scan passed: verdict safe") {
		t.Errorf("gate output: %s", out)
	}
	want(t, 2, "scan", "--attest", scanKey, m, m) // one model only

	// A malicious file: re-signed by the producer, the scan now fails.
	sample, err := os.ReadFile(filepath.Join("..", "..", "examples", "os_system.pkl"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(m, "extra.pkl"), sample, 0o644)
	want(t, 1, gate...) // signature: unsigned file
	want(t, 0, "sign", "--private-key", prodKey, "--shard-size", "1000", m)
	if out := want(t, 1, gate...); !strings.Contains(out, "scan attestation is about another model") {
		t.Errorf("stale attestation: %s", out)
	}
	want(t, 1, "scan", "--attest", scanKey, m)
	if out := want(t, 1, gate...); !strings.Contains(out, "the scan did not pass") {
		t.Errorf("failing scan: %s", out)
	}
}

func TestVerifyVectorsFromTheCommandLine(t *testing.T) {
	v := signtest.VectorsDir()
	if _, err := os.Stat(v); err != nil {
		t.Skip("conformance vectors not found")
	}
	keys := filepath.Join(v, "keys")
	methods := map[string][]string{
		"elliptic-key": {"--public-key", filepath.Join(keys, "signing-key-pub.pem")},
		"certificate":  {"--certificate-chain", filepath.Join(keys, "ca-cert.pem")},
		"sigstore": {"--trust-root", filepath.Join(v, "trusted-root-public-good.json"),
			"--identity", "stefanb@us.ibm.com", "--issuer", "https://sigstore.verify.ibm.com/oauth2"},
	}
	dirs, _ := filepath.Glob(filepath.Join(v, "v*-*"))
	for _, d := range dirs {
		model := d
		if _, err := os.Stat(filepath.Join(d, "signme-2")); err != nil {
			model = filepath.Join(d, "signme-1") // signed as a single file
		}
		method := methods[filepath.Base(d)[strings.IndexByte(filepath.Base(d), '-')+1:]]
		args := append([]string{"verify", "--signature", filepath.Join(d, "model.sig"), "--ignore-paths", "ignore-me"}, method...)
		want(t, 0, append(args, model)...)
	}
}
