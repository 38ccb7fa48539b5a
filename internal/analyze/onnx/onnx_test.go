package onnx_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/analyze/onnx"
	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/scantest"
)

func sample(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join(scantest.Samples(), "onnx", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// modelDir writes external_ok.onnx into a fresh directory and lets prepare
// place its data file; it returns the model's path.
func modelDir(t *testing.T, prepare func(dir string)) string {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.onnx")
	if err := os.WriteFile(p, sample(t, "external_ok.onnx"), 0o644); err != nil {
		t.Fatal(err)
	}
	prepare(dir)
	return p
}

func TestExternalDataOnDisk(t *testing.T) {
	data := sample(t, "external_ok.onnx.data")
	tests := []struct {
		name    string
		prepare func(dir string)
		rule    string
		want    string
	}{
		{"regular file", func(dir string) { os.WriteFile(filepath.Join(dir, "external_ok.onnx.data"), data, 0o644) }, "ONNX-100", "external_ok.onnx.data"},
		{"symlink", func(dir string) {
			outside := filepath.Join(t.TempDir(), "secret")
			os.WriteFile(outside, data, 0o600)
			os.Symlink(outside, filepath.Join(dir, "external_ok.onnx.data"))
		}, "ONNX-201", "link"},
		{"hard link", func(dir string) {
			outside := filepath.Join(t.TempDir(), "secret")
			os.WriteFile(outside, data, 0o600)
			if err := os.Link(outside, filepath.Join(dir, "external_ok.onnx.data")); err != nil {
				t.Skip("hard links unavailable:", err)
			}
		}, "ONNX-201", "hard links"},
		{"short file", func(dir string) { os.WriteFile(filepath.Join(dir, "external_ok.onnx.data"), data[:4], 0o644) }, "ONNX-202", "4-byte file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := scantest.File(t, modelDir(t, tc.prepare))
			got, ok := scantest.Has(f, tc.rule)
			if !ok || !strings.Contains(got.Message+got.Evidence, tc.want) {
				t.Fatalf("want %s mentioning %q; got %+v", tc.rule, tc.want, f.Findings)
			}
		})
	}
}

// TestHugeExternalDataIsNeverRead: an 8 GiB (sparse) data file beside the
// model is only lstat'ed; the scan finishes at once and reads none of it.
func TestHugeExternalDataIsNeverRead(t *testing.T) {
	p := modelDir(t, func(dir string) {
		f, err := os.Create(filepath.Join(dir, "external_ok.onnx.data"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(8 << 30); err != nil {
			t.Skip("sparse files unavailable:", err)
		}
	})
	f := scantest.File(t, p)
	if f.Verdict != finding.Safe || !scantest.Rules(f)["ONNX-100"] {
		t.Fatalf("verdict %s findings %+v errors %v", f.Verdict, f.Findings, f.Errors)
	}
}

func TestRealExportsAreSafe(t *testing.T) {
	for _, name := range []string{"cnn.onnx", "rnn_loop_if.onnx", "benign_mask.onnx", "local_function.onnx"} {
		f := scantest.Sample(t, filepath.Join("onnx", name))
		if f.Verdict != finding.Safe || len(f.Findings) != 0 || len(f.Errors) != 0 {
			t.Errorf("%s: verdict %s findings %+v errors %v", name, f.Verdict, f.Findings, f.Errors)
		}
	}
}

// FuzzAnalyze runs the analyzer on arbitrary bytes: no panic, no hang.
func FuzzAnalyze(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(scantest.Samples(), "onnx", "*.onnx"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scantest.Analyze(onnx.Analyzer{}, "fuzz.onnx", data)
	})
}
