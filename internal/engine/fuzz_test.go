package engine_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/analyze/all"
	"github.com/modelgate/modelgate/internal/engine"
	"github.com/modelgate/modelgate/internal/scantest"
)

// FuzzEngine runs arbitrary bytes through detection and every analyzer:
// whatever the input, the scan ends with a verdict and no analyzer panics.
func FuzzEngine(f *testing.F) {
	filepath.WalkDir(scantest.Samples(), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
				f.Add(b)
			}
		}
		return nil
	})
	lim := engine.DefaultLimits()
	lim.MaxExpanded = 64 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		e := engine.New(engine.Options{Analyzers: all.Analyzers(), Layouts: all.Layouts(), Limits: lim, Jobs: 1, Stdin: bytes.NewReader(data)})
		r := e.Scan(context.Background(), []string{"-"}).Report
		if len(r.Files) != 1 {
			t.Fatalf("%d entries", len(r.Files))
		}
		for _, msg := range r.Files[0].Errors {
			if strings.Contains(msg, "internal error") {
				t.Fatal(msg)
			}
		}
	})
}
