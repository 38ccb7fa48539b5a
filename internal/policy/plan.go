package policy

import (
	"errors"
	"fmt"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/parser"

	"github.com/modelgate/modelgate/internal/finding"
)

// Evaluating every rule for every finding would be rules × findings CEL
// evaluations (a million for 100 rules over 10,000 findings, a third of a
// second). A plan avoids most of them without changing any result:
//
//   - the rule guard skips findings of other rules (see ruleGuard);
//   - the file gate, the conjunction of the rule's top-level conjuncts
//     that read only file.*, runs once per file: when it is false the rule
//     holds for none of the file's findings;
//   - the finding gate, the conjuncts that read only few-valued finding
//     fields (rule, family, title, code_on_load, severity, class, symbol),
//     is cached by those fields for the whole report;
//   - the rule itself is cached the same way when it reads nothing else.
//
// A false conjunct makes a CEL conjunction false whatever its other
// conjuncts do (errors included), so skipping on a false gate is exact; a
// gate that fails to evaluate skips nothing.

// program is one compiled policy rule and its plan.
type program struct {
	name, message string
	action        finding.Action
	full          cached
	// perFinding rules read finding.* and are evaluated per finding; the
	// others once per file.
	perFinding bool
	guard      func(rule string) bool
	refs       map[varID]bool
	fileGate   cel.Program // nil when there is none
	findGate   *cached     // nil when there is none
}

// cached is a CEL program with an optional result cache keyed by the
// few-valued finding fields it reads.
type cached struct {
	prg cel.Program
	// memoable is false when the program reads a field unique to each
	// finding (message, location, evidence).
	memoable bool
	// perFile programs also read file.*: their results hold for one file.
	perFile bool
	// mask selects the fields of a findingKey the program reads; maskIdx
	// is its place in Policy.masks, which number the masked keys densely.
	mask    uint64
	maskIdx int
	// memo is indexed by the number of the masked key: 0 unknown, else
	// the file generation (1 for results that hold for the whole report)
	// shifted left by 2, or 1 for false and 2 for true.
	memo []uint32
}

// findingKey packs the few-valued fields of a finding into one integer:
// rule and symbol are numbered as they are first seen (see evaluator).
type findingKey uint64

const (
	keyClassBits    = 0x3             // bits 0-1
	keySeverityBits = 0x7 << 2        // bits 2-4
	keySymbolBits   = 0xffffffff << 5 // bits 5-36
	keyRuleBits     = 0x7ffffff << 37 // bits 37-63
)

func packKey(rule, symbol uint32, sev finding.Severity, class int) findingKey {
	return findingKey(uint64(rule)<<37 | uint64(symbol)<<5 | uint64(sev&7)<<2 | uint64(class&3))
}

// lowCardinality are the finding fields with few distinct values in a report.
func lowCardinality(id varID) bool {
	switch id {
	case findingVarRule, findingVarFamily, findingVarTitle, findingVarCodeOnLoad,
		findingVarSeverity, findingVarClass, findingVarSymbol:
		return true
	}
	return false
}

func newCached(prg cel.Program, refs map[varID]bool) cached {
	c := cached{prg: prg, memoable: true}
	perFinding := false
	for id := range refs {
		perFinding = perFinding || id.isFinding()
		c.perFile = c.perFile || !id.isFinding()
		c.memoable = c.memoable && (!id.isFinding() || lowCardinality(id))
		switch id {
		case findingVarRule, findingVarFamily, findingVarTitle, findingVarCodeOnLoad:
			c.mask |= keyRuleBits // each is a function of the rule ID
		case findingVarSeverity:
			c.mask |= keySeverityBits
		case findingVarClass:
			c.mask |= keyClassBits
		case findingVarSymbol:
			c.mask |= keySymbolBits
		}
	}
	c.memoable = c.memoable && perFinding
	return c
}

