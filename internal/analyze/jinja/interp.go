package jinja

import (
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/internal/format/jinja"
)

// maxSteps bounds the work of one analysis (expression evaluations,
// including loop unrolling and macro inlining).
const maxSteps = 500_000

// maxUnroll is the longest known sequence a loop is unrolled over, so that
// strings built piecewise in a loop are computed exactly.
const maxUnroll = 32

// maxInline bounds nested macro inlining.
const maxInline = 4

// scope is a variable scope; lookups fall through to the parent.
type scope struct {
	vars   map[string]*val
	parent *scope
}

func newScope(parent *scope) *scope { return &scope{vars: map[string]*val{}, parent: parent} }

func (s *scope) lookup(name string) (*val, bool) {
	for ; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// events collects what one top-level expression does.
type events struct {
	escapes []*escape
	sinks   []sinkEvent
	dynamic []string
	free    []string
	obfStr  []string
	loads   []string
}

type sinkEvent struct {
	origin *escape
	what   string
}

type interp struct {
	src      string
	steps    int
	ev       *events
	cond     int // > 0 inside a branch or a loop: assignments join
	inlining []*jinja.Macro
	findings []Finding
	seen     map[[2]int]bool
	// used marks escapes that some finding proved to reach a sink.
	used       map[*escape]bool
	incomplete bool
}

func (in *interp) step() bool {
	in.steps++
	if in.steps > maxSteps {
		in.incomplete = true
		return false
	}
	return true
}

func (in *interp) frag(pos, end int) string { return clip(in.src[pos:end], 300) }

// top evaluates a statement's expression and turns its events into
// findings located at the expression.
func (in *interp) top(e *jinja.Expr, sc *scope) *val {
	if e == nil {
		return unknown()
	}
	saved := in.ev
	in.ev = &events{}
	v := in.eval(e, sc)
	in.flush(in.ev, e.Pos, e.End)
	in.ev = saved
	return v
}

func (in *interp) add(f Finding) {
	key := [2]int{int(f.Kind), f.Pos}
	if in.seen[key] {
		return
	}
	in.seen[key] = true
	in.findings = append(in.findings, f)
}

func (in *interp) flush(ev *events, pos, end int) {
	ev.sinks = uniqueSinks(ev.sinks)
	frag := in.frag(pos, end)
	at := func(k Kind, msg string) { in.add(Finding{Kind: k, Pos: pos, End: end, Message: msg, Evidence: frag}) }
	switch {
	case len(ev.sinks) > 0:
		origin := ev.sinks[0].origin
		var what []string
		for _, s := range ev.sinks {
			in.used[s.origin] = true
			what = append(what, s.what)
		}
		at(KindExec, fmt.Sprintf("sandbox escape %s leads to %s: rendering this template runs code or touches files",
			describeEscape(origin), strings.Join(what, ", ")))
	case len(ev.escapes) > 0:
		at(KindEscape, "sandbox-escape attempt: "+describeEscape(ev.escapes[0])+"; no code-execution target was found, but no chat template has a reason to do this")
	case len(ev.dynamic) > 0:
		at(KindDynamic, ev.dynamic[0])
	case len(ev.obfStr) > 0:
		at(KindObfuscated, ev.obfStr[0])
	}
	if len(ev.free) > 0 && len(ev.sinks) == 0 {
		at(KindFreeSink, ev.free[0])
	}
	if len(ev.loads) > 0 {
		at(KindLoad, ev.loads[0])
	}
}

func uniqueSinks(s []sinkEvent) []sinkEvent {
	var out []sinkEvent
	seen := map[string]bool{}
	for _, e := range s {
		if !seen[e.what] {
			seen[e.what] = true
			out = append(out, e)
		}
	}
	return out
}

func describeEscape(e *escape) string {
	var b strings.Builder
	fmt.Fprintf(&b, "`%s` (reads `%s`, which the Jinja sandbox forbids", e.frag, e.name)
	if e.global != "" {
		fmt.Fprintf(&b, ", starting from the Jinja global `%s`", e.global)
	}
	if e.how != 0 {
		fmt.Fprintf(&b, "; the name is obfuscated with %s", e.how)
	}
	b.WriteString(")")
	return b.String()
}

// block runs statements.
func (in *interp) block(nodes []jinja.Node, sc *scope) {
	for _, n := range nodes {
		if in.incomplete {
			return
		}
		in.node(n, sc)
	}
}

func (in *interp) branch(nodes []jinja.Node, sc *scope) {
	in.cond++
	in.block(nodes, sc)
	in.cond--
}

func (in *interp) node(n jinja.Node, sc *scope) {
	switch n := n.(type) {
	case *jinja.Output:
		in.top(n.Expr, sc)
	case *jinja.Do:
		in.top(n.Expr, sc)
	case *jinja.If:
		for _, br := range n.Branches {
			in.top(br.Cond, sc)
			in.branch(br.Body, sc)
		}
		in.branch(n.Else, sc)
	case *jinja.For:
		in.forLoop(n, sc)
	case *jinja.Set:
		in.set(n, sc)
	case *jinja.Macro:
		in.defineMacro(n, sc)
	case *jinja.CallBlock:
		in.top(n.Call, sc)
		in.branch(n.Body, paramScope(n.Params, sc, in))
	case *jinja.FilterBlock:
		in.block(n.Body, sc)
		in.top(n.Filter, sc)
	case *jinja.With:
		child := newScope(sc)
		for i, t := range n.Targets {
			in.assign(t, in.top(n.Values[i], sc), child)
		}
		in.block(n.Body, child)
	case *jinja.Scoped:
		in.top(n.Value, sc)
		if n.Tag == "block" {
			in.block(n.Body, newScope(sc))
		} else {
			in.block(n.Body, sc)
		}
	case *jinja.Load:
		in.load(n, sc)
	}
}

func (in *interp) load(n *jinja.Load, sc *scope) {
	saved := in.ev
	in.ev = &events{}
	name := in.eval(n.Template, sc)
	what := "a template chosen at render time"
	if s, ok := name.single(); ok {
		what = fmt.Sprintf("%q", s)
	}
	in.ev.loads = append(in.ev.loads, fmt.Sprintf("{%% %s %%} loads %s: chat-template renderers have no template loader, and where an application configures one the tag reads files", n.Tag, what))
	in.flush(in.ev, n.Pos, n.End)
	in.ev = saved
}

func (in *interp) forLoop(n *jinja.For, sc *scope) {
	iter := in.top(n.Iter, sc)
	run := func(elem *val) {
		child := newScope(sc)
		child.vars["loop"] = &val{global: "loop"}
		in.assign(n.Target, elem, child)
		in.top(n.Cond, child)
		in.block(n.Body, child)
	}
	if elems := unrollable(iter); elems != nil {
		for _, e := range elems {
			run(e)
		}
	} else {
		// Two passes let values carried through namespaces reach the
		// second iteration.
		in.cond++
		elem := elemOf(iter)
		run(elem)
		run(elem)
		in.cond--
	}
	in.branch(n.Else, sc)
}

// unrollable returns the elements of a short known sequence.
func unrollable(v *val) []*val {
	if v.elems != nil && len(v.elems) <= maxUnroll {
		return v.elems
	}
	if s, ok := v.single(); ok && len(s) <= maxUnroll && len(s) > 0 {
		var out []*val
		for _, r := range s {
			out = append(out, strVal(lit(string(r), v.strs[0].how|obfPick)))
		}
		return out
	}
	return nil
}

func (in *interp) set(n *jinja.Set, sc *scope) {
	if n.Value != nil {
		in.assign(n.Target, in.top(n.Value, sc), sc)
		return
	}
	v := strVal(in.render(n.Body, sc))
	if n.Filter != nil {
		saved := in.ev
		in.ev = &events{}
		v = in.filterChain(n.Filter, v, sc)
		in.flush(in.ev, n.Pos, n.End)
		in.ev = saved
	}
	in.assign(n.Target, v, sc)
}

// filterChain applies a filter chain whose innermost input (X == nil) is v.
func (in *interp) filterChain(f *jinja.Expr, v *val, sc *scope) *val {
	if f == nil {
		return v
	}
	if f.X != nil {
		v = in.filterChain(f.X, v, sc)
	}
	return in.filter(f, v, sc)
}

// render computes what a block body outputs, as far as it is known.
func (in *interp) render(body []jinja.Node, sc *scope) pstr {
	out := lit("", obfBlock)
	for _, n := range body {
		switch n := n.(type) {
		case *jinja.Text:
			out = concat(out, lit(in.src[n.Pos:n.End], 0))
		case *jinja.Output:
			v := in.top(n.Expr, sc)
			if s, ok := v.single(); ok {
				out = concat(out, lit(s, v.strs[0].how))
			} else {
				out = concat(out, hole(0))
			}
		default:
			in.node(n, sc)
			out = concat(out, hole(0))
		}
	}
	out.how = out.how&^obfConcat | obfBlock
	return out
}

// assign binds a for/set/with target.
func (in *interp) assign(t *jinja.Expr, v *val, sc *scope) {
	switch t.Op {
	case jinja.OpName:
		if in.cond > 0 {
			if old, ok := sc.lookup(t.Name); ok {
				v = join(old, v)
			}
		}
		sc.vars[t.Name] = v
	case jinja.OpTuple:
		for i, x := range t.Args {
			var e *val
			if v.elems != nil && i < len(v.elems) {
				e = v.elems[i]
			} else {
				e = elemOf(v)
			}
			in.assign(x, e, sc)
		}
	case jinja.OpNSRef:
		if ns, ok := sc.lookup(t.Name); ok && ns.obj != nil && ns.obj.namespace {
			ns.obj.set(t.Attr, v, in.cond > 0)
		}
	}
}

func (in *interp) defineMacro(m *jinja.Macro, sc *scope) {
	sc.vars[m.Name] = &val{macro: m}
	// Analyse the body once with unknown arguments, so that escapes in
	// macros nobody calls are found too.
	in.inlining = append(in.inlining, m)
	in.branch(m.Body, paramScope(m.Params, sc, in))
	in.inlining = in.inlining[:len(in.inlining)-1]
}

// paramScope binds parameters to unknown values (or their defaults).
func paramScope(ps []jinja.Param, sc *scope, in *interp) *scope {
	child := newScope(sc)
	for _, p := range ps {
		child.vars[p.Name] = unknown()
		if p.Default != nil {
			child.vars[p.Name] = in.top(p.Default, sc)
		}
	}
	for _, n := range []string{"varargs", "kwargs", "caller"} {
		child.vars[n] = unknown()
	}
	return child
}

// callMacro re-analyses a macro body with the call's arguments when they
// carry something an escape could use.
func (in *interp) callMacro(m *jinja.Macro, args []*val, kwargs map[string]*val, sc *scope) *val {
	interesting := false
	for _, a := range args {
		interesting = interesting || notable(a)
	}
	for _, a := range kwargs {
		interesting = interesting || notable(a)
	}
	if !interesting || len(in.inlining) >= maxInline {
		return tainted(args...)
	}
	for _, x := range in.inlining {
		if x == m {
			return tainted(args...)
		}
	}
	child := newScope(sc)
	for i, p := range m.Params {
		v := unknown()
		if i < len(args) {
			v = args[i]
		}
		if kv, ok := kwargs[p.Name]; ok {
			v = kv
		}
		child.vars[p.Name] = v
	}
	for _, n := range []string{"varargs", "kwargs", "caller"} {
		child.vars[n] = unknown()
	}
	in.inlining = append(in.inlining, m)
	in.branch(m.Body, child)
	in.inlining = in.inlining[:len(in.inlining)-1]
	return unknown()
}

// notable values are worth following into a macro body.
func notable(v *val) bool {
	if v.esc != nil || v.sub != 0 {
		return true
	}
	for _, p := range v.strs {
		if p.how.obfuscated() || strings.Contains(p.text(), "_") {
			return true
		}
	}
	for _, e := range v.elems {
		if notable(e) {
			return true
		}
	}
	return false
}
