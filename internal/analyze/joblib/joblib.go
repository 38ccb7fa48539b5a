// Package joblib analyses joblib's legacy compressed container ("ZF": a
// length header and a zlib stream, joblib < 0.10). Current joblib dumps are
// plain or compressed pickles with inline arrays, which the compressed-stream
// and pickle analyzers read directly.
package joblib

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
)

// zfHeader is "ZF" followed by the hex length padded to 19 characters.
const zfHeader = 2 + 19

// ZF analyses the legacy container.
type ZF struct{}

// Name implements analyze.Analyzer.
func (ZF) Name() string { return "joblib-zf" }

// Match implements analyze.Analyzer.
func (ZF) Match(a *analyze.Artifact) analyze.Confidence {
	if len(a.Head) >= zfHeader+2 && bytes.HasPrefix(a.Head, []byte("ZF0x")) {
		if _, ok := declared(a.Head); ok {
			return analyze.Magic
		}
	}
	return analyze.No
}

func declared(head []byte) (int64, bool) {
	field := strings.TrimRight(string(head[2:zfHeader]), " \x00")
	n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(field, "0x"), "L"), 16, 64)
	return n, err == nil && n >= 0
}

// Analyze implements analyze.Analyzer.
func (ZF) Analyze(s analyze.Scope) error {
	a := s.Artifact()
	want, _ := declared(a.Head)
	var got int64 = -1
	s.Scan(analyze.Child{Name: "<zlib data>", Stored: a.Size, Src: analyze.StreamSource{N: want, Func: func() (io.ReadCloser, error) {
		rc, err := s.Open()
		if err != nil {
			return nil, err
		}
		if _, err := io.CopyN(io.Discard, rc, zfHeader); err != nil {
			rc.Close()
			return nil, err
		}
		z, err := zlib.NewReader(rc)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("joblib ZF container: %w", err)
		}
		return &counted{r: s.Meter(z, a.Size), c: rc, n: &got}, nil
	}}})
	if got >= 0 && got != want {
		s.Report(analyze.Hit{Rule: "JOBLIB-201",
			Message:  fmt.Sprintf("the ZF header declares %d bytes but the zlib stream holds %d", want, got),
			Evidence: string(bytes.TrimRight(a.Head[:zfHeader], " "))})
	}
	return nil
}

// counted records the decompressed length once the stream is read to its end.
type counted struct {
	r     io.Reader
	c     io.Closer
	n     *int64
	total int64
}

func (c *counted) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.total += int64(n)
	if err == io.EOF {
		*c.n = c.total
	}
	return n, err
}

func (c *counted) Close() error { return c.c.Close() }
