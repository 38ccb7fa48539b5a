package pycode

import (
	"slices"
	"strings"

	"github.com/modelgate/modelgate/internal/format/pybytecode"
	"github.com/modelgate/modelgate/internal/format/pymarshal"
)

// analysis accumulates what all code objects and versions of one payload
// show; indicators are deduplicated across versions.
type analysis struct {
	env        Env
	indicators []Indicator
	seen       map[[3]string]bool // ID, evidence, code
	versions   []pybytecode.Version
	paths      map[string]bool
	// payload-wide facts for the combination rules (M4, M7)
	reflection  string          // evidence of the first reflective access
	dangerStr   map[string]bool // dangerous names seen as strings
	resolvedStr map[string]bool // strings a reflective access turned into a reference
	socketUse   string
	shellUse    string
	strDone     map[*pymarshal.Object]bool
	// walked and payloads keep shared code objects (marshal references can
	// make a DAG whose paths grow exponentially) and repeated marshal.loads
	// payloads from being analysed more than once.
	walked   map[walkKey]bool
	payloads map[string]bool
}

type walkKey struct {
	code *pymarshal.CodeObject
	v    pybytecode.Version
}

func newAnalysis(env Env) *analysis {
	return &analysis{env: env, seen: map[[3]string]bool{}, paths: map[string]bool{}, dangerStr: map[string]bool{},
		resolvedStr: map[string]bool{}, strDone: map[*pymarshal.Object]bool{}, walked: map[walkKey]bool{},
		payloads: map[string]bool{}}
}

func (a *analysis) add(id ID, reason, code, evidence string, offset int) {
	key := [3]string{string(id), evidence, code}
	if a.seen[key] {
		return
	}
	a.seen[key] = true
	a.indicators = append(a.indicators, Indicator{ID: id, Severity: severityOf(id), Reason: reason,
		Evidence: clip(evidence), Code: code, Offset: offset})
}

func (a *analysis) addVersions(vs []pybytecode.Version) {
	for _, v := range vs {
		if !slices.Contains(a.versions, v) {
			a.versions = append(a.versions, v)
		}
	}
	slices.Sort(a.versions)
}

// payloadValues analyses defaults and closure values: their strings, and
// code objects among them.
func (a *analysis) payloadValues(what string, vals []*pymarshal.Object) {
	for _, v := range vals {
		pymarshal.Walk(v, func(o *pymarshal.Object) bool {
			if s, ok := o.Text(); ok && !shortWord(s) {
				a.add(S9, what+" hold a string", "", pymarshal.Quote(s, false), -1)
			}
			a.constant(o, "", -1)
			if o.Kind == pymarshal.Code {
				a.codeObject(o.Code, Input{Env: a.env}, what, 1)
			}
			return true
		})
	}
}

// shortWord is a string the benign baseline allows: a dtype, an axis or
// padding name, a short identifier.
func shortWord(s string) bool {
	if len(s) > 24 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_.-", c)) {
			return false
		}
	}
	return true
}

// finishPayload applies the rules that combine facts from the whole payload.
func (a *analysis) finishPayload() {
	if a.reflection != "" {
		for s := range a.dangerStr {
			if !a.resolvedStr[s] {
				a.add(M7, "a dangerous name is carried as a string and the code uses reflection ("+a.reflection+")",
					"", pymarshal.Quote(s, false), -1)
			}
		}
	}
	if a.socketUse != "" && a.shellUse != "" {
		a.add(M4, "a socket is connected and a shell or descriptor redirection is set up", "",
			a.socketUse+"; "+a.shellUse, -1)
	}
}
