package jinja

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func kinds(r Result) map[Kind]bool {
	out := map[Kind]bool{}
	for _, f := range r.Findings {
		out[f.Kind] = true
	}
	return out
}

// TestAttacks lists escapes and the strongest kind each must produce.
func TestAttacks(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      Kind
	}{
		{"cycler globals", `{{ cycler.__init__.__globals__.os.popen('id').read() }}`, KindExec},
		{"joiner globals", `{{ joiner.__init__.__globals__['os'].system('id') }}`, KindExec},
		{"lipsum builtins", `{{ lipsum.__globals__['__builtins__']['eval']("1") }}`, KindExec},
		{"namespace import", `{{ namespace.__init__.__globals__.__builtins__.__import__('subprocess').check_output('id') }}`, KindExec},
		{"subclass index call", `{{ ''.__class__.__mro__[1].__subclasses__()[133]('id', shell=True) }}`, KindExec},
		{"subclass loop", `{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}{{ c()._module.__builtins__['open']('/etc/passwd').read() }}{% endif %}{% endfor %}`, KindExec},
		{"set flow", `{% set g = cycler.__init__.__globals__ %}{% set o = g.os %}{{ o.popen('id') }}`, KindExec},
		{"dict flow", `{% set d = {'x': lipsum.__globals__} %}{{ d.x.os.listdir('/') }}`, KindExec},
		{"list flow", `{% set l = [1, lipsum.__globals__] %}{{ l[1]['sys'] }}`, KindExec},
		{"namespace flow", `{% set ns = namespace(g=none) %}{% set ns.g = cycler.__init__.__globals__ %}{{ ns.g.os.environ }}`, KindExec},
		{"macro arg", `{% macro m(x) %}{{ x.os.popen('id') }}{% endmacro %}{{ m(cycler.__init__.__globals__) }}`, KindExec},
		{"macro name arg", `{% macro m(n) %}{{ (lipsum|attr(n)).os.system('x') }}{% endmacro %}{{ m('__glo' ~ 'bals__') }}`, KindExec},
		{"getattribute call", `{{ lipsum.__getattribute__('__globals__').get('os').popen('id') }}`, KindExec},
		{"getattribute name", `{{ (cycler|attr('__init__')).__getattribute__('__glo' ~ 'bals__').os }}`, KindExec},
		{"getitem popen", `{{ cycler.__init__.__globals__.__getitem__('os').popen('id') }}`, KindExec},
		{"attr hex", `{{ lipsum|attr('\x5f\x5fglobals\x5f\x5f')|attr('\x5f\x5fgetitem\x5f\x5f')('os') }}`, KindExec},
		{"attr octal", `{{ (lipsum|attr("\137\137globals\137\137"))['os'] }}`, KindExec},
		{"attr unicode", `{{ (lipsum|attr("\u005f\u005fglobals\u005f\u005f"))['os'] }}`, KindExec},
		{"named escape", `{{ (lipsum|attr("\N{LOW LINE}\N{LOW LINE}globals\N{LOW LINE}\N{LOW LINE}"))['os'] }}`, KindExec},
		{"join", `{{ lipsum|attr(['_','_','globals','_','_']|join)|attr('get')('os') }}`, KindExec},
		{"str join", `{{ (lipsum|attr(''.join(['__','globals','__'])))['os'] }}`, KindExec},
		{"printf chr", `{{ (lipsum|attr('%c%cglobals%c%c'|format(95,95,95,95)))['os'] }}`, KindExec},
		{"percent", `{{ (lipsum|attr('%s%s%s' % ('__', 'globals', '__')))['os'] }}`, KindExec},
		{"chr", `{% set u = chr(95) %}{{ (lipsum|attr(u~u~'globals'~u~u))['os'] }}`, KindExec},
		{"reverse", `{{ (lipsum|attr('__slabolg__'|reverse))['os'] }}`, KindExec},
		{"slice reverse", `{{ (lipsum|attr('__slabolg__'[::-1]))['so'[::-1]] }}`, KindExec},
		{"replace", `{{ (lipsum|attr('XXglobalsXX'|replace('X','_')))['os'] }}`, KindExec},
		{"upper lower", `{{ (lipsum|attr('__GLOBALS__'|lower))['OS'|lower] }}`, KindExec},
		{"dict keys", `{{ (lipsum|attr(dict(__globals__=1)|list|first))['os'] }}`, KindExec},
		{"set block", `{% set u %}__{% endset %}{{ (lipsum|attr(u ~ 'globals' ~ u))['os'] }}`, KindExec},
		{"loop accumulate", `{% set ns = namespace(s='') %}{% for c in '__globals__' %}{% set ns.s = ns.s ~ c %}{% endfor %}{{ (lipsum|attr(ns.s)).os }}`, KindExec},
		{"str.format field", `{{ '{0.__init__.__globals__[os]}'.format(cycler) }}`, KindExec},
		{"map attribute", `{{ [cycler]|map(attribute='__init__.__globals__.os')|list }}`, KindExec},
		{"map attr", `{{ [lipsum]|map('attr', '__globals__')|first|attr('get')('os') }}`, KindExec},
		{"generator frame", `{{ (messages|map('string')).gi_frame.f_back.f_globals['os'] }}`, KindExec},
		{"template reference", `{{ self._TemplateReference__context.cycler.__init__.__globals__.os }}`, KindExec},
		{"probe", `{{ ''.__class__.__mro__ }}`, KindEscape},
		{"obfuscated probe", `{{ ()|attr('\x5f\x5fclass\x5f\x5f') }}`, KindEscape},
		{"subscript dunder", `{{ messages['__class__'] }}`, KindEscape},
		{"dynamic attr", `{{ messages|attr(messages[0].content) }}`, KindDynamic},
		{"obfuscated string", `{% set n = '_' * 2 ~ 'class' ~ '_' * 2 %}{{ n }}`, KindObfuscated},
		{"chr probe", `{{ ()|attr(chr(95) ~ chr(95) ~ 'class' ~ chr(95) ~ chr(95)) }}`, KindEscape},
		{"free eval", `{{ eval('1') }}`, KindFreeSink},
		{"free os", `{{ os.system('id') }}`, KindFreeSink},
		{"free dunder", `{{ __builtins__ }}`, KindFreeSink},
		{"include", `{% include 'secrets.txt' %}`, KindLoad},
		{"from import", `{% from '/etc/passwd' import x %}`, KindLoad},
		{"unparseable", `{{ cycler.__init__.__globals__.os.popen('id') }`, KindExec},
	} {
		r := Inspect(c.src)
		if !kinds(r)[c.want] {
			t.Errorf("%s: want kind %d, got %+v", c.name, c.want, r.Findings)
		}
		if c.want != KindExec && kinds(r)[KindExec] {
			t.Errorf("%s: reported as code execution: %+v", c.name, r.Findings)
		}
	}
}

