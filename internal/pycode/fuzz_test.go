package pycode

import (
	"testing"

	"github.com/modelgate/modelgate/internal/format/pybytecode"
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

// FuzzAnalyzeBytecode drives the abstract interpreter with arbitrary
// bytecode of every version inside a well-formed code object, which
// FuzzAnalyzeMarshal rarely reaches. Seeded with every fixture's co_code.
func FuzzAnalyzeBytecode(f *testing.F) {
	for _, cases := range loadFixtures(f) {
		for _, fx := range cases {
			raw, _ := DecodeKerasCode(fx.Code)
			res, err := pymarshal.Decode(raw, pymarshal.Limits{})
			if err != nil {
				f.Fatal(err)
			}
			f.Add(res.Code().Code, uint8(res.Versions[0]))
		}
	}
	str := func(s string) *pymarshal.Object { return &pymarshal.Object{Kind: pymarshal.Str, Str: s} }
	f.Fuzz(func(t *testing.T, code []byte, ver uint8) {
		v := pybytecode.Versions[int(ver)%len(pybytecode.Versions)]
		names := []string{"__import__", "os", "system", "getattr", "exec", "marshal", "loads", "environ"}
		c := &pymarshal.CodeObject{Code: code, Name: "<lambda>", ArgCount: 1, Flags: 3, Names: names,
			VarNames: []string{"x", "y"}, CellVars: []string{"c"}, FreeVars: []string{"f"},
			LocalsPlusNames: []string{"x", "y", "c", "f"}, LocalsPlusKinds: []byte{0x20, 0x20, 0x40, 0x80},
			Consts: []*pymarshal.Object{{Kind: pymarshal.None}, str("os"), str("sys"), str("tem"),
				{Kind: pymarshal.Bytes, Bytes: []byte("4w==")}, {Kind: pymarshal.Tuple, Items: []*pymarshal.Object{str("a")}}}}
		rep := Analyze(c, Input{Env: Keras3Env(), Versions: []pybytecode.Version{v},
			Closure: []*pymarshal.Object{str("eval")}})
		if rep.Verdict == Harmless && len(rep.Indicators) > 0 {
			t.Fatalf("harmless with %v", rep.Indicators)
		}
	})
}
