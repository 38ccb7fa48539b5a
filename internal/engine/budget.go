package engine

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/modelgate/modelgate/internal/analyze"
)

// Limits bound the work spent on one top-level file, whatever it contains.
type Limits struct {
	// MaxDepth is the deepest container nesting analysed.
	MaxDepth int
	// MaxArtifacts is the number of artifacts (members, nested payloads)
	// analysed per top-level file.
	MaxArtifacts int
	// MaxExpanded is the total number of decompressed bytes per top-level file.
	MaxExpanded int64
	// MaxRatio is the largest decompressed/compressed ratio tolerated for one
	// stream once it has produced more than RatioFloor bytes.
	MaxRatio   float64
	RatioFloor int64
	// MaxTime is the wall time per top-level file.
	MaxTime time.Duration
	// SpoolMemory is the largest stream copied into memory for random
	// access; larger ones go to a temporary file.
	SpoolMemory int64
}

// DefaultLimits are generous for real models and small for attacks: a model
// hub's largest archives expand to a few GiB, while bombs exceed 1000x.
func DefaultLimits() Limits {
	return Limits{
		MaxDepth:     24,
		MaxArtifacts: 200_000,
		MaxExpanded:  8 << 30,
		MaxRatio:     1000,
		RatioFloor:   64 << 20,
		MaxTime:      2 * time.Minute,
		SpoolMemory:  32 << 20,
	}
}

// budget is the per-top-level-file account.
type budget struct {
	limits    Limits
	artifacts atomic.Int64
	expanded  atomic.Int64
}

// meteredReader counts decompressed output against the file's budget and the
// stream's own expansion ratio, and stops on cancellation.
type meteredReader struct {
	ctx    context.Context
	r      io.Reader
	b      *budget
	stored int64
	n      int64
}

func (m *meteredReader) Read(p []byte) (int, error) {
	if err := m.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := m.r.Read(p)
	if n > 0 {
		m.n += int64(n)
		total := m.b.expanded.Add(int64(n))
		l := m.b.limits
		if total > l.MaxExpanded {
			return n, &analyze.BombError{Reason: fmt.Sprintf("more than %d bytes decompressed in one file", l.MaxExpanded)}
		}
		if m.stored > 0 && m.n > l.RatioFloor && float64(m.n) > l.MaxRatio*float64(m.stored) {
			return n, &analyze.BombError{Reason: fmt.Sprintf("%d compressed bytes expand beyond %d bytes (ratio over %.0f)", m.stored, m.n, l.MaxRatio)}
		}
	}
	return n, err
}
