package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/modelgate/modelgate/internal/finding"
)

// Options are what the command line adds to a configuration.
type Options struct {
	// FailOn overrides the configuration's fail_on when not "".
	FailOn string
	// SafeMode turns SafeMode on whatever the configuration says.
	SafeMode bool
	// Now is the clock suppressions expire by (default time.Now).
	Now func() time.Time
}

// Policy is a compiled configuration, ready to judge reports. It is not
// safe for concurrent use: evaluation reuses buffers.
type Policy struct {
	cfg    *Config
	failOn threshold
	safe   bool
	inert  []string
	cwd    string
	// root is the directory holding the configuration file, or the
	// working directory: suppression globs and CEL's file.path are
	// relative to it.
	root      string
	trusted   []string
	overrides map[string]override
	supp      []Suppression
	progs     []*program
	now       func() time.Time
	digest    bool
	ev        evaluator
}

type override struct {
	severity *finding.Severity
	disabled bool
}

// New compiles a configuration. CEL errors come back as *Error values
// naming the policy rule and the place in the file, joined in one error.
func New(c *Config, opts Options) (*Policy, error) {
	p := &Policy{cfg: c, safe: c.SafeMode.Enabled || opts.SafeMode, now: opts.Now, supp: c.Suppressions}
	if p.now == nil {
		p.now = time.Now
	}
	p.ev = evaluator{candidates: map[string][]bool{}, ruleNums: map[string]uint32{}, symbolNums: map[string]uint32{}}
	var err error
	if p.cwd, err = os.Getwd(); err != nil {
		return nil, err
	}
	if p.failOn, err = parseThreshold(firstOf(opts.FailOn, c.FailOn, "suspicious")); err != nil {
		return nil, err
	}
	p.root = p.cwd
	if c.File != "" {
		p.root = filepath.Dir(p.abs(c.File))
	}
	p.inert = DefaultInertFormats
	if c.SafeMode.InertFormats != nil {
		p.inert = c.SafeMode.InertFormats
	}
	p.overrides = map[string]override{}
	for id, o := range c.Rules {
		ov := override{disabled: o.Disabled}
		if o.Severity != "" {
			s, _ := finding.ParseSeverity(o.Severity) // validated by Parse
			ov.severity = &s
		}
		p.overrides[id] = ov
	}
	for _, t := range c.TrustedCode {
		p.trusted = append(p.trusted, dotted(t))
	}
	if err := p.compile(); err != nil {
		return nil, err
	}
	return p, nil
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// abs makes a path absolute against the working directory New saw
// (filepath.Abs asks the system for it every time).
func (p *Policy) abs(name string) string {
	if filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	return filepath.Join(p.cwd, name)
}

func (p *Policy) compile() error {
	if len(p.cfg.Policies) == 0 {
		return nil
	}
	env, err := newEnv()
	if err != nil {
		return fmt.Errorf("policy environment: %w", err)
	}
	var errs []error
	for i := range p.cfg.Policies {
		r := &p.cfg.Policies[i]
		prog, err := compileRule(env, p.cfg, r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.progs = append(p.progs, prog)
		p.digest = p.digest || prog.refs[fileVarSHA256]
	}
	for _, pr := range p.progs {
		p.ev.addMask(&pr.full)
		if pr.findGate != nil {
			p.ev.addMask(pr.findGate)
		}
	}
	return errors.Join(errs...)
}

// SafeMode reports whether the strict preset is on.
func (p *Policy) SafeMode() bool { return p.safe }

// NeedsDigest reports whether a rule reads file.sha256, which the scan
// computes only when asked.
func (p *Policy) NeedsDigest() bool { return p.digest }

// FailOn is the threshold in force, as written.
func (p *Policy) FailOn() string { return p.failOn.name }

// info returns the report's policy record, creating it.
func (p *Policy) info(rep *finding.Report) *finding.PolicyInfo {
	if rep.Policy == nil {
		rep.Policy = &finding.PolicyInfo{Config: p.cfg.File, SafeMode: p.safe, FailOn: p.failOn.name}
	}
	return rep.Policy
}

// relPath is a file's path as policies see it: relative to the policy
// root and slash-separated when the file is under it, else as given.
func (p *Policy) relPath(name string) string {
	if name == "-" {
		return name
	}
	if rel, err := filepath.Rel(p.root, p.abs(name)); err == nil && filepath.IsLocal(rel) {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(filepath.Clean(name))
}

// CheckFailOn reports a fail_on value that is not a verdict, a severity
// or none.
func CheckFailOn(s string) error {
	_, err := parseThreshold(s)
	return err
}

// threshold is fail_on: a verdict, a severity or none.
type threshold struct {
	name     string
	none     bool
	bySev    bool
	severity finding.Severity
	verdict  finding.Verdict
}

func parseThreshold(s string) (threshold, error) {
	s = strings.ToLower(s)
	switch s {
	case "none":
		return threshold{name: s, none: true}, nil
	case "malicious", "suspicious":
		v, _ := finding.ParseVerdict(s)
		return threshold{name: s, verdict: v}, nil
	}
	if sev, err := finding.ParseSeverity(s); err == nil {
		return threshold{name: s, bySev: true, severity: sev}, nil
	}
	return threshold{}, fmt.Errorf("%q: want malicious, suspicious, a severity (critical, high, medium, low, info) or none", s)
}

// reached reports whether a finding reaches the threshold.
func (t threshold) reached(f *finding.Finding) bool {
	switch {
	case t.none:
		return false
	case t.bySev:
		return f.Severity >= t.severity
	}
	return classVerdict(f.Class) >= t.verdict
}

// why says how a finding reached the threshold, for the decision message.
func (t threshold) why(f *finding.Finding) string {
	if t.bySev {
		return fmt.Sprintf("severity %s, at or above fail_on %q", f.Severity, t.name)
	}
	return fmt.Sprintf("%s, at or above fail_on %q", f.Class, t.name)
}

func classVerdict(c finding.Class) finding.Verdict {
	switch c {
	case finding.Malicious:
		return finding.MaliciousVerdict
	case finding.Suspicious:
		return finding.SuspiciousVerdict
	}
	return finding.Safe
}

// firstFormatIn returns the first of a file's formats that is in list.
func firstFormatIn(formats, list []string) string {
	for _, f := range formatsOf(formats) {
		if slices.Contains(list, f) {
			return f
		}
	}
	return ""
}

// firstFormatNotIn returns the first of a file's formats not in list.
func firstFormatNotIn(formats, list []string) string {
	for _, f := range formatsOf(formats) {
		if !slices.Contains(list, f) {
			return f
		}
	}
	return ""
}

// formatsOf names an unrecognised file's format "unknown", so allow lists
// fail closed on it.
func formatsOf(formats []string) []string {
	if len(formats) == 0 {
		return []string{"unknown"}
	}
	return formats
}
