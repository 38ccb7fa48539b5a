package onnx

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	pw "github.com/modelgate/modelgate/internal/format/protowalk"
)

func sample(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "samples", "onnx", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(data []byte) (*Model, *pw.Walker, error) {
	w := pw.New(bytes.NewReader(data), int64(len(data)), pw.DefaultLimits())
	md, err := NewParser(w, DefaultLimits()).Parse()
	return md, w, err
}

func TestParseTorchExport(t *testing.T) {
	md, _, err := parse(sample(t, "rnn_loop_if.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if md.Producer != "pytorch" || md.Graph == nil || len(md.Opsets) == 0 {
		t.Fatalf("producer %q opsets %v", md.Producer, md.Opsets)
	}
	subgraphs := 0
	for _, n := range md.Graph.Nodes {
		for _, a := range n.Attrs {
			subgraphs += len(a.Graphs)
		}
	}
	if subgraphs != 3 { // Loop body, If then/else
		t.Fatalf("found %d subgraphs, want 3", subgraphs)
	}
}

func TestExternalDataEntries(t *testing.T) {
	md, _, err := parse(sample(t, "external_traversal.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	w := md.Graph.Initializers[0]
	if loc, _ := w.Get("location"); loc != "../../../../etc/passwd" || w.Location != External {
		t.Fatalf("location %q data_location %d", loc, w.Location)
	}
}

// TestLargeInitializerIsNotRead: a 32 MiB embedded tensor costs a length
// decode, not a read.
func TestLargeInitializerIsNotRead(t *testing.T) {
	big := make([]byte, 32<<20)
	tensor := protowire.AppendBytes(protowire.AppendTag(nil, 8, protowire.BytesType), []byte("w"))
	tensor = protowire.AppendVarint(protowire.AppendTag(tensor, 2, protowire.VarintType), 1)
	tensor = protowire.AppendBytes(protowire.AppendTag(tensor, 9, protowire.BytesType), big)
	graph := protowire.AppendBytes(protowire.AppendTag(nil, 5, protowire.BytesType), tensor)
	model := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 8)
	model = protowire.AppendBytes(protowire.AppendTag(model, 7, protowire.BytesType), graph)
	md, w, err := parse(model)
	if err != nil || len(md.Graph.Initializers) != 1 || md.Graph.Initializers[0].RawLen != int64(len(big)) {
		t.Fatalf("parse: %v", err)
	}
	if w.Read > 256<<10 {
		t.Fatalf("read %d bytes of a %d-byte model", w.Read, len(model))
	}
}

// FuzzParse parses arbitrary bytes as an ONNX model.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "samples", "onnx", "*.onnx"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		Sniff(data, int64(len(data)))
		w := pw.New(bytes.NewReader(data), int64(len(data)), pw.Limits{MaxDepth: 32, MaxFields: 200_000})
		_, _ = NewParser(w, Limits{MaxNodes: 10_000, MaxTensors: 10_000, MaxNames: 1_000, MaxStringBytes: 1 << 20}).Parse()
	})
}
