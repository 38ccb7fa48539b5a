package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/modelgate/modelgate/internal/finding"
)

// abs turns a sample path into an absolute one, for tests that change the
// working directory.
func abs(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(samples + rel)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func writeConfig(t *testing.T, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "modelgate.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBadPolicyExpressionExits2(t *testing.T) {
	cfg := writeConfig(t, t.TempDir(), "policies:\n  - name: typo\n    when: fnding.rule == \"PICKLE-101\"\n    action: block\n    message: m\n")
	out, stderr, status := run(t, "", "scan", "--config", cfg, samples+"pickle/os_system_v2.pkl")
	if status != 2 || out != "" {
		t.Fatalf("status %d, stdout %q", status, out)
	}
	for _, want := range []string{"invalid configuration", "modelgate.yaml:3:17", `policy "typo"`, "undeclared reference to 'fnding.rule'", "^"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q does not say %q", stderr, want)
		}
	}
	if _, stderr, status := run(t, "", "scan", "--config", "missing.yaml", samples); status != 2 || !strings.Contains(stderr, "missing.yaml") {
		t.Fatalf("missing config: %d %q", status, stderr)
	}
}

func TestConfigInWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, "fail_on: malicious\n")
	sample := abs(t, "pickle/unknown_global.pkl")
	t.Chdir(dir)
	out, _, status := run(t, "", "scan", sample)
	if status != 0 || !strings.Contains(out, "PASS WITH WARNINGS: 1 file(s) warned (1 by fail_on)") {
		t.Fatalf("status %d:\n%s", status, out)
	}
	// --fail-on, when given, wins over the configuration.
	if _, _, status := run(t, "", "scan", "--fail-on", "suspicious", sample); status != 1 {
		t.Fatalf("--fail-on suspicious: status %d", status)
	}
	if _, _, status := run(t, "", "scan", "--fail-on", "medium", sample); status != 1 {
		t.Fatalf("--fail-on medium: status %d", status)
	}
}

func TestSafeModeFlag(t *testing.T) {
	cases := []struct {
		sample string
		status int
	}{
		{"numpy/float_array.npy", 0},
		{"torch/state_dict_zip.pt", 1},
		{"torch/torchscript.pt", 1},
	}
	for _, c := range cases {
		out, _, status := run(t, "", "scan", "--safe-mode", samples+c.sample)
		if status != c.status {
			t.Errorf("%s: status %d, want %d\n%s", c.sample, status, c.status, out)
		}
		if _, _, plain := run(t, "", "scan", samples+c.sample); plain != 0 {
			t.Errorf("%s without safe mode: status %d", c.sample, plain)
		}
	}
	cfg := writeConfig(t, t.TempDir(), "safe_mode: true\n")
	if _, _, status := run(t, "", "scan", "--config", cfg, samples+"torch/torchscript.pt"); status != 1 {
		t.Fatalf("safe_mode in the config: status %d", status)
	}
}

func TestBaselineFlags(t *testing.T) {
	dir := t.TempDir()
	b := filepath.Join(dir, "baseline.json")
	known := samples + "pickle/os_system_v2.pkl"
	out, _, status := run(t, "", "scan", "--write-baseline", b, known)
	if status != 0 || !strings.Contains(out, "1 known finding(s) hidden by the baseline") {
		t.Fatalf("writing the baseline: status %d\n%s", status, out)
	}
	if _, _, status := run(t, "", "scan", "--baseline", b, known); status != 0 {
		t.Fatalf("with the baseline: status %d", status)
	}
	out, _, status = run(t, "", "scan", "--format", "json", "--baseline", b, known, samples+"pickle/socket_connect.pkl")
	var r finding.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil || status != 1 {
		t.Fatalf("a new finding: status %d, %v", status, err)
	}
	if r.Files[0].Baselined != 1 || len(r.Files[0].Findings) != 0 || r.Files[1].Decision.Action != finding.Block || r.Policy.Baseline != b {
		t.Fatalf("report %+v", r)
	}
	_, stderr, status := run(t, "", "scan", "--safe-mode", "--baseline", b, known)
	if status != 1 || !strings.Contains(stderr, "safe mode does not apply baselines") {
		t.Fatalf("safe mode with a baseline: %d %q", status, stderr)
	}
	if _, stderr, status := run(t, "", "scan", "--baseline", filepath.Join(dir, "none.json"), known); status != 2 || !strings.Contains(stderr, "none.json") {
		t.Fatalf("missing baseline: %d %q", status, stderr)
	}
	if _, stderr, status := run(t, "", "scan", "--baseline", b, "--write-baseline", b, known); status != 2 || !strings.Contains(stderr, "not both") {
		t.Fatalf("both baseline flags: %d %q", status, stderr)
	}
}

