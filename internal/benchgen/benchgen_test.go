package benchgen

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/internal/format/pickle"
)

func TestDensePickleShape(t *testing.T) {
	var b bytes.Buffer
	ops, err := DensePickle(&b, 1<<20)
	if err != nil || b.Len() < 1<<20-64<<10 || b.Len() > 1<<20 {
		t.Fatalf("%d bytes, err %v", b.Len(), err)
	}
	if per := float64(b.Len()) / float64(ops); per < 4 || per > 7 {
		t.Fatalf("%.1f bytes per opcode", per)
	}
	if os.Getenv("BENCHGEN_DENSE") != "" {
		f, _ := os.Create(os.Getenv("BENCHGEN_DENSE"))
		DensePickle(f, 64<<20)
		f.Close()
	}
}

// TestSmallPicklesWellFormed guards the benchmark itself: every generated
// file must decode to STOP, or the files-per-second figure would be measuring
// error paths.
func TestSmallPicklesWellFormed(t *testing.T) {
	dir := t.TempDir()
	if err := SmallPickles(dir, 300); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		d := pickle.NewDecoder(bytes.NewReader(b))
		var op pickle.Op
		var last byte
		for {
			err := d.Next(&op)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			last = op.Code
		}
		if last != '.' || !d.AtEOF() {
			t.Fatalf("%s: does not end with STOP", e.Name())
		}
	}
}
