//go:build unix

package engine

import (
	"errors"
	"io"
	"os"
	"syscall"
)

// openRegular opens a regular file for positioned reads. It bypasses os.Open
// because os.File registers every descriptor with the runtime's poller (four
// fcntl and a failing epoll_ctl for a regular file), which is most of the
// system-call cost of a scan over many small files. O_NONBLOCK keeps a FIFO
// named on the command line from blocking the open; it has no effect on
// reads from regular files.
func openRegular(path string) (*fdFile, int64, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, 0, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, 0, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		syscall.Close(fd)
		return nil, 0, errors.New("not a regular file")
	}
	return &fdFile{fd: fd, path: path}, st.Size, nil
}

// fdFile is a read-only file descriptor safe for concurrent ReadAt calls.
type fdFile struct {
	fd   int
	path string
}

func (f *fdFile) ReadAt(p []byte, off int64) (int, error) {
	done := 0
	for done < len(p) {
		n, err := syscall.Pread(f.fd, p[done:], off+int64(done))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return done, &os.PathError{Op: "read", Path: f.path, Err: err}
		}
		if n == 0 {
			return done, io.EOF
		}
		done += n
	}
	return done, nil
}

func (f *fdFile) Close() error { return syscall.Close(f.fd) }
