package pickle

import (
	"fmt"
	"strings"

	pkl "github.com/modelgate/modelgate/internal/format/pickle"
)

// classifyFor classifies a global for a pickle read in a given context.
// TorchScript archives are unpickled by TorchScript's own C++ unpickler,
// which resolves only its __torch__ class types and never imports Python.
func classifyFor(hint, module, name string) verdict {
	v := classifyIn(hint, module, name)
	if observe != nil {
		observe(module, name, v)
	}
	return v
}

func classifyIn(hint, module, name string) verdict {
	if hint == HintTorchScript && (module == "__torch__" || strings.HasPrefix(module, "__torch__.")) {
		return verdict{cat: catSafe, why: "TorchScript class type, resolved inside TorchScript", via: "__torch__.*"}
	}
	return classify(module, name)
}

// classifyDotted classifies a resolved dotted path such as "os.system".
// Where the module ends is not known, so the path is read as an attribute
// path from its first component (which lets the denylist see any module
// the path walks through) and, if that leaves it unknown, as a class
// imported from everything before its last dot, as a GLOBAL naming it
// would be (functools.partial of torch.nn.modules.normalization.LayerNorm).
func classifyDotted(hint, dotted string) verdict {
	module, name := dotted, ""
	if i := strings.IndexByte(dotted, '.'); i > 0 {
		module, name = dotted[:i], dotted[i+1:]
	}
	v := classifyFor(hint, module, name)
	if i := strings.LastIndexByte(dotted, '.'); v.cat == catUnknown && i > 0 && strings.Contains(name, ".") {
		if w := classifyFor(hint, dotted[:i], dotted[i+1:]); w.cat == catSafe {
			return w
		}
	}
	return v
}

// execAttrs are attribute names whose only use in a pickle is to reach a
// code-execution primitive by reflection.
var execAttrs = map[string]bool{
	"system": true, "popen": true, "popen2": true, "popen3": true, "popen4": true, "spawnl": true, "spawnle": true,
	"spawnlp": true, "spawnv": true, "spawnve": true, "spawnvp": true, "spawnvpe": true, "execl": true, "execle": true,
	"execlp": true, "execv": true, "execve": true, "execvp": true, "execvpe": true, "fork": true, "forkpty": true,
	"posix_spawn": true, "posix_spawnp": true, "startfile": true, "Popen": true, "check_output": true, "check_call": true,
	"getoutput": true, "getstatusoutput": true, "eval": true, "exec": true, "execfile": true, "compile": true,
	"__import__": true, "import_module": true, "load_module": true, "exec_module": true, "loads": true, "run_code": true,
	"_run_code": true, "runcode": true, "runsource": true, "system_call": true,
}

// attrIsHarmless reports whether reaching attr on an object the pickle built
// itself cannot reach a code primitive (fastai rebuilds bound methods so).
func attrIsHarmless(attr string) bool {
	if attr == "" || execAttrs[attr] {
		return false
	}
	for _, p := range strings.Split(attr, ".") {
		if strings.HasPrefix(p, "__") || execAttrs[p] {
			return false
		}
	}
	return true
}

// pathOf resolves the object path a value denotes ("os", "os.system"), or
// "" when it is not a named object.
func (m *machine) pathOf(v value, depth int) string {
	if depth > 16 {
		return ""
	}
	switch v.k {
	case kGlobal:
		return m.globals[v.a].dotted
	case kCall:
		if v.a == noObj {
			return ""
		}
		c := m.calls[v.a]
		items, _ := m.items(c.args)
		// A call of an attrgetter('x') object returns obj.x.
		if c.fn.k == kCall && c.fn.a != noObj {
			inner := m.calls[c.fn.a]
			if m.pathOf(inner.fn, depth+1) == "operator.attrgetter" {
				in, _ := m.items(inner.args)
				if len(in) > 0 && in[0].k == kStr && len(items) > 0 {
					if base := m.pathOf(items[0], depth+1); base != "" {
						return base + "." + m.text(in[0])
					}
				}
			}
		}
		switch m.pathOf(c.fn, depth+1) {
		case "builtins.getattr":
			if len(items) >= 2 && items[1].k == kStr {
				if base := m.pathOf(items[0], depth+1); base != "" {
					return base + "." + m.text(items[1])
				}
			}
		case "builtins.__import__", "importlib.import_module", "importlib.__import__":
			if len(items) >= 1 && items[0].k == kStr {
				return m.text(items[0])
			}
		case "pkgutil.resolve_name", "pydoc.locate":
			if len(items) >= 1 && items[0].k == kStr {
				return strings.ReplaceAll(m.text(items[0]), ":", ".")
			}
		case "functools.partial":
			if len(items) >= 1 {
				return m.pathOf(items[0], depth+1)
			}
		default:
			if resolve := resolvers[m.pathOf(c.fn, depth+1)]; resolve != nil {
				return resolve(m, items)
			}
		}
	}
	return ""
}

