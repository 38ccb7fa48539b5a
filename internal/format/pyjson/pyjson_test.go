package pyjson

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf16"
)

// render prints a value in a compact canonical form for comparisons.
func render(v *Value) string {
	switch v.Kind {
	case String:
		return `"` + v.Str + `"`
	case Array:
		var parts []string
		for i := range v.Items {
			parts = append(parts, render(&v.Items[i]))
		}
		return "[" + strings.Join(parts, ",") + "]"
	case Object:
		var parts []string
		for i, k := range v.Keys {
			parts = append(parts, k+":"+render(&v.Items[i]))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return v.Str
}

func utf16LE(s string, bom bool) []byte {
	var out []byte
	if bom {
		out = []byte{0xff, 0xfe}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// TestDecode: what CPython 3.11's json.loads(bytes) returns or rejects for
// each input (recorded once; tests never run Python).
func TestDecode(t *testing.T) {
	cases := []struct {
		in      string
		want    string // render of the value, or "" for an error
		anomaly string // substring of an expected anomaly
	}{
		{`{"a": 1, "a": 2}`, "{a:1,a:2}", `duplicate key "a"`},
		{`[NaN, Infinity, -Infinity]`, "[NaN,Infinity,-Infinity]", "NaN literal"},
		{`01`, "", ""},
		{`1.`, "", ""},
		{`1e`, "", ""},
		{`-`, "", ""},
		{`"\ud83d\ude00"`, `"😀"`, ""},
		{`"\ud800"`, "\"\ufffd\"", "lone surrogate"},
		{"\"a\x01\"", "", ""},
		{`[1,]`, "", ""},
		{`{"a":1,}`, "", ""},
		{" \n[1] \t", "[1]", ""},
		{`[1] x`, "", ""},
		{`"\x"`, "", ""},
		{`1E+2`, "1E+2", ""},
		{`-0.5e-3`, "-0.5e-3", ""},
		{"\xef\xbb\xbf[1]", "[1]", "utf-8-sig"},
		{string(utf16LE(`{"k": "é"}`, true)), `{k:"é"}`, "encoded as utf-16"},
		{"\x00[\x001\x00]", "[1]", "utf-16-be"},
		{"[\x00\x00\x001\x00\x00\x00]\x00\x00\x00", "[1]", "utf-32-le"},
		{`"\u00e9\/\n"`, "\"é/\n\"", ""},
		{`nul`, "", ""},
		{`[1 2]`, "", ""},
		{`{1:2}`, "", ""},
		{`"abc`, "", ""},
		{`[true, false, null, {}, []]`, "[true,false,null,{},[]]", ""},
		{"\xff[1]", "", ""},
		{"[\"a\xed\xa0\x80b\"]", "[\"a\ufffdb\"]", "UTF-8-encoded surrogates"},
		{"[\"\xed\xa0\"]", "", ""},
	}
	for _, c := range cases {
		res, err := Decode([]byte(c.in), Limits{})
		if c.want == "" {
			if err == nil {
				t.Errorf("%q: decoded %s, want an error", c.in, render(&res.Value))
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := render(&res.Value); got != c.want {
			t.Errorf("%q: got %s, want %s", c.in, got, c.want)
		}
		found := c.anomaly == ""
		for _, a := range res.Anomalies {
			found = found || strings.Contains(string(a), c.anomaly)
		}
		if !found {
			t.Errorf("%q: anomalies %v lack %q", c.in, res.Anomalies, c.anomaly)
		}
	}
}

func TestGetLastDuplicateWins(t *testing.T) {
	res, err := Decode([]byte(`{"a": 1, "b": "x", "a": {"c": true}}`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	v := &res.Value
	if got := render(v.Get("a")); got != "{c:true}" {
		t.Errorf("Get(a) = %s", got)
	}
	if !v.Shadowed(0) || v.Shadowed(1) || v.Shadowed(2) {
		t.Errorf("shadowing wrong")
	}
	if v.Text("b") != "x" || v.Text("a") != "" || v.Text("zz") != "" || (*Value)(nil).Text("a") != "" {
		t.Errorf("Text wrong")
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat("[", 1001) + strings.Repeat("]", 1001)
	if _, err := Decode([]byte(deep), Limits{}); !errors.Is(err, ErrLimit) {
		t.Errorf("depth 1001: %v", err)
	}
	ok := strings.Repeat("[", 1000) + strings.Repeat("]", 1000)
	if _, err := Decode([]byte(ok), Limits{}); err != nil {
		t.Errorf("depth 1000: %v", err)
	}
	if _, err := Decode([]byte("[1,2,3,4]"), Limits{MaxValues: 4}); !errors.Is(err, ErrLimit) {
		t.Errorf("values: %v", err)
	}
	if _, err := Decode([]byte("[1,2,3,4]"), Limits{MaxBytes: 8}); !errors.Is(err, ErrLimit) {
		t.Errorf("bytes: %v", err)
	}
}

func TestDetectEncoding(t *testing.T) {
	for in, want := range map[string]string{
		"\x00\x00\xfe\xff": "utf-32", "\xff\xfe\x00\x00": "utf-32", "\xfe\xff": "utf-16", "\xff\xfe[": "utf-16",
		"\xef\xbb\xbf{": "utf-8-sig", "\x00{\x00}": "utf-16-be", "\x00\x00\x00{": "utf-32-be", "{\x00}\x00": "utf-16-le",
		"{\x00\x00\x00": "utf-32-le", "\x001": "utf-16-be", "1\x00": "utf-16-le", "{}": "utf-8", "": "utf-8",
	} {
		if got := DetectEncoding([]byte(in)); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}
