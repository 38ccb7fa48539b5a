package tf_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/internal/analyze/tf"
	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/scantest"
)

func TestRealShapedModelsAreSafe(t *testing.T) {
	for _, name := range []string{"benign_savedmodel.pb", "tf1_saver_savedmodel.pb", "benign_frozen_graph.pb", "benign_mask.pb"} {
		f := scantest.Sample(t, filepath.Join("tf", name))
		if f.Verdict != finding.Safe || len(f.Findings) != 0 || len(f.Errors) != 0 {
			t.Errorf("%s: verdict %s findings %+v errors %v", name, f.Verdict, f.Findings, f.Errors)
		}
	}
}

// TestVersionlessSavedModelByName: without saved_model_schema_version the
// content alone is not convincing, but TensorFlow loads such a file under
// the name saved_model.pb, so that name is enough to analyse it.
func TestVersionlessSavedModelByName(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(scantest.Samples(), "tf", "writefile_function.pb"))
	if err != nil || data[0] != 0x08 || data[1] != 0x01 {
		t.Fatalf("sample does not start with the version field: %v", err)
	}
	f := scantest.Bytes(t, "saved_model.pb", data[2:])
	if !scantest.Rules(f)["TF-101"] {
		t.Fatalf("findings %+v errors %v", f.Findings, f.Errors)
	}
}

func TestEvidenceNamesTheLocation(t *testing.T) {
	f := scantest.Sample(t, "tf/nested_writefile.pb")
	got, ok := scantest.Has(f, "TF-101")
	if !ok {
		t.Fatalf("no TF-101: %+v", f.Findings)
	}
	for _, want := range []string{"function '__inference__wrapped_model_100'", "node 'hidden/graph_def' (Const) → nested graph", "node 'write' (WriteFile)"} {
		if !strings.Contains(got.Message, want) {
			t.Errorf("message %q lacks %q", got.Message, want)
		}
	}
	if !strings.Contains(got.Evidence, "/root/.ssh/authorized_keys") {
		t.Errorf("evidence %q lacks the path", got.Evidence)
	}
}

// FuzzAnalyze runs the analyzer on arbitrary bytes: no panic, no hang.
func FuzzAnalyze(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(scantest.Samples(), "tf", "*.pb"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scantest.Analyze(tf.Analyzer{}, "saved_model.pb", data)
	})
}

// BenchmarkLargeGraph analyses a frozen graph of 100,000 chained nodes, a
// size between BERT-base and BERT-large exports.
func BenchmarkLargeGraph(b *testing.B) {
	var g []byte
	for i := 0; i < 100_000; i++ {
		n := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte(fmt.Sprintf("n%d", i)))
		n = protowire.AppendBytes(protowire.AppendTag(n, 2, protowire.BytesType), []byte("Relu"))
		if i > 0 {
			n = protowire.AppendBytes(protowire.AppendTag(n, 3, protowire.BytesType), []byte(fmt.Sprintf("n%d", i-1)))
		}
		g = protowire.AppendBytes(protowire.AppendTag(g, 1, protowire.BytesType), n)
	}
	b.SetBytes(int64(len(g)))
	for b.Loop() {
		if r := scantest.Analyze(tf.Analyzer{}, "frozen.pb", g); r.Err != nil || len(r.Hits) != 0 {
			b.Fatalf("err %v hits %v", r.Err, r.Hits)
		}
	}
}

func field(b []byte, num protowire.Number, payload []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), payload)
}

// constGraph is a GraphDef whose one Const node holds inner as a string.
func constGraph(inner []byte) []byte {
	tensor := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 7)
	tensor = field(tensor, 8, inner)
	value := field(field(nil, 1, []byte("value")), 2, field(nil, 8, tensor))
	node := field(field(field(nil, 1, []byte("c")), 2, []byte("Const")), 5, value)
	return field(nil, 1, node)
}

// TestNestingIsBounded: graphs nested deeper than the budget end in TF-201
// and an incomplete analysis, not in unbounded recursion.
func TestNestingIsBounded(t *testing.T) {
	for _, tc := range []struct {
		levels  int
		limited bool
	}{{3, false}, {12, true}} {
		g := constGraph([]byte("innermost string value"))
		for i := 0; i < tc.levels; i++ {
			g = constGraph(g)
		}
		r := scantest.Analyze(tf.Analyzer{}, "frozen.pb", g)
		if got := r.Rules()["TF-201"] && r.Err != nil; got != tc.limited {
			t.Errorf("%d levels: limited %v, want %v (hits %v, err %v)", tc.levels, got, tc.limited, r.Rules(), r.Err)
		}
		if !r.Rules()["TF-202"] {
			t.Errorf("%d levels: nested graphs not reported", tc.levels)
		}
	}
}
