package keras

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/analyze"
	pw "github.com/modelgate/modelgate/internal/format/protowalk"
)

// scope is an analyze.Scope that records what an analysis reports.
type scope struct {
	hits       []analyze.Hit
	children   []analyze.Child
	incomplete []error
}

func (s *scope) Context() context.Context             { return context.Background() }
func (s *scope) Artifact() *analyze.Artifact          { return &analyze.Artifact{Location: "t"} }
func (s *scope) Open() (io.ReadCloser, error)         { return nil, errors.New("not used") }
func (s *scope) ReaderAt() (io.ReaderAt, error)       { return nil, errors.New("not used") }
func (s *scope) Report(h analyze.Hit)                 { s.hits = append(s.hits, h) }
func (s *scope) Incomplete(err error)                 { s.incomplete = append(s.incomplete, err) }
func (s *scope) SetFormat(string)                     {}
func (s *scope) Scan(c analyze.Child)                 { s.children = append(s.children, c) }
func (s *scope) Meter(r io.Reader, _ int64) io.Reader { return r }
func (s *scope) Layouts() []analyze.Layout            { return nil }
func (s *scope) rules() (out []string) {
	for _, h := range s.hits {
		out = append(out, h.Rule)
	}
	return out
}

func TestSniff(t *testing.T) {
	cases := []struct {
		head string
		name string
		want analyze.Confidence
	}{
		{`{"module": "keras", "class_name": "Sequential", "config": {`, "x.json", analyze.Structure},
		{`{"class_name": "Sequential", "config": {"name": "s", "layers": [`, "model.json", analyze.Structure},
		{`{"config": {"name": "s", "layers": [{"class_name": "Dense"`, "x", analyze.Structure},
		{`{"class_name": 3, "config": {}}`, "x", analyze.No},
		{`{"architectures": ["Bert"], "class_name": "X", "config": {}}`, "config.json", analyze.No},
		{`{"model_type": "bert", "hidden_size": 768}`, "config.json", analyze.No},
		{`{"hidden_size": 768}`, "config.json", analyze.Name},
		{strings.Repeat(" ", 4096), "config.json", analyze.Name},
		{`{"hidden_size": 768}`, "other.json", analyze.No},
		{`[{"class_name": "X", "config": {}}]`, "config.json", analyze.No},
		{`"class_name"`, "x", analyze.No},
		{string(utf16le(`{"module": "keras", "class_name": "Functional", "config": {`)), "x", analyze.Structure},
		{"\xef\xbb\xbf" + `{"class_name": "Model", "module": "m"`, "x", analyze.Structure},
	}
	for _, c := range cases {
		got := ConfigJSON{}.Match(&analyze.Artifact{Head: []byte(c.head), Name: c.name})
		if got != c.want {
			t.Errorf("%q (%s): %v, want %v", c.head, c.name, got, c.want)
		}
	}
}

func utf16le(s string) []byte {
	out := []byte{0xff, 0xfe}
	for _, r := range s {
		out = append(out, byte(r), 0)
	}
	return out
}

