package pyjson

import (
	"testing"
	"unicode/utf8"
)

// FuzzDecode: any bytes decode or fail without panicking, within the
// limits, and every decoded string is valid UTF-8.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"module": "keras", "class_name": "Sequential", "config": {"layers": []}}`,
		`[NaN, -Infinity, 1e5, "\ud800", {"a": 1, "a": 2}]`, "\xff\xfe[\x001\x00]\x00", `"\u00e9\"\\"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Decode(data, Limits{MaxValues: 10000, MaxDepth: 64})
		if err != nil {
			return
		}
		var check func(v *Value, depth int)
		check = func(v *Value, depth int) {
			if depth > 64 {
				t.Fatalf("depth %d past the limit", depth)
			}
			if !utf8.ValidString(v.Str) {
				t.Fatalf("invalid UTF-8 in %q", v.Str)
			}
			if v.Kind == Object && len(v.Keys) != len(v.Items) {
				t.Fatalf("keys and items differ")
			}
			for i := range v.Items {
				check(&v.Items[i], depth+1)
			}
		}
		check(&res.Value, 0)
	})
}
