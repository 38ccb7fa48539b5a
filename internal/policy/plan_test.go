package policy

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/rules"
)

// naiveDecide is the definition the plan must agree with: every rule in
// order, every finding, the whole expression, no guard, gate or cache.
func naiveDecide(p *Policy, f *finding.File) finding.Decision {
	var act activation
	act.setFile(f, p.relPath(f.Path))
	decided := make([]bool, len(f.Findings))
	var st ruleState
	for _, pr := range p.progs {
		if !pr.perFinding {
			act.setFinding(nil)
			m, err := run(pr.full.prg, &act)
			if d, done := fileOutcome(pr, fileResult{m, err}, &st); done {
				return d
			}
			continue
		}
		for j := range f.Findings {
			if decided[j] {
				continue
			}
			x := &f.Findings[j]
			act.setFinding(x)
			m, err := run(pr.full.prg, &act)
			if err != nil {
				return evalFailed(pr, err, cause(x))
			}
			if !m {
				continue
			}
			decided[j] = true
			switch pr.action {
			case finding.Block:
				return ruleDecision(pr, cause(x))
			case finding.Warn:
				st.setWarn(ruleDecision(pr, cause(x)))
			default:
				st.allowedBy = cmpOr(st.allowedBy, pr)
			}
		}
	}
	return p.threshold(f, decided, &st)
}

// ruleTemplates cover each plan path: guards, file gates, finding gates,
// cached and uncached rules, per-file rules and rules that fail.
var ruleTemplates = []string{
	`finding.rule == "{rule}"`,
	`finding.rule == "{rule}" && finding.symbol.startsWith("pkg{a}.")`,
	`finding.family == "PICKLE" && file.path.glob("team{a}/**")`,
	`finding.severity.atLeast("high") && finding.symbol == "pkg{a}.mod.C{b}"`,
	`finding.evidence.contains("({a}") || finding.class == "malicious"`,
	`file.size % 7 == {b} && finding.code_on_load`,
	`finding.rule in ["{rule}", "PICKLE-102"] && finding.location.endsWith("{b}")`,
	`"pickle" in file.formats && file.size > {a}00`,
	`file.path.glob("team{a}/**")`,
	`finding.rule.startsWith("TORCH") && 10 / (file.size % 3) > 1`,
	`finding.class == "suspicious" && finding.symbol.endsWith("C{b}") && file.size > {a}`,
}

func randomConfig(r *rand.Rand, ids []string) string {
	var b strings.Builder
	b.WriteString("fail_on: " + []string{"suspicious", "malicious", "high", "none"}[r.IntN(4)] + "\npolicies:\n")
	for i := range 3 + r.IntN(12) {
		when := strings.NewReplacer("{rule}", ids[r.IntN(len(ids))], "{a}", fmt.Sprint(r.IntN(5)), "{b}", fmt.Sprint(r.IntN(7))).
			Replace(ruleTemplates[r.IntN(len(ruleTemplates))])
		action := []string{"block", "warn", "allow"}[r.IntN(3)]
		fmt.Fprintf(&b, "  - {name: r%d, when: '%s', action: %s, message: m%d}\n", i, when, action, i)
	}
	return b.String()
}

func randomReport(r *rand.Rand, all []rules.Rule) *finding.Report {
	rep := &finding.Report{}
	for i := range 20 {
		f := finding.File{Path: fmt.Sprintf("team%d/m%d.pt", r.IntN(5), i), Size: int64(r.IntN(1000)), Formats: []string{"pytorch-zip", "pickle"}}
		for n := range r.IntN(12) {
			ru := all[r.IntN(len(all))]
			f.Findings = append(f.Findings, finding.Finding{Rule: ru.ID, Severity: ru.Severity, Class: ru.Class, Title: ru.Title,
				Location: fmt.Sprintf("%s!data.pkl@%d", f.Path, n), Evidence: fmt.Sprintf("pkg%d.mod.C%d(%d)", r.IntN(5), r.IntN(7), n),
				Symbol: fmt.Sprintf("pkg%d.mod.C%d", r.IntN(5), r.IntN(7))})
		}
		f.Verdict = finding.VerdictOf(f.Findings, false)
		rep.Files = append(rep.Files, f)
	}
	return rep
}

// TestPlanAgreesWithNaiveEvaluation checks guards, gates, caches and the
// finding-by-finding order against the definition on random rules and
// reports, twice over the same policy (caches carry across reports).
func TestPlanAgreesWithNaiveEvaluation(t *testing.T) {
	all := rules.All()
	var ids []string
	for _, ru := range all {
		ids = append(ids, ru.ID)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 60 {
		cfg := randomConfig(r, ids)
		p := policyAt(t, t.TempDir(), cfg, Options{})
		for range 2 {
			rep := randomReport(r, all)
			want := make([]finding.Decision, len(rep.Files))
			for i := range rep.Files {
				want[i] = naiveDecide(p, &rep.Files[i])
			}
			p.Decide(rep)
			for i, f := range rep.Files {
				if *f.Decision != want[i] {
					t.Fatalf("round %d, %s:\nplan  %+v\nnaive %+v\nconfig:\n%s", round, f.Path, *f.Decision, want[i], cfg)
				}
			}
		}
	}
}
