// Package finding holds the result vocabulary shared by analyzers, the engine
// and the report writers: severities, classes, verdicts and the Finding itself.
// The JSON spelling of every type here is part of the report contract
// (design/CONTRACT.md), so names and values must not change within a schema.
package finding

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Severity orders how urgent a finding is. The zero value is Info.
type Severity int

const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity accepts the contract spelling ("high") in any case.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return Info, fmt.Errorf("unknown severity %q (want one of %s)", s, strings.Join(severityNames[:], ", "))
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// Class says what a finding means for the verdict.
type Class string

const (
	// Malicious: evidence of a harmful primitive that runs on load.
	Malicious Class = "malicious"
	// Suspicious: an abnormal capability with a conceivable benign use, or
	// content that could not be shown harmless.
	Suspicious Class = "suspicious"
	// Informational: worth knowing, harmless.
	Informational Class = "info"
)

// Verdict is the per-file decision. Its order (Safe < Error < Suspicious <
// Malicious) is the order of precedence when findings and errors combine.
type Verdict int

const (
	Safe Verdict = iota
	Error
	SuspiciousVerdict
	MaliciousVerdict
)

var verdictNames = [...]string{"safe", "error", "suspicious", "malicious"}

func (v Verdict) String() string {
	if v < Safe || v > MaliciousVerdict {
		return fmt.Sprintf("verdict(%d)", int(v))
	}
	return verdictNames[v]
}

// ParseVerdict accepts the contract spelling ("suspicious").
func ParseVerdict(s string) (Verdict, error) {
	for i, n := range verdictNames {
		if strings.EqualFold(s, n) {
			return Verdict(i), nil
		}
	}
	return Safe, fmt.Errorf("unknown verdict %q", s)
}

func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

func (v *Verdict) UnmarshalText(b []byte) error {
	x, err := ParseVerdict(string(b))
	*v = x
	return err
}

// Finding is one thing an analyzer found. Title, Severity and Class default to
// the rule's catalogue entry; an analyzer may raise or lower Severity when the
// rule's page says the severity depends on the evidence.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Class    Class    `json:"class"`
	Title    string   `json:"title"`
	Message  string   `json:"message"`
	Location string   `json:"location"`
	Evidence string   `json:"evidence,omitempty"`
	// Symbol is the module-qualified class or callable the finding is about
	// ("mycompany.models.Net"), when the analyzer knows one; trusted_code
	// patterns in the configuration are matched against it.
	Symbol string `json:"symbol,omitempty"`
	// Fingerprint identifies the finding across runs, machines and file
	// moves (internal/baseline); set when the report is finalised.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// VerdictOf combines findings and analysis errors as the contract says:
// malicious beats suspicious beats error beats safe.
func VerdictOf(findings []Finding, incomplete bool) Verdict {
	v := Safe
	if incomplete {
		v = Error
	}
	for _, f := range findings {
		switch f.Class {
		case Malicious:
			return MaliciousVerdict
		case Suspicious:
			v = SuspiciousVerdict
		}
	}
	return v
}

// File is the report entry of one scanned top-level file.
type File struct {
	Path     string    `json:"path"`
	Size     int64     `json:"size"`
	SHA256   string    `json:"sha256,omitempty"`
	Formats  []string  `json:"formats"`
	Verdict  Verdict   `json:"verdict"`
	Findings []Finding `json:"findings"`
	Errors   []string  `json:"errors"`
	// Decision is what the policy decided for the file (internal/policy).
	Decision *Decision `json:"decision,omitempty"`
	// Artifacts lists the nested artifacts that were recognised (archive
	// members, decompressed streams, embedded pickles), in scan order.
	Artifacts []Artifact `json:"artifacts,omitempty"`
	// Suppressed holds the findings the configuration set aside, with why.
	Suppressed []Suppressed `json:"suppressed,omitempty"`
	// Baselined counts the findings hidden because the baseline knows them.
	Baselined int `json:"baselined,omitempty"`
	// Incomplete is true when the file could not be analysed completely.
	// The verdict and errors say so in the JSON; policies need the flag to
	// recompute the verdict after setting findings aside.
	Incomplete bool `json:"-"`
}

// Summary counts the files of a report by verdict.
type Summary struct {
	Files      int   `json:"files"`
	Skipped    int   `json:"skipped"`
	Malicious  int   `json:"malicious"`
	Suspicious int   `json:"suspicious"`
	Safe       int   `json:"safe"`
	Error      int   `json:"error"`
	DurationMS int64 `json:"duration_ms"`
	// Decisions counts the files by policy decision.
	Decisions *DecisionCounts `json:"decisions,omitempty"`
}

// Tool identifies the scanner in a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// SchemaV1 is the JSON report schema identifier of CONTRACT.md.
const SchemaV1 = "modelgate.report/v1"

// Report is the whole result of one scan run.
type Report struct {
	Schema  string  `json:"schema"`
	Tool    Tool    `json:"tool"`
	Files   []File  `json:"files"`
	Summary Summary `json:"summary"`
	// Policy says which configuration produced the decisions.
	Policy *PolicyInfo `json:"policy,omitempty"`
}

// Tally recomputes the verdict counts of the summary from the files.
func (r *Report) Tally() {
	s := &r.Summary
	s.Files, s.Malicious, s.Suspicious, s.Safe, s.Error = len(r.Files), 0, 0, 0, 0
	for _, f := range r.Files {
		switch f.Verdict {
		case MaliciousVerdict:
			s.Malicious++
		case SuspiciousVerdict:
			s.Suspicious++
		case Error:
			s.Error++
		default:
			s.Safe++
		}
	}
}

// MarshalJSON keeps nil slices as [] so consumers never see null arrays.
func (f File) MarshalJSON() ([]byte, error) {
	type plain File
	if f.Formats == nil {
		f.Formats = []string{}
	}
	if f.Findings == nil {
		f.Findings = []Finding{}
	}
	if f.Errors == nil {
		f.Errors = []string{}
	}
	return json.Marshal(plain(f))
}
