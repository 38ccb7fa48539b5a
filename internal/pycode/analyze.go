// Package pycode grades Python code objects statically: a Keras Lambda's
// marshalled function, or a code object a pickle rebuilds. It never runs
// anything. Every code object (nested ones, comprehensions, payloads decoded
// from constants) is walked with a small abstract stack that rebuilds dotted
// references (os.system, __import__('os').system, getattr(os, 'system'),
// __builtins__['exec']), call sites with their constant arguments, strings
// folded at run time, and where decoded or secret data flows. What it finds
// is classified into the research's indicator tables (M1-M10 malicious,
// S1-S9 suspicious), references outside the tensor-math baseline (U1) and
// decoding anomalies (A1-A3), each with the call site rendered as Python.
package pycode

import (
	"fmt"
	"sort"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/format/pybytecode"
	"github.com/modelgate/modelgate/internal/format/pymarshal"
)

// Verdict is the grade of a code object.
type Verdict uint8

const (
	// Harmless: every reference is in the tensor-math baseline (KERAS-100).
	Harmless Verdict = iota
	// Suspicious: S indicators, anomalies or unrecognised references (KERAS-102/103).
	Suspicious
	// Malicious: at least one M indicator (KERAS-101).
	Malicious
)

var verdictNames = [...]string{"harmless", "suspicious", "malicious"}

func (v Verdict) String() string { return verdictNames[v] }

// Indicator is one finding with its evidence.
type Indicator struct {
	ID       ID
	Severity finding.Severity
	Reason   string
	// Evidence is the call site or reference as Python source with its
	// constant arguments, e.g. "__import__('os').system('id')".
	Evidence string
	// Code is the qualified name of the code object ("<lambda>",
	// "<lambda>.<locals>.<genexpr>"); empty for findings about the payload
	// as a whole (defaults, closure, decoding).
	Code string
	// Offset is the instruction's byte offset in co_code, or -1.
	Offset int
}

func (i Indicator) String() string {
	return fmt.Sprintf("%s %s: %s [%s@%d]", i.ID, i.Reason, i.Evidence, i.Code, i.Offset)
}

// Report is the result of an analysis.
type Report struct {
	Verdict  Verdict
	Severity finding.Severity
	// Versions are the CPython versions the code was analysed as.
	Versions   []pybytecode.Version
	Indicators []Indicator
	// References lists every dotted reference resolved, sorted, for analysts.
	References []string
}

// Input is what the loader combines with the code object.
type Input struct {
	Env Env
	// Versions to analyse as; empty means every version the code's layout
	// allows, decided by pymarshal.
	Versions []pybytecode.Version
	// Defaults and Closure are the function's argument defaults and closure
	// cell contents (Keras' "defaults" and "closure", cloudpickle's state).
	Defaults []*pymarshal.Object
	Closure  []*pymarshal.Object
	// Anomalies found while decoding, reported as A indicators.
	Anomalies []pymarshal.Anomaly
}

// maxNested bounds payloads decoded from constants (marshal.loads of a
// base64 string) and analysed in turn.
const maxNested = 3

// AnalyzeMarshal decodes data (marshal.dumps of a code object) and grades
// it. An error means the bytes are not a code object CPython would load.
func AnalyzeMarshal(data []byte, in Input) (*Report, error) {
	a := newAnalysis(in.Env)
	if err := a.marshalPayload(data, in, "", 0); err != nil {
		return nil, err
	}
	return a.report(), nil
}

// Analyze grades a decoded code object.
func Analyze(code *pymarshal.CodeObject, in Input) *Report {
	a := newAnalysis(in.Env)
	a.codeObject(code, in, "", 0)
	return a.report()
}

func (a *analysis) marshalPayload(data []byte, in Input, prefix string, depth int) error {
	res, err := pymarshal.Decode(data, pymarshal.Limits{})
	if err != nil {
		return err
	}
	if res.Code() == nil {
		return fmt.Errorf("marshal data holds a %s, not a code object", res.Object.Kind)
	}
	in.Anomalies = append(append([]pymarshal.Anomaly(nil), in.Anomalies...), res.Anomalies...)
	if len(in.Versions) == 0 {
		in.Versions = res.Versions
	}
	a.codeObject(res.Code(), in, prefix, depth)
	return nil
}

func (a *analysis) codeObject(code *pymarshal.CodeObject, in Input, prefix string, depth int) {
	vers := in.Versions
	if len(vers) == 0 {
		vers = pybytecode.Versions
	}
	a.addVersions(vers)
	for _, an := range in.Anomalies {
		a.anomaly(an)
	}
	if in.Env.Lambda && depth == 0 && code.Name != "<lambda>" {
		a.add(A3, "a Lambda layer's code object is named "+pymarshal.Quote(code.Name, false), code.QualName, "", -1)
	}
	a.payloadValues("defaults", in.Defaults)
	a.payloadValues("closure", in.Closure)
	for _, v := range vers {
		a.walk(code, v, in, prefix, depth)
	}
}

// anomaly turns a decoding anomaly into an A indicator.
func (a *analysis) anomaly(an pymarshal.Anomaly) {
	id := A2
	if an.Kind == pymarshal.TrailingData {
		id = A1
	}
	a.add(id, an.Kind.String(), "", an.Detail, -1)
}

// severityOf is the default severity of an indicator.
func severityOf(id ID) finding.Severity {
	switch {
	case id.Malicious():
		return finding.Critical
	case id == S6 || id == S7 || id == U1:
		return finding.Medium
	}
	return finding.High
}

func (a *analysis) report() *Report {
	a.finishPayload()
	r := &Report{Versions: a.versions, Indicators: a.indicators}
	for p := range a.paths {
		r.References = append(r.References, p)
	}
	sort.Strings(r.References)
	sort.SliceStable(r.Indicators, func(i, j int) bool { return r.Indicators[i].Severity > r.Indicators[j].Severity })
	for _, ind := range r.Indicators {
		if ind.Severity > r.Severity {
			r.Severity = ind.Severity
		}
		switch {
		case ind.ID.Malicious():
			r.Verdict = Malicious
		case r.Verdict == Harmless:
			r.Verdict = Suspicious
		}
	}
	return r
}
