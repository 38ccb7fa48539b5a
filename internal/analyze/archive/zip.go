package archive

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/format/zipx"
)

// Zip analyses zip archives.
type Zip struct{}

// Name implements analyze.Analyzer.
func (Zip) Name() string { return "zip" }

// Match implements analyze.Analyzer.
func (Zip) Match(a *analyze.Artifact) analyze.Confidence {
	if bytes.HasPrefix(a.Head, []byte("PK\x03\x04")) || bytes.HasPrefix(a.Head, []byte("PK\x05\x06")) {
		return analyze.Magic
	}
	return analyze.No
}

// maxZipEntries bounds the listing of one archive.
const maxZipEntries = 200_000

// declaredBomb: a member that says it expands more than 100x to over 1 GiB.
const (
	declaredBombSize  = 1 << 30
	declaredBombRatio = 100
)

// Analyze implements analyze.Analyzer.
func (Zip) Analyze(s analyze.Scope) error {
	ra, err := s.ReaderAt()
	if err != nil {
		return err
	}
	arc, err := zipx.Open(ra, s.Artifact().Size, maxZipEntries)
	if err != nil {
		return fmt.Errorf("not a readable zip archive: %w", err)
	}
	var issues []string
	issues = append(issues, arc.Issues...)
	if arc.Truncated {
		s.Incomplete(fmt.Errorf("the archive lists more than %d members; the rest were not analysed", maxZipEntries))
	}
	checks := newNameChecks()
	var members []analyze.Member
	var sources []*zipSource
	var encrypted []string
	for _, e := range arc.Entries {
		link := ""
		if e.IsSymlink() {
			link = linkTarget(arc.Open(e))
		}
		checks.add(e.Name, link)
		if e.IsDir() || link != "" {
			continue
		}
		if e.Flags&(zipx.FlagEncrypted|zipx.FlagStrongEncrypt) != 0 {
			if !readsAsPlain(arc, e) {
				encrypted = append(encrypted, fmt.Sprintf("%q", clip(e.Name)))
				continue
			}
			issues = append(issues, fmt.Sprintf("%s is flagged as encrypted but its data is plain (PyTorch reads it, strict readers refuse it)", e.Name))
		}
		if e.Flags&zipx.FlagPatched != 0 {
			issues = append(issues, fmt.Sprintf("%s carries the 'compressed patched data' flag 0x20", e.Name))
		}
		if e.UncompressedSize > declaredBombSize && e.CompressedSize > 0 && e.UncompressedSize/e.CompressedSize > declaredBombRatio {
			s.Report(analyze.Hit{Rule: "ARCHIVE-205",
				Message:  fmt.Sprintf("member %s declares %d bytes from %d compressed bytes", e.Name, e.UncompressedSize, e.CompressedSize),
				Evidence: fmt.Sprintf("ratio %d", e.UncompressedSize/e.CompressedSize)})
		}
		src := &zipSource{arc: arc, e: e, s: s}
		sources = append(sources, src)
		members = append(members, analyze.Member{Name: e.Name, Size: src.Size(), Src: src, Stored: e.CompressedSize})
	}
	checks.report(s, "zip")
	if len(encrypted) > 0 {
		s.Report(analyze.Hit{Rule: "ARCHIVE-204",
			Message:  fmt.Sprintf("%d member(s) are encrypted and could not be analysed", len(encrypted)),
			Evidence: list(encrypted)})
	}
	err = runLayouts(s, "zip", members)
	for _, src := range sources {
		issues = append(issues, src.e.Issues...)
		if src.crc != nil && src.crc.Mismatch {
			issues = append(issues, fmt.Sprintf("%s: CRC-32 mismatch (PyTorch ignores it, strict readers refuse the file)", src.e.Name))
		}
	}
	if len(issues) > 0 {
		s.Report(analyze.Hit{Rule: "ARCHIVE-206",
			Message:  fmt.Sprintf("%d inconsistencies in the zip structure; members were read the way PyTorch reads them", len(issues)),
			Evidence: list(issues)})
	}
	return err
}

// readsAsPlain decides whether a member flagged as encrypted actually holds
// plain data: its decompressed bytes must match the recorded CRC.
func readsAsPlain(arc *zipx.Archive, e *zipx.Entry) bool {
	if e.UncompressedSize > 64<<20 {
		return false
	}
	rc, err := arc.Open(e)
	if err != nil {
		return false
	}
	defer rc.Close()
	h := crc32.NewIEEE()
	n, err := io.Copy(h, io.LimitReader(rc, 64<<20+1))
	return err == nil && n <= 64<<20 && h.Sum32() == e.CRC32
}

// zipSource reads one member: stored members give random access, others
// decompress through the file's expansion budget. Reading to the end checks
// the CRC.
type zipSource struct {
	arc *zipx.Archive
	e   *zipx.Entry
	s   analyze.Scope
	crc *zipx.CRCReader
	ra  io.ReaderAt // built once: it holds the prefetched head
}

func (z *zipSource) Size() int64 {
	if z.e.Method == zipx.Store {
		return z.e.CompressedSize
	}
	return z.e.UncompressedSize
}

func (z *zipSource) Open() (io.ReadCloser, error) {
	rc, err := z.arc.Open(z.e)
	if err != nil {
		return nil, err
	}
	var r io.Reader = rc
	if z.e.Method != zipx.Store {
		r = z.s.Meter(rc, z.e.CompressedSize)
	}
	z.crc = &zipx.CRCReader{R: r, Want: z.e.CRC32}
	return struct {
		io.Reader
		io.Closer
	}{z.crc, rc}, nil
}

func (z *zipSource) ReaderAt() io.ReaderAt {
	if z.e.Method != zipx.Store {
		return nil
	}
	if z.ra == nil {
		// One read brings the local header and the head the engine sniffs.
		off, head, err := z.arc.Locate(z.e, analyze.HeadSize)
		if err != nil {
			return errReaderAt{err}
		}
		z.ra = &headCached{ra: io.NewSectionReader(z.arc.ReaderAt(), off, z.e.CompressedSize), head: head}
	}
	return z.ra
}

// headCached serves reads within the prefetched head from memory.
type headCached struct {
	ra   io.ReaderAt
	head []byte
}

func (h *headCached) ReadAt(p []byte, off int64) (int, error) {
	if off >= 0 && off+int64(len(p)) <= int64(len(h.head)) {
		return copy(p, h.head[off:]), nil
	}
	return h.ra.ReadAt(p, off)
}

// Prefix implements analyze.Prefixer.
func (h *headCached) Prefix(n int) ([]byte, bool) {
	if n > len(h.head) {
		return nil, false
	}
	return h.head[:n:n], true
}

// errReaderAt reports a deferred error on every read.
type errReaderAt struct{ err error }

func (e errReaderAt) ReadAt([]byte, int64) (int, error) { return 0, e.err }
