package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/modelgate/modelgate/internal/analyze"
)

// Tar analyses tar archives (including PyTorch's legacy tar checkpoints).
type Tar struct{}

// Name implements analyze.Analyzer.
func (Tar) Name() string { return "tar" }

// Match implements analyze.Analyzer: the ustar magic, or a pre-POSIX header
// whose checksum is right.
func (Tar) Match(a *analyze.Artifact) analyze.Confidence {
	if len(a.Head) < 512 {
		return analyze.No
	}
	h := a.Head[:512]
	if bytes.Equal(h[257:263], []byte("ustar\x00")) || bytes.Equal(h[257:265], []byte("ustar  \x00")) {
		return analyze.Magic
	}
	if validChecksum(h) && h[0] != 0 {
		return analyze.Structure
	}
	return analyze.No
}

func validChecksum(h []byte) bool {
	field := bytes.Trim(h[148:156], " \x00")
	want, err := strconv.ParseUint(string(field), 8, 32)
	if err != nil || len(field) == 0 {
		return false
	}
	var sum uint64
	for i, c := range h {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += uint64(c)
	}
	return sum == want
}

// countingReader tracks the offset archive/tar has consumed, which after
// Next is where the member's data starts.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Analyze implements analyze.Analyzer.
func (Tar) Analyze(s analyze.Scope) error {
	ra, err := s.ReaderAt()
	if err != nil {
		return err
	}
	size := s.Artifact().Size
	cr := &countingReader{r: io.NewSectionReader(ra, 0, size)}
	tr := tar.NewReader(cr)
	checks := newNameChecks()
	var members []analyze.Member
	var readErr error
	for n := 0; ; n++ {
		if err := s.Context().Err(); err != nil {
			return err
		}
		if n >= maxZipEntries {
			s.Incomplete(fmt.Errorf("the archive lists more than %d members; the rest were not analysed", maxZipEntries))
			break
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			readErr = fmt.Errorf("tar archive is malformed after %d members: %w", len(members), err)
			break
		}
		switch h.Typeflag {
		case tar.TypeSymlink, tar.TypeLink:
			checks.add(h.Name, h.Linkname)
		case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse, tar.TypeCont:
			checks.add(h.Name, "")
			if h.Size < 0 || cr.n > size-h.Size {
				readErr = fmt.Errorf("member %s claims %d bytes past the end of the archive", h.Name, h.Size)
				break
			}
			var src analyze.Source = analyze.SectionSource{R: ra, Off: cr.n, Len: h.Size}
			if h.Typeflag == tar.TypeGNUSparse {
				// Sparse members are only readable through the tar reader.
				data, err := io.ReadAll(io.LimitReader(tr, 64<<20))
				if err != nil {
					readErr = err
					break
				}
				src = analyze.BytesSource(data)
			}
			members = append(members, analyze.Member{Name: h.Name, Size: h.Size, Src: src})
		default:
			checks.add(h.Name, "")
		}
		if readErr != nil {
			break
		}
	}
	checks.report(s, "tar")
	if err := runLayouts(s, "tar", members); err != nil {
		return err
	}
	return readErr
}
