package policy

import (
	"fmt"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
	"go.yaml.in/yaml/v3"
)

// The CEL environment declares one variable per field, with qualified
// names ("finding.rule"), so an expression reads like the JSON report and
// an activation resolves a field with one map lookup and no conversion of
// whole records.

type varID int

const (
	fileVarPath varID = iota
	fileVarName
	fileVarFormats
	fileVarSize
	fileVarSHA256
	fileVarVerdict
	fileVarErrors
	findingVarRule
	findingVarFamily
	findingVarSeverity
	findingVarClass
	findingVarTitle
	findingVarMessage
	findingVarLocation
	findingVarEvidence
	findingVarSymbol
	findingVarCodeOnLoad
	numVars
)

// Inputs are cut to these bounds before evaluation, which makes the static
// cost estimate a true upper bound (see estimator).
const (
	maxPathLen = 4096 // file.path, file.name
	maxTextLen = 2048 // every other string
	maxItems   = 64   // file.formats, file.errors
	maxItemLen = 1024 // one element of those lists
)

var vars = [numVars]struct {
	name string
	typ  *cel.Type
}{
	fileVarPath:          {"file.path", cel.StringType},
	fileVarName:          {"file.name", cel.StringType},
	fileVarFormats:       {"file.formats", cel.ListType(cel.StringType)},
	fileVarSize:          {"file.size", cel.IntType},
	fileVarSHA256:        {"file.sha256", cel.StringType},
	fileVarVerdict:       {"file.verdict", cel.StringType},
	fileVarErrors:        {"file.errors", cel.ListType(cel.StringType)},
	findingVarRule:       {"finding.rule", cel.StringType},
	findingVarFamily:     {"finding.family", cel.StringType},
	findingVarSeverity:   {"finding.severity", cel.StringType},
	findingVarClass:      {"finding.class", cel.StringType},
	findingVarTitle:      {"finding.title", cel.StringType},
	findingVarMessage:    {"finding.message", cel.StringType},
	findingVarLocation:   {"finding.location", cel.StringType},
	findingVarEvidence:   {"finding.evidence", cel.StringType},
	findingVarSymbol:     {"finding.symbol", cel.StringType},
	findingVarCodeOnLoad: {"finding.code_on_load", cel.BoolType},
}

var varByName = func() map[string]varID {
	m := make(map[string]varID, numVars)
	for i, v := range vars {
		m[v.name] = varID(i)
	}
	return m
}()

func (v varID) isFinding() bool { return v >= findingVarRule }

// bound is the largest size of a variable's value (strings: bytes; lists:
// items), and of a list's items.
func (v varID) bound() (size, item uint64) {
	switch v {
	case fileVarPath, fileVarName:
		return maxPathLen, 0
	case fileVarFormats, fileVarErrors:
		return maxItems, maxItemLen
	}
	return maxTextLen, 0
}

// MaxCost is the most a policy rule may cost per evaluation, in CEL cost
// units (about one per operation or per ten bytes scanned). A rule whose
// worst case, estimated from the input bounds above, exceeds it is rejected
// when the configuration is loaded. Rules whose worst case exceeds
// trackAbove also count their cost as they run and stop at MaxCost, a
// second line of defence should an estimate ever fall short.
const (
	MaxCost    = 100_000
	trackAbove = 1_000
)

