package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/internal/analyze/all"
	"github.com/modelgate/modelgate/internal/benchgen"
	"github.com/modelgate/modelgate/internal/engine"
)

// BenchmarkCheckpoint scans a torch.save-style zip whose 300 storages
// are never read beyond their first bytes.
func BenchmarkCheckpoint(b *testing.B) {
	path := filepath.Join(b.TempDir(), "ckpt.pt")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := benchgen.TorchCheckpoint(f, 64<<20, 300); err != nil {
		b.Fatal(err)
	}
	f.Close()
	e := engine.New(engine.Options{Analyzers: all.Analyzers(), Layouts: all.Layouts(), Jobs: 1})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := e.Scan(context.Background(), []string{path}).Report; r.Files[0].Verdict != 0 {
			b.Fatalf("%v %v", r.Files[0].Verdict, r.Files[0].Findings)
		}
	}
}

// BenchmarkDenseFile scans a 64 MB dense pickle through the engine, as the
// command line does: the file read and detection on top of the VM.
func BenchmarkDenseFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "dense.pkl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	n, err := benchgen.DensePickle(f, 64<<20)
	if err != nil {
		b.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(path)
	_ = n
	e := engine.New(engine.Options{Analyzers: all.Analyzers(), Layouts: all.Layouts(), Jobs: 1})
	b.SetBytes(st.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := e.Scan(context.Background(), []string{path}).Report; r.Files[0].Verdict != 0 {
			b.Fatalf("%v %v", r.Files[0].Verdict, r.Files[0].Findings)
		}
	}
}
