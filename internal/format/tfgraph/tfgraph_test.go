package tfgraph

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	pw "github.com/modelgate/modelgate/internal/format/protowalk"
)

func sample(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "samples", "tf", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parser(data []byte) *Parser {
	return NewParser(pw.New(bytes.NewReader(data), int64(len(data)), pw.DefaultLimits()), DefaultLimits())
}

func TestParseRealShapedSavedModel(t *testing.T) {
	data := sample(t, "benign_savedmodel.pb")
	if !SniffSavedModel(data[:min(len(data), 4096)], int64(len(data))) {
		t.Fatal("not sniffed as a SavedModel")
	}
	sm, err := parser(data).ParseSavedModel()
	if err != nil {
		t.Fatal(err)
	}
	mg := sm.MetaGraphs[0]
	if len(mg.Tags) != 1 || mg.Tags[0] != "serve" || mg.Saver == nil || mg.Saver.Save != "StatefulPartitionedCall_1:0" {
		t.Fatalf("meta graph: tags %v saver %+v", mg.Tags, mg.Saver)
	}
	if len(mg.Graph.Functions) != 4 || len(mg.Signatures) != 1 || mg.Signatures[0].Outputs[0] != "StatefulPartitionedCall:0" {
		t.Fatalf("functions %d signatures %+v", len(mg.Graph.Functions), mg.Signatures)
	}
	var sp *Node
	for _, n := range mg.Graph.Nodes {
		if n.Name == "StatefulPartitionedCall_1" {
			sp = n
		}
	}
	if sp == nil || sp.Attr("f") == nil || sp.Attr("f").Funcs[0] != "__inference__traced_save_200" {
		t.Fatalf("save call node %+v", sp)
	}
}

func TestSniffTellsFormatsApart(t *testing.T) {
	for _, tc := range []struct {
		file           string
		saved, graphed bool
	}{
		{"benign_savedmodel.pb", true, false},
		{"benign_frozen_graph.pb", false, true},
		{"truncated.pb", true, false},
	} {
		data := sample(t, tc.file)
		if got := SniffSavedModel(data, int64(len(data))); got != tc.saved {
			t.Errorf("%s: SniffSavedModel = %v", tc.file, got)
		}
		if got := SniffGraphDef(data, int64(len(data))); got != tc.graphed {
			t.Errorf("%s: SniffGraphDef = %v", tc.file, got)
		}
	}
	// Another schema's protobuf: a message field 2 holding a string field 1.
	other := []byte("\x12\x24\x0a\x22https://ct.googleapis.com/testtube")
	if SniffSavedModel(other, int64(len(other))) || SniffGraphDef(other, int64(len(other))) {
		t.Error("a foreign protobuf sniffed as TensorFlow")
	}
	onnx, _ := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "samples", "onnx", "cnn.onnx"))
	if SniffSavedModel(onnx, int64(len(onnx))) || SniffGraphDef(onnx, int64(len(onnx))) {
		t.Error("an ONNX model sniffed as TensorFlow")
	}
}

func TestNestedRejectsNonGraphs(t *testing.T) {
	for _, s := range []string{"hello world, a plain string", "\n\x05hello\x12\x03a b", "\x0a\x02\x08\x01"} {
		data := []byte(s)
		g, err := parser(data).ParseNested(Str{Off: 0, Len: int64(len(data))}, 1)
		if g != nil || err != nil {
			t.Errorf("%q parsed as a nested graph (%v)", s, err)
		}
	}
}

// FuzzParse parses arbitrary bytes as a SavedModel, a GraphDef and a nested
// graph, the three entries the analyzer uses.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "samples", "tf", "*.pb"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxNodes: 10_000, MaxInputs: 1_000, MaxLongStrings: 1_000, MaxStringBytes: 1 << 20}
		wl := pw.Limits{MaxDepth: 32, MaxFields: 200_000}
		SniffSavedModel(data, int64(len(data)))
		SniffGraphDef(data, int64(len(data)))
		p := NewParser(pw.New(bytes.NewReader(data), int64(len(data)), wl), lim)
		if sm, err := p.ParseSavedModel(); err == nil {
			for _, mg := range sm.MetaGraphs {
				for _, n := range mg.Graph.Nodes {
					for _, a := range n.Attrs {
						for _, s := range a.Long {
							_, _ = p.ParseNested(s, 2)
						}
					}
				}
			}
		}
		p = NewParser(pw.New(bytes.NewReader(data), int64(len(data)), wl), lim)
		_, _ = p.ParseGraphDef(p.W.Root())
	})
}
