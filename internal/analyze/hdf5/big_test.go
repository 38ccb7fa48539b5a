package hdf5_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/format/hdf5"
	"github.com/modelgate/modelgate/internal/scantest"
)

// bigModel writes the acceptance case to a sparse file: a tf.keras .h5 of
// 2 GiB (a 2 GiB float32 embedding) whose model_config is about 200 KB.
// The metadata prefix is the HDF5 reader's own acceptance fixture; the
// rest of the file is a hole, as unread weights would be.
func bigModel(t testing.TB) string {
	raw, err := os.ReadFile(filepath.Join("..", "..", "format", "hdf5", "testdata", "big_config.h5.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	prefix, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdf5.Open(bytes.NewReader(prefix), int64(len(prefix)), hdf5.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "big_model.h5")
	if err := os.WriteFile(path, prefix, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, int64(f.Superblock().EOF)); err != nil {
		t.Fatal(err)
	}
	return path
}

// readBytes is what this process has read through read/pread so far
// (Linux /proc/self/io rchar), or -1 where that is not available.
func readBytes() int64 {
	fh, err := os.Open("/proc/self/io")
	if err != nil {
		return -1
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "rchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return -1
}

// TestBigModelThroughEngine: the whole engine (detection, HDF5 analyzer,
// Keras config walk, Lambda grading) reads under 1 MiB of the 2 GiB file.
func TestBigModelThroughEngine(t *testing.T) {
	path := bigModel(t)
	before := readBytes()
	f := scantest.File(t, path)
	read := readBytes() - before
	if f.Size < 2<<30 || f.Verdict != finding.Safe || len(f.Errors) > 0 || f.Formats[0] != "keras-h5" {
		t.Fatalf("size %d verdict %s formats %v errors %v findings %v", f.Size, f.Verdict, f.Formats, f.Errors, f.Findings)
	}
	if _, ok := scantest.Has(f, "KERAS-100"); !ok {
		t.Errorf("the Lambda in the 200 KB model_config was not graded: %v", f.Findings)
	}
	if before < 0 {
		t.Skip("no /proc/self/io: bytes read not measured")
	}
	if read > 1<<20 {
		t.Errorf("read %d bytes of a %d-byte file", read, f.Size)
	}
	t.Logf("%d-byte file: %d bytes read through the engine", f.Size, read)
}

// BenchmarkBigModelThroughEngine times the acceptance case (under 100 ms
// per scan is the target) and reports the bytes read per scan.
func BenchmarkBigModelThroughEngine(b *testing.B) {
	path := bigModel(b)
	before := readBytes()
	for b.Loop() {
		scantest.File(b, path)
	}
	if before >= 0 {
		b.ReportMetric(float64(readBytes()-before)/float64(b.N), "bytes-read/op")
	}
}
