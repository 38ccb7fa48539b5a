// Package policy turns findings into decisions a team can enforce: the
// modelgate.yaml configuration (fail threshold, rule overrides, format
// allow and deny lists, trusted code, expiring suppressions), policy rules
// written in CEL, and SafeMode, the strict preset for untrusted sources.
//
// A scan report goes through two steps: Filter sets findings aside as the
// configuration says (disabled rules, trusted code, suppressions) and
// Decide gives every file a decision (block, warn or allow) and names the
// policy rule that made it. A baseline, if any, is applied between the two.
package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/rules"
)

// FileName is the configuration file looked for in the working directory.
const FileName = "modelgate.yaml"

// Config is a parsed and validated configuration file.
type Config struct {
	// File is where the configuration was read from; "" for the defaults.
	File string `yaml:"-"`

	// Version of the configuration schema; 1, the only one so far.
	Version int `yaml:"version"`
	// FailOn is the threshold: a verdict (malicious, suspicious), a
	// severity (critical … info) or none. "" means the default, suspicious.
	FailOn   string   `yaml:"fail_on"`
	SafeMode SafeMode `yaml:"safe_mode"`
	// Rules overrides catalogue rules by ID.
	Rules   map[string]RuleOverride `yaml:"rules"`
	Formats Formats                 `yaml:"formats"`
	// TrustedCode lists dotted-name patterns of the team's own classes.
	TrustedCode  []string      `yaml:"trusted_code"`
	Suppressions []Suppression `yaml:"suppressions"`
	Policies     []Rule        `yaml:"policies"`

	// src holds the file's lines, to place CEL errors in block scalars.
	src []string
}

// SafeMode is written `safe_mode: true`, or as a mapping when the inert
// format list needs changing.
type SafeMode struct {
	Enabled bool `yaml:"enabled"`
	// InertFormats replaces DefaultInertFormats when set.
	InertFormats []string `yaml:"inert_formats"`
}

// UnmarshalYAML accepts a bare boolean or the mapping form.
func (s *SafeMode) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&s.Enabled)
	}
	type plain SafeMode
	return n.Decode((*plain)(s))
}

// RuleOverride changes one catalogue rule.
type RuleOverride struct {
	// Severity replaces the rule's severity in reports, for CEL rules and
	// for a severity threshold. The class, which makes the verdict, stays.
	Severity string `yaml:"severity"`
	Disabled bool   `yaml:"disabled"`
	line     int
}

// Formats are allow and deny lists of format names as reports spell them
// ("pickle", "pytorch-zip", "safetensors"…); "unknown" names a file no
// analyzer recognised.
type Formats struct {
	// Allowed, when not empty, is the only formats a file may contain.
	Allowed []string `yaml:"allowed"`
	// Forbidden formats block any file that contains them.
	Forbidden []string `yaml:"forbidden"`
}

// Suppression sets aside the findings of one rule under a path glob until
// it expires.
type Suppression struct {
	Rule    string `yaml:"rule"`
	Path    string `yaml:"path"`
	Reason  string `yaml:"reason"`
	Expires string `yaml:"expires"`
	// until is the first instant the suppression no longer applies: the
	// start of the day after Expires (UTC), or the exact RFC 3339 time.
	until time.Time
	line  int
}

// Rule is one CEL policy rule.
type Rule struct {
	Name    string `yaml:"name"`
	When    string `yaml:"when"`
	Action  string `yaml:"action"`
	Message string `yaml:"message"`
	line    int
	// when is the node of the expression, to place CEL errors in the file.
	when *yaml.Node
}

// Error is a configuration problem at a place in the file.
type Error struct {
	File string
	Line int
	// Col is 0 when only the line is known.
	Col int
	Msg string
}

func (e *Error) Error() string {
	pos := fmt.Sprintf("%s:%d", e.File, e.Line)
	if e.Col > 0 {
		pos += fmt.Sprintf(":%d", e.Col)
	}
	return pos + ": " + e.Msg
}

// Find returns the configuration file in dir, or "" when there is none.
func Find(dir string) string {
	p := filepath.Join(dir, FileName)
	if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
		return p
	}
	return ""
}

// Load reads and validates a configuration file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse reads and validates configuration text; name is used in errors.
// Every problem is reported, each with its line, joined in one error.
func Parse(name string, data []byte) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	c := &Config{File: name, src: strings.Split(string(data), "\n")}
	if len(doc.Content) == 0 {
		return c, nil // an empty file is the defaults
	}
	root := doc.Content[0]
	v := &validator{file: name, root: root}
	v.keys(root, configKeys, "")
	if err := root.Decode(c); err != nil {
		v.typeErrors(err)
		return nil, errors.Join(v.errs...)
	}
	v.lines(c)
	v.config(c)
	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	return c, nil
}

