package engine_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/internal/analyze/all"
	"github.com/modelgate/modelgate/internal/benchgen"
	"github.com/modelgate/modelgate/internal/engine"
)

// BenchmarkSmallFiles scans a directory of 1000 small pickles with two jobs.
func BenchmarkSmallFiles(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "small")
	if err := benchgen.SmallPickles(dir, 1000); err != nil {
		b.Fatal(err)
	}
	e := engine.New(engine.Options{Analyzers: all.Analyzers(), Layouts: all.Layouts(), Jobs: 2})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := e.Scan(context.Background(), []string{dir}).Report; len(r.Files) != 1000 {
			b.Fatalf("%d files", len(r.Files))
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "files/s")
}
