package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fullConfig sets every field of the schema.
const fullConfig = `version: 1
fail_on: high
safe_mode:
  enabled: false
  inert_formats: [safetensors, onnx]
rules:
  pickle-100:
    severity: low
  ARCHIVE-206:
    disabled: true
formats:
  allowed: [pytorch-zip, pickle]
  forbidden: [pytorch-legacy]
trusted_code:
  - mycompany.models.*
  - mycompany.layers.**
suppressions:
  - rule: PICKLE-102
    path: models/legacy/**
    reason: SEC-1234 reviewed
    expires: 2026-06-30
policies:
  - name: no-big-pickles
    when: '"pickle" in file.formats && file.size > 1000000000'
    action: block
    message: Pickles over 1 GB are not accepted.
`

func TestParseEveryField(t *testing.T) {
	c, err := Parse("modelgate.yaml", []byte(fullConfig))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"version", c.Version == 1},
		{"fail_on", c.FailOn == "high"},
		{"safe_mode.enabled", !c.SafeMode.Enabled},
		{"safe_mode.inert_formats", strings.Join(c.SafeMode.InertFormats, ",") == "safetensors,onnx"},
		// Rule IDs are canonicalised, so a lower-case key overrides the rule.
		{"rules severity", c.Rules["PICKLE-100"].Severity == "low"},
		{"rules disabled", c.Rules["ARCHIVE-206"].Disabled},
		{"formats.allowed", strings.Join(c.Formats.Allowed, ",") == "pytorch-zip,pickle"},
		{"formats.forbidden", strings.Join(c.Formats.Forbidden, ",") == "pytorch-legacy"},
		{"trusted_code", len(c.TrustedCode) == 2},
		{"suppression", c.Suppressions[0].Rule == "PICKLE-102" && c.Suppressions[0].Path == "models/legacy/**" &&
			c.Suppressions[0].Reason == "SEC-1234 reviewed" && c.Suppressions[0].line == 18},
		{"suppression expiry is the end of the day", c.Suppressions[0].until.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))},
		{"policy", c.Policies[0].Name == "no-big-pickles" && c.Policies[0].Action == "block" && c.Policies[0].line == 23},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: not parsed as written: %+v", ch.name, c)
		}
	}
	if _, err := New(c, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestSafeModeShorthand(t *testing.T) {
	c, err := Parse("m.yaml", []byte("safe_mode: true\n"))
	if err != nil || !c.SafeMode.Enabled || c.SafeMode.InertFormats != nil {
		t.Fatalf("%+v %v", c, err)
	}
}

func TestEmptyConfigIsTheDefaults(t *testing.T) {
	c, err := Parse("m.yaml", []byte("# nothing yet\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(c, Options{})
	if err != nil || p.FailOn() != "suspicious" || p.SafeMode() {
		t.Fatalf("%v %v", p, err)
	}
}

func TestStarterConfigIsValid(t *testing.T) {
	c, err := Parse("modelgate.yaml", Starter)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(c, Options{}); err != nil {
		t.Fatal(err)
	}
	if c.FailOn != "suspicious" || len(c.Policies) == 0 {
		t.Fatalf("starter lost its settings: %+v", c)
	}
}

// configErrors parses text and returns every error with its position.
func configErrors(t *testing.T, text string) []*Error {
	t.Helper()
	c, err := Parse("m.yaml", []byte(text))
	if err == nil {
		_, err = New(c, Options{})
	}
	if err == nil {
		t.Fatalf("no error for:\n%s", text)
	}
	var out []*Error
	for _, e := range flattenErr(err) {
		var ce *Error
		if !errors.As(e, &ce) {
			t.Fatalf("error without a position: %v", e)
		}
		out = append(out, ce)
	}
	return out
}

func flattenErr(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flattenErr(e)...)
		}
		return out
	}
	return []error{err}
}

