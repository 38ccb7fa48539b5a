package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/internal/finding"
)

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiDim    = "\x1b[2m"
	ansiMag    = "\x1b[35m"
)

// writeText renders the report for people: one block per file, findings
// most severe first, then a summary and a one-line verdict.
func writeText(w io.Writer, r *finding.Report, o Options) error {
	p := &printer{w: w, color: o.Color}
	for i := range r.Files {
		p.file(&r.Files[i])
	}
	s := r.Summary
	p.printf("\n%d file(s) scanned in %d ms: %s, %s, %s, %s",
		s.Files, s.DurationMS,
		p.paint(ansiRed, fmt.Sprintf("%d malicious", s.Malicious)),
		p.paint(ansiYellow, fmt.Sprintf("%d suspicious", s.Suspicious)),
		p.paint(ansiGreen, fmt.Sprintf("%d safe", s.Safe)),
		p.paint(ansiMag, fmt.Sprintf("%d error", s.Error)))
	if s.Skipped > 0 {
		p.printf(", %d skipped (not model files)", s.Skipped)
	}
	if d := s.Decisions; d != nil {
		p.printf("; %d blocked, %d warned, %d allowed", d.Block, d.Warn, d.Allow)
	}
	p.printf("\n")
	if r.Policy != nil {
		for _, n := range r.Policy.Notices {
			p.printf("%s %s\n", p.paint(ansiYellow, "note:"), n)
		}
	}
	p.printf("%s\n", verdictLine(r, p))
	return p.err
}

type printer struct {
	w     io.Writer
	color bool
	err   error
}

func (p *printer) printf(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, a...)
	}
}

func (p *printer) paint(code, s string) string {
	if !p.color {
		return s
	}
	return code + s + ansiReset
}

func verdictColor(v finding.Verdict) string {
	switch v {
	case finding.MaliciousVerdict:
		return ansiRed + ansiBold
	case finding.SuspiciousVerdict:
		return ansiYellow + ansiBold
	case finding.Error:
		return ansiMag + ansiBold
	}
	return ansiGreen
}

func severityColor(s finding.Severity) string {
	switch s {
	case finding.Critical, finding.High:
		return ansiRed
	case finding.Medium:
		return ansiYellow
	}
	return ansiDim
}

func (p *printer) file(f *finding.File) {
	formats := ""
	if len(f.Formats) > 0 {
		formats = " [" + strings.Join(f.Formats, ", ") + "]"
	}
	p.printf("%s  %s%s\n", p.paint(verdictColor(f.Verdict), strings.ToUpper(f.Verdict.String())), f.Path, p.paint(ansiDim, formats))
	if f.SHA256 != "" {
		p.printf("    sha256 %s\n", f.SHA256)
	}
	p.decision(f.Decision)
	findings := append([]finding.Finding(nil), f.Findings...)
	sort.SliceStable(findings, func(i, j int) bool {
		if findings[i].Severity != findings[j].Severity {
			return findings[i].Severity > findings[j].Severity
		}
		return classRank(findings[i].Class) > classRank(findings[j].Class)
	})
	for _, x := range findings {
		p.printf("    %s %s %s\n", p.paint(severityColor(x.Severity), fmt.Sprintf("%-8s", strings.ToUpper(x.Severity.String()))), x.Rule, x.Title)
		p.printf("             %s\n", x.Message)
		p.printf("             %s %s\n", p.paint(ansiDim, "at"), x.Location)
		if x.Evidence != "" {
			p.printf("             %s %s\n", p.paint(ansiDim, "evidence"), x.Evidence)
		}
	}
	for _, e := range f.Errors {
		p.printf("    %s %s\n", p.paint(ansiMag, "ERROR   "), e)
	}
	for _, x := range f.Suppressed {
		until := ""
		if x.Expires != "" {
			until = ", until " + x.Expires
		}
		p.printf("    %s %s %s (%s: %s%s)\n", p.paint(ansiDim, "set aside"), x.Rule, x.Location, x.By, x.Reason, until)
	}
	if f.Baselined > 0 {
		p.printf("    %s\n", p.paint(ansiDim, fmt.Sprintf("%d known finding(s) hidden by the baseline", f.Baselined)))
	}
}

// decision prints what the policy decided, unless it is a plain allow.
func (p *printer) decision(d *finding.Decision) {
	if d == nil || d.Action == finding.Allow && d.Rule == "default" {
		return
	}
	color := ansiGreen
	switch d.Action {
	case finding.Block:
		color = ansiRed + ansiBold
	case finding.Warn:
		color = ansiYellow + ansiBold
	}
	p.printf("    %s %s\n", p.paint(color, fmt.Sprintf("%-8s", strings.ToUpper(string(d.Action)))), "by "+d.Rule+": "+d.Message)
}

func classRank(c finding.Class) int {
	switch c {
	case finding.Malicious:
		return 2
	case finding.Suspicious:
		return 1
	}
	return 0
}

// verdictLine is the last line: what a person should do, and which policy
// rules led there.
func verdictLine(r *finding.Report, p *printer) string {
	s := r.Summary
	blocked, warned := byRule(r, finding.Block), byRule(r, finding.Warn)
	switch {
	case blocked != "":
		return p.paint(ansiRed+ansiBold, fmt.Sprintf("FAIL: %s; do not load these files until reviewed.", blocked))
	case s.Error > 0:
		return p.paint(ansiMag+ansiBold, fmt.Sprintf("INCOMPLETE: %d file(s) could not be analysed completely; treat them as untrusted.", s.Error))
	case s.Files == 0:
		return "NOTHING SCANNED: no model files were found."
	case warned != "":
		return p.paint(ansiYellow+ansiBold, fmt.Sprintf("PASS WITH WARNINGS: %s; review them before loading.", warned))
	}
	return p.paint(ansiGreen+ansiBold, "PASS: no file was blocked by policy.")
}

// byRule says how many files got an action and from which rules:
// "3 file(s) blocked (2 by fail_on, 1 by no-pickles)", or "" for none.
func byRule(r *finding.Report, a finding.Action) string {
	count := map[string]int{}
	var order []string
	total := 0
	for _, f := range r.Files {
		if f.Decision == nil || f.Decision.Action != a {
			continue
		}
		if count[f.Decision.Rule] == 0 {
			order = append(order, f.Decision.Rule)
		}
		count[f.Decision.Rule]++
		total++
	}
	if total == 0 {
		return ""
	}
	parts := make([]string, len(order))
	for i, rule := range order {
		parts[i] = fmt.Sprintf("%d by %s", count[rule], rule)
	}
	verb := map[finding.Action]string{finding.Block: "blocked", finding.Warn: "warned"}[a]
	return fmt.Sprintf("%d file(s) %s (%s)", total, verb, strings.Join(parts, ", "))
}
