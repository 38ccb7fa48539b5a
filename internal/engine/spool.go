package engine

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// spooled holds a stream copied for random access: in memory while it is
// small, in an unlinked-on-release temporary file beyond that.
type spooled struct {
	mem  []byte
	file *os.File
	size int64
}

// spool copies r; sizeHint (or -1) lets small known sizes skip the file.
func spool(r io.Reader, memLimit, sizeHint int64) (*spooled, error) {
	if sizeHint >= 0 && sizeHint <= memLimit {
		buf := bytes.NewBuffer(make([]byte, 0, sizeHint))
		if _, err := io.Copy(buf, io.LimitReader(r, memLimit+1)); err != nil {
			return nil, err
		}
		if int64(buf.Len()) <= memLimit {
			return &spooled{mem: buf.Bytes(), size: int64(buf.Len())}, nil
		}
		return spoolToFile(io.MultiReader(bytes.NewReader(buf.Bytes()), r))
	}
	head := make([]byte, 0, 64<<10)
	buf := bytes.NewBuffer(head)
	n, err := io.Copy(buf, io.LimitReader(r, memLimit+1))
	if err != nil {
		return nil, err
	}
	if n <= memLimit {
		return &spooled{mem: buf.Bytes(), size: n}, nil
	}
	return spoolToFile(io.MultiReader(bytes.NewReader(buf.Bytes()), r))
}

func spoolToFile(r io.Reader) (*spooled, error) {
	f, err := os.CreateTemp("", "modelgate-spool-*")
	if err != nil {
		return nil, fmt.Errorf("temporary file for a large stream: %w", err)
	}
	n, err := io.CopyBuffer(f, r, make([]byte, 1<<20))
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &spooled{file: f, size: n}, nil
}

func (s *spooled) Size() int64 { return s.size }

func (s *spooled) Open() (io.ReadCloser, error) {
	return io.NopCloser(io.NewSectionReader(s.ReaderAt(), 0, s.size)), nil
}

func (s *spooled) ReaderAt() io.ReaderAt {
	if s.file != nil {
		return s.file
	}
	return bytes.NewReader(s.mem)
}

func (s *spooled) release() {
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
	}
	s.mem = nil
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
