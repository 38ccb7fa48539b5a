package policy

import (
	"fmt"
	"time"

	"github.com/modelgate/modelgate/internal/finding"
)

// Filter sets findings aside as the configuration says, in this order:
// disabled rules, then severity overrides (which later steps see), trusted
// code, and suppressions that have not expired. Each set-aside finding
// moves to the file's Suppressed list with why; verdicts are recomputed
// from what remains. An expired suppression suppresses nothing and is
// listed in the report's policy notices. SafeMode sets nothing aside.
func (p *Policy) Filter(rep *finding.Report) {
	info := p.info(rep)
	if p.safe {
		if p.weakens() {
			info.Notices = append(info.Notices, "safe mode ignored the rules overrides, trusted_code and suppressions of the configuration")
		}
		return
	}
	now := p.now()
	hits := make([]int, len(p.supp))
	for i := range rep.Files {
		f := &rep.Files[i]
		rel := p.relPath(f.Path)
		kept := f.Findings[:0]
		for _, x := range f.Findings {
			if s, ok := p.setAside(rel, &x, now, hits); ok {
				f.Suppressed = append(f.Suppressed, s)
				continue
			}
			kept = append(kept, x)
		}
		f.Findings = kept
		f.Verdict = finding.VerdictOf(kept, f.Incomplete)
	}
	for i, s := range p.supp {
		if !now.Before(s.until) {
			info.Notices = append(info.Notices, fmt.Sprintf("%s:%d: the suppression of %s under %q (%s) expired on %s and no longer applies; %d finding(s) matched it",
				p.cfg.File, s.line, s.Rule, s.Path, s.Reason, s.Expires, hits[i]))
		}
	}
}

// weakens reports whether the configuration has settings SafeMode ignores.
func (p *Policy) weakens() bool {
	return len(p.overrides) > 0 || len(p.trusted) > 0 || len(p.supp) > 0
}

// setAside applies the filters to one finding (whose severity it may
// override) and says whether, and why, it is set aside. hits counts the
// findings each expired suppression would have matched.
func (p *Policy) setAside(rel string, x *finding.Finding, now time.Time, hits []int) (finding.Suppressed, bool) {
	if o, ok := p.overrides[x.Rule]; ok {
		if o.disabled {
			return finding.Suppressed{Finding: *x, By: "rule-disabled", Reason: "the rule is disabled in " + p.cfg.File}, true
		}
		if o.severity != nil {
			x.Severity = *o.severity
		}
	}
	if pat, ok := p.trustedBy(x); ok {
		return finding.Suppressed{Finding: *x, By: "trusted-code", Reason: fmt.Sprintf("%s matches trusted_code %q", x.Symbol, pat)}, true
	}
	for i := range p.supp {
		s := &p.supp[i]
		if s.Rule != x.Rule || !globMatch(s.Path, rel) {
			continue
		}
		if !now.Before(s.until) {
			hits[i]++
			continue
		}
		return finding.Suppressed{Finding: *x, By: "suppression", Reason: s.Reason, Expires: s.Expires}, true
	}
	return finding.Suppressed{}, false
}

// trustedBy returns the trusted_code pattern a finding's symbol matches.
// A malicious finding is never trusted away: trusting mycompany.** must not
// hide mycompany.utils.run_shell if the analyzer judged it malicious.
func (p *Policy) trustedBy(x *finding.Finding) (string, bool) {
	if x.Symbol == "" || x.Class == finding.Malicious {
		return "", false
	}
	sym := dotted(x.Symbol)
	for i, pat := range p.trusted {
		if globMatch(pat, sym) {
			return p.cfg.TrustedCode[i], true
		}
	}
	return "", false
}

// Decide gives every file of the report its decision, recomputes verdicts
// (a baseline may have removed findings since Filter) and the summary.
func (p *Policy) Decide(rep *finding.Report) {
	p.info(rep)
	counts := &finding.DecisionCounts{}
	for i := range rep.Files {
		f := &rep.Files[i]
		f.Verdict = finding.VerdictOf(f.Findings, f.Incomplete)
		d := p.decide(f)
		f.Decision = &d
		switch d.Action {
		case finding.Block:
			counts.Block++
		case finding.Warn:
			counts.Warn++
		default:
			counts.Allow++
		}
	}
	rep.Tally()
	rep.Summary.Decisions = counts
}

// decide is one file's decision. Gates that no rule can lift come first
// (SafeMode, forbidden and not-allowed formats), then the CEL rules in
// order, then the fail_on threshold.
func (p *Policy) decide(f *finding.File) finding.Decision {
	if p.safe {
		if d, ok := p.safeModeBlock(f); ok {
			return d
		}
	}
	if ft := firstFormatIn(f.Formats, p.cfg.Formats.Forbidden); ft != "" {
		return finding.Decision{Action: finding.Block, Rule: "formats.forbidden", Message: fmt.Sprintf("format %s is forbidden by the configuration", ft)}
	}
	if len(p.cfg.Formats.Allowed) > 0 {
		if ft := firstFormatNotIn(f.Formats, p.cfg.Formats.Allowed); ft != "" {
			return finding.Decision{Action: finding.Block, Rule: "formats.allowed", Message: fmt.Sprintf("format %s is not among the allowed formats", ft)}
		}
	}
	return p.evaluate(f)
}

