package pybytecode_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/internal/format/pybytecode"
	"github.com/modelgate/modelgate/internal/format/pymarshal"
	"github.com/modelgate/modelgate/internal/pycode"
)

// FuzzDisassemble: any bytes, any version, decode without panicking into
// instructions that tile the code in order. Seeded with the co_code of
// every generated fixture under its own version.
func FuzzDisassemble(f *testing.F) {
	files, _ := filepath.Glob("../../pycode/testdata/lambdas/*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var m map[string]struct{ Code string }
		if err := json.Unmarshal(b, &m); err != nil {
			f.Fatal(err)
		}
		for _, c := range m {
			raw, _ := pycode.DecodeKerasCode(c.Code)
			res, err := pymarshal.Decode(raw, pymarshal.Limits{})
			if err != nil {
				f.Fatal(err)
			}
			for _, code := range res.Codes {
				f.Add(code.Code, uint8(res.Versions[0]))
			}
		}
	}
	f.Fuzz(func(t *testing.T, code []byte, ver uint8) {
		v := pybytecode.Versions[int(ver)%len(pybytecode.Versions)]
		d := pybytecode.Disassemble(code, v)
		next := 0
		for _, in := range d.Instructions {
			if in.Start < next || in.Offset < in.Start || in.Size <= 0 || in.Start+in.Size > len(code) {
				t.Fatalf("%s: instruction %+v after offset %d of %d", v, in, next, len(code))
			}
			next = in.Start + in.Size
		}
		d.CompilerPrologue()
	})
}
