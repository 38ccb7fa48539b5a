package benchgen

import (
	"bytes"
	"os"
	"testing"
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
