package policy

import (
	"fmt"
	"path"
	"slices"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/rules"
)

// evaluator evaluates the rules over one file at a time, reusing its
// activation and buffers.
type evaluator struct {
	act     activation
	decided []bool
	rows    [][]bool
	// gates holds each rule's file gate for the current file: 0 not yet
	// evaluated, 1 true (or failed: skip nothing), -1 false.
	gates []int8
	// gen numbers the files; cached results of per-file programs carry it.
	gen uint32
	// candidates caches, per finding.rule, which rules can hold.
	candidates map[string][]bool
	// ruleNums and symbolNums number the values seen, for findingKey.
	ruleNums, symbolNums map[string]uint32
	// masks are the distinct field selections of the cached programs;
	// keyNums[m] numbers the keys seen under masks[m], and ids holds the
	// current file's numbers: ids[j*len(masks)+m] for finding j.
	masks   []uint64
	keyNums []map[uint64]uint32
	ids     []uint32
	// fileRes holds the per-file rules' results; hits the first rule that
	// held (or failed) for each finding, sorted by rule then finding.
	fileRes []fileResult
	hits    []hit
}

type fileResult struct {
	match bool
	err   error
}

type hit struct {
	rule, finding int
	err           error
}

// addMask registers a cached program's field selection.
func (e *evaluator) addMask(c *cached) {
	if !c.memoable {
		return
	}
	for i, m := range e.masks {
		if m == c.mask {
			c.maskIdx = i
			return
		}
	}
	c.maskIdx = len(e.masks)
	e.masks = append(e.masks, c.mask)
	e.keyNums = append(e.keyNums, map[uint64]uint32{})
}

// startFile points the activation at a file and resets per-file state.
func (e *evaluator) startFile(p *Policy, f *finding.File) {
	e.act.setFile(f, p.relPath(f.Path))
	e.gen++
	e.decided = resize(e.decided, len(f.Findings))
	e.gates = resize(e.gates, len(p.progs))
	e.rows, e.ids = e.rows[:0], e.ids[:0]
	for i := range f.Findings {
		x := &f.Findings[i]
		e.rows = append(e.rows, e.candidateRow(p.progs, x.Rule))
		k := uint64(packKey(number(e.ruleNums, x.Rule), number(e.symbolNums, x.Symbol), x.Severity, classNum(x.Class)))
		for m, mask := range e.masks {
			e.ids = append(e.ids, number(e.keyNums[m], k&mask))
		}
	}
}

// number returns k's number in m, giving it the next one when new.
func number[K comparable](m map[K]uint32, k K) uint32 {
	n, ok := m[k]
	if !ok {
		n = uint32(len(m))
		m[k] = n
	}
	return n
}

func classNum(c finding.Class) int {
	switch c {
	case finding.Malicious:
		return 2
	case finding.Suspicious:
		return 1
	}
	return 0
}

// resize returns b with n zero elements, reusing its storage.
func resize[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	b = b[:n]
	clear(b)
	return b
}

func (e *evaluator) candidateRow(progs []*program, rule string) []bool {
	if row, ok := e.candidates[rule]; ok {
		return row
	}
	row := make([]bool, len(progs))
	for i, pr := range progs {
		row[i] = pr.perFinding && (pr.guard == nil || pr.guard(rule))
	}
	e.candidates[rule] = row
	return row
}

// fileRules evaluates the per-file rules in order up to the first that
// ends the evaluation (it holds with block or allow, or fails), and
// returns how many rules can matter: that one and those before it.
func (e *evaluator) fileRules(progs []*program) int {
	e.fileRes = resize(e.fileRes, len(progs))
	e.act.setFinding(nil)
	for pi, pr := range progs {
		if pr.perFinding {
			continue
		}
		m, err := run(pr.full.prg, &e.act)
		e.fileRes[pi] = fileResult{m, err}
		if err != nil || m && pr.action != finding.Warn {
			return pi + 1
		}
	}
	return len(progs)
}

// firstMatches finds, for each finding, the first per-finding rule among
// progs[:limit] that holds for it or fails.
func (e *evaluator) firstMatches(progs []*program, f *finding.File, limit int) {
	e.hits = e.hits[:0]
	for j := range f.Findings {
		row := e.rows[j]
		for pi := range limit {
			if !row[pi] {
				continue
			}
			m, err := e.evalFinding(pi, progs[pi], &f.Findings[j], j)
			if m || err != nil {
				e.hits = append(e.hits, hit{pi, j, err})
				break
			}
		}
	}
	slices.SortStableFunc(e.hits, func(a, b hit) int { return a.rule - b.rule })
}