// newEnv builds the CEL environment every rule is compiled in.
func newEnv() (*cel.Env, error) {
	opts := []cel.EnvOption{
		ext.Strings(),
		cel.ExtendedValidations(),
		cel.ASTValidators(literalArgs{}),
		cel.ExpressionNodeLimit(2000),
		cel.Function("glob",
			cel.MemberOverload("string_glob_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(celGlob))),
		cel.Function("atLeast",
			cel.MemberOverload("string_atLeast_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(celAtLeast))),
		cel.CostModel(cost.MemberOverload("string_glob_string",
			cost.EvalCost(cost.Mul(cost.StringScan(cost.Target()), cost.StringScan(cost.Arg(0)))))),
	}
	for _, v := range vars {
		opts = append(opts, cel.Variable(v.name, v.typ))
	}
	return cel.NewEnv(opts...)
}

// celGlob is `path.glob(pattern)`: see globMatch.
func celGlob(lhs, rhs ref.Val) ref.Val {
	name, pattern := string(lhs.(types.String)), string(rhs.(types.String))
	if err := validGlob(pattern); err != nil {
		return types.NewErr("glob: %v", err)
	}
	return types.Bool(globMatch(pattern, name))
}

// ranks orders the words of each vocabulary: severities, finding classes
// and verdicts. `a.atLeast(b)` compares within the vocabulary of b.
var ranks = []map[string]int{
	{"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4},
	{"info": 0, "suspicious": 1, "malicious": 2},
	{"safe": 0, "error": 1, "suspicious": 2, "malicious": 3},
}

func rankOf(word string) (map[string]int, bool) {
	for _, r := range ranks {
		if _, ok := r[word]; ok {
			return r, true
		}
	}
	return nil, false
}

// celAtLeast is `finding.severity.atLeast("high")`, and the same for
// classes and verdicts.
func celAtLeast(lhs, rhs ref.Val) ref.Val {
	a, b := string(lhs.(types.String)), string(rhs.(types.String))
	r, ok := rankOf(b)
	if !ok {
		return types.NewErr("atLeast: %q is not a severity, class or verdict", b)
	}
	// "info" and "suspicious" are in two vocabularies with the same order
	// against each other, so the first vocabulary holding both decides.
	for _, rr := range ranks {
		_, okA := rr[a]
		_, okB := rr[b]
		if okA && okB {
			r = rr
			break
		}
	}
	ra, ok := r[a]
	if !ok {
		return types.NewErr("atLeast: %q and %q are not of the same kind", a, b)
	}
	return types.Bool(ra >= r[b])
}

// literalArgs rejects constant glob patterns and atLeast words that could
// only fail at evaluation time, so the mistake is reported with its
// position when the configuration is loaded.
type literalArgs struct{}

func (literalArgs) Name() string { return "modelgate.literal_args" }

func (literalArgs) Validate(_ *cel.Env, _ cel.ValidatorConfig, a *ast.AST, iss *cel.Issues) {
	for _, e := range ast.MatchDescendants(ast.NavigateAST(a), ast.KindMatcher(ast.CallKind)) {
		c := e.AsCall()
		if len(c.Args()) != 1 || c.Args()[0].Kind() != ast.LiteralKind {
			continue
		}
		lit, ok := c.Args()[0].AsLiteral().(types.String)
		if !ok {
			continue
		}
		switch c.FunctionName() {
		case "glob":
			if err := validGlob(string(lit)); err != nil {
				iss.ReportErrorAtID(c.Args()[0].ID(), "bad glob pattern: %v", err)
			}
		case "atLeast":
			if _, ok := rankOf(string(lit)); !ok {
				iss.ReportErrorAtID(c.Args()[0].ID(), "%q is not a severity (info…critical), class (info, suspicious, malicious) or verdict (safe, error, suspicious, malicious)", lit)
			}
		}
	}
}

// estimator supplies the input bounds to CEL's static cost estimate.
type estimator struct{}

func (estimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	p := n.Path()
	if len(p) == 0 {
		return nil
	}
	id, ok := varByName[p[0]]
	if !ok {
		return nil
	}
	size, item := id.bound()
	if len(p) > 1 {
		size = item
	}
	return &cost.SizeEstimate{Min: 0, Max: size}
}

func (estimator) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

// ruleGuard finds a top-level conjunct that pins finding.rule or
// finding.family to constants (`finding.rule == "PICKLE-102"`,
// `finding.rule in [...]`, `finding.family == "KERAS"`,
// `finding.rule.startsWith("PICKLE-")`). Such a rule cannot hold for a
// finding of any other rule, so it is only evaluated for those: with many
// rules over many findings this is what keeps evaluation cheap. nil means
// no guard was found.
func ruleGuard(a *ast.AST) func(rule string) bool {
	refs := a.ReferenceMap()
	varOf := func(e ast.Expr) string {
		if r, ok := refs[e.ID()]; ok && (e.Kind() == ast.IdentKind || e.Kind() == ast.SelectKind) {
			return r.Name
		}
		return ""
	}
	var visit func(e ast.Expr) func(string) bool
	visit = func(e ast.Expr) func(string) bool {
		if e.Kind() != ast.CallKind {
			return nil
		}
		c := e.AsCall()
		args := c.Args()
		switch {
		case c.FunctionName() == "_&&_":
			if g := visit(args[0]); g != nil {
				return g
			}
			return visit(args[1])
		case c.FunctionName() == "_==_":
			for i := range 2 {
				if lit, ok := stringLiteral(args[1-i]); ok {
					switch varOf(args[i]) {
					case "finding.rule":
						return func(r string) bool { return r == lit }
					case "finding.family":
						return func(r string) bool { return familyOf(r) == lit }
					}
				}
			}
		case c.FunctionName() == "@in" && varOf(args[0]) == "finding.rule":
			if set, ok := stringList(args[1]); ok {
				return func(r string) bool { return set[r] }
			}
		case c.FunctionName() == "startsWith" && c.IsMemberFunction() && varOf(c.Target()) == "finding.rule":
			if lit, ok := stringLiteral(args[0]); ok {
				return func(r string) bool { return strings.HasPrefix(r, lit) }
			}
		}
		return nil
	}
	return visit(a.Expr())
}

func stringLiteral(e ast.Expr) (string, bool) {
	if e.Kind() != ast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}

func stringList(e ast.Expr) (map[string]bool, bool) {
	if e.Kind() != ast.ListKind {
		return nil, false
	}
	set := map[string]bool{}
	for _, el := range e.AsList().Elements() {
		s, ok := stringLiteral(el)
		if !ok {
			return nil, false
		}
		set[s] = true
	}
	return set, true
}

// familyOf is the FAMILY of FAMILY-NNN.
func familyOf(rule string) string {
	if i := strings.LastIndexByte(rule, '-'); i > 0 {
		return rule[:i]
	}
	return rule
}

// compileError places a CEL error in the configuration file.
func compileError(c *Config, r *Rule, e *cel.Error) error {
	line, col := exprPos(c, r.when, e.Location.Line(), e.Location.Column())
	msg := fmt.Sprintf("policy %q: %s", r.Name, e.Message)
	if src := strings.Split(r.When, "\n"); e.Location.Line() >= 1 && e.Location.Line() <= len(src) {
		text := src[e.Location.Line()-1]
		msg += "\n    | " + text + "\n    | " + strings.Repeat(" ", min(max(e.Location.Column(), 0), len(text))) + "^"
	}
	return &Error{File: c.File, Line: line, Col: col, Msg: msg}
}

// exprPos maps a position in a `when` expression (line 1-based, column
// 0-based) to a line and column of the file. Plain and quoted scalars and
// literal blocks map exactly (quoted scalars with escapes may be off by the
// escapes); folded blocks give the line of the key.
func exprPos(c *Config, n *yaml.Node, line, col int) (int, int) {
	if n == nil { // a Config not read from a file
		return line, col + 1
	}
	switch n.Style {
	case 0:
		return n.Line + line - 1, n.Column + col
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		if line == 1 {
			return n.Line, n.Column + 1 + col
		}
	case yaml.LiteralStyle:
		// The block's indentation is that of its first line.
		if n.Line < len(c.src) {
			first := c.src[n.Line]
			return n.Line + line, len(first) - len(strings.TrimLeft(first, " ")) + 1 + col
		}
	}
	return n.Line, 0
}
