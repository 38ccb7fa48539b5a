package jinja

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MaxDepth bounds statement and expression nesting; CPython's recursion
// limit stops Jinja2 itself well before hostile nesting gets deep.
const MaxDepth = 200

// Parse lexes and parses a template.
func Parse(src string) (*Template, error) {
	toks, err := Lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	body, err := p.subparse(nil)
	if err != nil {
		return nil, err
	}
	return &Template{Body: body}, nil
}

type parser struct {
	src   string
	toks  []Token
	i     int
	depth int
}

func (p *parser) cur() Token { return p.toks[p.i] }

func (p *parser) look() Token {
	if p.i+1 < len(p.toks) {
		return p.toks[p.i+1]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() Token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) fail(t Token, format string, args ...any) error {
	return &SyntaxError{Pos: t.Pos, Msg: fmt.Sprintf(format, args...)}
}

// isOp and isName test the current token.
func (p *parser) isOp(op string) bool   { t := p.cur(); return t.Kind == TokOp && t.Val == op }
func (p *parser) isName(n string) bool  { t := p.cur(); return t.Kind == TokName && t.Val == n }
func (p *parser) skipOp(op string) bool { ok := p.isOp(op); p.advanceIf(ok); return ok }
func (p *parser) skipName(n string) bool {
	ok := p.isName(n)
	p.advanceIf(ok)
	return ok
}

func (p *parser) advanceIf(ok bool) {
	if ok {
		p.next()
	}
}

func (p *parser) expectOp(op string) error {
	if !p.skipOp(op) {
		return p.fail(p.cur(), "expected %q, found %s", op, p.describe(p.cur()))
	}
	return nil
}

func (p *parser) expectName() (Token, error) {
	t := p.cur()
	if t.Kind != TokName {
		return t, p.fail(t, "expected a name, found %s", p.describe(t))
	}
	p.next()
	return t, nil
}

func (p *parser) expectKind(k TokenKind, what string) (Token, error) {
	t := p.cur()
	if t.Kind != k {
		return t, p.fail(t, "expected %s, found %s", what, p.describe(t))
	}
	p.next()
	return t, nil
}

func (p *parser) describe(t Token) string {
	switch t.Kind {
	case TokEOF:
		return "end of template"
	case TokBlockEnd, TokVarEnd, TokBlockBegin, TokVarBegin:
		return fmt.Sprintf("%q", p.src[t.Pos:t.End])
	case TokText:
		return "template data"
	}
	return fmt.Sprintf("%q", p.src[t.Pos:t.End])
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return p.fail(p.cur(), "nesting deeper than %d levels", MaxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// subparse parses nodes until a block tag named in ends (left unconsumed
// after its "{%"), or the end of the template when ends is nil.
func (p *parser) subparse(ends []string) ([]Node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	var body []Node
	for {
		t := p.cur()
		switch t.Kind {
		case TokText:
			p.next()
			body = append(body, &Text{At{t.Pos, t.End}})
		case TokVarBegin:
			p.next()
			x, err := p.tuple(tupleOpts{condexpr: true})
			if err != nil {
				return nil, err
			}
			end, err := p.expectKind(TokVarEnd, "the end of the print statement")
			if err != nil {
				return nil, err
			}
			body = append(body, &Output{At{t.Pos, end.End}, x})
		case TokBlockBegin:
			if ends != nil && p.look().Kind == TokName && contains(ends, p.look().Val) {
				p.next()
				return body, nil
			}
			p.next()
			n, err := p.statement(t)
			if err != nil {
				return nil, err
			}
			body = append(body, n)
		case TokEOF:
			if ends != nil {
				return nil, p.fail(t, "unexpected end of template, expected %s", strings.Join(ends, " or "))
			}
			return body, nil
		default:
			return nil, p.fail(t, "unexpected %s", p.describe(t))
		}
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// statement parses a block tag after its "{%" (begin is that token).
func (p *parser) statement(begin Token) (Node, error) {
	t, err := p.expectName()
	if err != nil {
		return nil, p.fail(t, "tag name expected")
	}
	var n Node
	switch t.Val {
	case "for":
		n, err = p.parseFor(begin)
	case "if":
		n, err = p.parseIf(begin)
	case "set":
		n, err = p.parseSet(begin)
	case "macro":
		n, err = p.parseMacro(begin)
	case "call":
		n, err = p.parseCallBlock(begin)
	case "filter":
		n, err = p.parseFilterBlock(begin)
	case "with":
		n, err = p.parseWith(begin)
	case "block", "autoescape", "generation":
		n, err = p.parseScoped(begin, t.Val)
	case "include", "extends", "import", "from":
		n, err = p.parseLoad(begin, t.Val)
	case "print":
		var x *Expr
		if x, err = p.tuple(tupleOpts{condexpr: true}); err == nil {
			n = &Output{At{begin.Pos, 0}, x}
		}
	case "do":
		var x *Expr
		if x, err = p.tuple(tupleOpts{condexpr: true}); err == nil {
			n = &Do{At{begin.Pos, 0}, x}
		}
	case "break", "continue":
		n = &LoopControl{At{begin.Pos, 0}, t.Val}
	default:
		return nil, p.fail(t, "unknown tag %q", t.Val)
	}
	if err != nil {
		return nil, err
	}
	return p.finish(n)
}

// finish consumes the statement's closing "%}" unless a body parser already
// did, and records the end of the node.
func (p *parser) finish(n Node) (Node, error) {
	end := p.toks[p.i-1]
	if end.Kind != TokBlockEnd {
		var err error
		if end, err = p.expectKind(TokBlockEnd, "the end of the statement"); err != nil {
			return nil, err
		}
	}
	setEnd(n, end.End)
	return n, nil
}

func setEnd(n Node, end int) {
	switch n := n.(type) {
	case *Output:
		n.End = end
	case *For:
		n.End = end
	case *If:
		n.End = end
	case *Set:
		n.End = end
	case *Macro:
		n.End = end
	case *CallBlock:
		n.End = end
	case *FilterBlock:
		n.End = end
	case *With:
		n.End = end
	case *Scoped:
		n.End = end
	case *Load:
		n.End = end
	case *Do:
		n.End = end
	case *LoopControl:
		n.End = end
	}
}

// body parses a statement body up to one of ends, consuming the end tag's
// name; it returns which end tag was found.
func (p *parser) body(ends ...string) ([]Node, string, error) {
	if _, err := p.expectKind(TokBlockEnd, "the end of the statement"); err != nil {
		return nil, "", err
	}
	nodes, err := p.subparse(ends)
	if err != nil {
		return nil, "", err
	}
	return nodes, p.next().Val, nil
}

func (p *parser) parseFor(begin Token) (Node, error) {
	n := &For{At: At{Pos: begin.Pos}}
	var err error
	if n.Target, err = p.assignTarget(false, "in"); err != nil {
		return nil, err
	}
	if !p.skipName("in") {
		return nil, p.fail(p.cur(), "expected 'in' in the for loop")
	}
	if n.Iter, err = p.tuple(tupleOpts{endNames: []string{"recursive"}}); err != nil {
		return nil, err
	}
	if p.skipName("if") {
		if n.Cond, err = p.expression(true); err != nil {
			return nil, err
		}
	}
	n.Recursive = p.skipName("recursive")
	body, end, err := p.body("endfor", "else")
	if err != nil {
		return nil, err
	}
	n.Body = body
	if end == "else" {
		if n.Else, _, err = p.body("endfor"); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (p *parser) parseIf(begin Token) (Node, error) {
	n := &If{At: At{Pos: begin.Pos}}
	for {
		cond, err := p.tuple(tupleOpts{})
		if err != nil {
			return nil, err
		}
		body, end, err := p.body("elif", "else", "endif")
		if err != nil {
			return nil, err
		}
		n.Branches = append(n.Branches, Branch{cond, body})
		switch end {
		case "elif":
			continue
		case "else":
			n.Else, _, err = p.body("endif")
		}
		return n, err
	}
}

func (p *parser) parseSet(begin Token) (Node, error) {
	n := &Set{At: At{Pos: begin.Pos}}
	var err error
	if n.Target, err = p.assignTarget(true); err != nil {
		return nil, err
	}
	if p.skipOp("=") {
		n.Value, err = p.tuple(tupleOpts{condexpr: true})
		return n, err
	}
	if p.isOp("|") {
		if n.Filter, err = p.filter(nil, false); err != nil {
			return nil, err
		}
	}
	n.Body, _, err = p.body("endset")
	return n, err
}

func (p *parser) parseMacro(begin Token) (Node, error) {
	name, err := p.expectName()
	if err != nil {
		return nil, err
	}
	n := &Macro{At: At{Pos: begin.Pos}, Name: name.Val}
	if n.Params, err = p.signature(); err != nil {
		return nil, err
	}
	n.Body, _, err = p.body("endmacro")
	return n, err
}

func (p *parser) signature() ([]Param, error) {
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	var ps []Param
	for !p.isOp(")") {
		if len(ps) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		name, err := p.expectName()
		if err != nil {
			return nil, err
		}
		prm := Param{Name: name.Val}
		if p.skipOp("=") {
			if prm.Default, err = p.expression(true); err != nil {
				return nil, err
			}
		}
		ps = append(ps, prm)
	}
	p.next()
	return ps, nil
}

func (p *parser) parseCallBlock(begin Token) (Node, error) {
	n := &CallBlock{At: At{Pos: begin.Pos}}
	var err error
	if p.isOp("(") {
		if n.Params, err = p.signature(); err != nil {
			return nil, err
		}
	}
	if n.Call, err = p.expression(true); err != nil {
		return nil, err
	}
	if n.Call.Op != OpCall {
		return nil, p.fail(p.cur(), "expected a call expression")
	}
	n.Body, _, err = p.body("endcall")
	return n, err
}

func (p *parser) parseFilterBlock(begin Token) (Node, error) {
	n := &FilterBlock{At: At{Pos: begin.Pos}}
	var err error
	if n.Filter, err = p.filter(nil, true); err != nil {
		return nil, err
	}
	n.Body, _, err = p.body("endfilter")
	return n, err
}

func (p *parser) parseWith(begin Token) (Node, error) {
	n := &With{At: At{Pos: begin.Pos}}
	for p.cur().Kind != TokBlockEnd {
		if len(n.Targets) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		t, err := p.assignTarget(false)
		if err != nil {
			return nil, err
		}
		if err := p.expectOp("="); err != nil {
			return nil, err
		}
		v, err := p.expression(true)
		if err != nil {
			return nil, err
		}
		n.Targets, n.Values = append(n.Targets, t), append(n.Values, v)
	}
	var err error
	n.Body, _, err = p.body("endwith")
	return n, err
}

func (p *parser) parseScoped(begin Token, tag string) (Node, error) {
	n := &Scoped{At: At{Pos: begin.Pos}, Tag: tag}
	var err error
	switch tag {
	case "block":
		if _, err = p.expectName(); err != nil {
			return nil, err
		}
		p.skipName("scoped")
		p.skipName("required")
	case "autoescape":
		if n.Value, err = p.expression(true); err != nil {
			return nil, err
		}
	}
	n.Body, _, err = p.body("end" + tag)
	if err == nil && tag == "block" && p.cur().Kind == TokName {
		p.next() // {% endblock name %}
	}
	return n, err
}

func (p *parser) parseLoad(begin Token, tag string) (Node, error) {
	n := &Load{At: At{Pos: begin.Pos}, Tag: tag}
	var err error
	if n.Template, err = p.expression(true); err != nil {
		return nil, err
	}
	switch tag {
	case "include":
		if p.isName("ignore") && p.look().Kind == TokName && p.look().Val == "missing" {
			p.next()
			p.next()
		}
	case "import":
		if !p.skipName("as") {
			return nil, p.fail(p.cur(), "expected 'as'")
		}
		if _, err := p.expectName(); err != nil {
			return nil, err
		}
	case "from":
		if err := p.fromNames(); err != nil {
			return nil, err
		}
	}
	p.contextModifier()
	return n, nil
}

func (p *parser) fromNames() error {
	if !p.skipName("import") {
		return p.fail(p.cur(), "expected 'import'")
	}
	for first := true; ; first = false {
		if !first && !p.skipOp(",") {
			return nil
		}
		if p.isName("with") || p.isName("without") || (!first && p.cur().Kind != TokName) {
			return nil
		}
		if _, err := p.expectName(); err != nil {
			return err
		}
		if p.skipName("as") {
			if _, err := p.expectName(); err != nil {
				return err
			}
		}
	}
}

func (p *parser) contextModifier() {
	if (p.isName("with") || p.isName("without")) && p.look().Kind == TokName && p.look().Val == "context" {
		p.next()
		p.next()
	}
}

// assignTarget parses a for/set/with target: a name, a tuple of names, or
// (for set) a namespace attribute.
func (p *parser) assignTarget(namespace bool, endNames ...string) (*Expr, error) {
	t := p.cur()
	if namespace && t.Kind == TokName && p.look().Kind == TokOp && p.look().Val == "." {
		p.next()
		p.next()
		attr, err := p.expectName()
		if err != nil {
			return nil, err
		}
		return &Expr{Op: OpNSRef, Pos: t.Pos, End: attr.End, Name: t.Val, Attr: attr.Val}, nil
	}
	x, err := p.tuple(tupleOpts{simplified: true, endNames: endNames})
	if err != nil {
		return nil, err
	}
	if !assignable(x) {
		return nil, &SyntaxError{Pos: x.Pos, Msg: "cannot assign to " + p.src[x.Pos:x.End]}
	}
	return x, nil
}

func assignable(x *Expr) bool {
	if x.Op == OpName {
		return true
	}
	if x.Op != OpTuple {
		return false
	}
	for _, a := range x.Args {
		if !assignable(a) {
			return false
		}
	}
	return true
}

type tupleOpts struct {
	simplified bool // elements are primaries (assignment targets)
	condexpr   bool // elements may be conditional expressions
	explicit   bool // inside parentheses: "()" is an empty tuple
	endNames   []string
}

func (p *parser) tupleEnd(o tupleOpts) bool {
	t := p.cur()
	switch {
	case t.Kind == TokVarEnd || t.Kind == TokBlockEnd:
		return true
	case t.Kind == TokOp && t.Val == ")":
		return true
	case t.Kind == TokName && contains(o.endNames, t.Val):
		return true
	}
	return false
}

func (p *parser) tuple(o tupleOpts) (*Expr, error) {
	start := p.cur()
	var args []*Expr
	isTuple := false
	for {
		if len(args) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		if p.tupleEnd(o) {
			break
		}
		var x *Expr
		var err error
		if o.simplified {
			x, err = p.primary()
		} else {
			x, err = p.expression(o.condexpr)
		}
		if err != nil {
			return nil, err
		}
		args = append(args, x)
		if !p.isOp(",") {
			break
		}
		isTuple = true
	}
	if !isTuple {
		if len(args) > 0 {
			return args[0], nil
		}
		if !o.explicit {
			return nil, p.fail(p.cur(), "expected an expression, found %s", p.describe(p.cur()))
		}
	}
	end := start.Pos
	if len(args) > 0 {
		end = args[len(args)-1].End
	}
	return &Expr{Op: OpTuple, Pos: start.Pos, End: end, Args: args}, nil
}

func (p *parser) expression(condexpr bool) (*Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if condexpr {
		return p.condexpr()
	}
	return p.or()
}

func (p *parser) condexpr() (*Expr, error) {
	x, err := p.or()
	if err != nil {
		return nil, err
	}
	for p.skipName("if") {
		test, err := p.or()
		if err != nil {
			return nil, err
		}
		var els *Expr
		if p.skipName("else") {
			if els, err = p.condexpr(); err != nil {
				return nil, err
			}
		}
		end := test.End
		if els != nil {
			end = els.End
		}
		x = &Expr{Op: OpCond, Pos: x.Pos, End: end, Args: []*Expr{x, test, els}}
	}
	return x, nil
}

// binary parses a left-associative chain of operators over operand.
func (p *parser) binary(operand func() (*Expr, error), match func() (string, bool)) (*Expr, error) {
	x, err := operand()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := match()
		if !ok {
			return x, nil
		}
		y, err := operand()
		if err != nil {
			return nil, err
		}
		x = &Expr{Op: OpBinary, Pos: x.Pos, End: y.End, Name: op, Args: []*Expr{x, y}}
	}
}

func (p *parser) nameOp(names ...string) func() (string, bool) {
	return func() (string, bool) {
		for _, n := range names {
			if p.skipName(n) {
				return n, true
			}
		}
		return "", false
	}
}

func (p *parser) opOp(ops ...string) func() (string, bool) {
	return func() (string, bool) {
		for _, o := range ops {
			if p.skipOp(o) {
				return o, true
			}
		}
		return "", false
	}
}

func (p *parser) or() (*Expr, error)  { return p.binary(p.and, p.nameOp("or")) }
func (p *parser) and() (*Expr, error) { return p.binary(p.not, p.nameOp("and")) }

func (p *parser) not() (*Expr, error) {
	if t := p.cur(); p.skipName("not") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &Expr{Op: OpUnary, Pos: t.Pos, End: x.End, Name: "not", X: x}, nil
	}
	return p.compare()
}

func (p *parser) compare() (*Expr, error) {
	return p.binary(p.math1, func() (string, bool) {
		t := p.cur()
		switch {
		case t.Kind == TokOp && contains([]string{"==", "!=", "<", "<=", ">", ">="}, t.Val):
			p.next()
			return t.Val, true
		case p.skipName("in"):
			return "in", true
		case p.isName("not") && p.look().Kind == TokName && p.look().Val == "in":
			p.next()
			p.next()
			return "not in", true
		}
		return "", false
	})
}

func (p *parser) math1() (*Expr, error)  { return p.binary(p.concat, p.opOp("+", "-")) }
func (p *parser) concat() (*Expr, error) { return p.binary(p.math2, p.opOp("~")) }
func (p *parser) math2() (*Expr, error)  { return p.binary(p.pow, p.opOp("*", "/", "//", "%")) }
func (p *parser) pow() (*Expr, error)    { return p.binary(p.unaryFiltered, p.opOp("**")) }

func (p *parser) unaryFiltered() (*Expr, error) { return p.unary(true) }

func (p *parser) unary(withFilter bool) (*Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.cur()
	var x *Expr
	var err error
	if p.skipOp("-") || p.skipOp("+") {
		var y *Expr
		if y, err = p.unary(false); err != nil {
			return nil, err
		}
		x = &Expr{Op: OpUnary, Pos: t.Pos, End: y.End, Name: t.Val, X: y}
	} else if x, err = p.primary(); err != nil {
		return nil, err
	}
	if x, err = p.postfix(x); err != nil {
		return nil, err
	}
	if withFilter {
		return p.filterExpr(x)
	}
	return x, nil
}

func (p *parser) primary() (*Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.cur()
	switch t.Kind {
	case TokName:
		p.next()
		switch t.Val {
		case "true", "True", "false", "False":
			v := int64(0)
			if t.Val[0] == 't' || t.Val[0] == 'T' {
				v = 1
			}
			return &Expr{Op: OpConst, Pos: t.Pos, End: t.End, Kind: ConstBool, Int: v}, nil
		case "none", "None":
			return &Expr{Op: OpConst, Pos: t.Pos, End: t.End, Kind: ConstNone}, nil
		}
		return &Expr{Op: OpName, Pos: t.Pos, End: t.End, Name: t.Val}, nil
	case TokString:
		// Adjacent literals concatenate, as in Python.
		x := &Expr{Op: OpConst, Pos: t.Pos, Kind: ConstStr}
		var b strings.Builder
		for p.cur().Kind == TokString {
			s := p.next()
			b.WriteString(s.Val)
			x.Escaped = x.Escaped || s.Escaped
			x.End = s.End
		}
		x.Str = b.String()
		return x, nil
	case TokInt:
		p.next()
		return &Expr{Op: OpConst, Pos: t.Pos, End: t.End, Kind: ConstInt, Int: parseInt(t.Val)}, nil
	case TokFloat:
		p.next()
		return &Expr{Op: OpConst, Pos: t.Pos, End: t.End, Kind: ConstFloat}, nil
	case TokOp:
		switch t.Val {
		case "(":
			p.next()
			x, err := p.tuple(tupleOpts{condexpr: true, explicit: true})
			if err != nil {
				return nil, err
			}
			end := p.cur()
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			// The span includes the parentheses, for readable evidence.
			x.Pos, x.End = t.Pos, end.End
			return x, nil
		case "[":
			return p.list()
		case "{":
			return p.dict()
		}
	}
	return nil, p.fail(t, "unexpected %s", p.describe(t))
}

// parseInt reads a Jinja integer literal, saturating at the int64 range.
func parseInt(s string) int64 {
	s = strings.ReplaceAll(s, "_", "")
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return math.MaxInt64
	}
	return v
}

// items parses items up to the closing operator, separated by commas with
// an optional trailing comma; it consumes the closer and returns its end.
func (p *parser) items(closer string, item func() error) (int, error) {
	for first := true; !p.isOp(closer); first = false {
		if !first {
			if err := p.expectOp(","); err != nil {
				return 0, err
			}
			if p.isOp(closer) {
				break
			}
		}
		if err := item(); err != nil {
			return 0, err
		}
	}
	return p.next().End, nil
}

func (p *parser) list() (*Expr, error) {
	x := &Expr{Op: OpList, Pos: p.next().Pos}
	var err error
	x.End, err = p.items("]", func() error {
		e, err := p.expression(true)
		x.Args = append(x.Args, e)
		return err
	})
	return x, err
}

func (p *parser) dict() (*Expr, error) {
	x := &Expr{Op: OpDict, Pos: p.next().Pos}
	var err error
	x.End, err = p.items("}", func() error {
		k, err := p.expression(true)
		if err != nil {
			return err
		}
		if err := p.expectOp(":"); err != nil {
			return err
		}
		v, err := p.expression(true)
		x.Args = append(x.Args, k, v)
		return err
	})
	return x, err
}

func (p *parser) postfix(x *Expr) (*Expr, error) {
	for {
		var err error
		switch {
		case p.isOp(".") || p.isOp("["):
			x, err = p.subscript(x)
		case p.isOp("("):
			x, err = p.call(x)
		default:
			return x, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (p *parser) filterExpr(x *Expr) (*Expr, error) {
	for {
		var err error
		switch {
		case p.isOp("|"):
			x, err = p.filter(x, false)
		case p.isName("is"):
			x, err = p.test(x)
		case p.isOp("("):
			x, err = p.call(x)
		default:
			return x, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (p *parser) subscript(x *Expr) (*Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if p.skipOp(".") {
		t := p.next()
		switch t.Kind {
		case TokName:
			return &Expr{Op: OpGetattr, Pos: x.Pos, End: t.End, X: x, Name: t.Val}, nil
		case TokInt:
			idx := &Expr{Op: OpConst, Pos: t.Pos, End: t.End, Kind: ConstInt, Int: parseInt(t.Val)}
			return &Expr{Op: OpGetitem, Pos: x.Pos, End: t.End, X: x, Args: []*Expr{idx}}, nil
		}
		return nil, p.fail(t, "expected a name or number after '.'")
	}
	start := p.next() // '['
	var args []*Expr
	for !p.isOp("]") {
		if len(args) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		a, err := p.subscribed()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	end := p.next()
	var idx *Expr
	if len(args) == 1 {
		idx = args[0]
	} else {
		idx = &Expr{Op: OpTuple, Pos: start.End, End: end.Pos, Args: args}
	}
	return &Expr{Op: OpGetitem, Pos: x.Pos, End: end.End, X: x, Args: []*Expr{idx}}, nil
}

// subscribed parses an index or a slice start:stop:step.
func (p *parser) subscribed() (*Expr, error) {
	start := p.cur()
	var first *Expr
	if !p.isOp(":") {
		x, err := p.expression(true)
		if err != nil {
			return nil, err
		}
		if !p.isOp(":") {
			return x, nil
		}
		first = x
	}
	p.next() // ':'
	s := &Expr{Op: OpSlice, Pos: start.Pos, Args: []*Expr{first, nil, nil}}
	part := func(i int) error {
		if p.isOp("]") || p.isOp(",") || p.isOp(":") {
			return nil
		}
		x, err := p.expression(true)
		s.Args[i] = x
		return err
	}
	if err := part(1); err != nil {
		return nil, err
	}
	if p.skipOp(":") {
		if err := part(2); err != nil {
			return nil, err
		}
	}
	s.End = p.cur().Pos
	return s, nil
}

func (p *parser) call(x *Expr) (*Expr, error) {
	c := &Expr{Op: OpCall, Pos: x.Pos, X: x}
	end, err := p.callArgs(c)
	c.End = end
	return c, err
}

// callArgs parses "(…)" into c's arguments and returns the end offset.
func (p *parser) callArgs(c *Expr) (int, error) {
	if err := p.enter(); err != nil {
		return 0, err
	}
	defer p.leave()
	if err := p.expectOp("("); err != nil {
		return 0, err
	}
	return p.items(")", func() error { return p.callArg(c) })
}

// callArg parses one argument: positional, keyword, *args or **kwargs.
func (p *parser) callArg(c *Expr) error {
	t := p.cur()
	var err error
	switch {
	case p.skipOp("*"):
		c.DynArgs, err = p.expression(true)
	case p.skipOp("**"):
		c.DynKwargs, err = p.expression(true)
	case t.Kind == TokName && p.look().Kind == TokOp && p.look().Val == "=":
		p.next()
		p.next()
		var v *Expr
		if v, err = p.expression(true); err == nil {
			c.Kwargs = append(c.Kwargs, Kwarg{Name: t.Val, Pos: t.Pos, Value: v})
		}
	default:
		if len(c.Kwargs) > 0 || c.DynArgs != nil || c.DynKwargs != nil {
			return p.fail(t, "positional argument after keyword arguments")
		}
		var v *Expr
		if v, err = p.expression(true); err == nil {
			c.Args = append(c.Args, v)
		}
	}
	return err
}

// dottedName reads a filter or test name, which may contain dots.
func (p *parser) dottedName() (string, int, error) {
	t, err := p.expectName()
	if err != nil {
		return "", 0, err
	}
	name, end := t.Val, t.End
	for p.skipOp(".") {
		n, err := p.expectName()
		if err != nil {
			return "", 0, err
		}
		name, end = name+"."+n.Val, n.End
	}
	return name, end, nil
}

// filter parses "|name(args)|…" applied to x; inline means the first
// filter has no leading pipe (filter blocks).
func (p *parser) filter(x *Expr, inline bool) (*Expr, error) {
	for p.isOp("|") || inline {
		if !inline {
			p.next()
		}
		inline = false
		name, end, err := p.dottedName()
		if err != nil {
			return nil, err
		}
		pos := 0
		if x != nil {
			pos = x.Pos
		}
		f := &Expr{Op: OpFilter, Pos: pos, End: end, X: x, Name: name}
		if p.isOp("(") {
			if f.End, err = p.callArgs(f); err != nil {
				return nil, err
			}
		}
		x = f
	}
	return x, nil
}

func (p *parser) test(x *Expr) (*Expr, error) {
	p.next() // is
	negated := p.skipName("not")
	name, end, err := p.dottedName()
	if err != nil {
		return nil, err
	}
	t := &Expr{Op: OpTest, Pos: x.Pos, End: end, X: x, Name: name, Negated: negated}
	c := p.cur()
	switch {
	case p.isOp("("):
		t.End, err = p.callArgs(t)
	case (c.Kind == TokName || c.Kind == TokString || c.Kind == TokInt || c.Kind == TokFloat || p.isOp("(") || p.isOp("[") || p.isOp("{")) &&
		!(c.Kind == TokName && contains([]string{"else", "or", "and"}, c.Val)):
		if p.isName("is") {
			return nil, p.fail(c, "tests cannot be chained with 'is'")
		}
		var a *Expr
		if a, err = p.primary(); err == nil {
			if a, err = p.postfix(a); err == nil {
				t.Args, t.End = []*Expr{a}, a.End
			}
		}
	}
	return t, err
}