// TestBenignIdioms are constructs real templates use.
func TestBenignIdioms(t *testing.T) {
	for _, src := range []string{
		`{{ message._meta }}{{ tool['_id'] }}{{ x['mro'] }}{{ d.items() }}`,
		`{{ '__' ~ message.content ~ '__' }}{{ '**' + role + '**' }}`,
		`{{ '{}: {}'.format(message.role, message.content) }}{{ '%s: %d'|format(name, 3) }}{{ '%-10s'|format(x) }}`,
		`{{ messages|selectattr('role', 'equalto', 'system')|map(attribute='content')|join('\n') }}`,
		`{% for k, v in tool.parameters.properties|dictsort %}{{ k }}: {{ v.type|default('any') }}{% endfor %}`,
		`{% set ns = namespace(i=0) %}{% for m in messages %}{% set ns.i = ns.i + 1 %}{% endfor %}{{ ns.i }}`,
		`{{ message.content.split('</think>')[-1].lstrip('\n') }}{{ messages[1:]|length }}{{ messages[::-1]|first }}`,
		`{% macro f(x, depth=0) %}{% if depth < 3 %}{{ f(x, depth + 1) }}{% endif %}{% endmacro %}{{ f(messages) }}`,
		`{{ raise_exception('roles must alternate') if messages|length == 0 }}{{ strftime_now('%Y-%m-%d') }}`,
		`{{ range(3)|list }}{{ loop }}{{ cycler('a', 'b').next() }}{% set j = joiner(', ') %}{{ j() }}`,
		`{{ tools|tojson(indent=2) }}{{ (x or {}).get('name', 'tool') }}{{ x|string|upper }}{{ 'a_b'|replace('_', ' ') }}`,
		`{%- filter trim %} {{ content }} {%- endfilter %}{% with s = 'x' %}{{ s }}{% endwith %}{% set t | upper %}hi{% endset %}`,
		`{{ "system" }}{{ message.system }}{{ tool.function.open }}{{ args.run }}`,
		`{{ '_' * 40 }}{{ '-' * 3 ~ '_' * 3 }}{{ ('=' * 10) ~ '\n' }}`,
	} {
		if r := Inspect(src); len(r.Findings) > 0 {
			t.Errorf("benign template raised %+v\n  in %s", r.Findings, src)
		}
	}
}

func samples() []string {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "samples", "jinja", "*.jinja"))
	return files
}

// TestSampleTemplates: every hand-written baseline is clean and every
// attack sample is at least suspicious.
func TestSampleTemplates(t *testing.T) {
	for _, p := range samples() {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		r := Inspect(string(b))
		name := filepath.Base(p)
		attack := strings.HasPrefix(name, "ssti_") || strings.HasPrefix(name, "probe_") || strings.HasPrefix(name, "obfuscated_") ||
			strings.HasPrefix(name, "dynamic_") || strings.HasPrefix(name, "free_") || strings.HasPrefix(name, "include_") ||
			strings.HasPrefix(name, "unparseable_")
		switch {
		case attack && len(r.Findings) == 0:
			t.Errorf("%s: no finding", name)
		case !attack && len(r.Findings) > 0:
			t.Errorf("%s: %+v", name, r.Findings)
		case strings.HasPrefix(name, "ssti_") && !kinds(r)[KindExec]:
			t.Errorf("%s: not proven to reach code execution: %+v", name, r.Findings)
		}
	}
}

func TestBudget(t *testing.T) {
	// Nested loops over long literal lists unroll multiplicatively.
	list := "[" + strings.Repeat("'a',", 30) + "'a']"
	src := strings.Repeat("{% for x in "+list+" %}", 6) + "{{ x }}" + strings.Repeat("{% endfor %}", 6)
	r := Inspect(src)
	if !kinds(r)[KindIncomplete] {
		t.Errorf("no budget finding: %+v", r.Findings)
	}
}

func TestOversized(t *testing.T) {
	src := strings.Repeat("x", MaxTemplate) + "{{ lipsum.__globals__.os }}"
	r := Inspect(src)
	if !kinds(r)[KindIncomplete] || !kinds(r)[KindExec] {
		t.Errorf("oversized template: %+v", r.Findings)
	}
}

func FuzzInspect(f *testing.F) {
	for _, p := range samples() {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		r := Inspect(src)
		for _, x := range r.Findings {
			if x.Pos < 0 || x.Pos > len(src) || x.End < x.Pos || x.End > len(src) {
				t.Fatalf("finding span [%d, %d) outside the %d-byte template", x.Pos, x.End, len(src))
			}
		}
	})
}