// evalFinding evaluates per-finding rule pi for finding j of the file,
// through its gates and caches.
func (e *evaluator) evalFinding(pi int, p *program, x *finding.Finding, j int) (bool, error) {
	e.act.setFinding(x)
	if p.fileGate != nil {
		if e.gates[pi] == 0 {
			e.gates[pi] = 1
			if ok, err := run(p.fileGate, &e.act); err == nil && !ok {
				e.gates[pi] = -1
			}
		}
		if e.gates[pi] < 0 {
			return false, nil
		}
	}
	if p.findGate != nil {
		if ok, err := e.cachedRun(p.findGate, j); err == nil && !ok {
			return false, nil
		}
	}
	return e.cachedRun(&p.full, j)
}

func (e *evaluator) cachedRun(c *cached, j int) (bool, error) {
	if !c.memoable {
		return run(c.prg, &e.act)
	}
	id := e.ids[j*len(e.masks)+c.maskIdx]
	gen := uint32(1)
	if c.perFile {
		gen = e.gen + 1 // never 1, the generation of report-wide results
	}
	if int(id) < len(c.memo) && c.memo[id]>>2 == gen {
		return c.memo[id]&3 == 2, nil
	}
	v, err := run(c.prg, &e.act)
	if err != nil {
		return false, err
	}
	if int(id) >= len(c.memo) {
		c.memo = append(c.memo, make([]uint32, int(id)+1-len(c.memo))...)
	}
	c.memo[id] = gen<<2 | 1
	if v {
		c.memo[id]++
	}
	return v, nil
}

func run(prg cel.Program, act interpreter.Activation) (bool, error) {
	out, _, err := prg.Eval(act)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("the result is %v, not true or false", out)
	}
	return bool(b), nil
}

// activation resolves the CEL variables of one file and one finding.
// Values are converted once per file or finding and kept, so an
// evaluation only looks them up.
type activation struct {
	vals [numVars]ref.Val
	// A finding value is current when its gens entry equals gen.
	gens [numVars]uint32
	gen  uint32
	x    *finding.Finding
}

func (a *activation) setFile(f *finding.File, rel string) {
	a.vals[fileVarPath] = types.String(cut(rel, maxPathLen))
	a.vals[fileVarName] = types.String(cut(path.Base(rel), maxPathLen))
	a.vals[fileVarFormats] = celList(f.Formats)
	a.vals[fileVarSize] = types.Int(f.Size)
	a.vals[fileVarSHA256] = types.String(f.SHA256)
	a.vals[fileVarVerdict] = types.String(f.Verdict.String())
	a.vals[fileVarErrors] = celList(f.Errors)
	a.setFinding(nil)
}

// setFinding switches to another finding (nil: none); its values are
// converted when first read.
func (a *activation) setFinding(x *finding.Finding) {
	if x != a.x {
		a.x = x
		a.gen++
	}
}

func celList(items []string) ref.Val {
	out := make([]string, 0, min(len(items), maxItems))
	for _, s := range items[:min(len(items), maxItems)] {
		out = append(out, cut(s, maxItemLen))
	}
	return types.NewStringList(types.DefaultTypeAdapter, out)
}

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	id, ok := varByName[name]
	if !ok || id.isFinding() && a.x == nil {
		return nil, false
	}
	if id.isFinding() && a.gens[id] != a.gen {
		a.vals[id], a.gens[id] = a.finding(id), a.gen
	}
	return a.vals[id], true
}

func (a *activation) finding(id varID) ref.Val {
	x := a.x
	switch id {
	case findingVarRule:
		return types.String(cut(x.Rule, maxTextLen))
	case findingVarFamily:
		return types.String(cut(familyOf(x.Rule), maxTextLen))
	case findingVarSeverity:
		return types.String(x.Severity.String())
	case findingVarClass:
		return types.String(x.Class)
	case findingVarTitle:
		return types.String(cut(x.Title, maxTextLen))
	case findingVarMessage:
		return types.String(cut(x.Message, maxTextLen))
	case findingVarLocation:
		return types.String(cut(x.Location, maxTextLen))
	case findingVarEvidence:
		return types.String(cut(x.Evidence, maxTextLen))
	case findingVarSymbol:
		return types.String(cut(x.Symbol, maxTextLen))
	}
	return types.Bool(codeOnLoad(x.Rule))
}

// codeOnLoad reports the catalogue's CodeOnLoad flag of a rule.
func codeOnLoad(id string) bool {
	r, ok := rules.Lookup(id)
	return ok && r.CodeOnLoad
}

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }

// cut shortens s to at most n bytes on a character boundary: inputs are
// bounded so that the static cost estimate holds.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
