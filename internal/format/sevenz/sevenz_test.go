package sevenz

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

func openFixture(t testing.TB, name string, opt Options) *Archive {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(bytes.NewReader(b), int64(len(b)), opt)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return a
}

// readAll reads a file to its end, which checks its CRC.
func readAll(t testing.TB, a *Archive, f *File) []byte {
	t.Helper()
	rc, err := a.Open(f)
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	if int64(len(b)) != f.Size {
		t.Fatalf("%s: read %d bytes of %d", f.Name, len(b), f.Size)
	}
	return b
}

// listing describes the files as "name:size" with d for directories and l
// for links.
func listing(a *Archive) string {
	var out []string
	for i := range a.Files {
		f := &a.Files[i]
		s := fmt.Sprintf("%s:%d", f.Name, f.Size)
		if f.IsDir() {
			s += "d"
		}
		if f.IsSymlink() {
			s += "l"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

const standard = "dir/empty:0 a.txt:10 dir/b.bin:70000"

func TestFixturesDecode(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"copy.7z", standard},
		{"lzma.7z", standard},
		{"lzma2.7z", standard},
		{"bzip2.7z", standard},
		{"deflate.7z", standard},
		{"delta.7z", standard},
		{"header_plain.7z", standard},
		{"bcj_lzma.7z", "a.txt:10 code.bin:70000"},
		{"bcj_lzma2.7z", "a.txt:10 code.bin:70000"},
		{"dirs.7z", "d:0d d/sub:0d d/empty:0 d/x.txt:2"},
		{"symlink.7z", "a.txt:10 link:16l"},
		{"empty_archive.7z", ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			a := openFixture(t, tc.file, Options{})
			if got := listing(a); got != tc.want {
				t.Fatalf("files %q, want %q", got, tc.want)
			}
			for i := range a.Files {
				f := &a.Files[i]
				if err := a.Check(f); err != nil {
					t.Fatalf("%s: %v", f.Name, err)
				}
				b := readAll(t, a, f)
				switch f.Name {
				case "a.txt":
					if string(b) != "hello, 7z\n" {
						t.Fatalf("a.txt holds %q", b)
					}
				case "link":
					if string(b) != "../../etc/passwd" {
						t.Fatalf("link target %q", b)
					}
				}
			}
		})
	}
}

func TestFixturesRefused(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"ppmd.7z", "7z coder PPMd is not supported"},
		{"bcj2.7z", "7z coder BCJ2 is not supported"},
		{"arm64.7z", "7z coder ARM64 is not supported"},
		{"encrypted_content.7z", ErrEncrypted.Error()},
	} {
		t.Run(tc.file, func(t *testing.T) {
			a := openFixture(t, tc.file, Options{})
			refused := 0
			for i := range a.Files {
				f := &a.Files[i]
				err := a.Check(f)
				if !f.HasStream {
					continue
				}
				if err == nil || err.Error() != tc.want {
					t.Fatalf("%s: Check says %v, want %q", f.Name, err, tc.want)
				}
				if _, err := a.Open(f); err == nil || err.Error() != tc.want {
					t.Fatalf("%s: Open says %v, want %q", f.Name, err, tc.want)
				}
				refused++
			}
			if refused == 0 {
				t.Fatal("no file was refused")
			}
		})
	}
}

func TestEncryptedHeader(t *testing.T) {
	b, _ := os.ReadFile("testdata/encrypted_header.7z")
	_, err := Open(bytes.NewReader(b), int64(len(b)), Options{})
	if !errors.Is(err, ErrEncrypted) {
		t.Fatalf("got %v, want ErrEncrypted", err)
	}
}

// meterLog counts the folder streams opened and the bytes decoded.
type meterLog struct {
	mu      sync.Mutex
	opened  int
	decoded int64
}