// callTarget resolves what calling fn with args reaches, and how.
func (m *machine) callTarget(fn, args value) (string, string) {
	if fn.k == kCall && fn.a != noObj {
		c := m.calls[fn.a]
		maker := m.pathOf(c.fn, 0)
		if maker == "operator.methodcaller" {
			in, _ := m.items(c.args)
			out, _ := m.items(args)
			if len(in) > 0 && in[0].k == kStr && len(out) > 0 {
				if base := m.pathOf(out[0], 0); base != "" {
					return base + "." + m.text(in[0]), "operator.methodcaller"
				}
				return "", "operator.methodcaller(" + m.render(in[0], 1) + ")"
			}
		}
		if p := m.pathOf(fn, 0); p != "" {
			if maker == "" {
				maker = "a computed callable"
			}
			return p, maker
		}
		if maker != "" {
			return "", "the result of " + maker
		}
	}
	return m.pathOf(fn, 0), "a computed callable"
}

// resolveCallable is callTarget for a call whose arguments are not needed.
func (m *machine) resolveCallable(fn value) (string, string) { return m.callTarget(fn, value{}) }

// checkReflection judges a direct call of a reflection primitive by what it
// touches, and records an event unless the call is provably harmless.
func (m *machine) checkReflection(op *pkl.Op, g *global, args, res value) {
	if g.verdict.cat != catReflect {
		return
	}
	items, _ := m.items(args)
	arg := func(i int) value {
		if i < len(items) {
			return items[i]
		}
		return value{}
	}
	emit := func(v verdict, msg string) {
		m.events = append(m.events, event{off: op.Offset, op: op.Code, global: -1, callee: g.dotted, call: res.a, v: v, msg: msg,
			expr: m.render(res, 4)})
	}
	reflect := func(why string) verdict { return verdict{cat: catReflect, why: why, via: g.dotted} }

	switch g.dotted {
	case "builtins.getattr", "builtins.hasattr", "builtins.setattr", "builtins.delattr":
		obj, name := arg(0), arg(1)
		if name.k != kStr {
			emit(reflect("the attribute name is computed at load time"), g.dotted+" with a computed attribute name")
			return
		}
		attr := m.text(name)
		if base := m.pathOf(obj, 0); base != "" {
			target := base + "." + attr
			v := classifyDotted(m.hint, target)
			switch {
			case g.dotted == "builtins.hasattr" && v.cat != catExec:
				return
			case g.dotted == "builtins.getattr" && isModule(base) && (v.cat == catSafe || v.cat == catUnknown):
				// A pickle that names what it needs imports it; fetching it
				// from a module by name is how payloads hide, even when
				// this name is harmless.
				v = reflect("reaches into module " + base + " by name")
			case v.cat == catSafe && g.dotted == "builtins.getattr":
				return
			case v.cat == catUnknown && isModule(base):
				v = reflect("reaches into module " + base + " by name")
			case v.cat == catUnknown:
				v = verdict{cat: catUnknown, why: "reaches " + target + ", which is not on the allowlist"}
			}
			if g.dotted == "builtins.setattr" || g.dotted == "builtins.delattr" {
				v = verdict{cat: catState, why: "changes an attribute of an imported module or class"}
			}
			emit(v, fmt.Sprintf("%s reaches %s", g.dotted, target))
			return
		}
		if isBuilt(obj) && attrIsHarmless(attr) {
			return // e.g. getattr(learner, 'predict'): a bound method of the pickle's own object
		}
		if isBuilt(obj) {
			emit(reflect("reaches "+attr+", a code or namespace attribute"), fmt.Sprintf("%s reaches %s of a pickled object", g.dotted, attr))
			return
		}
		emit(verdict{cat: catUnknown, why: "the object it inspects is not known statically"}, fmt.Sprintf("%s(…, %q) on an unknown object", g.dotted, attr))
	case "functools.partial", "functools.partialmethod", "functools.reduce", "weakref.finalize":
		fn := arg(0)
		if g.dotted == "weakref.finalize" {
			fn = arg(1)
		}
		if fn.k == kGlobal && m.globals[fn.a].user && g.dotted != "functools.reduce" && g.dotted != "weakref.finalize" {
			return // partial(f) of the author's own function stores it; the import is reported (PICKLE-100)
		}
		target, how := m.resolveCallable(fn)
		if target == "" {
			emit(reflect("wraps or calls a callable that is not known statically"), fmt.Sprintf("%s of %s", g.dotted, how))
			return
		}
		if v := classifyDotted(m.hint, target); v.cat != catSafe {
			emit(v, fmt.Sprintf("%s wraps %s", g.dotted, target))
		}
	case "operator.attrgetter", "operator.methodcaller", "operator.itemgetter":
		if len(items) == 0 || items[0].k != kStr {
			emit(reflect("the attribute name is computed at load time"), g.dotted+" with a computed name")
			return
		}
		if name := m.text(items[0]); g.dotted != "operator.itemgetter" && !attrIsHarmless(name) {
			emit(reflect("names the code primitive "+name), fmt.Sprintf("%s(%q)", g.dotted, name))
		}
	default:
		emit(g.verdict, g.dotted+" reaches objects by name")
	}
}

// isBuilt reports a value the pickle constructed itself (an instance or a
// container), as opposed to an imported module, class or function.
func isBuilt(v value) bool {
	return v.isContainer() || v.k == kStr || v.k == kBytes || v.k == kInt || v.k == kFloat ||
		v.k == kCall
}
