// Package jinja decides whether a Jinja2 chat template escapes the sandbox
// (server-side template injection, CVE-2024-34359). It never renders the
// template: it parses it with the faithful parser of internal/format/jinja
// and interprets the AST abstractly, tracking for every value whether it
// was reached through a sandbox escape (a dunder such as __class__ or
// __globals__, a mangled name, a frame or generator attribute), which
// strings the template computes (so that '__cla'~'ss__', '\x5f\x5f…',
// ['_','_',…]|join, '%c'|format(95) and dict(__class__=1) keys resolve to
// the names they spell), and where escaped values flow (through {% set %},
// namespaces, loops, dicts and macro calls).
//
// A template is malicious when an escaped value reaches a code-execution,
// process, import or file primitive; suspicious when it escapes without a
// proven target, computes attribute names in obfuscated ways, or cannot be
// parsed (it is then scanned token by token).
package jinja

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/internal/format/jinja"
)

// Kind classifies a finding.
type Kind uint8

const (
	// KindExec: an escape reaches code execution, os, subprocess or files.
	KindExec Kind = iota + 1
	// KindEscape: dunder, frame or generator attribute access.
	KindEscape
	// KindDynamic: an attribute name computed at render time that
	// cannot be resolved.
	KindDynamic
	// KindObfuscated: a double-underscore name spelled in an obfuscated way.
	KindObfuscated
	// KindFreeSink: a reference to os, eval, open… as if it were a global.
	KindFreeSink
	// KindLoad: {% include %}, {% import %}, {% extends %}.
	KindLoad
	// KindIncomplete: the template could not be parsed or analysed fully.
	KindIncomplete
)

// Finding is one result; Pos and End delimit the template source involved.
type Finding struct {
	Kind     Kind
	Pos, End int
	Message  string
	Evidence string
}

// Result is the analysis of one template.
type Result struct {
	Findings []Finding
}

// MaxTemplate is the largest template analysed in depth; larger ones are
// scanned token by token (real chat templates are a few kilobytes).
const MaxTemplate = 1 << 20

// Inspect analyses a template.
func Inspect(src string) Result {
	if len(src) > MaxTemplate {
		r := Result{Findings: TokenScan(src)}
		r.Findings = append(r.Findings, Finding{Kind: KindIncomplete, End: len(src),
			Message:  fmt.Sprintf("the template is %d bytes long, more than the %d analysed in depth; it was scanned token by token", len(src), MaxTemplate),
			Evidence: clip(src, 120)})
		return r
	}
	t, err := jinja.Parse(src)
	if err != nil {
		pos := 0
		if se, ok := err.(*jinja.SyntaxError); ok {
			pos = se.Pos
		}
		r := Result{Findings: TokenScan(src)}
		r.Findings = append(r.Findings, Finding{Kind: KindIncomplete, Pos: pos, End: min(pos+80, len(src)),
			Message:  "the template does not parse (" + err.Error() + "); it was scanned token by token",
			Evidence: clip(src[pos:], 120)})
		return r
	}
	in := &interp{src: src, seen: map[[2]int]bool{}, used: map[*escape]bool{}}
	in.block(t.Body, newScope(nil))
	var r Result
	for _, f := range in.findings {
		// An escape that a later finding proved to reach a sink is told
		// there; keep only the malicious finding.
		if f.Kind == KindEscape && in.escapeUsed(f) {
			continue
		}
		r.Findings = append(r.Findings, f)
	}
	if in.incomplete {
		r.Findings = append(r.Findings, Finding{Kind: KindIncomplete, End: len(src),
			Message:  fmt.Sprintf("the analysis stopped after %d steps (loops and macro calls multiply the work); the rest of the template was scanned token by token", maxSteps),
			Evidence: clip(src, 120)})
		r.Findings = append(r.Findings, TokenScan(src)...)
	}
	sort.SliceStable(r.Findings, func(i, j int) bool { return r.Findings[i].Pos < r.Findings[j].Pos })
	return r
}

func (in *interp) escapeUsed(f Finding) bool {
	for e := range in.used {
		if e.pos >= f.Pos && e.end <= f.End {
			return true
		}
	}
	return false
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

var (
	identRe  = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
	stringRe = regexp.MustCompile(`'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"`)
)

// TokenScan looks for escape and sink names among the identifiers and
// decoded string literals of a template that could not be interpreted.
func TokenScan(src string) []Finding {
	var esc, sink []string
	var escPos int
	note := func(name string, pos int, strong bool) {
		if k := classify(name); k == dunder || k == internal {
			if len(esc) == 0 {
				escPos = pos
			}
			esc = append(esc, name)
		}
		if isSink(name) && strong {
			sink = append(sink, name)
		}
	}
	for _, loc := range stringRe.FindAllStringIndex(src, -1) {
		if s, _, err := jinja.DecodeString(src[loc[0]+1 : loc[1]-1]); err == nil {
			note(s, loc[0], true)
		}
	}
	for _, loc := range identRe.FindAllStringIndex(src, -1) {
		name := src[loc[0]:loc[1]]
		// A sink name counts when it is used as code: after a dot or
		// followed by a call or attribute access.
		strong := loc[0] > 0 && src[loc[0]-1] == '.' || loc[1] < len(src) && (src[loc[1]] == '(' || src[loc[1]] == '.')
		note(name, loc[0], strong)
	}
	if len(esc) == 0 {
		return nil
	}
	f := Finding{Kind: KindEscape, Pos: escPos, End: min(escPos+80, len(src)), Evidence: clip(src[escPos:], 200),
		Message: "the template's tokens include the sandbox-escape names " + list(esc)}
	if len(sink) > 0 {
		f.Kind = KindExec
		f.Message += " and the code-execution or file targets " + list(sink)
	}
	return []Finding{f}
}

func list(names []string) string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] && len(out) < 8 {
			seen[n] = true
			out = append(out, "`"+n+"`")
		}
	}
	return strings.Join(out, ", ")
}