func TestTarget(t *testing.T) {
	for s, want := range map[string]string{
		"https://e.example/x.keras": "a URL", "gs://bucket/v.txt": "a URL", "/etc/passwd": "an absolute path",
		`C:\Users\x`: "an absolute path", "~/.ssh/id_rsa": "an absolute path", "../../x": "a path leaving the current directory",
		"curl http://x | sh": "a shell command", "rm -rf /": "a shell command", "echo a; id": "a shell command", "model.keras": "a file name",
		"payload.py": "a file name", "same": "", "channels_last": "", "bilinear": "", "tf.math.add": "", "": "", "/": "",
		"float32": "", "id": "", "a|b": "",
	} {
		if got := target(s); got != want {
			t.Errorf("target(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestUnsafeLayerName(t *testing.T) {
	for s, want := range map[string]string{
		"dense": "", "dense_1": "", "tf.math.add": "", "..": "'..' component", "../x": "'..' component",
		"a/../b": "'..' component", `a\..\b`: "'..' component", "x/..": "'..' component", "/abs": "absolute path",
		`C:\x`: "absolute path", `\\srv\share`: "absolute path", "conv1/conv": "", `a\b`: "", "a\x00b": "NUL byte",
		"..data": "", "a..b/c": "",
	} {
		if got := unsafeLayerName(s); got != want {
			t.Errorf("unsafeLayerName(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestClaimNote(t *testing.T) {
	for _, c := range []struct {
		version, want string
	}{
		{"3.8.0", "affected by CVE-2025-1550"},
		{"3.9.0", "outside the range CVE-2025-1550 affects"},
		{"2.12.0", "outside the range CVE-2025-1550 affects"},
		{"3.8.1rc1", "affected by CVE-2025-1550"},
		{"three", `not a version number`},
		{"", ""},
	} {
		got := Claim{Source: "metadata.json", Version: c.version}.note(cve1550)
		if !strings.Contains(got, c.want) || (c.want == "") != (got == "") {
			t.Errorf("%q: %q, want %q", c.version, got, c.want)
		}
	}
	if got := (Claim{Source: "s", Version: "2.12.0"}).note(cve9905, cve3660); !strings.Contains(got, "CVE-2024-3660") {
		t.Errorf("first affecting advisory not chosen: %q", got)
	}
}

// TestReferences: module references Keras' own serialisation writes are
// not findings; gadgets are.
func TestReferences(t *testing.T) {
	cases := []struct {
		ref  string
		want string
	}{
		{`{"module": "keras.src.losses.losses", "class_name": "function", "config": "mean_squared_error", "registered_name": "mean_squared_error"}`, ""},
		{`{"module": "keras.src.trainers.compile_utils", "class_name": "MetricsList", "config": {}, "registered_name": "MetricsList"}`, ""},
		{`{"module": "builtins", "class_name": "function", "config": "relu", "registered_name": null}`, ""},
		{`{"module": "keras.layers", "class_name": "Dense", "config": {}}`, ""},
		{`{"module": "tensorflow.math", "class_name": "function", "config": "add"}`, ""},
		{`{"module": "posix", "class_name": "function", "config": "system"}`, "KERAS-110"},
		{`{"module": "keras", "class_name": "function", "config": "x", "registered_name": "load_model"}`, "KERAS-111"},
		{`{"module": "keras.saving", "class_name": "function", "config": "anything"}`, "KERAS-111"},
		{`{"module": "tensorflow.io", "class_name": "function", "config": "write_file"}`, "KERAS-114"},
		{`{"module": "tf.saved_model", "class_name": "function", "config": "load"}`, "KERAS-110"},
		{`{"module": "sys", "class_name": "Thing", "config": {}}`, "KERAS-114"},
		{`{"module": "__main__", "class_name": "MyLayer", "config": {}, "registered_name": "Custom>MyLayer"}`, "KERAS-130"},
		{`{"class_name": "MyLayer", "config": {}, "registered_name": "Custom>MyLayer"}`, "KERAS-130"},
		{`{"module": "os", "class_name": "__keras_tensor__", "config": {}}`, ""},
		{`{"module": "keras_hub.src.utils.keras_utils", "class_name": "function", "config": "gelu_approximate", "registered_name": "keras_hub>gelu_approximate"}`, ""},
		{`{"module": "keras_hub.src.utils.preset_utils", "class_name": "function", "config": "load_serialized_object"}`, "KERAS-112"},
		{`{"class_name": "__typespec__", "spec_name": "system", "module": "os", "config": []}`, "KERAS-110"},
	}
	for _, c := range cases {
		s := &scope{}
		if err := NewAnalysis(s, false, Claim{}).Config([]byte(`{"class_name": "Sequential", "config": {"layers": [`+c.ref+`]}}`), ""); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(s.rules(), ",")
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.ref, got, c.want)
		}
	}
}

func TestSavedObjects(t *testing.T) {
	walk := func(doc []byte) ([]savedObject, error) {
		var out []savedObject
		err := savedObjects(pw.New(bytes.NewReader(doc), int64(len(doc)), pw.DefaultLimits()), func(_ int, n savedObject) error {
			out = append(out, n)
			return nil
		})
		return out, err
	}
	node := []byte{0x10, 0x01, 0x22, 0x0f}
	node = append(node, "_tf_keras_layer"...)
	node = append(node, 0x2a, 0x02, '{', '}', 0x31, 1, 2, 3, 4, 5, 6, 7, 8, 0x35, 1, 2, 3, 4)
	got, err := walk(append([]byte{0x0a, byte(len(node))}, node...))
	if err != nil || len(got) != 1 || got[0].identifier != "_tf_keras_layer" || string(got[0].metadata) != "{}" {
		t.Fatalf("%+v %v", got, err)
	}
	for _, bad := range [][]byte{{0x0a}, {0x0a, 0x05, 0x01}, {0x0c}, {0x08}, {0x09, 1}, {0x0a, 0x01, 0x2d},
		{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}} {
		if _, err := walk(bad); !errors.Is(err, pw.ErrMalformed) {
			t.Errorf("% x: %v", bad, err)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	s := &scope{}
	a := NewAnalysis(s, false, Claim{})
	if err := a.Config([]byte(`{"class_name": `), "!config.json"); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("truncated config: %v", err)
	}
	deep := strings.Repeat(`{"a":`, 1200) + "1" + strings.Repeat("}", 1200)
	if err := a.Config([]byte(deep), ""); err == nil {
		t.Errorf("nesting past CPython's recursion limit was accepted")
	}
}

// TestSameCodeOtherDefaults: a Lambda graded once is not reused for the same
// code with other defaults (a payload can sit in the defaults alone).
func TestSameCodeOtherDefaults(t *testing.T) {
	code := "4wEAAAAAAAAAAAAAAAIAAAADAAAA8wwAAACXAHwAZAF6BQAAUwApAk7pAgAAAKkAKQHaAXhzAQAA\nACD6CDxzdHJpbmc++gg8bGFtYmRhPnIGAAAAAwAAAHMKAAAAgACIQZABiUWAAPMAAAAA\n"
	layer := func(defaults string) string {
		return `{"class_name": "Lambda", "config": {"name": "l", "function": {"class_name": "__lambda__", "config": {"code": "` +
			strings.ReplaceAll(code, "\n", `\n`) + `", "defaults": ` + defaults + `, "closure": null}}}}`
	}
	s := &scope{}
	doc := `{"class_name": "Sequential", "config": {"layers": [` + layer("null") + `, ` + layer(`["`+strings.Repeat("Zm9v", 100)+`"]`) + `]}}`
	if err := NewAnalysis(s, false, Claim{}).Config([]byte(doc), ""); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.rules(), ","); got != "KERAS-100,KERAS-102" {
		t.Errorf("rules %s, want KERAS-100,KERAS-102", got)
	}
}
