package sign

import (
	"context"
	"crypto/sha256"
	mrand "math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkHash hashes a small model of random files (warm page cache); its
// MB/s compares with BenchmarkSHA256 from the same run. The 4 GB measurement
// is bench/signbench.
func BenchmarkHash(b *testing.B) {
	dir := b.TempDir()
	rng := mrand.NewChaCha8([32]byte{})
	for i := range 8 {
		buf := make([]byte, 8<<20)
		rng.Read(buf)
		writeFile(b, filepath.Join(dir, "f"+strconv.Itoa(i)), buf)
	}
	b.SetBytes(64 << 20)
	for b.Loop() {
		if _, err := Hash(context.Background(), dir, HashOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA256 is crypto/sha256 over a 1 MiB buffer on one core.
func BenchmarkSHA256(b *testing.B) {
	buf := make([]byte, readChunk)
	h := sha256.New()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		h.Write(buf)
	}
}
