package policy

import (
	"strings"
	"testing"
)

func TestCELCompileErrorsNameRuleAndPosition(t *testing.T) {
	cases := []struct {
		name, text string
		line, col  int
		want       string
	}{
		{"undeclared variable, plain scalar",
			"policies:\n  - name: typo\n    when: fnding.rule == \"PICKLE-101\"\n    action: block\n    message: m\n",
			3, 17, `policy "typo": undeclared reference to 'fnding.rule'`},
		{"quoted scalar",
			"policies:\n  - name: quoted\n    when: 'file.size > \"big\"'\n    action: block\n    message: m\n",
			3, 22, `policy "quoted": found no matching overload for '_>_'`},
		{"literal block, second line",
			"policies:\n  - name: block\n    when: |\n      file.size > 10 &&\n        finding.nope\n    action: block\n    message: m\n",
			5, 16, `policy "block": undeclared reference to 'finding.nope'`},
		{"not a boolean",
			"policies:\n  - name: size\n    when: file.size\n    action: block\n    message: m\n",
			2, 0, "must be true or false"},
		{"bad glob literal",
			"policies:\n  - name: g\n    when: file.path.glob(\"a/**b\")\n    action: warn\n    message: m\n",
			3, 26, "bad glob pattern"},
		{"bad severity word",
			"policies:\n  - name: s\n    when: finding.severity.atLeast(\"hihg\")\n    action: warn\n    message: m\n",
			3, 36, `"hihg" is not a severity`},
		{"bad regular expression",
			"policies:\n  - name: re\n    when: finding.evidence.matches(\"(\")\n    action: warn\n    message: m\n",
			3, 36, "invalid matches argument"},
		{"too expensive",
			"policies:\n  - name: slow\n    when: file.errors.exists(e, file.formats.exists(f, e.contains(f)))\n    action: warn\n    message: m\n",
			2, 0, "more than the limit"},
		{"syntax error",
			"policies:\n  - name: syntax\n    when: file.size >\n    action: warn\n    message: m\n",
			3, 0, `policy "syntax"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := configErrors(t, c.text)
			e := errs[0]
			if !strings.Contains(e.Msg, c.want) {
				t.Fatalf("%v does not say %q", e, c.want)
			}
			if e.Line != c.line || c.col != 0 && e.Col != c.col {
				t.Errorf("at %d:%d, want %d:%d (%v)", e.Line, e.Col, c.line, c.col, e)
			}
		})
	}
}

func TestCELErrorShowsTheExpression(t *testing.T) {
	errs := configErrors(t, "policies:\n  - name: typo\n    when: fnding.rule == \"x\"\n    action: block\n    message: m\n")
	want := "m.yaml:3:17: policy \"typo\": undeclared reference to 'fnding.rule' (did you mean 'finding.rule'?)\n    | fnding.rule == \"x\"\n    |       ^"
	if got := errs[0].Error(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestGlob(t *testing.T) {
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{"models/**", "models/a/b.pt", true},
		{"models/**", "models", true},
		{"models/**", "other/a.pt", false},
		{"**/*.pt", "a.pt", true},
		{"**/*.pt", "x/y/z/a.pt", true},
		{"**/*.pt", "x/y/a.pkl", false},
		{"*.pt", "x/a.pt", false},
		{"a/**/b/**/c", "a/x/b/y/z/c", true},
		{"a/**/b/**/c", "a/x/y/c", false},
		{"a/?/c", "a/b/c", true},
		{"a/[bc]/d", "a/c/d", true},
		{"**", "anything/at/all", true},
		{dotted("mycompany.models.*"), dotted("mycompany.models.Net"), true},
		{dotted("mycompany.models.*"), dotted("mycompany.models.sub.Net"), false},
		{dotted("mycompany.**"), dotted("mycompany>CustomLayer"), true},
	}
	for _, c := range cases {
		if err := validGlob(c.pattern); err != nil {
			t.Fatalf("%q: %v", c.pattern, err)
		}
		if got := globMatch(c.pattern, c.name); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v", c.pattern, c.name, got)
		}
	}
}

// celEval compiles and runs one expression over a file with one finding.
func celEval(t *testing.T, expr string) bool {
	t.Helper()
	env, err := newEnv()
	if err != nil {
		t.Fatal(err)
	}
	a, iss := env.Compile(expr)
	if iss.Err() != nil {
		t.Fatal(iss.Err())
	}
	prg, err := env.Program(a)
	if err != nil {
		t.Fatal(err)
	}
	var act activation
	f := file("models/m.pt", "pytorch-zip", "pickle")
	f.Findings = []findingT{find("PICKLE-100", "mycompany.models.Net")}
	act.setFile(&f, f.Path)
	act.setFinding(&f.Findings[0])
	ok, err := run(prg, &act)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return ok
}

func TestCELVariablesAndFunctions(t *testing.T) {
	for expr, want := range map[string]bool{
		`file.path == "models/m.pt" && file.name == "m.pt"`:                     true,
		`"pickle" in file.formats && file.size == 1234`:                         true,
		`file.verdict == "safe" && file.sha256 == "" && size(file.errors) == 0`: true,
		`finding.rule == "PICKLE-100" && finding.family == "PICKLE"`:            true,
		`finding.severity == "info" && finding.class == "info"`:                 true,
		`finding.code_on_load && finding.symbol.startsWith("mycompany.")`:       true,
		`finding.title.contains("custom code") && finding.message != ""`:        true,
		`finding.location.endsWith("@7") && finding.evidence.contains("Net")`:   true,
		`file.path.glob("models/**") && !file.path.glob("vendor/**")`:           true,
		`finding.severity.atLeast("info") && !finding.severity.atLeast("low")`:  true,
		`finding.class.atLeast("info") && !finding.class.atLeast("suspicious")`: true,
		`"malicious".atLeast("suspicious") && "error".atLeast("safe")`:          true,
		`finding.evidence.lowerAscii().contains("net")`:                         true,
	} {
		if got := celEval(t, expr); got != want {
			t.Errorf("%s = %v", expr, got)
		}
	}
}

func TestAtLeastAcrossVocabularies(t *testing.T) {
	env, _ := newEnv()
	a, iss := env.Compile(`finding.severity.atLeast("suspicious")`)
	if iss.Err() != nil {
		t.Fatal(iss.Err())
	}
	prg, _ := env.Program(a)
	var act activation
	f := file("m.pt", "pickle")
	x := find("PICKLE-102", "")
	x.Severity = 3 // high: a severity compared with a class word
	act.setFile(&f, f.Path)
	act.setFinding(&x)
	if _, err := run(prg, &act); err == nil || !strings.Contains(err.Error(), "not of the same kind") {
		t.Fatalf("mixing vocabularies: %v", err)
	}
}

func TestRuleGuard(t *testing.T) {
	env, _ := newEnv()
	cases := []struct {
		expr    string
		matches []string
		misses  []string
	}{
		{`finding.rule == "PICKLE-102" && finding.symbol == "x"`, []string{"PICKLE-102"}, []string{"PICKLE-101"}},
		{`"PICKLE-102" == finding.rule`, []string{"PICKLE-102"}, []string{"TORCH-100"}},
		{`file.size > 3 && finding.rule in ["A-1", "B-2"]`, []string{"A-1", "B-2"}, []string{"C-3"}},
		{`finding.family == "TORCH"`, []string{"TORCH-100", "TORCH-202"}, []string{"PICKLE-100"}},
		{`finding.rule.startsWith("ARCHIVE-2")`, []string{"ARCHIVE-201"}, []string{"ARCHIVE-100", "PICKLE-201"}},
	}
	for _, c := range cases {
		a, iss := env.Compile(c.expr)
		if iss.Err() != nil {
			t.Fatal(iss.Err())
		}
		g := ruleGuard(a.NativeRep())
		if g == nil {
			t.Fatalf("%s: no guard", c.expr)
		}
		for _, r := range c.matches {
			if !g(r) {
				t.Errorf("%s: guard rejects %s", c.expr, r)
			}
		}
		for _, r := range c.misses {
			if g(r) {
				t.Errorf("%s: guard admits %s", c.expr, r)
			}
		}
	}
	// Disjunctions and negations pin nothing.
	for _, expr := range []string{`finding.rule == "A-1" || finding.symbol == "x"`, `finding.rule != "A-1"`, `!(finding.rule == "A-1")`} {
		a, _ := env.Compile(expr)
		if ruleGuard(a.NativeRep()) != nil {
			t.Errorf("%s: a guard was found", expr)
		}
	}
}

func TestInputsAreBounded(t *testing.T) {
	long := strings.Repeat("é", maxTextLen) // two bytes each
	if got := cut(long, maxTextLen); len(got) > maxTextLen || !strings.HasPrefix(long, got) || len(got)%2 != 0 {
		t.Fatalf("cut split a character or kept too much: %d bytes", len(got))
	}
	f := file("m.pt")
	for range maxItems + 10 {
		f.Errors = append(f.Errors, strings.Repeat("x", maxItemLen*2))
	}
	var act activation
	act.setFile(&f, f.Path)
	v, _ := act.ResolveName("file.errors")
	if n := len(v.(interface{ Value() any }).Value().([]string)); n != maxItems {
		t.Fatalf("%d errors passed to CEL, want %d", n, maxItems)
	}
}
