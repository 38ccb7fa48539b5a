package jinja

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeString(t *testing.T) {
	for _, c := range []struct {
		body, want string
		escaped    bool
	}{
		{`plain`, "plain", false},
		{`a\nb\t\\`, "a\nb\t\\", false},
		{`\x5f\x5fclass\x5f\x5f`, "__class__", true},
		{`\u005f\U0000005f\137`, "___", true},
		{`\N{LOW LINE}\N{latin small letter a}`, "_a", true},
		{`\q\d`, `\q\d`, false},
		{"é\\x41", "éA", true},
		{`\é`, `\xe9`, false}, // backslash-replaced first, as Jinja does
		{"line\\\ncontinued", "linecontinued", false},
		{`\u2581`, "\u2581", false},
	} {
		got, esc, err := DecodeString(c.body)
		if err != nil || got != c.want || esc != c.escaped {
			t.Errorf("DecodeString(%q) = %q, %v, %v; want %q, %v", c.body, got, esc, err, c.want, c.escaped)
		}
	}
	for _, bad := range []string{`\x5`, `\u12`, `\N{LOW LINE`, `\N`, `\U00110000`} {
		if _, _, err := DecodeString(bad); err == nil {
			t.Errorf("DecodeString(%q) accepted", bad)
		}
	}
}

func TestLexRegions(t *testing.T) {
	src := "a{# {{ x }} #}b{% raw %}{{ y }}{% endraw %}{{- z -}}{%+ if q %}{% endif -%}{{ {'k': {'j': 1}} }}"
	toks, err := Lex(src)
	if err != nil {
		t.Fatal(err)
	}
	var texts, names []string
	for _, tk := range toks {
		switch tk.Kind {
		case TokText:
			texts = append(texts, src[tk.Pos:tk.End])
		case TokName:
			names = append(names, tk.Val)
		}
	}
	if strings.Join(texts, "|") != "a|b|{{ y }}" {
		t.Errorf("text regions %q", texts)
	}
	if strings.Join(names, ",") != "z,if,q,endif" {
		t.Errorf("names %q", names)
	}
}

func TestLexNumbers(t *testing.T) {
	toks, err := Lex("{{ 1_000 + 0x1f + 0b11 + 2.5e3 + 1.5 + x.0.1 }}")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range toks {
		if tk.Kind == TokInt || tk.Kind == TokFloat {
			got = append(got, tk.Val)
		}
	}
	// After a dot, "0.1" is two integers (Jinja's float rule has a
	// look-behind for the dot).
	if strings.Join(got, " ") != "1_000 0x1f 0b11 2.5e3 1.5 0 1" {
		t.Errorf("numbers %q", got)
	}
}

func TestParseAccepts(t *testing.T) {
	for _, src := range []string{
		`{{ a if b else c }}{{ a if b }}{{ not a is defined and b is not none or c in d and e not in f }}`,
		`{{ x|attr('y')|join(', ')|default('d', true) }}{{ -x|abs }}{{ x is divisibleby 3 }}{{ x is sameas false }}`,
		`{{ f(1, *args, k=2, **kw) }}{{ f(a,) }}{{ [1, 2,] }}{{ {'a': 1,} }}{{ (1,) }}{{ () }}{{ x[] }}`,
		`{{ s[1:] }}{{ s[:-1] }}{{ s[::-1] }}{{ s[1:2:3] }}{{ d['a', 'b'] }}{{ x.0 }}{{ 'a' "b" 'c' }}`,
		`{% set a, b = 1, 2 %}{% set ns.x = 1 %}{% set blk | upper %}text{% endset %}`,
		`{% for k, v in d|items if v recursive %}{{ loop(v) }}{% else %}none{% endfor %}`,
		`{% macro m(a, b=2) %}{{ caller() }}{% endmacro %}{% call(x) m(1) %}{{ x }}{% endcall %}`,
		`{% filter upper %}x{% endfilter %}{% with a = 1, b = 2 %}{{ a }}{% endwith %}`,
		`{% block b scoped required %}{% endblock b %}{% autoescape true %}{% endautoescape %}`,
		`{% include 'a' ignore missing without context %}{% import 'b' as c with context %}{% from 'd' import e as f, g, %}`,
		`{% extends 'base' %}{% print a, b %}{% do x.append(1) %}{% for i in r %}{% break %}{% continue %}{% endfor %}`,
		`{%- generation -%}{{ m }}{%- endgeneration -%}`,
		"{{ '\u2581' ~ 'é' }}{{ ünïcode_name }}",
	} {
		if _, err := Parse(src); err != nil {
			t.Errorf("%v\n  in %s", err, src)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, src := range []string{
		`{{ }}`, `{{ a b }}`, `{% if x %}`, `{% endif %}`, `{% for x %}{% endfor %}`, `{% set 1 = 2 %}`,
		`{{ (1 }}`, `{{ a) }}`, `{{ [1 }}`, `{# open`, `{% raw %}x`, `{{ 'unterminated }}`, `{% unknowntag %}`,
		`{{ f(k=1, 2) }}`, `{% call m %}{% endcall %}`, `{{ x is y is z }}`, `{{ "\x4" }}`, `{{ a.+ }}`,
		strings.Repeat("{{ (", 300) + "x" + strings.Repeat(") }}", 300),
		strings.Repeat("{% if x %}", 300),
	} {
		if _, err := Parse(src); err == nil {
			t.Errorf("accepted %.60q", src)
		}
	}
}

func TestSpans(t *testing.T) {
	src := "{{ ''.__class__.__mro__[1] }}"
	tmpl, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	out := tmpl.Body[0].(*Output)
	if got := src[out.Expr.Pos:out.Expr.End]; got != "''.__class__.__mro__[1]" {
		t.Errorf("expression span %q", got)
	}
	if got := src[out.Expr.X.Pos:out.Expr.X.End]; got != "''.__class__.__mro__" {
		t.Errorf("getattr span %q", got)
	}
}

// seeds are every chat template of the samples.
func seeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "samples", "jinja", "*.jinja"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
}

func FuzzParse(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		tmpl, err := Parse(src)
		if err != nil {
			return
		}
		for _, n := range tmpl.Body {
			if p, e := n.Span(); p < 0 || e > len(src) || p > e {
				t.Fatalf("node span [%d, %d) outside the %d-byte source", p, e, len(src))
			}
		}
	})
}
