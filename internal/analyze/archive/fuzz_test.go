package archive_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/archive"
	"github.com/modelgate/modelgate/internal/analyze/pickle"
	"github.com/modelgate/modelgate/internal/engine"
	"github.com/modelgate/modelgate/internal/scantest"
)

// fuzzContainer feeds mutated archives to one container analyzer (plus the
// pickle analyzer for members) and fails on any analyzer panic.
func fuzzContainer(f *testing.F, an analyze.Analyzer, globs ...string) {
	for _, g := range globs {
		seeds, _ := filepath.Glob(filepath.Join(scantest.Samples(), g))
		for _, p := range seeds {
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
				f.Add(b)
			}
		}
	}
	lim := engine.DefaultLimits()
	lim.MaxExpanded = 64 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		e := engine.New(engine.Options{Analyzers: []analyze.Analyzer{an, archive.Compressed{}, pickle.Analyzer{}}, Limits: lim, Jobs: 1, Stdin: bytes.NewReader(data)})
		for _, msg := range e.Scan(context.Background(), []string{"-"}).Report.Files[0].Errors {
			if strings.Contains(msg, "internal error") {
				t.Fatal(msg)
			}
		}
	})
}

func FuzzTar(f *testing.F)      { fuzzContainer(f, archive.Tar{}, "*/*.tar", "archive/*.tar.gz") }
func FuzzSevenZip(f *testing.F) { fuzzContainer(f, archive.SevenZip{}, "archive/*.7z") }
func FuzzZip(f *testing.F)      { fuzzContainer(f, archive.Zip{}, "archive/*.zip", "torch/*.pt") }
