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

// Code objects shared through marshal references form a DAG: each is
// walked once per version, not once per path (2^40 paths through these
// diamonds).
func TestSharedCodeObjects(t *testing.T) {
	code := func(consts ...*pymarshal.Object) *pymarshal.Object {
		c := &pymarshal.CodeObject{Code: []byte{100, 0, 83, 0}, Name: "<genexpr>", Flags: 3,
			Consts: append(consts, &pymarshal.Object{Kind: pymarshal.None})}
		return &pymarshal.Object{Kind: pymarshal.Code, Code: c}
	}
	top := code()
	for i := 0; i < 40; i++ {
		top = code(code(top), code(top))
	}
	top.Code.Name = "<lambda>"
	if rep := Analyze(top.Code, Input{Env: Keras3Env(), Versions: []pybytecode.Version{pybytecode.Py38}}); rep.Verdict != Harmless {
		t.Errorf("%v\n%s", rep.Verdict, dump(rep))
	}
}
