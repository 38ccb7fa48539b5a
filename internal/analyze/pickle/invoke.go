package pickle

import (
	"fmt"
	"strings"

	pkl "github.com/modelgate/modelgate/internal/format/pickle"
)

// Some allowlisted globals are harmless only for some arguments: they call
// an argument (or its __new__, __init__ or a class method), resolve an
// object by name, or create a class. Each call of them is judged here, the
// way functools.partial is judged by what it wraps.

// invoker is an allowlisted global that calls one of its arguments.
type invoker struct {
	arg  int    // position of the argument it calls
	does string // what it does with it
	// deferred: it stores the callable and calls it only when the loaded
	// object is used (a defaultdict's factory). No benign file computes
	// such a callable, so one is still judged, but the author's function
	// stored this way is not called while loading.
	deferred bool
}

var invokers = map[string]invoker{
	"copyreg._reconstructor":                           {arg: 1, does: "calls base.__init__(obj, state) unless base is object"},
	"copyreg.__newobj__":                               {arg: 0, does: "calls cls.__new__(cls, *args)"},
	"copyreg.__newobj_ex__":                            {arg: 0, does: "calls cls.__new__(cls, *args, **kwargs)"},
	"torch._utils._rebuild_from_type":                  {arg: 0, does: "calls func(*args)"},
	"torch._utils._rebuild_from_type_v2":               {arg: 0, does: "calls func(*args)"},
	"torch._tensor._rebuild_from_type":                 {arg: 0, does: "calls func(*args)"},
	"torch._tensor._rebuild_from_type_v2":              {arg: 0, does: "calls func(*args)"},
	"numpy.random._pickle.__randomstate_ctor":          {arg: 1, does: "calls bit_generator_ctor(bit_generator_name)"},
	"numpy.random._pickle.__generator_ctor":            {arg: 1, does: "calls bit_generator_ctor(bit_generator_name)"},
	"numpy.random._pickle.__bit_generator_ctor":        {arg: 0, does: "calls its argument when it is a class (numpy >= 2)"},
	"sklearn.neighbors._ball_tree.newObj":              {arg: 0, does: "calls obj.__new__(obj)"},
	"sklearn.neighbors._kd_tree.newObj":                {arg: 0, does: "calls obj.__new__(obj)"},
	"sklearn.metrics._dist_metrics.newObj":             {arg: 0, does: "calls obj.__new__(obj)"},
	"sklearn.neighbors._dist_metrics.newObj":           {arg: 0, does: "calls obj.__new__(obj)"},
	"sklearn.neighbors.dist_metrics.newObj":            {arg: 0, does: "calls obj.__new__(obj)"},
	"sklearn.neighbors.ball_tree.newObj":               {arg: 0, does: "calls obj.__new__(obj)"},
	"sklearn.neighbors.kd_tree.newObj":                 {arg: 0, does: "calls obj.__new__(obj)"},
	"pandas.core.indexes.base._new_Index":              {arg: 0, does: "calls cls.__new__(cls, **d)"},
	"pandas.core.indexes.datetimes._new_DatetimeIndex": {arg: 0, does: "calls cls._simple_new or cls.__new__"},
	"pandas.core.indexes.interval._new_IntervalIndex":  {arg: 0, does: "calls cls.from_arrays(**d)"},
	"pandas.core.indexes.period._new_PeriodIndex":      {arg: 0, does: "calls cls._simple_new"},
	"dill._dill._create_array":                         {arg: 0, does: "calls f(*args)"},
	"torch.optim.lr_scheduler.LambdaLR":                {arg: 1, does: "calls lr_lambda(epoch) while it is constructed"},
	"torch.optim.lr_scheduler.MultiplicativeLR":        {arg: 1, does: "calls lr_lambda(epoch) while it is constructed"},
	"collections.defaultdict":                          {arg: 0, does: "stores default_factory and calls it on every missing key", deferred: true},
	"torch.optim.lr_scheduler.CyclicLR":                {arg: 7, does: "calls scale_fn(x) while it is constructed"},
}

// resolvers are allowlisted globals that return an object named by their
// arguments; a call is judged by what it returns.
var resolvers = map[string]func(m *machine, args []value) string{
	// numpy < 1.20 pickled ufuncs as _ufunc_reconstruct(module, name),
	// which is __import__(module) followed by getattr(name).
	"numpy.core._ufunc_reconstruct":  ufuncTarget,
	"numpy._core._ufunc_reconstruct": ufuncTarget,
	// dill names built-in types as _load_type('NoneType'), a lookup in its
	// table of builtins and types members.
	"dill._dill._load_type": dillTypeTarget,
	// cloudpickle names them _builtin_type('CodeType') (judged in code.go).
	"cloudpickle.cloudpickle._builtin_type":      dillTypeTarget,
	"cloudpickle.cloudpickle_fast._builtin_type": dillTypeTarget,
}

