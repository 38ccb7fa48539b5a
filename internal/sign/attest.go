package sign

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/modelgate/modelgate/internal/finding"
)

// ScanPredicateType identifies modelgate's scan attestations: an in-toto
// statement whose subject is a model's root digest (the same digest as its
// model-signing signature) and whose predicate is a scan's outcome.
const ScanPredicateType = "https://modelgate.dev/attestation/scan/v1"

// ScanPredicate is what a scan attestation asserts about a model.
type ScanPredicate struct {
	Scanner   finding.Tool `json:"scanner"`
	ScannedAt time.Time    `json:"scanned_at"`
	// Serialization says how the subject's root digest was computed.
	Serialization Serialization   `json:"serialization"`
	Verdict       finding.Verdict `json:"verdict"`
	Summary       finding.Summary `json:"summary"`
	Findings      []RuleCount     `json:"findings"`
	Policy        PolicyDecision  `json:"policy"`
}

// RuleCount summarises the findings of one rule.
type RuleCount struct {
	Rule     string           `json:"rule"`
	Class    finding.Class    `json:"class"`
	Severity finding.Severity `json:"severity"`
	Count    int              `json:"count"`
	Files    int              `json:"files"`
}

// PolicyDecision is the gate applied to the scan. Until modelgate has a
// policy engine the gate is the scan's --fail-on threshold (Source
// "fail-on"): Decision is "pass" exactly when `modelgate scan` with that
// threshold exits 0, and "fail" when it exits 1 (a file at or above the
// threshold) or 2 (a file could not be analysed completely, or no model file
// was found), since an incomplete scan must not pass.
type PolicyDecision struct {
	Source   string `json:"source"`
	FailOn   string `json:"fail_on"`
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// Policy decisions.
const (
	DecisionPass = "pass"
	DecisionFail = "fail"
)

// NewScanPredicate summarises a scan report under the --fail-on threshold
// failOn ("malicious", "suspicious" or "none").
func NewScanPredicate(rep *finding.Report, failOn string, ser Serialization) ScanPredicate {
	return ScanPredicate{
		Scanner:       rep.Tool,
		ScannedAt:     time.Now().UTC().Truncate(time.Second),
		Serialization: ser,
		Verdict:       worstVerdict(rep),
		Summary:       rep.Summary,
		Findings:      ruleCounts(rep),
		Policy:        decide(rep, failOn),
	}
}

func worstVerdict(rep *finding.Report) finding.Verdict {
	if len(rep.Files) == 0 {
		return finding.Error
	}
	v := finding.Safe
	for _, f := range rep.Files {
		v = max(v, f.Verdict)
	}
	return v
}

func ruleCounts(rep *finding.Report) []RuleCount {
	byRule := map[string]*RuleCount{}
	for _, f := range rep.Files {
		seen := map[string]bool{}
		for _, x := range f.Findings {
			rc := byRule[x.Rule]
			if rc == nil {
				rc = &RuleCount{Rule: x.Rule, Class: x.Class, Severity: x.Severity}
				byRule[x.Rule] = rc
			}
			rc.Count++
			rc.Severity = max(rc.Severity, x.Severity)
			if !seen[x.Rule] {
				seen[x.Rule] = true
				rc.Files++
			}
		}
	}
	out := make([]RuleCount, 0, len(byRule))
	for _, rc := range byRule {
		out = append(out, *rc)
	}
	slices.SortFunc(out, func(a, b RuleCount) int { return cmp.Compare(a.Rule, b.Rule) })
	return out
}

func decide(rep *finding.Report, failOn string) PolicyDecision {
	d := PolicyDecision{Source: "fail-on", FailOn: failOn, Decision: DecisionFail}
	threshold, err := finding.ParseVerdict(failOn)
	gate := err == nil // "none" gates nothing
	failing, incomplete := 0, 0
	for _, f := range rep.Files {
		if gate && f.Verdict >= threshold {
			failing++
		}
		if f.Verdict == finding.Error {
			incomplete++
		}
	}
	switch {
	case failing > 0:
		d.Reason = fmt.Sprintf("%d file(s) at or above %s", failing, failOn)
	case len(rep.Files) == 0:
		d.Reason = "no model file found"
	case incomplete > 0:
		d.Reason = fmt.Sprintf("%d file(s) could not be analysed completely", incomplete)
	default:
		d.Decision = DecisionPass
		d.Reason = fmt.Sprintf("no file at or above %s; every file analysed completely", failOn)
	}
	return d
}

// AttestScan signs a scan attestation whose subject is the manifest's root.
func AttestScan(ctx context.Context, m *Manifest, p ScanPredicate, signer Signer) ([]byte, error) {
	st, err := statementWith(m.ModelName, m.RootDigest(), ScanPredicateType, p)
	if err != nil {
		return nil, err
	}
	return signer.SignStatement(ctx, st)
}

// ManifestForAttestation hashes a model for its scan attestation. When the
// model already has a signature at sigPath the model is hashed the way that
// signature says (method, shard size, symbolic links, ignore paths), so that
// the attestation's subject is the root digest `verify` recomputes; otherwise
// the way `sign` would by default. The signature is only read for those
// parameters; nothing in it is trusted.
func ManifestForAttestation(ctx context.Context, model, sigPath, attPath string, workers int) (*Manifest, error) {
	opts := HashOptions{IgnoreGitPaths: true, Workers: workers}
	if ser, ok := signedSerialization(sigPath); ok {
		opts.ShardSize, opts.AllowSymlinks = ser.ShardSize, ser.AllowSymlinks
		opts.IgnorePaths = slices.Clone(ser.IgnorePaths)
		opts.IgnoreGitPaths = ser.IgnorePaths == nil // as verify does
	}
	opts.IgnorePaths = append(opts.IgnorePaths, OwnFiles(model, sigPath, attPath)...)
	return Hash(ctx, model, opts)
}

// signedSerialization reads, without verifying, how a signature hashed.
func signedSerialization(sigPath string) (Serialization, bool) {
	b, err := ReadBundle(sigPath)
	if err != nil {
		return Serialization{}, false
	}
	m, err := payloadManifest(b.Payload())
	if err != nil {
		return Serialization{}, false
	}
	return m.Serialization, true
}

// OwnFiles are the absolute paths of the files modelgate writes beside a
// model's content (the signature, the scan attestation, and their default
// locations), which signing and verifying always leave out. Both `sign` and
// `verify` must agree on them, or a signature would list a file that
// verification then ignores.
func OwnFiles(model string, paths ...string) []string {
	all := append([]string{DefaultSignaturePath(model), DefaultAttestationPath(model)}, paths...)
	var out []string
	for _, p := range all {
		if p == "" {
			continue
		}
		if a, err := filepath.Abs(p); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// VerifyScanAttestation checks the attestation at path: signed by v, about
// exactly the model whose manifest is local, and passing its policy.
func VerifyScanAttestation(ctx context.Context, path string, v Verifier, local *Manifest) (*ScanPredicate, string, error) {
	b, err := ReadBundle(path)
	if err != nil {
		return nil, "", err
	}
	payload, signer, err := v.Verify(ctx, b)
	if err != nil {
		return nil, "", fmt.Errorf("scan attestation: %w", err)
	}
	p, err := scanPredicateFor(payload, local)
	if err != nil {
		return nil, "", err
	}
	if p.Policy.Decision != DecisionPass || p.Policy.FailOn == "none" {
		return p, signer, notVerified("the scan did not pass: decision %q under --fail-on %s (%s)", p.Policy.Decision, p.Policy.FailOn, p.Policy.Reason)
	}
	return p, signer, nil
}

func scanPredicateFor(payload []byte, local *Manifest) (*ScanPredicate, error) {
	st, err := ParseStatement(payload)
	if err != nil {
		return nil, notVerified("scan attestation: %v", err)
	}
	if st.PredicateType != ScanPredicateType {
		return nil, notVerified("scan attestation: predicate type %q, want %q", st.PredicateType, ScanPredicateType)
	}
	if len(st.Subject) != 1 {
		return nil, notVerified("scan attestation: %d subjects, want one", len(st.Subject))
	}
	var p ScanPredicate
	if err := json.Unmarshal(st.Predicate, &p); err != nil {
		return nil, notVerified("scan attestation: predicate: %v", err)
	}
	want, err := decodeSHA256(st.Subject[0].Digest["sha256"])
	if err != nil {
		return nil, notVerified("scan attestation: subject: %v", err)
	}
	if root := local.RootDigest(); !bytes.Equal(want, root) {
		return nil, notVerified("the scan attestation is about another model: its subject is %x, this model's root digest is %x%s",
			want, root, serializationHint(p.Serialization, local.Serialization))
	}
	return &p, nil
}

func serializationHint(att, local Serialization) string {
	if att.Method != local.Method || att.ShardSize != local.ShardSize {
		return fmt.Sprintf(" (the scan hashed by %s, the signature by %s)", describe(att), describe(local))
	}
	return ""
}

func describe(s Serialization) string {
	if s.Method == MethodShards {
		return fmt.Sprintf("shards of %d bytes", s.ShardSize)
	}
	return s.Method
}

// CheckUnchanged re-stats every file of the manifest and fails if one
// changed since it was hashed: a scan that ran in between must not be
// attested for the digest.
func (m *Manifest) CheckUnchanged(root string) error {
	for rel, want := range m.stats {
		info, err := os.Stat(rootPath(root, rel))
		if err != nil {
			return err
		}
		if statOf(info) != want {
			return fmt.Errorf("%s: %w", rel, errChanged)
		}
	}
	return nil
}