func TestSuppressionsInTheReport(t *testing.T) {
	dir := t.TempDir()
	sample := filepath.Join(dir, "models", "unknown_global.pkl")
	os.MkdirAll(filepath.Dir(sample), 0o755)
	data, _ := os.ReadFile(samples + "pickle/unknown_global.pkl")
	os.WriteFile(sample, data, 0o644)
	cfg := writeConfig(t, dir, `suppressions:
  - {rule: PICKLE-102, path: 'models/**', reason: SEC-1 reviewed, expires: 2099-12-31}
  - {rule: PICKLE-101, path: 'models/**', reason: long gone, expires: 2020-01-01}
`)
	out, stderr, status := run(t, "", "scan", "--format", "json", "--config", cfg, sample)
	var r finding.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil || status != 0 {
		t.Fatalf("status %d, %v", status, err)
	}
	s := r.Files[0].Suppressed
	if len(s) != 1 || s[0].By != "suppression" || s[0].Reason != "SEC-1 reviewed" || s[0].Expires != "2099-12-31" || s[0].Fingerprint == "" {
		t.Fatalf("suppressed %+v", s)
	}
	if !strings.Contains(stderr, "note:") || !strings.Contains(stderr, "expired on 2020-01-01") || len(r.Policy.Notices) != 1 {
		t.Fatalf("the expired suppression was not reported: %q %+v", stderr, r.Policy)
	}
	out, _, _ = run(t, "", "scan", "--config", cfg, sample)
	if !strings.Contains(out, "set aside PICKLE-102") || !strings.Contains(out, "note: ") {
		t.Fatalf("text report:\n%s", out)
	}
	out, _, _ = run(t, "", "scan", "--format", "sarif", "--config", cfg, sample)
	doc, err := sarif.FromString(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(); err != nil {
		t.Fatalf("SARIF with suppressions does not validate: %v", err)
	}
	res := doc.Runs[0].Results
	if len(res) != 1 || len(res[0].Suppressions) != 1 || *res[0].Suppressions[0].Status != "accepted" ||
		doc.Runs[0].Properties.Properties["modelgate/decisions"] == nil {
		t.Fatalf("SARIF results %+v", res)
	}
}

func TestInit(t *testing.T) {
	dir := t.TempDir()
	legacy := abs(t, "torch/legacy.pt")
	t.Chdir(dir)
	if out, _, status := run(t, "", "init"); status != 0 || !strings.Contains(out, "wrote modelgate.yaml") {
		t.Fatalf("init: %d %q", status, out)
	}
	if _, stderr, status := run(t, "", "init"); status != 2 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("second init: %d %q", status, stderr)
	}
	if _, _, status := run(t, "", "init", "--force"); status != 0 {
		t.Fatalf("init --force: %d", status)
	}
	if _, _, status := run(t, "", "init", "other.yaml"); status != 0 {
		t.Fatalf("init other.yaml: %d", status)
	}
	// The starter is read from the working directory and blocks legacy
	// checkpoints, as its comments say.
	if out, stderr, status := run(t, "", "scan", legacy); status != 1 || !strings.Contains(out, "by formats.forbidden") {
		t.Fatalf("scan with the starter: %d %q\n%s", status, stderr, out)
	}
}

func TestCycloneDXFormat(t *testing.T) {
	out, _, status := run(t, "", "scan", "--format", "cyclonedx", samples+"archive/nested.tar.gz")
	var bom struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
		Components  []struct {
			Hashes []struct{ Content string } `json:"hashes"`
		} `json:"components"`
		Vulnerabilities []struct{ ID string } `json:"vulnerabilities"`
	}
	if err := json.Unmarshal([]byte(out), &bom); err != nil || status != 1 {
		t.Fatalf("status %d, %v", status, err)
	}
	if bom.BOMFormat != "CycloneDX" || bom.SpecVersion != "1.6" || len(bom.Components) != 1 ||
		len(bom.Components[0].Hashes) != 1 || len(bom.Vulnerabilities) != 1 || bom.Vulnerabilities[0].ID != "PICKLE-101" {
		t.Fatalf("BOM %+v", bom)
	}
}
