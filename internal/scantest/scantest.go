// Package scantest runs the real engine with every analyzer for tests: a
// file, a directory of samples or bytes in memory go in, report entries come
// out.
package scantest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/modelgate/modelgate/internal/analyze/all"
	"github.com/modelgate/modelgate/internal/engine"
	"github.com/modelgate/modelgate/internal/finding"
)

// Root is the repository root, found from this file's location.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Samples is the directory of rule samples.
func Samples() string { return filepath.Join(Root(), "testdata", "samples") }

// Engine returns an engine with every analyzer and layout.
func Engine(limits engine.Limits) *engine.Engine {
	return engine.New(engine.Options{Analyzers: all.Analyzers(), Layouts: all.Layouts(), Limits: limits, Jobs: 2})
}

// Scan scans paths with default limits.
func Scan(t testing.TB, paths ...string) finding.Report {
	t.Helper()
	return Engine(engine.Limits{}).Scan(context.Background(), paths).Report
}

// File scans one path and returns its entry.
func File(t testing.TB, path string) finding.File {
	t.Helper()
	r := Scan(t, path)
	if len(r.Files) != 1 {
		t.Fatalf("scan of %s returned %d entries", path, len(r.Files))
	}
	return r.Files[0]
}

// Bytes writes data to a temporary file named name and scans it.
func Bytes(t testing.TB, name string, data []byte) finding.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return File(t, p)
}

// Sample scans a file under testdata/samples.
func Sample(t testing.TB, rel string) finding.File {
	t.Helper()
	return File(t, filepath.Join(Samples(), rel))
}

// Rules lists the distinct rule IDs of an entry.
func Rules(f finding.File) map[string]bool {
	out := map[string]bool{}
	for _, x := range f.Findings {
		out[x.Rule] = true
	}
	return out
}

// Has returns the first finding of a rule, if any.
func Has(f finding.File, rule string) (finding.Finding, bool) {
	for _, x := range f.Findings {
		if x.Rule == rule {
			return x, true
		}
	}
	return finding.Finding{}, false
}
