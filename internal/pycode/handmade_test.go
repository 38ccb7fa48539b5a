package pycode

import (
	"slices"
	"testing"

	"github.com/modelgate/modelgate/internal/format/pybytecode"
	"github.com/modelgate/modelgate/internal/format/pymarshal"
	mt "github.com/modelgate/modelgate/internal/format/pymarshal/marshaltest"
)

// assemble encodes instructions of version v, each followed by its zeroed
// inline caches: no compiler involved.
func assemble(t *testing.T, v pybytecode.Version, ops ...any) []byte {
	t.Helper()
	tab := pybytecode.TableFor(v)
	var code []byte
	for i := 0; i < len(ops); i += 2 {
		c, ok := tab.Opcode(ops[i].(string))
		if !ok {
			t.Fatalf("%s has no %s", v, ops[i])
		}
		code = append(code, c, byte(ops[i+1].(int)))
		code = append(code, make([]byte, 2*tab.Caches(c))...)
	}
	return code
}

func analyzeBlob(t *testing.T, blob []byte, env Env) *Report {
	t.Helper()
	rep, err := AnalyzeMarshal(blob, Input{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// A 3.14 lambda assembled from the published format: os.system('id') with
// os a bare Keras 3 global.
func TestHandAssembled314(t *testing.T) {
	code := assemble(t, pybytecode.Py314, "RESUME", 0, "LOAD_GLOBAL", 0, "LOAD_ATTR", 3, "LOAD_CONST", 0,
		"CALL", 1, "RETURN_VALUE", 0)
	blob := mt.Code{Layout: pymarshal.Layout311, ArgCount: 1, Code: code, Consts: []mt.Obj{mt.Str("id")},
		Names: []string{"os", "system"}, Locals: []string{"x"}}.Marshal()
	rep := analyzeBlob(t, blob, Keras3Env())
	if !slices.Equal(rep.Versions, []pybytecode.Version{pybytecode.Py314}) {
		t.Errorf("versions %v", rep.Versions)
	}
	checkReport(t, rep, mal(map[ID]string{M3: "os.system('id')"}))

	code = assemble(t, pybytecode.Py314, "RESUME", 0, "LOAD_FAST_BORROW", 0, "LOAD_SMALL_INT", 2,
		"BINARY_OP", 5, "RETURN_VALUE", 0)
	blob = mt.Code{Layout: pymarshal.Layout311, ArgCount: 1, Code: code, Locals: []string{"x"}}.Marshal()
	checkReport(t, analyzeBlob(t, blob, Keras3Env()), expectation{verdict: Harmless})
}

// Statements no lambda can hold, a non-lambda name and a missing RESUME.
func TestHandAssembledTraits(t *testing.T) {
	code := assemble(t, pybytecode.Py38, "LOAD_CONST", 0, "LOAD_CONST", 1, "IMPORT_NAME", 0, "STORE_GLOBAL", 1,
		"LOAD_CONST", 1, "RETURN_VALUE", 0)
	blob := mt.Code{Layout: pymarshal.Layout38, Code: code, Consts: []mt.Obj{mt.Int(0), mt.None()},
		Names: []string{"socket", "s"}, Name: "payload"}.Marshal()
	rep := analyzeBlob(t, blob, Keras3Env())
	checkReport(t, rep, mal(map[ID]string{M2: "import socket", S9: "STORE_GLOBAL s", A3: ""}))

	// No RESUME: runnable, so analysed as every version that runs it.
	code = assemble(t, pybytecode.Py312, "LOAD_GLOBAL", 0, "RETURN_VALUE", 0)
	blob = mt.Code{Layout: pymarshal.Layout311, Code: code, Names: []string{"tf"}}.Marshal()
	checkReport(t, analyzeBlob(t, blob, Keras3Env()), sus(map[ID]string{A2: ""}))
}

// A code string that is the marshal data itself (one code point per byte)
// loads through func_load's raw_unicode_escape fallback: A2.
func TestAnalyzeKerasLambdaRaw(t *testing.T) {
	blob := mt.Code{Layout: pymarshal.Layout38, Code: assemble(t, pybytecode.Py38, "LOAD_CONST", 0, "RETURN_VALUE", 0),
		Consts: []mt.Obj{mt.None()}}.Marshal()
	runes := make([]rune, len(blob))
	for i, b := range blob {
		runes[i] = rune(b)
	}
	rep, err := AnalyzeKerasLambda(string(runes), nil, nil, Keras3Env())
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep, sus(map[ID]string{A2: "raw_unicode_escape"}))
}
