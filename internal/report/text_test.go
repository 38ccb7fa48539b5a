package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/finding"
)

// TestVerdictLine checks the last line of the text report, which a person
// acts on: it follows the decisions and names the rules behind them.
func TestVerdictLine(t *testing.T) {
	file := func(a finding.Action, rule string, v finding.Verdict) finding.File {
		return finding.File{Path: "m", Verdict: v, Decision: &finding.Decision{Action: a, Rule: rule, Message: "msg"}}
	}
	cases := []struct {
		files []finding.File
		want  string
	}{
		{[]finding.File{file(finding.Block, "fail_on", finding.MaliciousVerdict), file(finding.Block, "no-pickles", finding.Safe),
			file(finding.Block, "fail_on", finding.SuspiciousVerdict), file(finding.Warn, "w", finding.Safe)},
			"FAIL: 3 file(s) blocked (2 by fail_on, 1 by no-pickles); do not load these files until reviewed."},
		{[]finding.File{file(finding.Warn, "incomplete", finding.Error)}, "INCOMPLETE: 1 file(s) could not be analysed completely"},
		{[]finding.File{file(finding.Warn, "custom-code", finding.Safe), file(finding.Allow, "default", finding.Safe)},
			"PASS WITH WARNINGS: 1 file(s) warned (1 by custom-code); review them before loading."},
		{[]finding.File{file(finding.Allow, "vendored", finding.Safe)}, "PASS: no file was blocked by policy."},
		{nil, "NOTHING SCANNED"},
	}
	for _, c := range cases {
		r := &finding.Report{Files: c.files}
		r.Tally()
		var b bytes.Buffer
		if err := writeText(&b, r, Options{}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(b.String()), "\n")
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, c.want) {
			t.Errorf("last line %q, want %q", last, c.want)
		}
	}
}
