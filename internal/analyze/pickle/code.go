package pickle

import (
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/internal/finding"
	pkl "github.com/modelgate/modelgate/internal/format/pickle"
	"github.com/modelgate/modelgate/internal/format/pymarshal"
	"github.com/modelgate/modelgate/internal/pycode"
)

// Pickles carry Python functions as code objects: types.CodeType(...) with
// the bytecode and names as arguments (cloudpickle, dill), or
// marshal.loads(bytes). Each is rebuilt from the pickled constants and
// graded by pycode, so the report says what the function would call; the
// builder call is then judged by that grade instead of by its name.

// codeBuilders rebuild a code object from its fields.
var codeBuilders = map[string]bool{"types.CodeType": true, "dill._dill._create_code": true}

// functionBuilders wrap a code object into a function; the value is the
// position of the code argument.
var functionBuilders = map[string]int{
	"types.FunctionType": 0, "types.LambdaType": 0, "cloudpickle.cloudpickle._make_function": 0,
	"cloudpickle.cloudpickle_fast._make_function": 0, "dill._dill._create_function": 0,
}

// functionHelpers only assemble function objects (cells, attributes): they
// are harmless when the function they touch was itself analysed.
var functionHelpers = map[string]bool{
	"cloudpickle.cloudpickle._make_cell": true, "cloudpickle.cloudpickle._make_empty_cell": true,
	"cloudpickle.cloudpickle_fast._make_cell": true, "cloudpickle.cloudpickle_fast._make_empty_cell": true,
	"cloudpickle.cloudpickle._function_setstate": true, "cloudpickle.cloudpickle_fast._function_setstate": true,
	"dill._dill._create_cell": true,
}

// codeHit is a finding about a rebuilt function.
type codeHit struct {
	off  int64
	rule string
	sev  finding.Severity
	msg  string
	ev   string
}

// directOnly are builders that serialisers never import by name
// (cloudpickle reaches types.CodeType through _builtin_type, dill through
// _load_type): imported directly they stay malicious by name, and the
// analysis of what they build is added as evidence.
var directOnly = map[string]bool{"types.CodeType": true, "types.FunctionType": true, "types.LambdaType": true, "marshal.loads": true}

// judgeCode handles calls that build or run Python functions. It returns
// true when the call was judged here (and must not be reported by name).
func (m *machine) judgeCode(op *pkl.Op, target string, fn, args, res value) bool {
	judged := m.buildsCode(op, target, fn, args, res)
	return judged && !(fn.k == kGlobal && directOnly[target])
}

// buildsCode rebuilds, records and grades code; true when it understood
// the call completely.
func (m *machine) buildsCode(op *pkl.Op, target string, fn, args, res value) bool {
	items, n := m.items(args)
	switch {
	case codeBuilders[target]:
		objs, ok := m.objects(items, n)
		if !ok {
			return false
		}
		r, err := pymarshal.CodeFromArgs(objs)
		if err != nil && target == "dill._dill._create_code" && len(objs) > 1 {
			r, err = pymarshal.CodeFromArgs(objs[1:]) // dill ≥ 0.3.6 may lead with co_lnotab
		}
		if err != nil {
			return false
		}
		rep := pycode.Analyze(r.Code(), pycode.Input{Env: pycode.PickleEnv(), Versions: r.Versions, Anomalies: r.Anomalies})
		m.recordCode(op, res, r.Code(), rep, target+"(...)")
		return true
	case target == "marshal.loads":
		data, ok := m.constantBytes(items)
		if !ok {
			return false
		}
		rep, err := pycode.AnalyzeMarshal(data, pycode.Input{Env: pycode.PickleEnv()})
		if err != nil {
			return false
		}
		m.recordCode(op, res, nil, rep, "marshal.loads(...)")
		return true
	case isFunctionBuilder(target):
		pos := functionBuilders[target]
		if pos >= len(items) || items[pos].k != kCall || m.codes[items[pos].a] == nil || res.a == noObj {
			return false
		}
		m.codes[res.a] = m.codes[items[pos].a]
		return true
	case functionHelpers[target]:
		if strings.HasSuffix(target, "_function_setstate") {
			return len(items) > 0 && items[0].k == kCall && m.codes[items[0].a] != nil
		}
		return true
	case typeLookups[target]:
		return true // returns a type; where the type is called is judged there
	case strings.HasSuffix(target, "cloudpickle.subimport") || strings.HasSuffix(target, "cloudpickle_fast.subimport"):
		// cloudpickle re-imports the modules a function's globals name.
		return len(items) == 1 && items[0].k == kStr && denyByModule(loadTables(), strings.Split(m.text(items[0]), "."), strings.Count(m.text(items[0]), ".")+1).cat == catUnknown
	case fn.k == kCall && m.codes[fn.a] != nil:
		// The pickle calls a function it rebuilt: its code runs now.
		c := m.codes[fn.a]
		rule, sev := codeRule(c.report)
		if rule == "PICKLE-112" {
			sev = finding.High
		}
		m.codeHits = append(m.codeHits, codeHit{off: op.Offset, rule: rule, sev: sev,
			msg: fmt.Sprintf("calls the function it rebuilt from bytecode (%s) while loading: %s", c.name, summary(c.report)),
			ev:  m.render(res, 3)})
		return true
	}
	return false
}

func isFunctionBuilder(target string) bool {
	_, ok := functionBuilders[target]
	return ok
}

// typeLookups return a built-in type named by a constant, like dill's
// _load_type (see resolvers).
var typeLookups = map[string]bool{"cloudpickle.cloudpickle._builtin_type": true, "cloudpickle.cloudpickle_fast._builtin_type": true}

