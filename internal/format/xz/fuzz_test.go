package xz

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func FuzzReader(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.xz")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	// Small dictionaries keep executions fast; the bounding logic is the
	// same whatever the bound.
	f.Fuzz(func(t *testing.T, data []byte) {
		if r, err := NewReader(bytes.NewReader(data), 1<<20); err == nil {
			io.Copy(io.Discard, io.LimitReader(r, 4<<20))
		}
		if r, err := NewLZMAReader(bytes.NewReader(data), 1<<20); err == nil {
			io.Copy(io.Discard, io.LimitReader(r, 4<<20))
		}
	})
}
