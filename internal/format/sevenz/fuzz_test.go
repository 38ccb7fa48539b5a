package sevenz

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func FuzzReader(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.7z")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, tc := range badHeaders {
		f.Add(tc.data)
	}
	f.Add(oneFile("hello"))
	f.Fuzz(func(t *testing.T, data []byte) {
		exercise(t, data)
		// Mutations rarely keep the CRCs right; fix them so the header
		// parser sees the mutated header.
		if fixed := fixCRCs(data); fixed != nil {
			exercise(t, fixed)
		}
	})
}

// exercise lists and reads everything, within a decoding budget, then
// reads the files again in reverse order: a solid folder read backwards
// must give the same bytes as read forwards.
func exercise(t *testing.T, data []byte) {
	a, err := open(data)
	if err != nil {
		return
	}
	budget := int64(8 << 20)
	sums := make([]uint32, len(a.Files))
	clean := true
	for i := range a.Files {
		sums[i], clean = readSome(a, &a.Files[i], &budget, clean)
	}
	if !clean {
		return
	}
	for i := len(a.Files) - 1; i >= 0; i-- {
		if sum, ok := readSome(a, &a.Files[i], &budget, true); ok && sum != sums[i] {
			t.Fatalf("file %d reads differently backwards", i)
		}
	}
}

// readSome reads a file within the budget and returns the CRC of what it
// read, and whether it read all of it without error.
func readSome(a *Archive, f *File, budget *int64, clean bool) (uint32, bool) {
	a.Check(f)
	f.IsDir()
	f.IsSymlink()
	rc, err := a.Open(f)
	if err != nil {
		return 0, false
	}
	defer rc.Close()
	h := crc32.NewIEEE()
	n, err := io.CopyN(h, rc, max(*budget, 0))
	*budget -= n
	return h.Sum32(), clean && err == io.EOF
}

// fixCRCs returns a copy of data with the start header's and the header's
// CRCs recomputed, or nil when the start header points outside data.
func fixCRCs(data []byte) []byte {
	if len(data) < signatureSize || !bytes.HasPrefix(data, Magic) {
		return nil
	}
	b := bytes.Clone(data)
	off := binary.LittleEndian.Uint64(b[12:])
	n := binary.LittleEndian.Uint64(b[20:])
	room := uint64(len(b) - signatureSize)
	if off > room || n > room-off {
		return nil
	}
	hdr := b[signatureSize+off:][:n]
	binary.LittleEndian.PutUint32(b[28:], crc32.ChecksumIEEE(hdr))
	binary.LittleEndian.PutUint32(b[8:], crc32.ChecksumIEEE(b[12:32]))
	return b
}