// keySet lists the keys a mapping may hold and, for nested mappings and
// sequences of mappings, their own keys.
type keySet map[string]keySet

var configKeys = keySet{
	"version":   nil,
	"fail_on":   nil,
	"safe_mode": {"enabled": nil, "inert_formats": nil},
	// "*" stands for any key: the rule ID.
	"rules":        {"*": {"severity": nil, "disabled": nil}},
	"formats":      {"allowed": nil, "forbidden": nil},
	"trusted_code": nil,
	"suppressions": {"rule": nil, "path": nil, "reason": nil, "expires": nil},
	"policies":     {"name": nil, "when": nil, "action": nil, "message": nil},
}

type validator struct {
	file string
	root *yaml.Node
	errs []error
}

func (v *validator) errorf(line, col int, format string, a ...any) {
	v.errs = append(v.errs, &Error{File: v.file, Line: line, Col: col, Msg: fmt.Sprintf(format, a...)})
}

// at returns the node at a path of mapping keys and sequence indexes
// ("formats", "allowed", 2), or nil.
func (v *validator) at(path ...any) *yaml.Node {
	n := v.root
	for _, p := range path {
		switch k := p.(type) {
		case string:
			n = child(n, k)
		case int:
			if n == nil || n.Kind != yaml.SequenceNode || k >= len(n.Content) {
				return nil
			}
			n = n.Content[k]
		}
	}
	return n
}

// line is the line of the node at path, or 1 when it is not there.
func (v *validator) line(path ...any) int {
	if n := v.at(path...); n != nil {
		return n.Line
	}
	return 1
}

var typeErrorLine = regexp.MustCompile(`^line ([0-9]+): (.*)$`)

// typeErrors turns yaml's "line N: cannot unmarshal…" into positioned
// errors.
func (v *validator) typeErrors(err error) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		v.errs = append(v.errs, fmt.Errorf("%s: %v", v.file, err))
		return
	}
	for _, msg := range te.Errors {
		line := 1
		if m := typeErrorLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		v.errorf(line, 0, "%s", msg)
	}
}

// keys reports every mapping key that is not in the schema, with its line.
// yaml's own KnownFields cannot do this once a type has a custom unmarshaler.
func (v *validator) keys(n *yaml.Node, known keySet, where string) {
	switch n.Kind {
	case yaml.SequenceNode:
		for i, item := range n.Content {
			v.keys(item, known, fmt.Sprintf("%s[%d]", where, i))
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			sub, ok := known[k.Value]
			if !ok {
				sub, ok = known["*"]
			}
			if !ok {
				v.errorf(k.Line, k.Column, "unknown key %q%s (known: %s)", k.Value, in(where), strings.Join(names(known), ", "))
				continue
			}
			if sub != nil {
				v.keys(val, sub, strings.TrimPrefix(where+"."+k.Value, "."))
			}
		}
	}
}

func in(where string) string {
	if where == "" {
		return ""
	}
	return " in " + where
}

