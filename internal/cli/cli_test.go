package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/modelgate/modelgate/internal/finding"
)

var update = flag.Bool("update", false, "rewrite golden files")

// run executes the command line and returns stdout, stderr and the status.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

const samples = "../../testdata/samples/"

func TestScanExitStatus(t *testing.T) {
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "README.md"), []byte("# not a model\n"), 0o644)
	truncated := filepath.Join(t.TempDir(), "model.pkl")
	os.WriteFile(truncated, []byte("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x05os"), 0o644)

	cases := []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"malicious file", []string{"scan", samples + "pickle/os_system_v2.pkl"}, 1, ""},
		{"benign file", []string{"scan", samples + "pickle/benign_list_v4.pkl"}, 0, ""},
		{"suspicious below malicious threshold", []string{"scan", "--fail-on", "malicious", samples + "pickle/unknown_global.pkl"}, 0, ""},
		{"suspicious at default threshold", []string{"scan", samples + "pickle/unknown_global.pkl"}, 1, ""},
		{"fail-on none", []string{"scan", "--fail-on", "none", samples + "pickle/os_system_v2.pkl"}, 0, ""},
		{"missing path", []string{"scan", "does/not/exist.pt"}, 2, "does/not/exist.pt: no such file or directory"},
		{"directory without model files", []string{"scan", empty}, 2, "no model files found"},
		{"truncated pickle", []string{"scan", truncated}, 2, "the pickle is truncated"},
		{"zip bomb", []string{"scan", samples + "archive/bomb.zip"}, 1, ""},
		{"unknown format", []string{"scan", "--format", "xml", samples}, 2, "unknown format"},
		{"bad fail-on", []string{"scan", "--fail-on", "sometimes", samples}, 2, "--fail-on"},
		{"severity fail-on", []string{"scan", "--fail-on", "critical", samples + "pickle/unknown_global.pkl"}, 0, ""},
		{"no paths", []string{"scan"}, 2, "requires at least 1 arg"},
		{"unknown flag", []string{"scan", "--frobnicate", samples}, 2, "unknown flag"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, status := run(t, "", c.args...)
			if status != c.status {
				t.Errorf("status %d, want %d (stderr %q)", status, c.status, stderr)
			}
			if c.stderr != "" && !strings.Contains(stderr, c.stderr) {
				t.Errorf("stderr %q does not mention %q", stderr, c.stderr)
			}
		})
	}
}

func TestUnreadableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.pt")
	os.WriteFile(path, []byte("\x80\x02N."), 0o000)
	if os.Geteuid() == 0 {
		// root reads any mode; this procfs file is write-only even for root.
		path = "/proc/sys/vm/drop_caches"
		if _, err := os.Stat(path); err != nil {
			t.Skip("no file is unreadable for root here")
		}
	}
	out, stderr, status := run(t, "", "scan", "--format", "json", path)
	if status != 2 || !strings.Contains(stderr, "permission denied") {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	var r finding.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Files) != 1 || r.Files[0].Verdict != finding.Error {
		t.Fatalf("report %s: %v", out, err)
	}
}

func TestZipBombIsReported(t *testing.T) {
	out, _, _ := run(t, "", "scan", "--format", "json", samples+"archive/bomb.zip")
	var r finding.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	f := r.Files[0]
	found := false
	for _, x := range f.Findings {
		found = found || x.Rule == "ARCHIVE-205"
	}
	if !found || f.Verdict != finding.SuspiciousVerdict || len(f.Errors) == 0 {
		t.Fatalf("bomb: verdict %s, findings %+v, errors %v", f.Verdict, f.Findings, f.Errors)
	}
}

func TestStdin(t *testing.T) {
	data, err := os.ReadFile(samples + "pickle/os_system_v0.pkl")
	if err != nil {
		t.Fatal(err)
	}
	out, _, status := run(t, string(data), "scan", "--format", "json", "-")
	if status != 1 || !strings.Contains(out, `"path": "-"`) || !strings.Contains(out, "PICKLE-101") {
		t.Fatalf("status %d, report %s", status, out)
	}
}

// golden compares output with testdata/golden/<name>, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file; run go test ./internal/cli -update and review the diff\n--- got ---\n%s", name, got)
	}
}

var durations = regexp.MustCompile(`("duration_ms": |scanned in )\d+`)

func TestGoldenReports(t *testing.T) {
	for _, format := range []string{"text", "json", "sarif"} {
		t.Run(format, func(t *testing.T) {
			out, _, status := run(t, "", "scan", "--format", format, "../../examples")
			if status != 1 {
				t.Fatalf("status %d", status)
			}
			golden(t, "examples."+format, durations.ReplaceAllString(out, "${1}0"))
		})
	}
}

func TestSARIFIsValid(t *testing.T) {
	out, _, _ := run(t, "", "scan", "--format", "sarif", "../../examples", samples+"archive", samples+"pickle")
	doc, err := sarif.FromString(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(); err != nil {
		t.Fatalf("SARIF does not validate against the 2.1.0 schema: %v", err)
	}
	run := doc.Runs[0]
	if len(run.Results) == 0 || len(run.Tool.Driver.Rules) == 0 {
		t.Fatal("SARIF has no results or no rules")
	}
	for _, r := range run.Tool.Driver.Rules {
		if r.Help == nil || r.ShortDescription == nil || r.Properties == nil || r.Properties.Properties["security-severity"] == nil {
			t.Errorf("rule %s lacks help, description or security-severity", *r.ID)
		}
	}
}

func TestOutputFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.json")
	stdout, _, status := run(t, "", "scan", "--format", "json", "--output", path, samples+"pickle/os_system_v2.pkl")
	data, err := os.ReadFile(path)
	if status != 1 || stdout != "" || err != nil || !json.Valid(data) {
		t.Fatalf("status %d, stdout %q, file %v %q", status, stdout, err, data)
	}
}

func TestRulesCommands(t *testing.T) {
	out, _, status := run(t, "", "rules")
	if status != 0 || !strings.Contains(out, "PICKLE-101") || !strings.Contains(out, "ARCHIVE-206") {
		t.Fatalf("rules: %d %s", status, out)
	}
	out, _, status = run(t, "", "rules", "explain", "pickle-101")
	for _, want := range []string{"OVERVIEW", "WHAT TRIGGERS IT", "IMPACT", "REMEDIATION", "REFERENCES", "CVE-2025-1716", "picklescan"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q", want)
		}
	}
	if status != 0 {
		t.Fatalf("explain status %d", status)
	}
	if _, stderr, status := run(t, "", "rules", "explain", "NOPE-1"); status != 2 || !strings.Contains(stderr, "unknown rule") {
		t.Fatalf("unknown rule: %d %q", status, stderr)
	}
	if out, _, status := run(t, "", "version"); status != 0 || !strings.HasPrefix(out, "modelgate ") {
		t.Fatalf("version: %d %q", status, out)
	}
}
