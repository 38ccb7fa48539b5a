package finding

// This file holds the report vocabulary added by policies (internal/policy):
// decisions, suppressed findings, nested artifacts and the policy summary.
// All of it is additive to schema modelgate.report/v1.

// Action is what a policy decided to do with a file.
type Action string

const (
	// Block: do not load the file. Any blocked file makes the exit status 1.
	Block Action = "block"
	// Warn: load it if you must, after a person has looked.
	Warn Action = "warn"
	// Allow: nothing in the policy stands in the way.
	Allow Action = "allow"
)

// Decision is the policy outcome for one file and the rule that made it.
type Decision struct {
	Action Action `json:"action"`
	// Rule is the name of the policy rule that decided: a `policies` entry
	// of the configuration, or a built-in ("fail_on", "safe_mode",
	// "formats.forbidden", "formats.allowed", "incomplete", "default").
	Rule    string `json:"rule"`
	Message string `json:"message"`
	// Cause names the finding that led to the decision, when one did
	// ("PICKLE-101 at model.pt!archive/data.pkl@54").
	Cause string `json:"cause,omitempty"`
}

// Suppressed is a finding the configuration set aside.
type Suppressed struct {
	Finding
	// By is "rule-disabled", "trusted-code" or "suppression".
	By     string `json:"suppressed_by"`
	Reason string `json:"reason"`
	// Expires is the suppression's expiry date (suppressions only).
	Expires string `json:"expires,omitempty"`
}

// Artifact is one nested artifact of a file that an analyzer recognised.
type Artifact struct {
	// Location is the file path, then "!member" for every container level.
	Location string `json:"location"`
	Format   string `json:"format"`
	// Size is the artifact's length in bytes when it was known.
	Size int64 `json:"size,omitempty"`
}

// DecisionCounts counts files by decision.
type DecisionCounts struct {
	Block int `json:"block"`
	Warn  int `json:"warn"`
	Allow int `json:"allow"`
}

// PolicyInfo records what produced a report's decisions.
type PolicyInfo struct {
	// Config is the configuration file, or "" for the built-in defaults.
	Config   string `json:"config,omitempty"`
	SafeMode bool   `json:"safe_mode"`
	// FailOn is the threshold in force: a verdict, a severity or "none".
	FailOn string `json:"fail_on"`
	// Baseline is the baseline file that was applied, if any.
	Baseline string `json:"baseline,omitempty"`
	// Notices are things a person should know about the policy itself:
	// expired suppressions, settings that safe mode ignored.
	Notices []string `json:"notices,omitempty"`
}
