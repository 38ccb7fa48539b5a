package all_test

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/all"
)

// TestTensorBytesAreNotClaimed: tensor storages (archive members, raw
// weight files) are sniffed by every analyzer. At model-hub scale a matcher
// that claims one head in a few thousand produces a steady stream of false
// findings, so none may claim realistic tensor bytes.
func TestTensorBytesAreNotClaimed(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	kinds := map[string]func() []byte{
		"random": func() []byte {
			b := make([]byte, analyze.HeadSize)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			return b
		},
		"float32 weights": func() []byte {
			b := make([]byte, 0, analyze.HeadSize)
			scale := r.Float64() * 0.2
			for len(b) < analyze.HeadSize {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(r.NormFloat64()*scale)))
			}
			return b
		},
		"float16 weights": func() []byte {
			b := make([]byte, 0, analyze.HeadSize)
			for len(b) < analyze.HeadSize {
				b = binary.LittleEndian.AppendUint16(b, uint16(r.Uint32()>>16)&0x7fff|uint16(r.IntN(2))<<15)
			}
			return b
		},
		"int64 indices": func() []byte {
			b := make([]byte, 0, analyze.HeadSize)
			for len(b) < analyze.HeadSize {
				b = binary.LittleEndian.AppendUint64(b, uint64(r.IntN(50000)))
			}
			return b
		},
	}
	const perKind = 20000
	for name, gen := range kinds {
		for i := 0; i < perKind; i++ {
			head := gen()
			a := &analyze.Artifact{Name: "archive/data/0", Head: head, Size: int64(len(head)) * 1024}
			for _, an := range all.Analyzers() {
				if c := an.Match(a); c > analyze.No {
					t.Fatalf("%s head %d claimed by %s (confidence %d): % x", name, i, an.Name(), c, head[:32])
				}
			}
		}
	}
}

// BenchmarkMatchTensorHeads is the detection cost the engine pays for every
// tensor member of a checkpoint: every analyzer's Match on one binary head.
// A matcher that decodes the head before rejecting it shows up here.
func BenchmarkMatchTensorHeads(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	heads := make([][]byte, 64)
	for i := range heads {
		// Zero-initialised tensors (biases, padding rows) and small int64
		// indices: their zero bytes make a head look like UTF-32 or UTF-16
		// to JSON's encoding detection.
		h := make([]byte, 0, analyze.HeadSize)
		for len(h) < analyze.HeadSize {
			h = binary.LittleEndian.AppendUint64(h, uint64(r.IntN(300)*(i%2)))
		}
		heads[i] = h
	}
	ans := all.Analyzers()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := &analyze.Artifact{Name: "archive/data/0", Head: heads[i%len(heads)], Size: 1 << 20}
		for _, an := range ans {
			an.Match(a)
		}
	}
}
