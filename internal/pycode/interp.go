package pycode

import (
	"strings"

	"github.com/modelgate/modelgate/internal/format/pybytecode"
	"github.com/modelgate/modelgate/internal/format/pymarshal"
)

// maxStack bounds the abstract stack; deeper entries are dropped, and
// popping an empty stack yields an unknown value, so hand-assembled code
// with unbalanced stacks is still walked to the end.
const maxStack = 512

// maxWork bounds the instructions and pushes of one code object's walk;
// code beyond it is not analysed and is reported (S9), never passed.
const maxWork = 1 << 20

// frame interprets one code object as one version, straight-line: every
// instruction is visited once in offset order, whatever the jumps, so no
// name-using instruction escapes the analysis.
type frame struct {
	a      *analysis
	code   *pymarshal.CodeObject
	v      pybytecode.Version
	t      *pybytecode.Table
	name   string
	depth  int
	stack  []*value
	locals map[int]*value
	derefs map[int]*value
	kw     *value // pending KW_NAMES (3.11, 3.12)
	in     pybytecode.Instruction
	refs   []*refUse
	work   int
}

// walk analyses code and its nested code objects as version v.
func (a *analysis) walk(code *pymarshal.CodeObject, v pybytecode.Version, in Input, prefix string, depth int) {
	if a.walked[walkKey{code, v}] {
		return
	}
	a.walked[walkKey{code, v}] = true
	d := pybytecode.Disassemble(code.Code, v)
	name := qualName(code, prefix)
	f := &frame{a: a, code: code, v: v, t: pybytecode.TableFor(v), name: name, depth: depth,
		locals: map[int]*value{}, derefs: map[int]*value{}}
	f.bind(in)
	a.structure(code, d, name, depth == 0 && prefix == "")
	for _, ins := range d.Instructions {
		if f.work++; f.work > maxWork {
			a.add(S9, "bytecode too large or too repetitive to analyse completely", name, "", ins.Offset)
			break
		}
		f.in = ins
		f.step()
	}
	f.reportRefs()
	for _, c := range code.Consts {
		pymarshal.Walk(c, func(o *pymarshal.Object) bool {
			a.constant(o, name, -1)
			if o.Kind == pymarshal.Code {
				a.nested(o.Code, name)
				a.walk(o.Code, v, Input{Env: in.Env}, name, depth)
			}
			return o.Kind != pymarshal.Code // the nested walk covers its own constants
		})
	}
}

func qualName(code *pymarshal.CodeObject, prefix string) string {
	n := code.QualName
	if n == "" {
		n = code.Name
	}
	if prefix != "" && !strings.HasPrefix(n, prefix) {
		n = prefix + "." + n
	}
	return n
}

// bind gives parameters their defaults and free variables their closure
// values, as the function object the loader builds would.
func (f *frame) bind(in Input) {
	nargs := int(f.code.ArgCount)
	for i, d := range in.Defaults {
		if idx := nargs - len(in.Defaults) + i; idx >= 0 {
			f.locals[idx] = constant(d, 0)
		}
	}
	if f.v >= pybytecode.Py311 {
		free := 0
		for i, k := range f.code.LocalsPlusKinds {
			if k&pymarshal.FastFree != 0 {
				if free < len(in.Closure) {
					f.derefs[i] = constant(in.Closure[free], 0)
				}
				free++
			}
		}
		return
	}
	for i, c := range in.Closure {
		f.derefs[len(f.code.CellVars)+i] = constant(c, 0)
	}
}

func (f *frame) push(vs ...*value) {
	f.work += len(vs)
	f.stack = append(f.stack, vs...)
	if len(f.stack) > maxStack {
		f.stack = f.stack[len(f.stack)-maxStack:]
	}
}

func (f *frame) pop() *value {
	if len(f.stack) == 0 {
		return unknown("?", 0)
	}
	v := f.stack[len(f.stack)-1]
	f.stack = f.stack[:len(f.stack)-1]
	return v
}

// popN pops n values and returns them in stack order (bottom first).
func (f *frame) popN(n int) []*value {
	if n < 0 || n > maxStack {
		n = 0
	}
	out := make([]*value, n)
	for i := n - 1; i >= 0; i-- {
		out[i] = f.pop()
	}
	return out
}