// compileRule type-checks one rule, proves its cost bounded and plans it.
func compileRule(env *cel.Env, c *Config, r *Rule) (*program, error) {
	a, iss := env.Compile(r.When)
	if iss.Err() != nil {
		var errs []error
		for _, e := range iss.Errors() {
			errs = append(errs, compileError(c, r, e))
		}
		return nil, errors.Join(errs...)
	}
	fail := func(format string, args ...any) error {
		return &Error{File: c.File, Line: r.line, Msg: fmt.Sprintf("policy %q: ", r.Name) + fmt.Sprintf(format, args...)}
	}
	if !a.OutputType().IsExactType(cel.BoolType) {
		return nil, fail("`when` must be true or false, not %s", a.OutputType())
	}
	est, err := env.EstimateCost(a, estimator{})
	if err != nil {
		return nil, fail("cost: %v", err)
	}
	if est.Max > MaxCost {
		return nil, fail("it may cost up to %d per evaluation, more than the limit of %d: simplify it (fewer nested comprehensions or scans of long strings)", est.Max, MaxCost)
	}
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	if est.Max > trackAbove {
		// The estimate already bounds the cost; counting it as well costs
		// more than most such rules, so only the expensive ones pay for it.
		opts = append(opts, cel.CostLimit(MaxCost))
	}
	prg, err := env.Program(a, opts...)
	if err != nil {
		return nil, fail("%v", err)
	}
	action, _ := parseAction(r.Action) // validated by Parse
	native := a.NativeRep()
	refs := referenced(native, native.Expr())
	p := &program{name: r.Name, message: r.Message, action: action, full: newCached(prg, refs), guard: ruleGuard(native), refs: refs}
	for id := range refs {
		p.perFinding = p.perFinding || id.isFinding()
	}
	if p.perFinding {
		p.plan(env, native)
	}
	return p, nil
}

// plan builds the gates of a per-finding rule. Gates are an optimisation
// only: one that cannot be built is left out.
func (p *program) plan(env *cel.Env, a *ast.AST) {
	var fileParts, findParts []ast.Expr
	others := 0
	for _, e := range conjuncts(a.Expr()) {
		refs := referenced(a, e)
		switch {
		case !anyFinding(refs):
			fileParts = append(fileParts, e)
		case allLowCardinality(refs):
			findParts = append(findParts, e)
		default:
			others++
		}
	}
	if len(fileParts) > 0 {
		if prg, _, ok := gate(env, a, fileParts); ok {
			p.fileGate = prg
		}
	}
	// A finding gate pays off when the rule itself cannot be cached
	// report-wide: it reads other fields, or file.*.
	if len(findParts) > 0 && (others > 0 || p.full.perFile) {
		if prg, refs, ok := gate(env, a, findParts); ok {
			c := newCached(prg, refs)
			p.findGate = &c
		}
	}
}

// conjuncts flattens the top-level && of an expression.
func conjuncts(e ast.Expr) []ast.Expr {
	if e.Kind() == ast.CallKind && e.AsCall().FunctionName() == "_&&_" {
		args := e.AsCall().Args()
		return append(conjuncts(args[0]), conjuncts(args[1])...)
	}
	return []ast.Expr{e}
}

func anyFinding(refs map[varID]bool) bool {
	for id := range refs {
		if id.isFinding() {
			return true
		}
	}
	return false
}

func allLowCardinality(refs map[varID]bool) bool {
	for id := range refs {
		if !lowCardinality(id) {
			return false
		}
	}
	return true
}

// gate compiles the conjunction of some conjuncts of a rule.
func gate(env *cel.Env, a *ast.AST, parts []ast.Expr) (cel.Program, map[varID]bool, bool) {
	text := ""
	for i, e := range parts {
		s, err := parser.Unparse(e, a.SourceInfo())
		if err != nil {
			return nil, nil, false
		}
		if i > 0 {
			text += " && "
		}
		text += "(" + s + ")"
	}
	g, iss := env.Compile(text)
	if iss.Err() != nil {
		return nil, nil, false
	}
	prg, err := env.Program(g, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, nil, false
	}
	return prg, referenced(g.NativeRep(), g.NativeRep().Expr()), true
}

// referenced lists the variables an expression of a checked AST reads.
func referenced(a *ast.AST, e ast.Expr) map[varID]bool {
	refs := a.ReferenceMap()
	out := map[varID]bool{}
	for _, n := range ast.MatchDescendants(ast.NavigateExpr(a, e), ast.AllMatcher()) {
		if r, ok := refs[n.ID()]; ok {
			if id, ok := varByName[r.Name]; ok {
				out[id] = true
			}
		}
	}
	return out
}
