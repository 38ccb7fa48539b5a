package sevenz

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Check says why f's data cannot be decoded (ErrEncrypted, an unsupported
// coder or coder graph, a dictionary over the memory budget) without
// decoding anything; nil when Open can try.
func (a *Archive) Check(f *File) error {
	if !f.HasStream {
		return nil
	}
	return a.streams.folders[f.folder].err
}

// Open returns a reader of f's data. Reading it to the end checks the CRC.
// In a solid folder, where several files share one stream, opening files
// in order continues from where the previous one stopped instead of
// decoding the folder from its start again; opening an earlier file starts
// over. Readers may be used from different goroutines.
func (a *Archive) Open(f *File) (io.ReadCloser, error) {
	if !f.HasStream {
		return &member{a: a, f: f}, nil
	}
	c, err := a.cursorAt(f.folder, f.offset)
	if err != nil {
		return nil, err
	}
	return &member{a: a, f: f, c: c, left: f.Size}, nil
}

// cursor is a folder's decoded stream and how much of it was read.
type cursor struct {
	folder int
	r      io.Reader
	pos    int64
}

// cursorAt returns a cursor of folder fi positioned at off: the idle one
// if it has not gone past off, a new one otherwise.
func (a *Archive) cursorAt(fi int, off int64) (*cursor, error) {
	a.mu.Lock()
	c := a.idle
	a.idle = nil // at most one idle decoder holds memory
	a.mu.Unlock()
	if c == nil || c.folder != fi || c.pos > off {
		r, err := a.streams.open(a.r, fi)
		if err != nil {
			return nil, err
		}
		if a.meter != nil {
			r = a.meter(r, a.streams.packedSize(fi))
		}
		c = &cursor{folder: fi, r: r}
	}
	n, err := io.CopyN(io.Discard, c.r, off-c.pos)
	c.pos += n
	if errors.Is(err, io.EOF) {
		err = errTruncated
	}
	return c, err
}

func (a *Archive) release(c *cursor) {
	a.mu.Lock()
	a.idle = c
	a.mu.Unlock()
}

// member reads one file's slice of its folder's stream.
type member struct {
	a    *Archive
	f    *File
	c    *cursor // nil once released
	left int64
	sum  uint32
	err  error // sticky: the end of the data, or what went wrong
}

func (m *member) Read(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	if m.left == 0 {
		m.finish()
		return 0, m.err
	}
	if int64(len(p)) > m.left {
		p = p[:m.left]
	}
	n, err := m.c.r.Read(p)
	m.c.pos += int64(n)
	m.left -= int64(n)
	m.sum = crc32.Update(m.sum, crc32.IEEETable, p[:n])
	switch {
	case m.left == 0:
		m.finish()
		return n, m.err
	case errors.Is(err, io.EOF):
		err = errTruncated
	}
	if err != nil {
		m.c, m.err = nil, err // the folder stream is broken: not reused
	}
	return n, err
}

// finish hands the folder stream back for the next file and checks the
// CRC.
func (m *member) finish() {
	if m.c != nil {
		m.a.release(m.c)
		m.c = nil
	}
	m.err = io.EOF
	if m.f.HasCRC && m.sum != m.f.CRC {
		m.err = fmt.Errorf("7z file %q: CRC-32 mismatch", m.f.Name)
	}
}

// Close hands the folder stream back, positioned where reading stopped.
func (m *member) Close() error {
	if m.c != nil {
		m.a.release(m.c)
		m.c = nil
	}
	if m.err == nil {
		m.err = errors.New("7z: read after close")
	}
	return nil
}
