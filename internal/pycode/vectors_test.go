package pycode

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/format/pymarshal"
)

// vector is one line of ../shared/research/marshal-vectors.jsonl, the
// research's vectors made by CPython 3.6-3.13. The file is read in place
// (it is shared material, never copied into the repository); tests that
// need it skip when ../shared is absent. The generated fixtures under
// testdata cover the same versions independently.
type vector struct {
	Ver    string
	B64    string
	B64g   string
	Names  []string
	Consts []string
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "shared", "research", "marshal-vectors.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("../shared/research/marshal-vectors.jsonl is not available")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var v vector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// wrap76 frames base64 as Keras' func_dump does (codecs.encode): 76
// columns and a trailing newline.
func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	return b.String() + s + "\n"
}

func TestVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		for _, framing := range []func(string) string{func(s string) string { return s }, wrap76} {
			raw, viaRaw := DecodeKerasCode(framing(v.B64))
			plain, _ := base64.StdEncoding.DecodeString(v.B64)
			if viaRaw || string(raw) != string(plain) {
				t.Fatalf("%s: lenient base64 disagrees with the standard decoding", v.Ver)
			}
			res, err := pymarshal.Decode(raw, pymarshal.Limits{})
			if err != nil {
				t.Fatalf("%s: %v", v.Ver, err)
			}
			c := res.Code()
			if strings.Join(c.Names, ",") != strings.Join(v.Names, ",") {
				t.Errorf("%s: names %v, want %v", v.Ver, c.Names, v.Names)
			}
			for i, want := range v.Consts {
				if got := c.Consts[i].Repr(2); got != want {
					t.Errorf("%s: const %d = %s, want %s", v.Ver, i, got, want)
				}
			}
			if c.Name != "<lambda>" || c.Filename != "<stdin>" || c.FirstLineNo != 2 || len(res.Anomalies) > 0 {
				t.Errorf("%s: %s %s %d %v", v.Ver, c.Name, c.Filename, c.FirstLineNo, res.Anomalies)
			}
			rep, err := AnalyzeMarshal(raw, Input{Env: Keras3Env()})
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, rep, expectations["V_malicious"])
			good, _ := DecodeKerasCode(framing(v.B64g))
			if rep, err = AnalyzeMarshal(good, Input{Env: Keras3Env()}); err != nil || rep.Verdict != Harmless {
				t.Errorf("%s benign: %v %v\n%s", v.Ver, err, rep.Verdict, dump(rep))
			}
		}
	}
}

// TestResearchExamples covers the two other blobs of the research: the CTF
// exploit.h5 lambda (os.environ as a bare global, 3.10) and 1.3's benign
// 3.11 lambda.
func TestResearchExamples(t *testing.T) {
	ctf := "4wEAAAAAAAAAAAAAAAEAAAAEAAAAQwAAAHMSAAAAdABqAaACZAFkAqECZwFnAVMAKQNO2gRGTEFH\n+glub3QgZm91bmQpA9oCb3PaB2Vudmlyb27aA2dldCkB2gF4qQByBwAAAPoQL3dvcmsvZXhwbG9p\ndC5wedoIPGxhbWJkYT4FAAAAcwIAAAASAA=="
	raw, _ := DecodeKerasCode(ctf)
	rep, err := AnalyzeMarshal(raw, Input{Env: Keras3Env()})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep, sus(map[ID]string{S1: "os.environ.get('FLAG', 'not found')"}))
	benign := "4wEAAAAAAAAAAAAAAAIAAAADAAAA8wwAAACXAHwAZAF6BQAAUwApAk7pAgAAAKkAKQHaAXhzAQAA\nACD6CDxzdHJpbmc++gg8bGFtYmRhPnIGAAAAAwAAAHMKAAAAgACIQZABiUWAAPMAAAAA\n"
	raw, _ = DecodeKerasCode(benign)
	if rep, err = AnalyzeMarshal(raw, Input{Env: Keras3Env()}); err != nil || rep.Verdict != Harmless {
		t.Errorf("benign 3.11 lambda: %v %v\n%s", err, rep.Verdict, dump(rep))
	}
}

// TestA2BBase64 compares with binascii.a2b_base64 and raw_unicode_escape
// as recorded by testdata/gen/base64cases.py under CPython 3.6, 3.11, 3.13.
func TestA2BBase64(t *testing.T) {
	for _, ver := range []string{"3.6", "3.11", "3.13"} {
		b, err := os.ReadFile("testdata/base64/" + ver + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var cases struct {
			A2B []struct {
				In  string
				Out *string
			} `json:"a2b_base64"`
			Raw []struct{ In, Out string } `json:"raw_unicode_escape"`
		}
		if err := json.Unmarshal(b, &cases); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases.A2B {
			got, err := A2BBase64([]byte(c.In))
			switch {
			case c.Out == nil && err == nil:
				t.Errorf("%s %q: decoded %x, CPython fails", ver, c.In, got)
			case c.Out != nil && (err != nil || hexOf(got) != *c.Out):
				t.Errorf("%s %q: got %x %v, CPython %s", ver, c.In, got, err, *c.Out)
			}
		}
		for _, c := range cases.Raw {
			if got := hexOf(RawUnicodeEscape(c.In)); got != c.Out {
				t.Errorf("%s raw_unicode_escape %q: %s, CPython %s", ver, c.In, got, c.Out)
			}
		}
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestDecodeKerasCodeFallback: non-ASCII or non-base64 code strings are the
// marshal bytes themselves, as func_load's raw_unicode_escape fallback.
func TestDecodeKerasCodeFallback(t *testing.T) {
	for in, want := range map[string]string{"é\x00c": "e90063", "YQ": "5951", "\u20ac": hexOf([]byte(`\u20ac`))} {
		got, raw := DecodeKerasCode(in)
		if !raw || hexOf(got) != strings.TrimSpace(want) {
			t.Errorf("%q: %x raw=%v, want %s", in, got, raw, want)
		}
	}
}
