package pycode

import (
	"bytes"
	"testing"

	"github.com/modelgate/modelgate/internal/format/pybytecode"
	"github.com/modelgate/modelgate/internal/format/pymarshal"
)

// repeated builds 3.8 code repeating the given (opcode, arg) units n times.
func repeated(n int, units ...byte) []byte { return bytes.Repeat(units, n) }

func analyze38(code []byte) *Report {
	c := &pymarshal.CodeObject{Code: code, Name: "<lambda>", Flags: 3, VarNames: []string{"x"},
		Consts: []*pymarshal.Object{{Kind: pymarshal.Str, Str: "ab"}}}
	return Analyze(c, Input{Env: Keras3Env(), Versions: []pybytecode.Version{pybytecode.Py38}})
}

// Code that doubles a string at every step must not build it (LOAD_CONST
// then DUP_TOP, BINARY_ADD repeated): folding stops at maxFolded.
func TestFoldingIsBounded(t *testing.T) {
	rep := analyze38(append([]byte{100, 0}, repeated(200, 4, 0, 23, 0)...))
	if rep.Verdict != Suspicious || len(rep.Indicators) > 20 {
		t.Errorf("%v with %d indicators", rep.Verdict, len(rep.Indicators))
	}
}

// Code that pushes more than the work budget is reported, not passed.
func TestWorkBudget(t *testing.T) {
	rep := analyze38(repeated(5000, 100, 0, 94, 255)) // LOAD_CONST; UNPACK_EX 256 values
	if !hasIndicator(rep, S9, "") {
		t.Errorf("no S9 for an unanalysable body:\n%s", dump(rep))
	}
}
