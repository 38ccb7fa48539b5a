package sign

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/policy"
)

func report(verdicts ...finding.Verdict) *finding.Report {
	rep := &finding.Report{Schema: finding.SchemaV1, Tool: finding.Tool{Name: "modelgate", Version: "test"}}
	for i, v := range verdicts {
		f := finding.File{Path: string(rune('a' + i)), Verdict: v}
		switch v {
		case finding.MaliciousVerdict:
			f.Findings = []finding.Finding{
				{Rule: "PICKLE-101", Class: finding.Malicious, Severity: finding.Critical},
				{Rule: "PICKLE-101", Class: finding.Malicious, Severity: finding.Critical},
			}
		case finding.SuspiciousVerdict:
			f.Findings = []finding.Finding{{Rule: "ARCHIVE-201", Class: finding.Suspicious, Severity: finding.Medium}}
		case finding.Error:
			f.Errors, f.Incomplete = []string{"truncated"}, true
		}
		rep.Files = append(rep.Files, f)
	}
	rep.Tally()
	return rep
}

// decided is the report after the policy engine has decided it with the
// given --fail-on, as `modelgate scan` does before attesting.
func decided(t *testing.T, rep *finding.Report, failOn string, safeMode bool) *finding.Report {
	t.Helper()
	p, err := policy.New(&policy.Config{}, policy.Options{FailOn: failOn, SafeMode: safeMode})
	if err != nil {
		t.Fatal(err)
	}
	p.Decide(rep)
	return rep
}

func TestScanDecision(t *testing.T) {
	for _, c := range []struct {
		rep            *finding.Report
		failOn, want   string
		safeMode       bool
		verdict        finding.Verdict
		wantRuleCounts int
	}{
		{report(finding.Safe, finding.Safe), "suspicious", DecisionPass, false, finding.Safe, 0},
		{report(finding.Safe, finding.SuspiciousVerdict), "suspicious", DecisionFail, false, finding.SuspiciousVerdict, 1},
		{report(finding.Safe, finding.SuspiciousVerdict), "malicious", DecisionPass, false, finding.SuspiciousVerdict, 1},
		{report(finding.MaliciousVerdict), "malicious", DecisionFail, false, finding.MaliciousVerdict, 1},
		{report(finding.MaliciousVerdict), "none", DecisionFail, true, finding.MaliciousVerdict, 1},
		{report(finding.Safe, finding.Error), "suspicious", DecisionFail, false, finding.Error, 0},
		{report(), "suspicious", DecisionFail, false, finding.Error, 0},
		{report(finding.MaliciousVerdict), "none", DecisionPass, false, finding.MaliciousVerdict, 1},
	} {
		p := NewScanPredicate(decided(t, c.rep, c.failOn, c.safeMode), Serialization{})
		if p.Policy.Decision != c.want || p.Verdict != c.verdict || len(p.Findings) != c.wantRuleCounts ||
			p.Policy.FailOn != c.failOn || p.Policy.SafeMode != c.safeMode {
			t.Errorf("%v under %s: %+v", c.rep.Summary, c.failOn, p)
		}
	}
	// A report no policy decided vouches for nothing.
	if p := NewScanPredicate(report(finding.Safe), Serialization{}); p.Policy.Decision != DecisionFail {
		t.Errorf("undecided report: %+v", p.Policy)
	}
	p := NewScanPredicate(decided(t, report(finding.MaliciousVerdict), "suspicious", false), Serialization{})
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
		b, err := AttestScan(ctx, m, NewScanPredicate(decided(t, rep, failOn, false), m.Serialization), signer)
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
	wantNotVerified(t, err, "fail_on none")

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
