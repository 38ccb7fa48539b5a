package scantest

import (
	"context"
	"io"

	"github.com/modelgate/modelgate/internal/analyze"
)

// Scope is an analyze.Scope over an io.ReaderAt for analyzer-level tests
// and benchmarks: it records hits, child names and errors instead of
// running the engine.
type Scope struct {
	Art      analyze.Artifact
	R        io.ReaderAt
	Hits     []analyze.Hit
	Children []string
	Errors   []error
}

// NewScope describes an artifact of the given size read through r.
func NewScope(name string, r io.ReaderAt, size int64) *Scope {
	head := make([]byte, min(size, analyze.HeadSize))
	n, _ := r.ReadAt(head, 0)
	return &Scope{Art: analyze.Artifact{Location: name, Name: name, Size: size, Head: head[:n]}, R: r}
}

// Rules lists the rules hit.
func (s *Scope) Rules() map[string]bool {
	out := map[string]bool{}
	for _, h := range s.Hits {
		out[h.Rule] = true
	}
	return out
}

func (s *Scope) Context() context.Context    { return context.Background() }
func (s *Scope) Artifact() *analyze.Artifact { return &s.Art }
func (s *Scope) Open() (io.ReadCloser, error) {
	return io.NopCloser(io.NewSectionReader(s.R, 0, s.Art.Size)), nil
}
func (s *Scope) ReaderAt() (io.ReaderAt, error)       { return s.R, nil }
func (s *Scope) Report(h analyze.Hit)                 { s.Hits = append(s.Hits, h) }
func (s *Scope) Incomplete(err error)                 { s.Errors = append(s.Errors, err) }
func (s *Scope) SetFormat(string)                     {}
func (s *Scope) Scan(c analyze.Child)                 { s.Children = append(s.Children, c.Name) }
func (s *Scope) Meter(r io.Reader, _ int64) io.Reader { return r }
func (s *Scope) Layouts() []analyze.Layout            { return nil }

// Sparse is a file of Size bytes whose first bytes are Head and the rest
// zeros, read without storing them; Read counts the bytes asked for, which
// is how tests prove an analyzer reads only a header.
type Sparse struct {
	Head []byte
	Size int64
	Read int64
}

// ReadAt implements io.ReaderAt.
func (f *Sparse) ReadAt(p []byte, off int64) (int, error) {
	if off >= f.Size {
		return 0, io.EOF
	}
	n := int64(len(p))
	if off+n > f.Size {
		n = f.Size - off
	}
	f.Read += n
	clear(p[:n])
	if off < int64(len(f.Head)) {
		copy(p[:n], f.Head[off:])
	}
	if n < int64(len(p)) {
		return int(n), io.EOF
	}
	return int(n), nil
}
