package hdf5

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// sparseFile presents the metadata prefix of a large file at the file's
// full size; everything past the prefix reads as zeros, as the holes of a
// sparse file do.
type sparseFile struct {
	prefix []byte
	size   int64
}

func (s sparseFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.size {
		return 0, io.EOF
	}
	n := len(p)
	if rest := s.size - off; int64(n) > rest {
		n = int(rest)
	}
	clear(p[:n])
	if off < int64(len(s.prefix)) {
		copy(p[:n], s.prefix[off:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// counter counts what is read through it.
type counter struct {
	r            io.ReaderAt
	bytes, calls int64
}

func (c *counter) ReadAt(p []byte, off int64) (int, error) {
	c.calls++
	n, err := c.r.ReadAt(p, off)
	c.bytes += int64(n)
	return n, err
}

// bigModel is the acceptance case: a Keras .h5 of 2 GiB (a 2 GiB float32
// embedding) whose model_config is about 200 KB.
func bigModel(t testing.TB) sparseFile {
	prefix := fixture(t, "big_config.h5.gz")
	f := openBytes(t, prefix)
	return sparseFile{prefix: prefix, size: int64(f.Superblock().EOF)}
}

// readModel does what the Keras analyzer does: open, read model_config,
// walk every object's attributes, look at the hazards.
func readModel(t testing.TB, r io.ReaderAt, size int64) string {
	f, err := Open(r, size, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.Root().Attr("model_config").Text()
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Walk(func(o *Object) error {
		for _, a := range o.Attrs() {
			_, _ = a.Strings()
		}
		return nil
	})
	if len(f.Hazards())+len(f.Anomalies())+len(f.Errors()) > 0 {
		t.Fatalf("hazards %v anomalies %v errors %v", f.Hazards(), f.Anomalies(), f.Errors())
	}
	return cfg
}

func TestBigModelReadsLittle(t *testing.T) {
	file := bigModel(t)
	if file.size < 2<<30 {
		t.Fatalf("file of %d bytes", file.size)
	}
	c := &counter{r: file}
	cfg := readModel(t, c, file.size)
	if len(cfg) < 200_000 || !strings.Contains(cfg, `"Lambda"`) {
		t.Errorf("model_config of %d bytes", len(cfg))
	}
	if c.bytes > 1<<20 {
		t.Errorf("read %d bytes of a %d-byte file", c.bytes, file.size)
	}
	t.Logf("2 GiB file, %d-byte model_config: %d bytes read in %d calls", len(cfg), c.bytes, c.calls)
}

// BenchmarkBigModel times the acceptance case; bytes-read/op must stay
// under 1 MiB and ns/op under 100 ms.
func BenchmarkBigModel(b *testing.B) {
	file := bigModel(b)
	c := &counter{r: file}
	b.ReportAllocs()
	for b.Loop() {
		readModel(b, c, file.size)
	}
	b.ReportMetric(float64(c.bytes)/float64(b.N), "bytes-read/op")
	b.ReportMetric(float64(c.calls)/float64(b.N), "reads/op")
}

// BenchmarkOpen times opening each layout family.
func BenchmarkOpen(b *testing.B) {
	for _, name := range []string{"keras2_v0.h5", "keras2_dense_latest.h5", "many.h5.gz"} {
		data := fixture(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Open(bytes.NewReader(data), int64(len(data)), Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