func (m *meterLog) meter(r io.Reader, packed int64) io.Reader {
	m.mu.Lock()
	m.opened++
	m.mu.Unlock()
	return readerFunc(func(p []byte) (int, error) {
		n, err := r.Read(p)
		m.mu.Lock()
		m.decoded += int64(n)
		m.mu.Unlock()
		return n, err
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestSolidFolderIsDecodedOnceInOrder(t *testing.T) {
	var log meterLog
	a := openFixture(t, "solid.7z", Options{Meter: log.meter})
	var total int64
	for i := range a.Files {
		f := &a.Files[i]
		if i%2 == 0 || i == len(a.Files)-1 {
			readAll(t, a, f)
		} else {
			// Stop early: the next file skips the rest.
			rc, _ := a.Open(f)
			io.CopyN(io.Discard, rc, 10)
			rc.Close()
		}
		total += f.Size
	}
	if log.opened != 1 || log.decoded != total {
		t.Fatalf("in order: %d folder streams, %d bytes decoded for %d bytes of files", log.opened, log.decoded, total)
	}
	// Going back starts over; going forward from there does not.
	readAll(t, a, &a.Files[0])
	readAll(t, a, &a.Files[len(a.Files)-1])
	if log.opened != 2 {
		t.Fatalf("after going back: %d folder streams opened, want 2", log.opened)
	}
}

func TestSolidReadersConcurrently(t *testing.T) {
	a := openFixture(t, "solid.7z", Options{})
	want := map[string][]byte{}
	for i := range a.Files {
		want[a.Files[i].Name] = readAll(t, a, &a.Files[i])
	}
	var wg sync.WaitGroup
	for range 4 {
		for i := range a.Files {
			wg.Go(func() {
				f := &a.Files[i]
				rc, err := a.Open(f)
				if err != nil {
					t.Error(err)
					return
				}
				defer rc.Close()
				got, err := io.ReadAll(rc)
				if err != nil || !bytes.Equal(got, want[f.Name]) {
					t.Errorf("%s: %d bytes, %v", f.Name, len(got), err)
				}
			})
		}
	}
	wg.Wait()
}

// TestX86StreamingIsInvariant decodes the same bytes with every read
// pattern: the filter's state must not depend on where reads stop.
func TestX86StreamingIsInvariant(t *testing.T) {
	a := openFixture(t, "bcj_lzma.7z", Options{})
	var data []byte
	for i := range a.Files {
		data = append(data, readAll(t, a, &a.Files[i])...)
	}
	decode := func(r io.Reader) []byte {
		x, _ := openX86(r, nil, 0)
		b, err := io.ReadAll(x)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	whole := decode(bytes.NewReader(data))
	if bytes.Equal(whole, data) {
		t.Fatal("the filter changed nothing: the test data has no branches")
	}
	for name, r := range map[string]io.Reader{
		"one byte": iotest.OneByteReader(bytes.NewReader(data)),
		"half":     iotest.HalfReader(bytes.NewReader(data)),
	} {
		if got := decode(r); !bytes.Equal(got, whole) {
			t.Errorf("%s reads decode differently", name)
		}
	}
}

func TestDeltaStreamingIsInvariant(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 100)
	decode := func(r io.Reader, dist byte) []byte {
		d, _ := openDelta(r, []byte{dist}, 0)
		b, _ := io.ReadAll(d)
		return b
	}
	for _, dist := range []byte{0, 3, 255} {
		whole := decode(bytes.NewReader(data), dist)
		if got := decode(iotest.OneByteReader(bytes.NewReader(data)), dist); !bytes.Equal(got, whole) {
			t.Errorf("distance %d: one-byte reads decode differently", int(dist)+1)
		}
	}
	// Distance 1 adds up the bytes: 1, 1, 1 decodes to 1, 2, 3.
	if got := decode(bytes.NewReader([]byte{1, 1, 1}), 0); !bytes.Equal(got, []byte{1, 2, 3}) {
		t.Errorf("distance 1 decodes 1,1,1 to %v", got)
	}
}