// ruleState is what the CEL rules decided so far for a file.
type ruleState struct {
	warn      *finding.Decision
	allowedBy *program
}

// evaluate runs the CEL rules, then the threshold. The rules are taken in
// order, as if each were tried on the whole file before the next:
//   - a per-file rule that holds ends the evaluation with block or allow
//     (allow gives way to a warning already given), or marks the file warn
//     and goes on;
//   - a per-finding rule decides each finding no earlier rule decided, and
//     block ends the evaluation at once.
//
// Findings no rule decided meet the fail_on threshold. A rule that cannot
// be evaluated blocks where it stands in that order.
//
// The work is done finding by finding (each finding's values are then
// converted once for all the rules), and the outcomes are replayed in rule
// order, which gives the same decision.
func (p *Policy) evaluate(f *finding.File) finding.Decision {
	ev := &p.ev
	ev.startFile(p, f)
	limit := ev.fileRules(p.progs)
	ev.firstMatches(p.progs, f, limit)
	var st ruleState
	next := 0 // into ev.hits, sorted by rule
	for pi := range limit {
		pr := p.progs[pi]
		if !pr.perFinding {
			if d, done := fileOutcome(pr, ev.fileRes[pi], &st); done {
				return d
			}
			continue
		}
		for ; next < len(ev.hits) && ev.hits[next].rule == pi; next++ {
			h := ev.hits[next]
			x := &f.Findings[h.finding]
			if h.err != nil {
				return evalFailed(pr, h.err, cause(x))
			}
			ev.decided[h.finding] = true
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
	return p.threshold(f, ev.decided, &st)
}

func cmpOr(a, b *program) *program {
	if a != nil {
		return a
	}
	return b
}

func (st *ruleState) setWarn(d finding.Decision) {
	if st.warn == nil {
		st.warn = &d
	}
}

// fileOutcome replays a per-file rule's result; done says the file is
// decided.
func fileOutcome(pr *program, res fileResult, st *ruleState) (finding.Decision, bool) {
	switch {
	case res.err != nil:
		return evalFailed(pr, res.err, ""), true
	case !res.match:
		return finding.Decision{}, false
	case pr.action == finding.Block:
		return ruleDecision(pr, ""), true
	case pr.action == finding.Allow:
		// allow accepts the file, but not over a warning already given.
		if st.warn != nil {
			return *st.warn, true
		}
		return ruleDecision(pr, ""), true
	}
	st.setWarn(ruleDecision(pr, ""))
	return finding.Decision{}, false
}

// threshold decides from the findings no rule decided: the most serious
// one at or above fail_on blocks; an incomplete analysis, a rule's warning
// or a suspicious finding below the threshold warns; else allow.
func (p *Policy) threshold(f *finding.File, decided []bool, st *ruleState) finding.Decision {
	var worst, below *finding.Finding
	for j := range f.Findings {
		x := &f.Findings[j]
		switch {
		case decided[j]:
		case p.failOn.reached(x):
			if worst == nil || moreSerious(x, worst) {
				worst = x
			}
		case x.Class != finding.Informational && below == nil:
			below = x
		}
	}
	switch {
	case worst != nil:
		return finding.Decision{Action: finding.Block, Rule: "fail_on", Cause: cause(worst),
			Message: fmt.Sprintf("%s %q: %s", worst.Rule, worst.Title, p.failOn.why(worst))}
	case f.Incomplete:
		return finding.Decision{Action: finding.Warn, Rule: "incomplete", Message: "the file could not be analysed completely; treat it as untrusted"}
	case st.warn != nil:
		return *st.warn
	case below != nil:
		return finding.Decision{Action: finding.Warn, Rule: "fail_on", Cause: cause(below),
			Message: fmt.Sprintf("%s %q: %s, below fail_on %q; review before loading", below.Rule, below.Title, below.Class, p.failOn.name)}
	case st.allowedBy != nil:
		return ruleDecision(st.allowedBy, "")
	}
	msg := "no finding reached fail_on " + fmt.Sprintf("%q", p.failOn.name)
	if len(f.Findings) == 0 {
		msg = "nothing was found"
	}
	return finding.Decision{Action: finding.Allow, Rule: "default", Message: msg}
}

// moreSerious orders findings by class, then severity.
func moreSerious(a, b *finding.Finding) bool {
	if ca, cb := classVerdict(a.Class), classVerdict(b.Class); ca != cb {
		return ca > cb
	}
	return a.Severity > b.Severity
}

func ruleDecision(pr *program, cause string) finding.Decision {
	return finding.Decision{Action: pr.action, Rule: pr.name, Message: pr.message, Cause: cause}
}

// evalFailed blocks: a rule that cannot be evaluated must not let a file
// through, whatever its action.
func evalFailed(pr *program, err error, cause string) finding.Decision {
	return finding.Decision{Action: finding.Block, Rule: pr.name, Cause: cause,
		Message: fmt.Sprintf("the policy rule could not be evaluated (%v); blocking to be safe", err)}
}

func cause(x *finding.Finding) string {
	return x.Rule + " at " + x.Location
}
