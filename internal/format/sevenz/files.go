package sevenz

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// fileProps holds the FilesInfo properties this reader uses, as slices of
// the header, until the file count has been checked against them.
type fileProps struct {
	emptyStream, emptyFile, anti []byte
	names, attrs                 []byte
	present                      map[byte]bool
}

// parseFiles reads FilesInfo. The file count is only trusted once the
// properties have paid for it: every file either has one of the folders'
// substreams or a bit in the empty-stream vector.
func parseFiles(h *reader, s *streams) []File {
	n := h.count("files", 0)
	p := fileProps{present: map[byte]bool{}}
	for id := h.byte(); h.err == nil && id != idEnd; id = h.byte() {
		data := h.bytes(h.number())
		switch id {
		case idEmptyStream, idEmptyFile, idAnti, idName, idWinAttributes:
			if p.present[id] {
				h.fail("property %#x appears twice in the file list", id)
			}
			p.present[id] = true
		}
		switch id {
		case idEmptyStream:
			p.emptyStream = data
		case idEmptyFile:
			p.emptyFile = data
		case idAnti:
			p.anti = data
		case idName:
			p.names = data
		case idWinAttributes:
			p.attrs = data
		}
		// Times, comments, start positions and unknown properties are
		// skipped by their length, as 7-Zip does.
	}
	if h.err != nil {
		return nil
	}
	empty, ok := vector(p.emptyStream, n)
	if !ok {
		h.fail("%d files declared, %d bytes of empty-stream bits", n, len(p.emptyStream))
		return nil
	}
	if numEmpty := empty.ones(n); n-numEmpty != len(s.subs) {
		h.fail("%d files declared, %d of them with data, for %d streams", n, n-numEmpty, len(s.subs))
		return nil
	}
	numEmpty := n - len(s.subs)
	emptyFile, ok1 := vector(p.emptyFile, numEmpty)
	anti, ok2 := vector(p.anti, numEmpty)
	if !ok1 || !ok2 {
		h.fail("empty-file or anti-item bits are truncated")
		return nil
	}
	files := make([]File, n)
	for i, e, j := 0, 0, 0; i < n; i++ {
		f := &files[i]
		if empty.has(i) {
			f.emptyFile, f.Anti = emptyFile.has(e), anti.has(e)
			e++
			continue
		}
		sub := s.subs[j]
		j++
		f.HasStream, f.Size, f.folder, f.offset = true, sub.size, sub.folder, sub.offset
		f.CRC, f.HasCRC = sub.crc.crc, sub.crc.ok
	}
	if p.present[idName] {
		h.setErr(parseNames(p.names, files))
	}
	if p.present[idWinAttributes] {
		h.setErr(parseAttributes(p.attrs, files))
	}
	return files
}

// vector interprets an optional bit vector of n bits; absent, no bit is
// set.
func vector(b []byte, n int) (bitVector, bool) {
	if b == nil {
		return bitVector{}, true
	}
	return bitVector{b: b}, len(b) >= (n+7)/8
}

func (h *reader) setErr(err error) {
	if err != nil && h.err == nil {
		h.err = fmt.Errorf("7z header: %w", err)
	}
}

// parseNames reads one UTF-16LE name per file, each ending in a zero.
func parseNames(b []byte, files []File) error {
	if len(b) == 0 || b[0] != 0 {
		return errors.New("file names stored outside the header are not supported")
	}
	b = b[1:]
	if len(b)%2 != 0 {
		return errors.New("file names end in half a character")
	}
	var name []byte
	i := 0
	for ; len(b) > 0; i++ {
		if i == len(files) {
			return fmt.Errorf("more names than the %d files", len(files))
		}
		var ok bool
		if name, b, ok = decodeName(name[:0], b); !ok {
			return errors.New("a file name is not terminated")
		}
		files[i].Name = string(name)
	}
	if i != len(files) {
		return fmt.Errorf("%d names for %d files", i, len(files))
	}
	return nil
}

// decodeName appends one zero-terminated UTF-16LE name from b to dst as
// UTF-8, and returns what follows the terminator; ok is false without one.
// Unpaired surrogates become U+FFFD.
func decodeName(dst, b []byte) (name, rest []byte, ok bool) {
	for len(b) >= 2 {
		u := rune(binary.LittleEndian.Uint16(b))
		b = b[2:]
		if u == 0 {
			return dst, b, true
		}
		if utf16.IsSurrogate(u) && len(b) >= 2 {
			if r := utf16.DecodeRune(u, rune(binary.LittleEndian.Uint16(b))); r != utf8.RuneError {
				u = r
				b = b[2:]
			}
		}
		dst = utf8.AppendRune(dst, u)
	}
	return dst, nil, false
}

// parseAttributes reads the Windows attributes of the files that have
// them.
func parseAttributes(b []byte, files []File) error {
	h := &reader{b: b}
	defined := h.definedVector(len(files))
	if h.byte() != 0 && h.err == nil {
		return errors.New("attributes stored outside the header are not supported")
	}
	for i := range files {
		if defined.has(i) {
			files[i].Attrib, files[i].HasAttrib = h.uint32(), true
		}
	}
	return h.err
}
