package jinja

// Op is an expression kind.
type Op uint8

const (
	OpName    Op = iota + 1 // Name
	OpConst                 // Const
	OpList                  // Args: elements
	OpTuple                 // Args: elements
	OpDict                  // Args: key, value, key, value…
	OpGetattr               // X.Name (Name may be digits: x.0)
	OpGetitem               // X[Args[0]]
	OpSlice                 // Args: start, stop, step (nil when absent)
	OpCall                  // X(Args, Kwargs, *DynArgs, **DynKwargs)
	OpFilter                // X|Name(Args…); X is nil in a filter block's chain
	OpTest                  // X is Name(Args…), Negated for "is not"
	OpUnary                 // Name is "-", "+" or "not"; X is the operand
	OpBinary                // Name is the operator ("+", "~", "and", "or", "==", "in", "not in"…); Args: operands
	OpCond                  // Args: value if true, test, value if false (nil when absent)
	OpNSRef                 // Name.Attr, only as an assignment target
)

// ConstKind is the type of a constant.
type ConstKind uint8

const (
	ConstStr ConstKind = iota + 1
	ConstInt
	ConstFloat
	ConstBool
	ConstNone
)

// Expr is an expression node. Pos and End delimit its source text.
type Expr struct {
	Op       Op
	Pos, End int
	Name     string
	Attr     string // OpNSRef
	X        *Expr
	Args     []*Expr
	Kwargs   []Kwarg
	// DynArgs and DynKwargs are *args and **kwargs of a call.
	DynArgs, DynKwargs *Expr
	Negated            bool

	Kind ConstKind
	Str  string // ConstStr: the decoded value
	Int  int64  // ConstInt (saturated), ConstBool (0 or 1)
	// Escaped marks a string constant spelled with obfuscating escapes.
	Escaped bool
}

// Kwarg is a keyword argument.
type Kwarg struct {
	Name  string
	Pos   int
	Value *Expr
}

// Node is a template statement.
type Node interface {
	Span() (pos, end int)
}

// At is the source span shared by all nodes.
type At struct{ Pos, End int }

// Span implements Node.
func (a At) Span() (int, int) { return a.Pos, a.End }

// Text is template data outside any tag.
type Text struct{ At }

// Output is {{ … }} or {% print … %}.
type Output struct {
	At
	Expr *Expr
}

// Branch is one if/elif arm.
type Branch struct {
	Cond *Expr
	Body []Node
}

// If is {% if %}…{% elif %}…{% else %}…{% endif %}.
type If struct {
	At
	Branches []Branch
	Else     []Node
}

// For is {% for Target in Iter if Cond recursive %}…{% else %}…{% endfor %}.
type For struct {
	At
	Target, Iter, Cond *Expr
	Body, Else         []Node
	Recursive          bool
}

// Set is {% set Target = Value %}, or the block form (Value nil, Body set,
// Filter the optional filter chain).
type Set struct {
	At
	Target, Value, Filter *Expr
	Body                  []Node
}

// Param is a macro or call-block parameter.
type Param struct {
	Name    string
	Default *Expr
}

// Macro is {% macro Name(Params) %}…{% endmacro %}.
type Macro struct {
	At
	Name   string
	Params []Param
	Body   []Node
}

// CallBlock is {% call(Params) Call %}…{% endcall %}.
type CallBlock struct {
	At
	Call   *Expr
	Params []Param
	Body   []Node
}

// FilterBlock is {% filter Filter %}…{% endfilter %}.
type FilterBlock struct {
	At
	Filter *Expr
	Body   []Node
}

// With is {% with a = x, b = y %}…{% endwith %}.
type With struct {
	At
	Targets, Values []*Expr
	Body            []Node
}

// Scoped is a statement that only wraps a body: {% block %},
// {% autoescape %}, HF's {% generation %}.
type Scoped struct {
	At
	Tag   string
	Value *Expr // autoescape's argument
	Body  []Node
}

// Load is {% include %}, {% extends %}, {% import %} or {% from … import %}.
type Load struct {
	At
	Tag      string
	Template *Expr
}

// Do is {% do Expr %}.
type Do struct {
	At
	Expr *Expr
}

// LoopControl is {% break %} or {% continue %}.
type LoopControl struct {
	At
	Tag string
}

// Template is a parsed template.
type Template struct {
	Body []Node
}
