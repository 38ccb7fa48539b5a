package jsonx

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// tokens reads a whole document.
func tokens(doc string) ([]Token, error) {
	d := NewDecoder(strings.NewReader(doc), 16)
	var out []Token
	for {
		t, err := d.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, t)
	}
}

func TestValid(t *testing.T) {
	for _, doc := range []string{
		`{}`, `[]`, ` {"a": [1, -2.5e+3, true, false, null, "x\u00e9\ud83d\ude00\n"]} `,
		`{"a":{"b":{}},"c":[[],[{}]]}`, `"top"`, `0`, `-0.0E1`,
	} {
		if _, err := tokens(doc); err != nil {
			t.Errorf("%s: %v", doc, err)
		}
	}
}

func TestInvalid(t *testing.T) {
	for _, doc := range []string{
		`{`, `{"a"}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a" 1}`, `{1:2}`, `[01]`, `[+1]`, `[.5]`, `[1.]`, `[1e]`,
		`[NaN]`, `[Infinity]`, `["\x"]`, `["\ud800"]`, `["\udc00x"]`, "[\"\x01\"]", "[\"\xff\"]", `{} {}`, `[tru]`,
		`'a'`, `[1]]`, `{"a":1}}`, "",
	} {
		if _, err := tokens(doc); err == nil {
			t.Errorf("%q: accepted", doc)
		}
	}
}

// TestPrefixes: every strict prefix of a valid document ends in
// io.ErrUnexpectedEOF, never in a syntax error.
func TestPrefixes(t *testing.T) {
	doc := `{"a": [1, -2.5e+3, true, false, null, "x\u00e9\ud83d\ude00\n"], "b": {"c": -0.5E-7}}`
	for i := 1; i < len(doc); i++ {
		if _, err := tokens(doc[:i]); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("prefix %q: %v", doc[:i], err)
		}
	}
}

func TestDuplicatesAndOffsets(t *testing.T) {
	toks, err := tokens(`{"a": 1, "b": {"a": 2}, "a": 3}`)
	if err != nil {
		t.Fatal(err)
	}
	var dups []int64
	for _, tk := range toks {
		if tk.Dup {
			dups = append(dups, tk.Off)
		}
	}
	if len(dups) != 1 || dups[0] != 24 {
		t.Fatalf("duplicates at %v, want [24]", dups)
	}
}

func TestDepth(t *testing.T) {
	if _, err := tokens(strings.Repeat("[", 17) + strings.Repeat("]", 17)); !errors.Is(err, ErrDepth) {
		t.Fatalf("got %v, want ErrDepth", err)
	}
}

func TestSkip(t *testing.T) {
	d := NewDecoder(strings.NewReader(`{"x": {"y": [1, {"z": 2}]}, "w": 5}`), 16)
	d.Next() // {
	d.Next() // "x"
	v, _ := d.Next()
	if err := d.Skip(v); err != nil {
		t.Fatal(err)
	}
	k, err := d.Next()
	if err != nil || k.Text != "w" || !k.Key {
		t.Fatalf("after skip got %+v %v", k, err)
	}
}

func FuzzDecoder(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}],"a":"\u00e9"}`, `[1e5,-0.5,"x"]`, `{"__metadata__":{"k":"v"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(strings.NewReader(string(data)), 64)
		for i := 0; i <= len(data)+1; i++ {
			if _, err := d.Next(); err != nil {
				return
			}
		}
		t.Fatalf("decoder did not stop after %d tokens on %d bytes", len(data)+2, len(data))
	})
}
