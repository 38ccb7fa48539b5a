package pickle_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/pickle"
	"github.com/modelgate/modelgate/internal/benchgen"
	"github.com/modelgate/modelgate/internal/engine"
)

var dense []byte

func denseInput(b *testing.B) []byte {
	if dense == nil {
		var buf bytes.Buffer
		if _, err := benchgen.DensePickle(&buf, 64<<20); err != nil {
			b.Fatal(err)
		}
		dense = buf.Bytes()
	}
	return dense
}

// BenchmarkDensePickle scans the opcode-dense 64 MB pickle from a file
// through the engine, one job; compare with BenchmarkDenseSHA256.
func BenchmarkDensePickle(b *testing.B) {
	data := denseInput(b)
	path := filepath.Join(b.TempDir(), "dense.pkl")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := engine.New(engine.Options{Analyzers: []analyze.Analyzer{pickle.Analyzer{}}, Jobs: 1})
		r := e.Scan(context.Background(), []string{path}).Report
		if r.Files[0].Verdict != 0 {
			b.Fatalf("verdict %s %v", r.Files[0].Verdict, r.Files[0].Errors)
		}
	}
}

func BenchmarkDenseSHA256(b *testing.B) {
	data := denseInput(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sha256.Sum256(data)
	}
}
