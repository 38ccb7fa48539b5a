package scantest

import (
	"bytes"
	"context"
	"io"

	"github.com/modelgate/modelgate/internal/analyze"
)

// Result is what one analyzer reported on bytes in memory.
type Result struct {
	Hits       []analyze.Hit
	Incomplete []error
	Err        error
}

// Rules lists the distinct rules of the hits.
func (r Result) Rules() map[string]bool {
	out := map[string]bool{}
	for _, h := range r.Hits {
		out[h.Rule] = true
	}
	return out
}

// Analyze runs one analyzer directly on data, without the engine: for fuzz
// targets and tests of an analyzer's own behaviour. Children are not scanned.
func Analyze(an analyze.Analyzer, name string, data []byte) Result {
	head := data[:min(len(data), analyze.HeadSize)]
	s := &memScope{art: analyze.Artifact{Location: name, Name: name, Size: int64(len(data)), Head: head}, data: data}
	err := an.Analyze(s)
	s.res.Err = err
	return s.res
}

type memScope struct {
	art  analyze.Artifact
	data []byte
	res  Result
}

func (s *memScope) Context() context.Context       { return context.Background() }
func (s *memScope) Artifact() *analyze.Artifact    { return &s.art }
func (s *memScope) Open() (io.ReadCloser, error)   { return io.NopCloser(bytes.NewReader(s.data)), nil }
func (s *memScope) ReaderAt() (io.ReaderAt, error) { return bytes.NewReader(s.data), nil }
func (s *memScope) Report(h analyze.Hit)           { s.res.Hits = append(s.res.Hits, h) }
func (s *memScope) Incomplete(err error)           { s.res.Incomplete = append(s.res.Incomplete, err) }
func (s *memScope) SetFormat(string)               {}
func (s *memScope) Scan(analyze.Child)             {}
func (s *memScope) Meter(r io.Reader, _ int64) io.Reader {
	return r
}
func (s *memScope) Layouts() []analyze.Layout { return nil }
