package jinja

import (
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/internal/format/jinja"
)

// attributeFilters read an attribute of every element: from their
// "attribute" keyword, or from their first argument.
var attributeFilters = map[string]bool{
	"map": true, "sort": true, "unique": true, "min": true, "max": true, "sum": true, "groupby": true, "join": true,
	"selectattr": true, "rejectattr": true,
}

// filter applies the filter e (name and arguments) to input.
func (in *interp) filter(e *jinja.Expr, input *val, sc *scope) *val {
	var args []*val
	for _, a := range e.Args {
		args = append(args, in.eval(a, sc))
	}
	kw := map[string]*val{}
	for _, k := range e.Kwargs {
		kw[k.Name] = in.eval(k.Value, sc)
	}
	in.eval(e.DynArgs, sc)
	in.eval(e.DynKwargs, sc)
	arg := func(i int) *val {
		if i < len(args) {
			return args[i]
		}
		return nil
	}
	if attributeFilters[e.Name] {
		if a := attributeArg(e.Name, args, kw); a != nil {
			in.attrPath(elemOf(input), a, e)
		}
	}
	switch e.Name {
	case "attr":
		if a := arg(0); a != nil {
			return in.access(input, a.strs, e, viaAttr)
		}
	case "map":
		return in.mapFilter(e, input, args, kw)
	case "join":
		if _, byAttr := kw["attribute"]; !byAttr {
			sep := arg(0)
			if sep == nil {
				sep = strVal(lit("", 0))
			}
			return in.built(e, joinVal(input, sep))
		}
	case "format":
		return in.built(e, in.printf(input, args))
	case "string":
		return stringOf(input)
	case "list":
		return listOf(input)
	case "first":
		return in.item(input, &val{ints: []int64{0}}, e)
	case "last":
		return in.item(input, &val{ints: []int64{-1}}, e)
	case "reverse":
		return in.built(e, reverseOf(input))
	case "replace", "lower", "upper", "capitalize", "title", "trim":
		name := map[string]string{"trim": "strip"}[e.Name]
		if name == "" {
			name = e.Name
		}
		if out, ok := strMethod(input, name, args); ok && input.strs != nil {
			return in.built(e, out)
		}
	case "default", "d":
		if a := arg(0); a != nil {
			return join(input, a)
		}
		return input
	case "items", "dictsort":
		if input.obj != nil {
			return dictMethod(input, "items", nil)
		}
	case "select", "reject", "selectattr", "rejectattr", "batch", "slice", "sort", "unique":
		return &val{esc: input.esc, sub: input.sub}
	}
	return tainted(append(append(args, input), values(kw)...)...)
}

func values(m map[string]*val) []*val {
	var out []*val
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// attributeArg is the attribute a filter reads from each element.
func attributeArg(name string, args []*val, kw map[string]*val) *val {
	if a, ok := kw["attribute"]; ok {
		return a
	}
	if (name == "selectattr" || name == "rejectattr" || name == "groupby") && len(args) > 0 {
		return args[0]
	}
	return nil
}

// attrPath follows a Jinja attribute path ("a.b.0") from obj.
func (in *interp) attrPath(obj, path *val, e *jinja.Expr) *val {
	if path.strs == nil {
		return in.access(obj, nil, e, viaAttr)
	}
	var out *val
	for _, p := range path.strs {
		s, ok := p.known()
		if !ok {
			out = join(out, in.access(obj, []pstr{p}, e, viaAttr))
			continue
		}
		v := obj
		for _, part := range strings.Split(s, ".") {
			if n, err := strconv.ParseInt(part, 10, 64); err == nil {
				v = in.item(v, &val{ints: []int64{n}}, e)
			} else {
				v = in.access(v, []pstr{lit(part, p.how)}, e, viaAttr)
			}
		}
		out = join(out, v)
	}
	return out
}

// mapFilter is map(attribute=…) or map('filter', args…).
func (in *interp) mapFilter(e *jinja.Expr, input *val, args []*val, kw map[string]*val) *val {
	elem := elemOf(input)
	var each *val
	switch {
	case kw["attribute"] != nil:
		each = in.attrPath(elem, kw["attribute"], e)
	case len(args) > 0:
		name, ok := args[0].single()
		switch {
		case ok && name == "attr" && len(args) > 1:
			each = in.access(elem, args[1].strs, e, viaAttr)
		case ok:
			each = in.filter(&jinja.Expr{Op: jinja.OpFilter, Pos: e.Pos, End: e.End, Name: name}, elem, nil)
		default:
			each = tainted(elem)
		}
	default:
		each = tainted(elem)
	}
	return tainted(each, input)
}

func stringOf(v *val) *val {
	switch {
	case v.strs != nil:
		return v
	case v.ints != nil:
		var ps []pstr
		for _, n := range v.ints {
			ps = append(ps, lit(strconv.FormatInt(n, 10), 0))
		}
		return &val{strs: ps, esc: v.esc}
	}
	return &val{strs: []pstr{hole(0)}, esc: v.esc}
}

func listOf(v *val) *val {
	switch {
	case v.elems != nil:
		return v
	case v.obj != nil:
		var elems []*val
		for _, k := range v.obj.keys {
			elems = append(elems, strVal(lit(k, obfKeys)))
		}
		return container(elems)
	}
	if s, ok := v.single(); ok && len(s) <= maxElems {
		return charList(s, v.strs[0].how)
	}
	return &val{esc: v.esc, sub: v.sub}
}

func reverseOf(v *val) *val {
	if v.elems != nil {
		out := make([]*val, len(v.elems))
		for i, e := range v.elems {
			out[len(out)-1-i] = e
		}
		return container(out)
	}
	if v.strs == nil {
		return tainted(v)
	}
	var ps []pstr
	for _, p := range v.strs {
		s, ok := p.known()
		if !ok {
			ps = append(ps, hole(p.how|obfReverse))
			continue
		}
		r := []rune(s)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		ps = append(ps, lit(string(r), p.how|obfReverse))
	}
	return &val{strs: ps, esc: v.esc}
}