// codeInfo is what the machine remembers of a rebuilt code object.
type codeInfo struct {
	name   string
	code   *pymarshal.CodeObject // nil when it came from marshal.loads
	report *pycode.Report
}

func (m *machine) recordCode(op *pkl.Op, res value, code *pymarshal.CodeObject, rep *pycode.Report, how string) {
	name := "<code>"
	if code != nil {
		name = code.QualName
		if name == "" {
			name = code.Name
		}
	}
	if res.a != noObj {
		if m.codes == nil {
			m.codes = map[uint32]*codeInfo{}
		}
		m.codes[res.a] = &codeInfo{name: name, code: code, report: rep}
	}
	rule, sev := codeRule(rep)
	m.codeHits = append(m.codeHits, codeHit{off: op.Offset, rule: rule, sev: sev,
		msg: fmt.Sprintf("%s rebuilds the Python function %s from bytecode (%s): %s", how, name, versions(rep), summary(rep)),
		ev:  indicators(rep)})
}

// codeRule maps a grade onto the pickle rules.
func codeRule(rep *pycode.Report) (string, finding.Severity) {
	if rep.Verdict == pycode.Malicious {
		return "PICKLE-111", finding.Critical
	}
	sev := rep.Severity
	if sev < finding.Medium {
		sev = finding.Medium // bytecode in a model file is abnormal even when it only computes
	}
	return "PICKLE-112", sev
}

func summary(rep *pycode.Report) string {
	switch rep.Verdict {
	case pycode.Malicious:
		return "its bytecode reaches a code-execution primitive"
	case pycode.Suspicious:
		return "its bytecode uses operations a model does not need"
	}
	return "its bytecode only computes"
}

func versions(rep *pycode.Report) string {
	var vs []string
	for _, v := range rep.Versions {
		vs = append(vs, v.String())
	}
	if len(vs) == 0 {
		return "CPython version unknown"
	}
	return "CPython " + strings.Join(vs, "/")
}

// indicators renders the strongest indicators as evidence.
func indicators(rep *pycode.Report) string {
	var parts []string
	for i, ind := range rep.Indicators {
		if i == 4 {
			parts = append(parts, fmt.Sprintf("and %d more", len(rep.Indicators)-4))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %s", ind.ID, ind.Evidence))
	}
	if len(parts) == 0 && len(rep.References) > 0 {
		return "references " + strings.Join(rep.References[:min(len(rep.References), 8)], ", ")
	}
	return strings.Join(parts, "; ")
}

// constantBytes returns the constant bytes a loader's first argument holds,
// looking through pure decoders.
func (m *machine) constantBytes(items []value) ([]byte, bool) {
	if len(items) == 0 {
		return nil, false
	}
	arg := m.unwrapTransparent(items[0])
	if arg.k != kBytes || arg.flag&flagTruncated != 0 {
		return nil, false
	}
	return []byte(m.text(arg)), true
}

// objects converts pickled values into marshal objects for CodeFromArgs;
// false when a value is not fully known.
func (m *machine) objects(items []value, n int) ([]*pymarshal.Object, bool) {
	if len(items) != n {
		return nil, false
	}
	out := make([]*pymarshal.Object, len(items))
	for i, v := range items {
		o, ok := m.object(v, 0)
		if !ok {
			return nil, false
		}
		out[i] = o
	}
	return out, true
}

func (m *machine) object(v value, depth int) (*pymarshal.Object, bool) {
	if depth > 16 {
		return nil, false
	}
	switch v.k {
	case kNone:
		return &pymarshal.Object{Kind: pymarshal.None, Offset: -1}, true
	case kBool:
		return &pymarshal.Object{Kind: pymarshal.Bool, Int: v.n, Offset: -1}, true
	case kInt:
		return &pymarshal.Object{Kind: pymarshal.Int, Int: v.n, Offset: -1}, true
	case kFloat:
		return &pymarshal.Object{Kind: pymarshal.Float, Float: v.float(), Offset: -1}, true
	case kStr, kBytes:
		if v.flag&flagTruncated != 0 {
			return nil, false
		}
		if v.k == kStr {
			return &pymarshal.Object{Kind: pymarshal.Str, Str: m.text(v), Offset: -1}, true
		}
		return &pymarshal.Object{Kind: pymarshal.Bytes, Bytes: []byte(m.text(v)), Offset: -1}, true
	case kTuple, kList, kSet, kFrozenSet:
		items, n := m.items(v)
		objs, ok := m.objects(items, n)
		if !ok {
			return nil, false
		}
		kinds := map[kind]pymarshal.Kind{kTuple: pymarshal.Tuple, kList: pymarshal.List, kSet: pymarshal.Set, kFrozenSet: pymarshal.FrozenSet}
		return &pymarshal.Object{Kind: kinds[v.k], Items: objs, Offset: -1}, true
	case kCall:
		if v.a == noObj {
			return nil, false
		}
		if c := m.codes[v.a]; c != nil && c.code != nil { // a nested code object in co_consts
			return &pymarshal.Object{Kind: pymarshal.Code, Code: c.code, Offset: -1}, true
		}
		// Protocol 2 writes bytes as codecs.encode(text, 'latin1').
		c := m.calls[v.a]
		if m.pathOf(c.fn, 0) == "codecs.encode" {
			if in, _ := m.items(c.args); len(in) >= 1 && in[0].k == kStr && in[0].flag&flagTruncated == 0 {
				b, ok := decodeLatin1([]byte(m.text(in[0])))
				return &pymarshal.Object{Kind: pymarshal.Bytes, Bytes: b, Offset: -1}, ok
			}
		}
	}
	return nil, false
}