func names(k keySet) []string {
	var out []string
	for n := range k {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// child returns the value of key in a mapping node.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// lines records where list items and rule overrides are, for errors found
// after decoding and for CEL errors found when the rules are compiled.
func (v *validator) lines(c *Config) {
	for i := range c.Suppressions {
		c.Suppressions[i].line = v.line("suppressions", i)
	}
	for i := range c.Policies {
		c.Policies[i].line = v.line("policies", i)
		c.Policies[i].when = v.at("policies", i, "when")
	}
	if r := v.at("rules"); r != nil {
		for i := 0; i+1 < len(r.Content); i += 2 {
			o := c.Rules[r.Content[i].Value]
			o.line = r.Content[i].Line
			c.Rules[r.Content[i].Value] = o
		}
	}
}

func (v *validator) config(c *Config) {
	if c.Version != 0 && c.Version != 1 {
		v.errorf(v.line("version"), 0, "version %d is not supported (want 1)", c.Version)
	}
	if c.FailOn != "" {
		if _, err := parseThreshold(c.FailOn); err != nil {
			v.errorf(v.line("fail_on"), 0, "fail_on: %v", err)
		}
	}
	v.formatList(c.SafeMode.InertFormats, "safe_mode", "inert_formats")
	v.ruleOverrides(c)
	v.formatList(c.Formats.Allowed, "formats", "allowed")
	v.formatList(c.Formats.Forbidden, "formats", "forbidden")
	for i, f := range c.Formats.Forbidden {
		if slices.Contains(c.Formats.Allowed, f) {
			v.errorf(v.line("formats", "forbidden", i), 0, "format %q is both allowed and forbidden", f)
		}
	}
	for i, p := range c.TrustedCode {
		v.trusted(v.line("trusted_code", i), p)
	}
	for i := range c.Suppressions {
		v.suppression(&c.Suppressions[i])
	}
	v.policies(c.Policies)
}

// ruleOverrides checks the rule IDs against the catalogue (a typo would
// otherwise silently override nothing) and keys them by canonical ID.
func (v *validator) ruleOverrides(c *Config) {
	canon := make(map[string]RuleOverride, len(c.Rules))
	for id, o := range c.Rules {
		r, ok := rules.Lookup(id)
		if !ok {
			v.errorf(o.line, 0, "rules: unknown rule %q (`modelgate rules` lists them)", id)
			continue
		}
		if o.Severity != "" {
			if _, err := finding.ParseSeverity(o.Severity); err != nil {
				v.errorf(o.line, 0, "rules.%s.severity: %v", id, err)
			}
		}
		canon[r.ID] = o
	}
	c.Rules = canon
}

var formatName = regexp.MustCompile(`^[a-z0-9][a-z0-9.+_-]*$`)

func (v *validator) formatList(list []string, path ...any) {
	for i, f := range list {
		if !formatName.MatchString(f) {
			v.errorf(v.line(append(path, i)...), 0, "%s.%s: %q is not a format name (lower-case, as reports spell them: pickle, pytorch-zip, safetensors)", path[0], path[1], f)
		}
	}
}

var symbolPattern = regexp.MustCompile(`^[A-Za-z0-9_.*?>\[\]-]+$`)

func (v *validator) trusted(line int, p string) {
	switch {
	case !symbolPattern.MatchString(p):
		v.errorf(line, 0, "trusted_code: %q is not a dotted-name pattern such as mycompany.models.*", p)
	case strings.Trim(p, "*.") == "":
		v.errorf(line, 0, "trusted_code: %q would trust every class; name your own modules", p)
	default:
		if err := validGlob(dotted(p)); err != nil {
			v.errorf(line, 0, "trusted_code: %v", err)
		}
	}
}

func (v *validator) suppression(s *Suppression) {
	if r, ok := rules.Lookup(s.Rule); ok {
		s.Rule = r.ID
	} else {
		v.errorf(s.line, 0, "suppression: unknown rule %q", s.Rule)
	}
	if err := validGlob(s.Path); err != nil {
		v.errorf(s.line, 0, "suppression of %s: path: %v", s.Rule, err)
	}
	if strings.TrimSpace(s.Reason) == "" {
		v.errorf(s.line, 0, "suppression of %s: a reason is required", s.Rule)
	}
	until, err := parseExpiry(s.Expires)
	if err != nil {
		v.errorf(s.line, 0, "suppression of %s: expires: %v", s.Rule, err)
	}
	s.until = until
}

// parseExpiry reads a date (the suppression holds through that day, UTC)
// or an RFC 3339 time (it holds until that instant).
func parseExpiry(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("an expiry date (YYYY-MM-DD) is required")
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.AddDate(0, 0, 1), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (YYYY-MM-DD) nor an RFC 3339 time", s)
	}
	return t, nil
}

var ruleName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// builtinRules name the decisions that do not come from a policies entry.
var builtinRules = map[string]bool{
	"fail_on": true, "safe_mode": true, "incomplete": true, "default": true,
	"formats.allowed": true, "formats.forbidden": true,
}

func (v *validator) policies(list []Rule) {
	seen := map[string]bool{}
	for _, r := range list {
		switch {
		case !ruleName.MatchString(r.Name):
			v.errorf(r.line, 0, "policy %q: a name of letters, digits, - and _ is required", r.Name)
		case builtinRules[r.Name]:
			v.errorf(r.line, 0, "policy %q: the name is reserved for a built-in decision", r.Name)
		case seen[r.Name]:
			v.errorf(r.line, 0, "policy %q: the name is used twice", r.Name)
		}
		seen[r.Name] = true
		if strings.TrimSpace(r.When) == "" {
			v.errorf(r.line, 0, "policy %q: `when` (a CEL expression) is required", r.Name)
		}
		if _, err := parseAction(r.Action); err != nil {
			v.errorf(r.line, 0, "policy %q: %v", r.Name, err)
		}
		if strings.TrimSpace(r.Message) == "" {
			v.errorf(r.line, 0, "policy %q: a message is required: it is what people read when the rule decides", r.Name)
		}
	}
}

func parseAction(s string) (finding.Action, error) {
	switch a := finding.Action(s); a {
	case finding.Block, finding.Warn, finding.Allow:
		return a, nil
	}
	return "", fmt.Errorf("action %q: want block, warn or allow", s)
}
