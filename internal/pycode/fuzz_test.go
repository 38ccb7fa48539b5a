package pycode

import (
	"testing"

	"github.com/modelgate/modelgate/internal/format/pymarshal"
	mt "github.com/modelgate/modelgate/internal/format/pymarshal/marshaltest"
)

// FuzzAnalyzeMarshal: any bytes, graded under Keras 3 and Keras 2 globals,
// never panic and always give a consistent verdict. Seeded from every
// generated fixture and the research vectors.
func FuzzAnalyzeMarshal(f *testing.F) {
	for _, cases := range loadFixtures(f) {
		for _, fx := range cases {
			raw, _ := DecodeKerasCode(fx.Code)
			f.Add(raw)
		}
	}
	for _, v := range loadVectors(f) {
		raw, _ := DecodeKerasCode(v.B64)
		f.Add(raw)
	}
	f.Add(mt.Code{Layout: pymarshal.Layout38, Code: []byte{116, 0, 100, 0, 131, 1, 83, 0},
		Consts: []mt.Obj{mt.Str("id")}, Names: []string{"system"}}.Marshal())
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, env := range []Env{Keras3Env(), Keras2Env("os")} {
			rep, err := AnalyzeMarshal(data, Input{Env: env})
			if err != nil {
				return
			}
			malicious := false
			for _, in := range rep.Indicators {
				malicious = malicious || in.ID.Malicious()
			}
			if malicious != (rep.Verdict == Malicious) || len(rep.Indicators) == 0 && rep.Verdict != Harmless {
				t.Fatalf("verdict %v for %v", rep.Verdict, rep.Indicators)
			}
		}
	})
}

// FuzzA2BBase64: the lenient decoder never panics and never outputs more
// than three bytes per four alphabet characters.
func FuzzA2BBase64(f *testing.F) {
	for _, s := range []string{"YQ==", "YQ==junk", "Y W J j\n", "=YWJj", "YWJ=j", "4wEAAAAA\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := A2BBase64([]byte(s))
		if err == nil && len(out) > len(s)*3/4+1 {
			t.Fatalf("%d bytes from %d characters", len(out), len(s))
		}
		DecodeKerasCode(s)
	})
}
