package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/rules"
)

type findingT = finding.Finding

// file is a report entry with some formats.
func file(path string, formats ...string) finding.File {
	return finding.File{Path: path, Size: 1234, Formats: formats}
}

// find is a finding of a catalogue rule about a symbol.
func find(rule, symbol string) finding.Finding {
	r := rules.MustLookup(rule)
	return finding.Finding{Rule: r.ID, Severity: r.Severity, Class: r.Class, Title: r.Title, Message: "m",
		Location: "models/m.pt!data.pkl@7", Evidence: symbol + "()", Symbol: symbol}
}

// judge applies a configuration to files, as the scan command does, at a
// fixed time, from a policy root of dir.
func judge(t *testing.T, config string, opts Options, files ...finding.File) *finding.Report {
	t.Helper()
	p := policyAt(t, t.TempDir(), config, opts)
	rep := &finding.Report{Schema: finding.SchemaV1, Files: files}
	for i := range rep.Files {
		f := &rep.Files[i]
		f.Verdict = finding.VerdictOf(f.Findings, f.Incomplete)
	}
	p.Filter(rep)
	p.Decide(rep)
	return rep
}

// policyAt compiles a configuration as if it were dir/modelgate.yaml.
func policyAt(t *testing.T, dir, config string, opts Options) *Policy {
	t.Helper()
	c, err := Parse(filepath.Join(dir, FileName), []byte(config))
	if err != nil {
		t.Fatal(err)
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	}
	p, err := New(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func decision(rep *finding.Report, i int) string {
	d := rep.Files[i].Decision
	return string(d.Action) + " " + d.Rule
}

func with(f finding.File, xs ...finding.Finding) finding.File {
	f.Findings = append(f.Findings, xs...)
	return f
}

func TestFailOnThresholds(t *testing.T) {
	mal := with(file("a.pkl", "pickle"), find("PICKLE-101", "os.system"))      // critical, malicious
	sus := with(file("b.pkl", "pickle"), find("PICKLE-102", "pkg.fn"))         // medium, suspicious
	info := with(file("c.pkl", "pickle"), find("PICKLE-100", "pkg.Cls"))       // info
	high := with(file("d.pkl", "pickle"), find("PICKLE-103", "shutil.rmtree")) // high, malicious
	cases := []struct {
		failOn string
		want   []string
	}{
		{"suspicious", []string{"block fail_on", "block fail_on", "allow default", "block fail_on"}},
		{"malicious", []string{"block fail_on", "warn fail_on", "allow default", "block fail_on"}},
		{"none", []string{"warn fail_on", "warn fail_on", "allow default", "warn fail_on"}},
		{"critical", []string{"block fail_on", "warn fail_on", "allow default", "warn fail_on"}},
		{"medium", []string{"block fail_on", "block fail_on", "allow default", "block fail_on"}},
		{"info", []string{"block fail_on", "block fail_on", "block fail_on", "block fail_on"}},
	}
	for _, c := range cases {
		rep := judge(t, "fail_on: "+c.failOn+"\n", Options{}, mal, sus, info, high)
		for i, want := range c.want {
			if got := decision(rep, i); got != want {
				t.Errorf("fail_on %s, %s: %s, want %s", c.failOn, rep.Files[i].Path, got, want)
			}
		}
	}
	rep := judge(t, "", Options{}, mal)
	if d := rep.Files[0].Decision; d.Cause != "PICKLE-101 at models/m.pt!data.pkl@7" || !strings.Contains(d.Message, `at or above fail_on "suspicious"`) {
		t.Fatalf("decision %+v", d)
	}
	if rep.Policy.FailOn != "suspicious" || rep.Summary.Decisions.Block != 1 {
		t.Fatalf("policy %+v, summary %+v", rep.Policy, rep.Summary)
	}
}

func TestRuleOverrides(t *testing.T) {
	cfg := "fail_on: high\nrules:\n  PICKLE-102: {severity: critical}\n  PICKLE-100: {disabled: true}\n"
	rep := judge(t, cfg, Options{},
		with(file("a.pkl", "pickle"), find("PICKLE-102", "pkg.fn")),
		with(file("b.pkl", "pickle"), find("PICKLE-100", "pkg.Cls"), find("PICKLE-102", "pkg.fn")))
	a := rep.Files[0]
	if a.Findings[0].Severity != finding.Critical || decision(rep, 0) != "block fail_on" {
		t.Fatalf("severity override: %+v %s", a.Findings[0], decision(rep, 0))
	}
	b := rep.Files[1]
	if len(b.Suppressed) != 1 || b.Suppressed[0].Rule != "PICKLE-100" || b.Suppressed[0].By != "rule-disabled" || len(b.Findings) != 1 {
		t.Fatalf("disabled rule: %+v", b)
	}
}

func TestTrustedCode(t *testing.T) {
	cfg := "trusted_code: [mycompany.models.*, acme.**]\n"
	rep := judge(t, cfg, Options{},
		with(file("a.pkl", "pickle"), find("PICKLE-100", "mycompany.models.Net"), find("PICKLE-102", "mycompany.models.build")),
		with(file("b.pkl", "pickle"), find("PICKLE-100", "mycompany.models.sub.Net")),
		with(file("c.keras", "keras"), find("PICKLE-100", "acme>CustomLayer")),
		with(file("d.pkl", "pickle"), find("PICKLE-101", "acme.tools.run_shell")))
	if a := rep.Files[0]; len(a.Findings) != 0 || len(a.Suppressed) != 2 || a.Suppressed[0].By != "trusted-code" ||
		!strings.Contains(a.Suppressed[0].Reason, `"mycompany.models.*"`) || decision(rep, 0) != "allow default" || a.Verdict != finding.Safe {
		t.Errorf("own classes were not trusted: %+v, %s", a, decision(rep, 0))
	}
	if b := rep.Files[1]; len(b.Findings) != 1 {
		t.Errorf("* matched a sub-module: %+v", b)
	}
	if c := rep.Files[2]; len(c.Findings) != 0 {
		t.Errorf("a Keras registered name was not trusted: %+v", c)
	}
	if d := rep.Files[3]; len(d.Findings) != 1 || decision(rep, 3) != "block fail_on" {
		t.Errorf("a malicious finding was trusted away: %+v", d)
	}
}

func TestSuppressionExpiry(t *testing.T) {
	dir := t.TempDir()
	cfg := `suppressions:
  - rule: PICKLE-102
    path: models/legacy/**
    reason: SEC-1234 reviewed
    expires: 2026-03-31
`
	files := func() []finding.File {
		return []finding.File{
			with(file(filepath.Join(dir, "models/legacy/old.pkl"), "pickle"), find("PICKLE-102", "pkg.fn")),
			with(file(filepath.Join(dir, "models/new.pkl"), "pickle"), find("PICKLE-102", "pkg.fn")),
		}
	}
	at := func(day string) *finding.Report {
		now, _ := time.Parse(time.RFC3339, day)
		p := policyAt(t, dir, cfg, Options{Now: func() time.Time { return now }})
		rep := &finding.Report{Files: files()}
		p.Filter(rep)
		p.Decide(rep)
		return rep
	}
	for _, day := range []string{"2026-03-01T00:00:00Z", "2026-03-31T23:59:59Z"} {
		rep := at(day)
		old := rep.Files[0]
		if len(old.Suppressed) != 1 || old.Suppressed[0].By != "suppression" || old.Suppressed[0].Reason != "SEC-1234 reviewed" ||
			old.Suppressed[0].Expires != "2026-03-31" || decision(rep, 0) != "allow default" || len(rep.Policy.Notices) != 0 {
			t.Errorf("%s: the suppression did not hold: %+v %s %v", day, old, decision(rep, 0), rep.Policy.Notices)
		}
		if decision(rep, 1) != "block fail_on" {
			t.Errorf("%s: the suppression reached outside its glob", day)
		}
	}
	rep := at("2026-04-01T00:00:00Z")
	if len(rep.Files[0].Suppressed) != 0 || decision(rep, 0) != "block fail_on" {
		t.Errorf("an expired suppression still suppresses: %+v", rep.Files[0])
	}
	if len(rep.Policy.Notices) != 1 || !strings.Contains(rep.Policy.Notices[0], "expired on 2026-03-31") ||
		!strings.Contains(rep.Policy.Notices[0], "1 finding(s) matched it") || !strings.Contains(rep.Policy.Notices[0], "modelgate.yaml:2") {
		t.Errorf("the expiry was not reported: %q", rep.Policy.Notices)
	}
}

func TestSuppressionPathsAreRelativeToTheConfig(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	cfg := "suppressions:\n  - {rule: PICKLE-102, path: 'models/*.pkl', reason: r, expires: 2030-01-01}\n"
	p := policyAt(t, dir, cfg, Options{})
	for path, want := range map[string]bool{
		filepath.Join(dir, "models", "a.pkl"): true,
		filepath.Join(dir, "models/x/a.pkl"):  false,
		filepath.Join(wd, "models", "a.pkl"):  false, // outside the config's directory
		"-":                                   false,
		filepath.Join(dir, "other", "..", "models", "b.pkl"): true,
	} {
		rep := &finding.Report{Files: []finding.File{with(file(path, "pickle"), find("PICKLE-102", "x"))}}
		p.Filter(rep)
		if got := len(rep.Files[0].Suppressed) == 1; got != want {
			t.Errorf("%s: suppressed %v, want %v", path, got, want)
		}
	}
}

func TestFormatLists(t *testing.T) {
	cfg := "formats:\n  allowed: [pytorch-zip, pickle, safetensors]\n  forbidden: [pytorch-legacy]\n"
	rep := judge(t, cfg, Options{},
		file("a.pt", "pytorch-zip", "pickle"),
		file("b.pt", "pytorch-legacy", "pickle"),
		file("c.npy", "npy"),
		file("d.bin"),
		with(file("e.pt", "pytorch-zip", "pickle"), find("PICKLE-102", "x")))
	want := []string{"allow default", "block formats.forbidden", "block formats.allowed", "block formats.allowed", "block fail_on"}
	for i, w := range want {
		if got := decision(rep, i); got != w {
			t.Errorf("%s: %s, want %s", rep.Files[i].Path, got, w)
		}
	}
	if m := rep.Files[3].Decision.Message; !strings.Contains(m, "unknown") {
		t.Errorf("an unrecognised file is not named unknown: %s", m)
	}
}

func TestCELActions(t *testing.T) {
	cfg := `policies:
  - name: vendor-ok
    when: file.path.glob("vendor/**")
    action: allow
    message: vendored models are reviewed upstream
  - name: our-helpers
    when: finding.rule == "PICKLE-102" && finding.symbol.startsWith("mycompany.")
    action: allow
    message: our own helpers
  - name: no-legacy
    when: '"pytorch-legacy" in file.formats'
    action: block
    message: re-save legacy checkpoints
  - name: custom-code
    when: finding.code_on_load
    action: warn
    message: needs custom code
  - name: never-tar
    when: finding.rule == "TORCH-202"
    action: block
    message: never
`
	rep := judge(t, cfg, Options{},
		with(file("vendor/x.pkl", "pickle"), find("PICKLE-101", "os.system")),
		with(file("a.pkl", "pickle"), find("PICKLE-102", "mycompany.utils.collate")),
		with(file("b.pkl", "pickle"), find("PICKLE-102", "other.fn")),
		file("c.pt", "pytorch-legacy", "pickle"),
		with(file("d.pkl", "pickle"), find("PICKLE-100", "mycompany.Net")),
		with(file("e.tar", "tar", "pytorch-tar"), find("TORCH-202", "")),
		file("f.pt", "pytorch-zip", "pickle"))
	want := []string{
		"allow vendor-ok",   // a per-file allow settles the file before the threshold
		"allow our-helpers", // the finding is allowed; nothing else remains
		"block fail_on",     // no rule decided it
		"block no-legacy",
		"warn custom-code",
		"warn custom-code", // TORCH-202 is CodeOnLoad: the earlier rule decides it first
		"allow default",
	}
	for i, w := range want {
		if got := decision(rep, i); got != w {
			t.Errorf("%s: %s, want %s", rep.Files[i].Path, got, w)
		}
	}
	if d := rep.Files[4].Decision; d.Message != "needs custom code" || d.Cause != "PICKLE-100 at models/m.pt!data.pkl@7" {
		t.Errorf("decision %+v", d)
	}
}

func TestCELRuleOrder(t *testing.T) {
	rule := func(name, when, action string) string {
		return fmt.Sprintf("  - {name: %s, when: '%s', action: %s, message: %s}\n", name, when, action, name)
	}
	f := with(file("a.pkl", "pickle"), find("PICKLE-100", "x.Cls"), find("PICKLE-102", "x.fn"))
	cases := []struct {
		rules, want string
	}{
		// A warning given first is not undone by a later per-file allow.
		{rule("w", `finding.rule == "PICKLE-100"`, "warn") + rule("a", `file.size > 0`, "allow"), "warn w"},
		// An allow before the block wins: rules are tried in order.
		{rule("a", `file.size > 0`, "allow") + rule("b", `finding.rule == "PICKLE-100"`, "block"), "allow a"},
		{rule("b", `finding.rule == "PICKLE-100"`, "block") + rule("a", `file.size > 0`, "allow"), "block b"},
		// A finding decided by an earlier rule is not seen by later ones.
		{rule("ok", `finding.rule == "PICKLE-102"`, "allow") + rule("b", `finding.class == "suspicious"`, "block"), "allow ok"},
		// A per-file warn does not stop the threshold from blocking.
		{rule("w", `file.size > 0`, "warn"), "block fail_on"},
		// Without a finding rule, an allowed finding does not block.
		{rule("ok", `finding.rule == "PICKLE-102"`, "allow") + rule("w", `finding.code_on_load`, "warn"), "warn w"},
	}
	for _, c := range cases {
		rep := judge(t, "policies:\n"+c.rules, Options{}, f)
		if got := decision(rep, 0); got != c.want {
			t.Errorf("%s: %s, want %s", c.rules, got, c.want)
		}
	}
}

func TestCELRuntimeErrorBlocks(t *testing.T) {
	cfg := "policies:\n  - {name: div, when: 'file.size / (file.size - 1234) > 1', action: allow, message: m}\n"
	rep := judge(t, cfg, Options{}, file("a.pt", "pytorch-zip", "pickle"))
	if d := rep.Files[0].Decision; d.Action != finding.Block || d.Rule != "div" || !strings.Contains(d.Message, "could not be evaluated") {
		t.Fatalf("%+v", d)
	}
}

func TestIncompleteFilesWarn(t *testing.T) {
	f := file("a.pt", "pytorch-zip")
	f.Incomplete = true
	g := with(f, find("PICKLE-101", "os.system"))
	rep := judge(t, "", Options{}, f, g)
	if decision(rep, 0) != "warn incomplete" || rep.Files[0].Verdict != finding.Error {
		t.Errorf("incomplete: %s %s", decision(rep, 0), rep.Files[0].Verdict)
	}
	if decision(rep, 1) != "block fail_on" {
		t.Errorf("incomplete with a malicious finding: %s", decision(rep, 1))
	}
}

func TestVerdictsFollowTheFindingsLeft(t *testing.T) {
	f := with(file("a.pkl", "pickle"), find("PICKLE-102", "x"))
	f.Incomplete = true
	rep := judge(t, "rules:\n  PICKLE-102: {disabled: true}\n", Options{}, f, with(file("b.pkl", "pickle"), find("PICKLE-102", "x")))
	if rep.Files[0].Verdict != finding.Error || rep.Files[1].Verdict != finding.Safe {
		t.Fatalf("verdicts %s %s", rep.Files[0].Verdict, rep.Files[1].Verdict)
	}
	if s := rep.Summary; s.Error != 1 || s.Safe != 1 || s.Suspicious != 0 {
		t.Fatalf("summary %+v", s)
	}
}

func TestNeedsDigest(t *testing.T) {
	p := policyAt(t, t.TempDir(), "policies:\n  - {name: known, when: 'file.sha256 == \"ab\"', action: allow, message: m}\n", Options{})
	q := policyAt(t, t.TempDir(), "", Options{})
	if !p.NeedsDigest() || q.NeedsDigest() {
		t.Fatal("NeedsDigest does not follow file.sha256")
	}
}
