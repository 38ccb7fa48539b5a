package archive

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/bodgit/sevenzip"

	"github.com/modelgate/modelgate/internal/analyze"
)

// SevenZip analyses 7z archives (used to wrap pickles past scanners that
// only open zips, as in ReversingLabs' nullifAI models).
type SevenZip struct{}

var sevenZipMagic = []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}

// Name implements analyze.Analyzer.
func (SevenZip) Name() string { return "7z" }

// Match implements analyze.Analyzer.
func (SevenZip) Match(a *analyze.Artifact) analyze.Confidence {
	if bytes.HasPrefix(a.Head, sevenZipMagic) {
		return analyze.Magic
	}
	return analyze.No
}

// Analyze implements analyze.Analyzer.
func (SevenZip) Analyze(s analyze.Scope) (err error) {
	ra, err := s.ReaderAt()
	if err != nil {
		return err
	}
	defer func() {
		// The 7z decoders are third-party code on hostile input: contain
		// their failures to this artifact.
		if r := recover(); r != nil {
			err = fmt.Errorf("7z archive could not be decoded: %v", r)
		}
	}()
	zr, err := sevenzip.NewReader(ra, s.Artifact().Size)
	if err != nil {
		if isEncryption(err) || headerEncrypted(ra, s.Artifact().Size) {
			s.Report(analyze.Hit{Rule: "ARCHIVE-204", Message: "the 7z archive's headers are encrypted; nothing in it could be analysed", Evidence: err.Error()})
			return nil
		}
		return fmt.Errorf("not a readable 7z archive: %w", err)
	}
	checks := newNameChecks()
	var members []analyze.Member
	for _, f := range zr.File {
		link := ""
		if f.Mode()&(1<<27) != 0 { // fs.ModeSymlink
			link = "?"
		}
		checks.add(f.Name, link)
		if f.FileInfo().IsDir() || link != "" {
			continue
		}
		f := f
		size := int64(f.UncompressedSize)
		members = append(members, analyze.Member{Name: f.Name, Size: size, Src: analyze.StreamSource{N: size, Func: func() (io.ReadCloser, error) {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			return struct {
				io.Reader
				io.Closer
			}{s.Meter(rc, 0), rc}, nil
		}}})
	}
	checks.report(s, "7z")
	return runLayouts(s, "7z", members)
}

// aesCoder is the 7z method ID of AES-256 + SHA-256 key derivation.
var aesCoder = []byte{0x06, 0xf1, 0x07, 0x01}

// headerEncrypted reports an archive whose header is itself encrypted
// (7z -mhe=on): an encoded header whose coder is AES. Without the password
// the decoder only sees noise, so look for the coder ID directly.
func headerEncrypted(ra io.ReaderAt, size int64) bool {
	start := make([]byte, 32)
	if _, err := ra.ReadAt(start, 0); err != nil {
		return false
	}
	off := int64(binary.LittleEndian.Uint64(start[12:]))
	n := int64(binary.LittleEndian.Uint64(start[20:]))
	if off < 0 || n <= 0 || n > 1<<20 || off > size-32-n {
		return false
	}
	hdr := make([]byte, n)
	if _, err := ra.ReadAt(hdr, 32+off); err != nil {
		return false
	}
	return hdr[0] == 0x17 && bytes.Contains(hdr, aesCoder)
}

// isEncryption recognises the decoder's errors for password-protected
// content (it exports no sentinel for them).
func isEncryption(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "password") || strings.Contains(msg, "encrypt") || strings.Contains(msg, "aes")
}