func ufuncTarget(m *machine, args []value) string {
	if len(args) != 2 || args[0].k != kStr || args[1].k != kStr {
		return ""
	}
	return m.text(args[0]) + "." + m.text(args[1])
}

func dillTypeTarget(m *machine, args []value) string {
	if len(args) != 1 || args[0].k != kStr {
		return ""
	}
	name := m.text(args[0])
	if name == "" || strings.ContainsAny(name, ". ") {
		return ""
	}
	if first := name[0]; first >= 'a' && first <= 'z' || strings.HasSuffix(name, "Error") || name == "NoneType" {
		return "builtins." + name // list, dict, NoneType, exceptions
	}
	return "types." + name // CodeType, FunctionType, ModuleType...
}

// checkGuarded judges a call of an allowlisted global that invokes,
// resolves or creates something, and records an event unless the call is
// harmless.
func (m *machine) checkGuarded(op *pkl.Op, g *global, args, res value) {
	if g.verdict.cat != catSafe {
		return
	}
	inv, isInvoker := invokers[g.dotted]
	resolve := resolvers[g.dotted]
	if !isInvoker && resolve == nil && g.dotted != "builtins.type" {
		return
	}
	items, n := m.items(args)
	emit := func(v verdict, msg string) {
		m.events = append(m.events, event{off: op.Offset, op: op.Code, global: -1, callee: g.dotted, call: res.a, v: v, msg: msg,
			expr: m.render(res, 4)})
	}
	switch {
	case g.dotted == "builtins.type":
		if n != 1 {
			emit(verdict{cat: catUnknown, why: "type() with three arguments creates a class while loading", via: g.dotted},
				"builtins.type creates a class")
		}
	case resolve != nil:
		target := resolve(m, items)
		if target == "" {
			emit(verdict{cat: catReflect, why: "the name it resolves is computed at load time", via: g.dotted},
				g.dotted+" resolves a name computed at load time")
			return
		}
		if v := classifyDotted(m.hint, target); v.cat != catSafe {
			emit(v, fmt.Sprintf("%s resolves %s", g.dotted, target))
		}
	case isInvoker:
		if inv.arg >= len(items) {
			return // the default, or a missing argument the call rejects
		}
		if ok, v, what := m.judgeCallable(items[inv.arg], 0, inv.deferred); !ok {
			emit(v, fmt.Sprintf("%s %s with %s", g.dotted, inv.does, what))
		}
	}
}

// judgeCallable decides whether calling fn (or its __new__, __init__ or a
// class method) is harmless: fn is an allowlisted global, a class of the
// user's own code, something that is not callable at all, or a call that
// resolves to an allowlisted global. It returns the verdict to report and
// a description of fn otherwise.
func (m *machine) judgeCallable(fn value, depth int, deferred bool) (bool, verdict, string) {
	switch fn.k {
	case kNone, kBool, kInt, kBigInt, kFloat, kStr, kBytes, kDict, kSet, kFrozenSet:
		return true, verdict{}, "" // not callable: the call raises
	case kTuple, kList:
		// LambdaLR takes a list of lambdas, one per parameter group.
		items, _ := m.items(fn)
		for _, it := range items {
			if depth < 2 {
				if ok, v, what := m.judgeCallable(it, depth+1, deferred); !ok {
					return ok, v, what
				}
			}
		}
		return true, verdict{}, ""
	case kGlobal:
		g := &m.globals[fn.a]
		if g.verdict.cat == catSafe {
			return true, verdict{}, ""
		}
		if g.user {
			last := g.name[strings.LastIndexByte(g.name, '.')+1:]
			if !isClassName(last) && !deferred {
				g.calls++ // the author's function runs while loading
			}
			return true, verdict{}, "" // reported on its own (PICKLE-100, or suspicious when a function is called)
		}
		return false, g.verdict, g.dotted
	}
	target, how := m.resolveCallable(fn)
	if target == "" {
		return false, verdict{cat: catUnknown, why: "the callable it calls is computed while loading and cannot be shown harmless"}, how
	}
	if v := classifyDotted(m.hint, target); v.cat != catSafe {
		return false, v, target + " (through " + how + ")"
	}
	return true, verdict{}, ""
}