func (f *frame) peek(n int) *value {
	if n < 1 || n > len(f.stack) {
		return unknown("?", 0)
	}
	return f.stack[len(f.stack)-n]
}

// op is the family name of the current instruction.
func (f *frame) op() string { return f.t.Name(f.in.Base) }

func (f *frame) nameArg() string {
	n, _ := f.code.NameAt(f.in.Index)
	return n
}

func (f *frame) step() {
	if f.loads() || f.calls() || f.builds() || f.stores() {
		return
	}
	f.generic()
}

// loads handles instructions that push names, constants and attributes.
func (f *frame) loads() bool {
	switch op := f.op(); op {
	case "LOAD_CONST", "LOAD_CONST_IMMORTAL", "LOAD_CONST_MORTAL":
		if c, ok := f.code.ConstAt(f.in.Index); ok {
			f.push(constant(c, 0))
		} else {
			f.push(unknown("?", 0))
		}
	case "RETURN_CONST":
	case "LOAD_SMALL_INT":
		f.push(constant(&pymarshal.Object{Kind: pymarshal.Int, Int: int64(f.in.Arg)}, 0))
	case "LOAD_COMMON_CONSTANT":
		common := []string{"AssertionError", "NotImplementedError", "tuple", "all", "any"}
		if f.in.Arg < len(common) {
			f.push(f.global(common[f.in.Arg]))
		} else {
			f.push(unknown("?", 0))
		}
	case "LOAD_GLOBAL":
		g := f.global(f.nameArg())
		switch {
		case f.in.Bits&pybytecode.PushNull == 0:
			f.push(g)
		case f.v >= pybytecode.Py313:
			f.push(g, &value{kind: vNull})
		default:
			f.push(&value{kind: vNull}, g)
		}
	case "LOAD_NAME", "LOAD_FROM_DICT_OR_GLOBALS":
		if op == "LOAD_FROM_DICT_OR_GLOBALS" {
			f.pop()
		}
		f.lambdaOnly("LOAD_NAME " + f.nameArg())
		f.push(f.global(f.nameArg()))
	case "LOAD_ATTR", "LOAD_METHOD":
		obj := f.pop()
		attr := f.attr(obj, f.nameArg())
		if op == "LOAD_METHOD" || f.in.Bits&pybytecode.Method != 0 {
			f.push(attr, obj)
		} else {
			f.push(attr)
		}
	case "LOAD_SUPER_ATTR":
		f.popN(3)
		f.push(unknown("super()."+f.nameArg(), 0))
		if f.in.Bits&pybytecode.Method != 0 {
			f.push(&value{kind: vNull})
		}
	case "LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR", "LOAD_FAST_BORROW":
		f.push(f.local(f.in.Index))
	case "LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW":
		f.push(f.local(f.in.Index), f.local(f.in.Index2))
	case "LOAD_DEREF", "LOAD_CLOSURE", "LOAD_CLASSDEREF", "LOAD_FROM_DICT_OR_DEREF":
		if op == "LOAD_FROM_DICT_OR_DEREF" {
			f.pop()
		}
		f.push(f.deref(f.in.Index))
	case "PUSH_NULL":
		f.push(&value{kind: vNull})
	case "IMPORT_NAME":
		f.importName()
	case "IMPORT_FROM":
		f.push(f.attr(f.peek(1), f.nameArg()))
	case "IMPORT_STAR":
		f.importStar(f.pop())
	default:
		return false
	}
	return true
}

func (f *frame) local(i int) *value {
	n, _ := f.code.LocalName(f.v, i)
	return named(f.locals[i], n)
}

func (f *frame) deref(i int) *value {
	n, _ := f.code.DerefName(f.v, i)
	return named(f.derefs[i], n)
}

// named is a variable's value as its name reads in evidence: a run-time
// value shows the variable, a constant or reference shows what it holds.
func named(v *value, name string) *value {
	switch {
	case v == nil:
		return unknown(name, 0)
	case v.kind == vUnknown:
		c := *v
		c.text = name
		return &c
	}
	return v
}

