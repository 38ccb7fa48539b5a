// Package rules is the one catalogue of what modelgate can report. Every rule is
// a Go literal with its page text (what `modelgate rules explain` prints and
// SARIF/CycloneDX embed) and its positive and negative samples, which a test
// in internal/analyze/all runs through the real analyzers.
//
// Identifiers are FAMILY-NNN: x00 a risky construct judged harmless (info),
// x01 malicious, x02 suspicious, 2xx structural and integrity anomalies,
// 3xx runtime or architectural risk. Further x0N numbers are further
// malicious or suspicious variants of the family.
package rules

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/modelgate/modelgate/internal/finding"
)

// Rule is one catalogue entry.
type Rule struct {
	ID       string
	Title    string
	Severity finding.Severity
	Class    finding.Class

	// Page text, written for a security analyst.
	Overview    string // what the rule is about
	Trigger     string // what makes it fire
	Impact      string // what happens to the victim
	Remediation string // what to do about it

	// CodeOnLoad marks a construct that can run code when the model is
	// loaded even though this finding judged it harmless (a Lambda layer,
	// a pickle needing custom classes, TorchScript). SafeMode blocks every
	// finding of such a rule, whatever its class.
	CodeOnLoad bool

	// References are advisory identifiers (CVE-…, GHSA-…) or URLs.
	References []string
	// Equivalents name the same check in other scanners ("picklescan: dangerous global").
	Equivalents []string

	// Positive and Negative are sample files, relative to the repository's
	// testdata/samples directory, on which the rule must and must not fire.
	Positive []string
	Negative []string
}

// families lists every family's rules; one line per family file.
var families = [][]Rule{
	fileRules,
	archiveRules,
	pickleRules,
	torchRules,
	numpyRules,
	joblibRules,
	kerasRules,
	hdf5Rules,
	tfRules,
	onnxRules,
	ggufRules,
	jinjaRules,
	safetensorsRules,
	hfRules,
}

var (
	indexOnce sync.Once
	index     map[string]*Rule
	sorted    []Rule
)

func build() {
	index = map[string]*Rule{}
	for _, fam := range families {
		for i := range fam {
			r := &fam[i]
			if _, dup := index[r.ID]; dup {
				panic("rules: duplicate rule " + r.ID)
			}
			index[r.ID] = r
			sorted = append(sorted, *r)
		}
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
}

// All returns every rule, sorted by ID.
func All() []Rule {
	indexOnce.Do(build)
	return sorted
}

// Lookup finds a rule by ID (case-insensitive).
func Lookup(id string) (Rule, bool) {
	indexOnce.Do(build)
	r, ok := index[strings.ToUpper(id)]
	if !ok {
		return Rule{}, false
	}
	return *r, true
}

// MustLookup is Lookup for identifiers written in the code; an unknown ID is a
// programming error caught by the catalogue tests.
func MustLookup(id string) Rule {
	r, ok := Lookup(id)
	if !ok {
		panic(fmt.Sprintf("rules: unknown rule %q", id))
	}
	return r
}

// Family returns the FAMILY part of an ID ("PICKLE" for "PICKLE-101").
func Family(id string) string {
	if i := strings.LastIndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return id
}

// Page renders the rule's page as plain text, for `modelgate rules explain`.
func (r Rule) Page() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n", r.ID, r.Title)
	fmt.Fprintf(&b, "severity: %s    class: %s\n", r.Severity, r.Class)
	section := func(name, text string) {
		if text == "" {
			return
		}
		fmt.Fprintf(&b, "\n%s\n%s\n", strings.ToUpper(name), wrap(text, 100))
	}
	section("Overview", r.Overview)
	section("What triggers it", r.Trigger)
	section("Impact", r.Impact)
	section("Remediation", r.Remediation)
	if len(r.References) > 0 {
		fmt.Fprintf(&b, "\nREFERENCES\n")
		for _, ref := range r.References {
			fmt.Fprintf(&b, "  - %s\n", ref)
		}
	}
	if len(r.Equivalents) > 0 {
		fmt.Fprintf(&b, "\nEQUIVALENT CHECKS IN OTHER SCANNERS\n")
		for _, e := range r.Equivalents {
			fmt.Fprintf(&b, "  - %s\n", e)
		}
	}
	return b.String()
}

// Markdown renders the page for SARIF help text and CycloneDX descriptions.
func (r Rule) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** (%s, %s)\n\n%s\n", r.Title, r.Severity, r.Class, r.Overview)
	for _, s := range [][2]string{{"What triggers it", r.Trigger}, {"Impact", r.Impact}, {"Remediation", r.Remediation}} {
		if s[1] != "" {
			fmt.Fprintf(&b, "\n### %s\n%s\n", s[0], s[1])
		}
	}
	if len(r.References) > 0 {
		b.WriteString("\n### References\n")
		for _, ref := range r.References {
			fmt.Fprintf(&b, "- %s\n", ref)
		}
	}
	return b.String()
}

func wrap(text string, width int) string {
	var out strings.Builder
	for pi, para := range strings.Split(text, "\n") {
		if pi > 0 {
			out.WriteByte('\n')
		}
		line := 0
		for i, w := range strings.Fields(para) {
			if i > 0 && line+1+len(w) > width {
				out.WriteByte('\n')
				line = 0
			} else if i > 0 {
				out.WriteByte(' ')
				line++
			}
			out.WriteString(w)
			line += len(w)
		}
	}
	return out.String()
}
