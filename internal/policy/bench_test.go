package policy

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/rules"
)

// benchReport is 10,000 findings over 500 files, with the rule IDs,
// severities and classes of the real catalogue, a few dozen distinct
// symbols and evidence unique to each finding.
func benchReport() *finding.Report {
	all := rules.All()
	rep := &finding.Report{Schema: finding.SchemaV1}
	n := 0
	for i := range 500 {
		f := finding.File{Path: fmt.Sprintf("team%d/models/m%d.pt", i%20, i), Size: int64(1000 + i), Formats: []string{"pytorch-zip", "pickle"}}
		for range 20 {
			r := all[n%len(all)]
			f.Findings = append(f.Findings, finding.Finding{
				Rule: r.ID, Severity: r.Severity, Class: r.Class, Title: r.Title,
				Message:  "message " + r.ID,
				Location: fmt.Sprintf("%s!archive/data.pkl@%d", f.Path, n),
				Evidence: fmt.Sprintf("pkg%d.mod.Class%d(%d)", n%37, n%11, n),
				Symbol:   fmt.Sprintf("pkg%d.mod.Class%d", n%37, n%11),
			})
			n++
		}
		rep.Files = append(rep.Files, f)
	}
	return rep
}

// benchRules is 100 rules in the proportions a real configuration has:
// most name the rule they are about, some a family, a few read every
// finding or only the file. None matches, so every one is evaluated.
func benchRules(worst bool) string {
	ids := []string{}
	for _, r := range rules.All() {
		ids = append(ids, r.ID)
	}
	var b strings.Builder
	b.WriteString("policies:\n")
	add := func(i int, when string) {
		fmt.Fprintf(&b, "  - name: r%d\n    when: '%s'\n    action: warn\n    message: rule %d\n", i, when, i)
	}
	for i := range 100 {
		switch {
		case worst:
			add(i, fmt.Sprintf(`finding.evidence.contains("nomatch%d") || finding.location.endsWith("@x%d")`, i, i))
		case i < 60:
			add(i, fmt.Sprintf(`finding.rule == "%s" && finding.symbol.startsWith("other%d.")`, ids[i%len(ids)], i))
		case i < 80:
			add(i, fmt.Sprintf(`finding.family == "PICKLE" && file.path.glob("vendor%d/**")`, i))
		case i < 90:
			add(i, fmt.Sprintf(`finding.severity.atLeast("high") && finding.symbol == "never%d"`, i))
		case i < 95:
			add(i, fmt.Sprintf(`finding.evidence.contains("curl%d")`, i))
		default:
			add(i, fmt.Sprintf(`"safetensors" in file.formats && file.size > %d`, i))
		}
	}
	return b.String()
}

func benchPolicy(b *testing.B, worst bool) *Policy {
	c, err := Parse("bench.yaml", []byte(benchRules(worst)))
	if err != nil {
		b.Fatal(err)
	}
	p, err := New(c, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkDecide100Rules10kFindings is the acceptance benchmark: 100 CEL
// rules over a report of 10,000 findings, under 50 ms per report.
func BenchmarkDecide100Rules10kFindings(b *testing.B) {
	for _, worst := range []bool{false, true} {
		name := "realistic"
		if worst {
			name = "worst-case-every-rule-reads-evidence"
		}
		b.Run(name, func(b *testing.B) {
			p := benchPolicy(b, worst)
			rep := benchReport()
			cpu0 := cpuTime()
			b.ResetTimer()
			for range b.N {
				p.Decide(rep)
			}
			b.StopTimer()
			// CPU time is the fair measure on a machine shared with others:
			// wall time there includes waiting for a core.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/report")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
