package sign

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/internal/finding"
)

func report(verdicts ...finding.Verdict) *finding.Report {
	rep := &finding.Report{Schema: finding.SchemaV1, Tool: finding.Tool{Name: "modelgate", Version: "test"}}
	for i, v := range verdicts {
		f := finding.File{Path: string(rune('a' + i)), Verdict: v}
		if v == finding.MaliciousVerdict {
			f.Findings = []finding.Finding{
				{Rule: "PICKLE-101", Class: finding.Malicious, Severity: finding.Critical},
				{Rule: "PICKLE-101", Class: finding.Malicious, Severity: finding.Critical},
			}
		}
		rep.Files = append(rep.Files, f)
	}
	rep.Tally()
	return rep
}

func TestScanDecision(t *testing.T) {
	for _, c := range []struct {
		rep            *finding.Report
		failOn, want   string
		verdict        finding.Verdict
		wantRuleCounts int
	}{
		{report(finding.Safe, finding.Safe), "suspicious", DecisionPass, finding.Safe, 0},
		{report(finding.Safe, finding.SuspiciousVerdict), "suspicious", DecisionFail, finding.SuspiciousVerdict, 0},
		{report(finding.Safe, finding.SuspiciousVerdict), "malicious", DecisionPass, finding.SuspiciousVerdict, 0},
		{report(finding.MaliciousVerdict), "malicious", DecisionFail, finding.MaliciousVerdict, 1},
		{report(finding.Safe, finding.Error), "suspicious", DecisionFail, finding.Error, 0},
		{report(), "suspicious", DecisionFail, finding.Error, 0},
		{report(finding.MaliciousVerdict), "none", DecisionPass, finding.MaliciousVerdict, 1},
	} {
		p := NewScanPredicate(c.rep, c.failOn, Serialization{})
		if p.Policy.Decision != c.want || p.Verdict != c.verdict || len(p.Findings) != c.wantRuleCounts {
			t.Errorf("%v under %s: %+v", c.rep.Summary, c.failOn, p)
		}
	}
	p := NewScanPredicate(report(finding.MaliciousVerdict), "suspicious", Serialization{})
	if rc := p.Findings[0]; rc.Count != 2 || rc.Files != 1 || rc.Rule != "PICKLE-101" {
		t.Errorf("rule count %+v", rc)
	}
}

func TestScanAttestationRoundTrip(t *testing.T) {
	ctx := context.Background()
	model := makeModel(t, sampleModel)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, _ := NewKeySigner(key, nil)
	att := DefaultAttestationPath(model)
	m, err := ManifestForAttestation(ctx, model, DefaultSignaturePath(model), att, 0)
	if err != nil {
		t.Fatal(err)
	}
	attest := func(rep *finding.Report, failOn string) {
		t.Helper()
		b, err := AttestScan(ctx, m, NewScanPredicate(rep, failOn, m.Serialization), signer)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, att, b)
	}
	v := KeyVerifier{Key: key.Public()}
	attest(report(finding.Safe), "suspicious")
	if _, _, err := VerifyScanAttestation(ctx, att, v, m); err != nil {
		t.Fatalf("passing attestation: %v", err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, _, err = VerifyScanAttestation(ctx, att, KeyVerifier{Key: other.Public()}, m)
	wantNotVerified(t, err, "wrong key")

	changed := makeModel(t, map[string]string{"x": "other model"})
	_, _, err = VerifyScanAttestation(ctx, att, v, mustHash(t, changed, HashOptions{}))
	wantNotVerified(t, err, "about another model")

	attest(report(finding.MaliciousVerdict), "suspicious")
	_, _, err = VerifyScanAttestation(ctx, att, v, m)
	wantNotVerified(t, err, "the scan did not pass")

	attest(report(finding.Safe), "none")
	_, _, err = VerifyScanAttestation(ctx, att, v, m)
	wantNotVerified(t, err, "--fail-on none")

	sig := filepath.Join(model, SignatureName)
	signTo(t, model, sig, signer, HashOptions{IgnorePaths: OwnFiles(model, sig)})
	_, _, err = VerifyScanAttestation(ctx, sig, v, m)
	wantNotVerified(t, err, "predicate type")
}

// The attestation of a model signed by shards hashes by shards too, so its
// subject is the root `verify` recomputes.
func TestManifestForAttestationFollowsTheSignature(t *testing.T) {
	ctx := context.Background()
	model := makeModel(t, sampleModel)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, _ := NewKeySigner(key, nil)
	sig := DefaultSignaturePath(model)
	signTo(t, model, sig, signer, HashOptions{ShardSize: 3, IgnoreGitPaths: true, IgnorePaths: append(OwnFiles(model, sig), "tokenizer")})
	res, err := VerifyModel(ctx, model, sig, VerifyOptions{Verifier: KeyVerifier{Key: key.Public()}, IgnoreGitPaths: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ManifestForAttestation(ctx, model, sig, DefaultAttestationPath(model), 0)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.RootDigest()) != string(res.Local.RootDigest()) {
		t.Fatalf("attestation root differs from the verified root:\n%v\n%v", names(m), names(res.Local))
	}
}