// global resolves a bare name through the environment into a reference.
func (f *frame) global(name string) *value {
	path, known := f.a.env.resolveGlobal(name)
	if path == "builtins" {
		return f.newRef(path, name, known, &value{kind: vNamespace, path: "builtins", text: name})
	}
	return f.newRef(path, name, known, nil)
}

// newRef records a reference; ns, when given, is the namespace value the
// reference also is (for subscripts like __builtins__['exec']).
func (f *frame) newRef(path, text string, known bool, ns *value) *value {
	r := &refUse{path: path, known: known, text: clip(text), code: f.name, offset: f.in.Offset}
	f.refs = append(f.refs, r)
	f.a.paths[path] = true
	v := &value{kind: vRef, path: path, text: r.text, ref: r}
	if ns != nil {
		v.items = []*value{ns}
	}
	return v
}

// attr models obj.name.
func (f *frame) attr(obj *value, name string) *value {
	text := obj.text + "." + name
	switch obj.kind {
	case vRef:
		obj.ref.extended = true
		if name == "__dict__" {
			return &value{kind: vNamespace, path: obj.path, text: text}
		}
		return f.newRef(obj.path+"."+name, text, obj.ref.known, nil)
	case vConst, vBound:
		return &value{kind: vBound, obj: obj.obj, path: name, text: text, taint: obj.taint}
	case vNamespace:
		if obj.path == "builtins" {
			return f.newRef("builtins."+name, text, true, nil)
		}
	}
	return f.attrOfValue(obj, name, text)
}

// attrOfValue models an attribute of a run-time value (an argument, a call
// result): harmless tensor methods, unless the name is a reflection dunder
// or a process primitive that only an injected module could provide.
func (f *frame) attrOfValue(obj *value, name, text string) *value {
	switch {
	case reflectionAttrs[name]:
		f.reflect(text)
		f.a.add(S4, "reaches interpreter internals through "+name, f.name, text, f.in.Offset)
		switch name {
		case "__builtins__":
			return &value{kind: vNamespace, path: "builtins", text: text}
		case "__globals__", "f_globals", "func_globals":
			return &value{kind: vNamespace, text: text}
		}
	case spawnAttrs[name]:
		f.a.add(M3, "reaches a process primitive by name on an object supplied at load time", f.name, text, f.in.Offset)
	case kerasSabotage[name]:
		f.a.add(M8, "reaches a Keras safe-mode switch", f.name, text, f.in.Offset)
	case strings.HasPrefix(obj.origin, "socket.") && (name == "connect" || name == "bind" || name == "connect_ex"):
		f.a.socketUse = text
	}
	return unknown(text, obj.taint)
}

func (f *frame) reflect(evidence string) {
	if f.a.reflection == "" {
		f.a.reflection = evidence
	}
}

// lambdaOnly flags statements a lambda cannot contain.
func (f *frame) lambdaOnly(what string) {
	if f.a.env.Lambda {
		f.a.add(S9, "a lambda cannot contain this statement: hand-assembled or non-lambda code", f.name, what, f.in.Offset)
	}
}

func (f *frame) importName() {
	f.popN(2) // level, fromlist
	name := f.nameArg()
	f.lambdaOnly("import " + name)
	f.a.imported(name, "import "+name, f.name, f.in.Offset)
	f.push(f.moduleRef(normalise(name), name))
}

// moduleRef is the module an import returns; the import itself was already
// classified, so the bare module is not reported again.
func (f *frame) moduleRef(path, text string) *value {
	v := f.newRef(path, text, true, nil)
	v.ref.imported = true
	return v
}

func (f *frame) importStar(mod *value) {
	f.lambdaOnly("from " + mod.text + " import *")
	if mod.kind == vRef {
		mod.ref.extended = true
		f.a.imported(mod.path, "from "+mod.path+" import *", f.name, f.in.Offset)
	}
}

// imported classifies an import of module by any means.
func (a *analysis) imported(module, evidence, code string, offset int) {
	root, _, _ := strings.Cut(module, ".")
	if dangerousModules[module] || dangerousModules[root] {
		a.add(M2, "imports "+module+", a module with code-execution primitives", code, evidence, offset)
		return
	}
	a.add(S4, "imports a module dynamically", code, evidence, offset)
}