func TestConfigErrorsNameTheLine(t *testing.T) {
	cases := []struct {
		name, text string
		line       int
		want       string
	}{
		{"unknown top-level key", "version: 1\nfial_on: high\n", 2, `unknown key "fial_on"`},
		{"unknown nested key", "suppressions:\n  - rule: PICKLE-102\n    paht: x/**\n", 3, `unknown key "paht" in suppressions[0]`},
		{"unknown key in a rule override", "rules:\n  PICKLE-100:\n    severty: low\n", 3, `unknown key "severty" in rules.PICKLE-100`},
		{"unknown safe_mode key", "safe_mode:\n  on: true\n", 2, `unknown key "on" in safe_mode`},
		{"version", "version: 2\n", 1, "version 2 is not supported"},
		{"fail_on", "\nfail_on: sometimes\n", 2, "fail_on"},
		{"unknown rule", "rules:\n  NOPE-1:\n    disabled: true\n", 2, `unknown rule "NOPE-1"`},
		{"bad severity", "rules:\n  PICKLE-100:\n    severity: huge\n", 2, "unknown severity"},
		{"bad format name", "formats:\n  allowed: [Pickle]\n", 2, `"Pickle" is not a format name`},
		{"allowed and forbidden", "formats:\n  allowed: [pickle]\n  forbidden: [pickle]\n", 3, "both allowed and forbidden"},
		{"bad inert format", "safe_mode:\n  inert_formats: [\"a b\"]\n", 2, "is not a format name"},
		{"trust everything", "trusted_code:\n  - '**'\n", 2, "would trust every class"},
		{"bad trusted pattern", "trusted_code:\n  - 'my company'\n", 2, "not a dotted-name pattern"},
		{"bad trusted glob", "trusted_code:\n  - 'mycompany.[x'\n", 2, "syntax error"},
		{"suppression of unknown rule", "suppressions:\n  - {rule: NOPE-1, path: '**', reason: r, expires: 2030-01-01}\n", 2, `unknown rule "NOPE-1"`},
		{"suppression without reason", "suppressions:\n  - {rule: PICKLE-102, path: '**', expires: 2030-01-01}\n", 2, "a reason is required"},
		{"suppression without expiry", "suppressions:\n  - {rule: PICKLE-102, path: '**', reason: r}\n", 2, "an expiry date"},
		{"suppression with a bad date", "suppressions:\n  - {rule: PICKLE-102, path: '**', reason: r, expires: next year}\n", 2, "neither a date"},
		{"suppression with a bad glob", "suppressions:\n  - {rule: PICKLE-102, path: 'a/**b', reason: r, expires: 2030-01-01}\n", 2, "must be a whole segment"},
		{"suppression without path", "suppressions:\n  - {rule: PICKLE-102, reason: r, expires: 2030-01-01}\n", 2, "empty pattern"},
		{"policy without name", "policies:\n  - {when: 'true', action: block, message: m}\n", 2, "a name"},
		{"policy with a reserved name", "policies:\n  - {name: fail_on, when: 'true', action: block, message: m}\n", 2, "reserved"},
		{"policy names twice", "policies:\n  - {name: a, when: 'true', action: block, message: m}\n  - {name: a, when: 'true', action: block, message: m}\n", 3, "used twice"},
		{"policy with a bad action", "policies:\n  - {name: a, when: 'true', action: deny, message: m}\n", 2, `action "deny"`},
		{"policy without message", "policies:\n  - {name: a, when: 'true', action: warn}\n", 2, "a message is required"},
		{"policy without when", "policies:\n  - {name: a, action: warn, message: m}\n", 2, "`when`"},
		{"wrong type", "trusted_code: 3\n", 1, "cannot unmarshal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := configErrors(t, c.text)
			for _, e := range errs {
				if strings.Contains(e.Error(), c.want) {
					if e.Line != c.line {
						t.Errorf("line %d, want %d: %v", e.Line, c.line, e)
					}
					return
				}
			}
			t.Errorf("no error mentions %q: %v", c.want, errs)
		})
	}
}

func TestAllErrorsAreReported(t *testing.T) {
	errs := configErrors(t, "fial_on: x\nrules:\n  NOPE-1: {disabled: true}\n")
	if len(errs) != 2 {
		t.Fatalf("want both problems, got %v", errs)
	}
}

func TestFindAndLoad(t *testing.T) {
	dir := t.TempDir()
	if Find(dir) != "" {
		t.Fatal("found a configuration in an empty directory")
	}
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte("fail_on: malicious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if Find(dir) != path {
		t.Fatalf("Find(%s) = %q", dir, Find(dir))
	}
	c, err := Load(path)
	if err != nil || c.FailOn != "malicious" || c.File != path {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Fatal("loading a missing file did not fail")
	}
}

func TestFailOnOverride(t *testing.T) {
	c, _ := Parse("m.yaml", []byte("fail_on: malicious\n"))
	p, err := New(c, Options{FailOn: "high"})
	if err != nil || p.FailOn() != "high" {
		t.Fatalf("%v %v", p, err)
	}
	if CheckFailOn("sometimes") == nil || CheckFailOn("none") != nil || CheckFailOn("Critical") != nil {
		t.Fatal("CheckFailOn accepts the wrong values")
	}
	if _, err := New(c, Options{FailOn: "sometimes"}); err == nil {
		t.Fatal("a bad override was accepted")
	}
}
