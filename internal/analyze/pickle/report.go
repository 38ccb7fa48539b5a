package pickle

import (
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	pkl "github.com/modelgate/modelgate/internal/format/pickle"
)

// ruleFor maps a category to its rule.
func ruleFor(c category) string {
	switch c {
	case catExec:
		return "PICKLE-101"
	case catFile:
		return "PICKLE-103"
	case catNetwork:
		return "PICKLE-104"
	case catReflect:
		return "PICKLE-105"
	case catState:
		return "PICKLE-106"
	case catUnresolved:
		return "PICKLE-107"
	case catUserCode:
		return "PICKLE-100"
	}
	return "PICKLE-102"
}

var capability = map[category]string{
	catExec:       "runs code",
	catFile:       "touches the file system",
	catNetwork:    "reaches the network",
	catReflect:    "reaches objects by name",
	catState:      "alters the interpreter",
	catUnresolved: "cannot be resolved statically",
	catUnknown:    "is not on the allowlist",
	catUserCode:   "needs custom code",
}

// report turns what the machine saw into findings.
func (m *machine) report(s analyze.Scope, mode pkl.FrameMode) {
	suffix := ""
	if mode == pkl.DropStraddled {
		suffix = " (in the opcode stream CPython's file unpickler reads, which skips the rest of a FRAME)"
	}
	for i := range m.globals {
		g := &m.globals[i]
		if g.verdict.cat == catSafe || g.verdict.cat == catReflect && g.calls > 0 || g.calls > 0 && g.calls == g.judged {
			// Safe, a reflection primitive judged per call (events), or a
			// deserialiser whose every call loads an analysed constant.
			continue
		}
		s.Report(m.globalHit(g, suffix))
	}
	for _, e := range m.events {
		if e.v.cat == catSafe {
			continue
		}
		s.Report(analyze.Hit{
			Rule:     ruleFor(e.v.cat),
			Message:  e.msg + ": " + e.v.why + suffix,
			Evidence: e.expr,
			At:       analyze.Offset(e.off),
		})
	}
	m.reportStrict(s, suffix)
	for _, c := range m.codeHits {
		s.Report(analyze.Hit{Rule: c.rule, Severity: c.sev, Message: c.msg + suffix, Evidence: c.ev, At: analyze.Offset(c.off)})
	}
	for _, a := range m.anomalies {
		s.Report(analyze.Hit{Rule: a.rule, Message: a.msg + suffix, Evidence: a.ev, At: analyze.Offset(a.off)})
	}
}

func (m *machine) globalHit(g *global, suffix string) analyze.Hit {
	name := g.dotted
	if orig := g.module + "." + g.name; g.name != "" && orig != g.dotted {
		name = fmt.Sprintf("%s (imported as %s)", g.dotted, orig)
	}
	v := g.verdict
	if g.user {
		last := g.name[strings.LastIndexByte(g.name, '.')+1:]
		switch {
		case isClassName(last) && !g.resultCalled:
			v = verdict{cat: catUserCode, why: "a class from the model author's own code; loading imports that code and runs its constructor"}
		case g.calls == 0 && !g.resultCalled:
			v = verdict{cat: catUserCode, why: "a function from the model author's own code, stored in the model and not called while loading; loading imports that code"}
		default:
			v.why = "a function from the model author's own code, called while loading"
		}
	}
	h := analyze.Hit{Rule: ruleFor(v.cat), At: analyze.Offset(g.off), Symbol: g.dotted}
	switch {
	case g.firstCall != noObj:
		c := m.calls[g.firstCall]
		verb := "calls"
		if c.how == pkl.NEWOBJ || c.how == pkl.NEWOBJ_EX {
			verb = "instantiates"
		}
		times := ""
		if g.calls > 1 {
			times = fmt.Sprintf(" (%d times)", g.calls)
		}
		h.Message = fmt.Sprintf("%s %s %s%s, which %s: %s%s", pkl.Name(c.how), verb, name, times, capability[v.cat], v.why, suffix)
		h.Evidence = m.render(value{k: kCall, a: g.firstCall}, 4)
		h.At = analyze.Offset(c.off)
	default:
		h.Message = fmt.Sprintf("%s imports %s, which %s: %s%s", pkl.Name(g.how), name, capability[v.cat], v.why, suffix)
		h.Evidence = g.module
		if g.name != "" {
			h.Evidence += "." + g.name
		}
	}
	return h
}

// reportStrict lists the allowlisted globals a weights-only unpickler would
// refuse (PICKLE-110): harmless by review, yet code that runs on load.
func (m *machine) reportStrict(s analyze.Scope, suffix string) {
	if m.hint == HintTorchScript {
		return // TorchScript is reported (and blocked) as a whole
	}
	var names []string
	var first int64 = -1
	for i := range m.globals {
		g := &m.globals[i]
		if g.verdict.cat == catSafe && !strict(g.dotted) {
			if first < 0 {
				first = g.off
			}
			if len(names) < 8 {
				names = append(names, g.dotted)
			}
		}
	}
	if first < 0 {
		return
	}
	s.Report(analyze.Hit{Rule: "PICKLE-110", At: analyze.Offset(first),
		Message:  fmt.Sprintf("the pickle needs globals that PyTorch's weights-only unpickler refuses; a full unpickler runs their code on load%s", suffix),
		Evidence: strings.Join(names, ", ")})
}
