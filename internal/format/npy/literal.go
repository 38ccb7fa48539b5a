package npy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The Python literal values numpy headers use.
type (
	tuple []any
	list  []any
	dict  struct {
		keys []string
		vals map[string]any
	}
)

func (d dict) get(k string) (any, bool) {
	v, ok := d.vals[k]
	return v, ok
}

// parser reads the subset of Python literal syntax that ast.literal_eval
// accepts in numpy headers: dicts with string keys, tuples, lists, strings,
// integers, True, False and None.
type parser struct {
	s string
	i int
}

const maxDepth = 64

var errSyntax = errors.New("not a Python literal")

func (p *parser) skip() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *parser) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("header nests too deeply")
	}
	p.skip()
	if p.i >= len(p.s) {
		return nil, errSyntax
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.dict(depth)
	case c == '(':
		items, single, err := p.seq(depth, ')')
		if err != nil {
			return nil, err
		}
		if len(items) == 1 && !single {
			return items[0], nil // (x) is x, not a tuple
		}
		return tuple(items), nil
	case c == '[':
		items, _, err := p.seq(depth, ']')
		return list(items), err
	case c == '\'' || c == '"':
		return p.str()
	case c == '-' || c == '+' || c >= '0' && c <= '9':
		return p.int()
	}
	for _, kw := range []struct {
		w string
		v any
	}{{"True", true}, {"False", false}, {"None", nil}} {
		if strings.HasPrefix(p.s[p.i:], kw.w) {
			p.i += len(kw.w)
			return kw.v, nil
		}
	}
	return nil, fmt.Errorf("%w at %d", errSyntax, p.i)
}

// seq reads items up to close; single reports a trailing comma.
func (p *parser) seq(depth int, close byte) ([]any, bool, error) {
	p.i++
	var items []any
	trailing := false
	for {
		p.skip()
		if p.i < len(p.s) && p.s[p.i] == close {
			p.i++
			return items, trailing, nil
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, false, err
		}
		items = append(items, v)
		if len(items) > 1<<16 {
			return nil, false, errors.New("too many items")
		}
		p.skip()
		trailing = false
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			trailing = true
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == close {
			continue
		}
		return nil, false, fmt.Errorf("%w: expected ',' or %q at %d", errSyntax, close, p.i)
	}
}

func (p *parser) dict(depth int) (any, error) {
	p.i++
	d := dict{vals: map[string]any{}}
	for {
		p.skip()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return d, nil
		}
		k, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		key, ok := k.(string)
		if !ok {
			return nil, errors.New("dict key is not a string")
		}
		p.skip()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, fmt.Errorf("%w: expected ':' at %d", errSyntax, p.i)
		}
		p.i++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, dup := d.vals[key]; dup {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		d.keys = append(d.keys, key)
		d.vals[key] = v
		p.skip()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		} else if p.i >= len(p.s) || p.s[p.i] != '}' {
			return nil, fmt.Errorf("%w: expected ',' or '}' at %d", errSyntax, p.i)
		}
	}
}

func (p *parser) str() (any, error) {
	q := p.s[p.i]
	j := p.i + 1
	for j < len(p.s) && p.s[j] != q {
		if p.s[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(p.s) {
		return nil, errors.New("unterminated string")
	}
	raw := p.s[p.i : j+1]
	p.i = j + 1
	if q == '\'' {
		raw = `"` + strings.ReplaceAll(strings.ReplaceAll(raw[1:len(raw)-1], `\'`, `'`), `"`, `\"`) + `"`
	}
	s, err := strconv.Unquote(raw)
	if err != nil {
		return nil, fmt.Errorf("string literal: %w", err)
	}
	return s, nil
}

func (p *parser) int() (any, error) {
	j := p.i
	if p.s[j] == '-' || p.s[j] == '+' {
		j++
	}
	for j < len(p.s) && (p.s[j] >= '0' && p.s[j] <= '9' || p.s[j] == '_') {
		j++
	}
	for j < len(p.s) && (p.s[j] == 'L' || p.s[j] == 'l') {
		j++ // Python 2 long suffix
	}
	n, err := strconv.ParseInt(strings.TrimRight(strings.ReplaceAll(p.s[p.i:j], "_", ""), "Ll"), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("integer %q: %w", p.s[p.i:j], err)
	}
	p.i = j
	return n, nil
}

// render prints a literal for evidence.
func render(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		if x {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	case tuple:
		return "(" + join(x) + ")"
	case list:
		return "[" + join(x) + "]"
	case dict:
		parts := make([]string, 0, len(x.keys))
		for _, k := range x.keys {
			parts = append(parts, strconv.Quote(k)+": "+render(x.vals[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "?"
}

func join(items []any) string {
	parts := make([]string, 0, len(items))
	for i, it := range items {
		if i >= 16 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, render(it))
	}
	return strings.Join(parts, ", ")
}