// stores handles instructions that store names.
func (f *frame) stores() bool {
	switch f.op() {
	case "STORE_FAST", "STORE_FAST_MAYBE_NULL":
		f.locals[f.in.Index] = f.pop()
	case "STORE_FAST_STORE_FAST":
		f.locals[f.in.Index] = f.pop()
		f.locals[f.in.Index2] = f.pop()
	case "STORE_FAST_LOAD_FAST":
		f.locals[f.in.Index] = f.pop()
		f.push(f.local(f.in.Index2))
	case "STORE_DEREF":
		f.derefs[f.in.Index] = f.pop()
	case "STORE_GLOBAL", "STORE_NAME", "DELETE_GLOBAL", "DELETE_NAME":
		if !strings.HasPrefix(f.op(), "DELETE") {
			f.pop()
		}
		f.lambdaOnly(f.op() + " " + f.nameArg())
	case "STORE_ATTR":
		obj := f.pop()
		val := f.pop()
		f.storeAttr(obj, val)
	default:
		return false
	}
	return true
}

// storeAttr flags writes into modules and interpreter internals.
func (f *frame) storeAttr(obj, val *value) {
	text := obj.text + "." + f.nameArg() + " = " + val.text
	if obj.kind == vRef || reflectionAttrs[f.nameArg()] {
		f.reflect(text)
		f.a.add(S4, "changes an attribute of a module or of interpreter internals", f.name, text, f.in.Offset)
	}
}

// reportRefs classifies every reference not extended into a longer one.
func (f *frame) reportRefs() {
	for _, r := range f.refs {
		if r.extended || r.imported && r.call == "" {
			continue
		}
		f.a.reference(r)
	}
}

func (a *analysis) reference(r *refUse) {
	if e, ok := classify(r.path); ok {
		a.add(e.id, e.why+" ("+r.path+")", r.code, r.evidence(), r.offset)
		return
	}
	if baseline(r.path) {
		return
	}
	why := "reference outside the tensor-math baseline (" + r.path + ")"
	if !r.known {
		why = "global name the loader does not bind (" + r.path + ")"
	}
	a.add(U1, why, r.code, r.evidence(), r.offset)
}

// baseline reports whether a normalised path is tensor math or a harmless
// builtin.
func baseline(path string) bool {
	parts := strings.Split(path, ".")
	if parts[0] == "builtins" {
		return len(parts) == 2 && baselineBuiltins[parts[1]]
	}
	if !baselineRoots[parts[0]] {
		return false
	}
	for _, p := range parts[1:] {
		if riskyAttrs[p] || strings.HasPrefix(p, "__") {
			return false
		}
	}
	return true
}

// structure reports the S9 traits of a code object.
func (a *analysis) structure(code *pymarshal.CodeObject, d *pybytecode.Disassembly, name string, top bool) {
	if len(d.Instructions) > 200 {
		a.add(S9, "has "+itoa(len(d.Instructions))+" instructions, far more than a tensor lambda", name, "", -1)
	}
	if !a.env.Lambda || !top {
		return
	}
	if code.Flags&(pymarshal.CoGenerator|pymarshal.CoCoroutine|pymarshal.CoIterableCo|pymarshal.CoAsyncGen) != 0 {
		a.add(S9, "a lambda with generator or coroutine flags", name, "co_flags="+itoa(int(code.Flags)), -1)
	}
	if d.Version >= pybytecode.Py36 && code.Flags&(pymarshal.CoOptimized|pymarshal.CoNewLocals) != pymarshal.CoOptimized|pymarshal.CoNewLocals {
		a.add(S9, "a lambda without CO_OPTIMIZED|CO_NEWLOCALS runs with the module namespace as locals", name,
			"co_flags="+itoa(int(code.Flags)), -1)
	}
}

// nested flags nested code objects other than comprehensions.
func (a *analysis) nested(code *pymarshal.CodeObject, parent string) {
	switch code.Name {
	case "<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>":
		return
	}
	a.add(S9, "defines a nested function, which a tensor lambda does not need", parent, "<code object "+code.Name+">", -1)
}
