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

// PolicyDecision is the gate the scan applied: modelgate's policy engine
// with the configuration it names (internal/policy). Decision is "pass"
// exactly when `modelgate scan` exits 0 under that policy: no file blocked,
// every file analysed completely, at least one model file, since an
// incomplete scan must not pass.
type PolicyDecision struct {
	// Config is the configuration file as the scan named it, "" for the
	// built-in policy (only --fail-on).
	Config   string `json:"config,omitempty"`
	SafeMode bool   `json:"safe_mode"`
	FailOn   string `json:"fail_on"`
	Baseline bool   `json:"baseline,omitempty"`
	// SetAside counts the findings the configuration suppressed or the
	// baseline hid: a verifier can see that a pass rests on them.
	SetAside int    `json:"set_aside"`
	Blocked  int    `json:"blocked"`
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// Policy decisions.
const (
	DecisionPass = "pass"
	DecisionFail = "fail"
)

// NewScanPredicate summarises a scan report whose files the policy engine
// has decided.
func NewScanPredicate(rep *finding.Report, ser Serialization) ScanPredicate {
	return ScanPredicate{
		Scanner:       rep.Tool,
		ScannedAt:     time.Now().UTC().Truncate(time.Second),
		Serialization: ser,
		Verdict:       worstVerdict(rep),
		Summary:       rep.Summary,
		Findings:      ruleCounts(rep),
		Policy:        decide(rep),
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

// decide reads the policy engine's decisions off the report. A report no
// policy decided (no rep.Policy) fails: nothing vouches for it.
func decide(rep *finding.Report) PolicyDecision {
	d := PolicyDecision{Decision: DecisionFail}
	if pi := rep.Policy; pi != nil {
		d.Config, d.SafeMode, d.FailOn, d.Baseline = pi.Config, pi.SafeMode, pi.FailOn, pi.Baseline != ""
	}
	incomplete, undecided := 0, 0
	for _, f := range rep.Files {
		d.SetAside += len(f.Suppressed) + f.Baselined
		switch {
		case f.Decision == nil:
			undecided++
		case f.Decision.Action == finding.Block:
			d.Blocked++
		}
		if f.Verdict == finding.Error {
			incomplete++
		}
	}
	switch {
	case rep.Policy == nil || undecided > 0:
		d.Reason = "the policy did not decide every file"
	case d.Blocked > 0:
		d.Reason = fmt.Sprintf("%d file(s) blocked by the policy", d.Blocked)
	case len(rep.Files) == 0:
		d.Reason = "no model file found"
	case incomplete > 0:
		d.Reason = fmt.Sprintf("%d file(s) could not be analysed completely", incomplete)
	default:
		d.Decision = DecisionPass
		d.Reason = "no file blocked; every file analysed completely"
	}
	return d
}

// gates says whether a passing decision means anything: a threshold of
// "none" blocks nothing unless SafeMode does the gating.
func (d PolicyDecision) gates() bool {
	return d.FailOn != "none" || d.SafeMode
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
	if p.Policy.Decision != DecisionPass {
		return p, signer, notVerified("the scan did not pass: %s", p.Policy.Reason)
	}
	if !p.Policy.gates() {
		return p, signer, notVerified("the scan gated nothing: fail_on none without SafeMode")
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
