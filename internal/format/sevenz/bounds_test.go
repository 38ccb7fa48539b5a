package sevenz

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"unicode/utf16"
)

// num encodes a 7z number in its shortest form.
func num(v uint64) []byte {
	for k := range 8 {
		if v < 1<<(7*k+7) {
			out := []byte{byte(0xff<<(8-k)) | byte(v>>(8*k))}
			for i := range k {
				out = append(out, byte(v>>(8*i)))
			}
			return out
		}
	}
	return binary.LittleEndian.AppendUint64([]byte{0xff}, v)
}

// cat joins header pieces: ints are single bytes, strings UTF-16LE names
// with their terminator.
func cat(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch p := p.(type) {
		case int:
			b = append(b, byte(p))
		case []byte:
			b = append(b, p...)
		case string:
			for _, u := range utf16.Encode([]rune(p + "\x00")) {
				b = binary.LittleEndian.AppendUint16(b, u)
			}
		}
	}
	return b
}

// build assembles an archive: the signature header, the packed data, then
// the header, with correct CRCs.
func build(packed, header []byte) []byte {
	start := binary.LittleEndian.AppendUint64(nil, uint64(len(packed)))
	start = binary.LittleEndian.AppendUint64(start, uint64(len(header)))
	start = binary.LittleEndian.AppendUint32(start, crc32.ChecksumIEEE(header))
	b := append(append([]byte{}, Magic...), 0, 4)
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(start))
	return append(append(append(b, start...), packed...), header...)
}

func open(b []byte) (*Archive, error) { return Open(bytes.NewReader(b), int64(len(b)), Options{}) }

// Header pieces for one Copy folder over one packed stream of n bytes.
func packInfo(n uint64) []byte {
	return cat(idPackInfo, num(0), num(1), idSize, num(n), idEnd)
}

func copyFolder(n uint64) []byte {
	return cat(idUnpackInfo, idFolder, num(1), 0, num(1), 0x01, methodCopy, idCodersUnpackSize, num(n), idEnd)
}

func names(ns ...string) []byte {
	body := []byte{0}
	for _, n := range ns {
		body = append(body, cat(n)...)
	}
	return cat(idName, num(uint64(len(body))), body)
}

// oneFile is a valid archive of one stored file "a" holding data.
func oneFile(data string) []byte {
	n := uint64(len(data))
	return build([]byte(data), cat(idHeader,
		idMainStreamsInfo, packInfo(n), copyFolder(n), idEnd,
		idFilesInfo, num(1), names("a"), idEnd,
		idEnd))
}

func TestNumberRoundTrip(t *testing.T) {
	for _, v := range []uint64{0, 1, 0x7f, 0x80, 0x3fff, 0x4000, 1<<32 - 1, 1 << 56, 1<<64 - 1} {
		h := &reader{b: num(v)}
		if got := h.number(); got != v || h.err != nil || len(h.b) != 0 {
			t.Errorf("%#x decodes to %#x (%v, %d left)", v, got, h.err, len(h.b))
		}
	}
}

func TestHandBuiltArchive(t *testing.T) {
	a, err := open(oneFile("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if got := listing(a); got != "a:5" {
		t.Fatalf("files %q", got)
	}
	if b := readAll(t, a, &a.Files[0]); string(b) != "hello" {
		t.Fatalf("read %q", b)
	}
}

// badHeaders are archives every bound must refuse, with the error each
// must give.
var badHeaders = []struct {
	name, want string
	data       []byte
}{
	{"2^32-1 files", "4294967295 files declared, more than", build(nil, cat(idHeader,
		idFilesInfo, num(1<<32-1), idEnd, idEnd))},
	{"files the header has not paid for", "1000 files declared, 1000 of them with data, for 0 streams", build(nil, cat(idHeader,
		idFilesInfo, num(1000), idEnd, idEnd))},
	{"2^32-1 packed streams", "4294967295 packed streams declared", build(nil, cat(idHeader,
		idMainStreamsInfo, idPackInfo, num(0), num(1<<32-1), idEnd, idEnd, idEnd))},
	{"2^18 packed streams in a few bytes", "262144 packed streams declared, more than the", build(nil, cat(idHeader,
		idMainStreamsInfo, idPackInfo, num(0), num(1<<18), idEnd, idEnd, idEnd))},
	{"2^32-1 folders", "4294967295 folders declared", build(nil, cat(idHeader,
		idMainStreamsInfo, idUnpackInfo, idFolder, num(1<<32-1), 0, idEnd, idEnd))},
	{"2^32-1 coders", "folder of 4294967295 coders", build(nil, cat(idHeader,
		idMainStreamsInfo, idUnpackInfo, idFolder, num(1), 0, num(1<<32-1), idEnd, idEnd))},
	{"2^32-1 coder streams", "coder with 4294967295 inputs", build(nil, cat(idHeader,
		idMainStreamsInfo, idUnpackInfo, idFolder, num(1), 0, num(1), 0x11, methodCopy, num(1<<32-1), num(1), idEnd, idEnd))},
	{"2^32-1 substreams", "more than 262144 streams declared", build([]byte("x"), cat(idHeader,
		idMainStreamsInfo, packInfo(1), copyFolder(1), idSubStreamsInfo, idNumUnpackStream, num(1<<32-1), idEnd, idEnd,
		idEnd))},
	{"substreams without sizes", "sizes of the 5 streams of folder 0 are missing", build([]byte("x"), cat(idHeader,
		idMainStreamsInfo, packInfo(1), copyFolder(1), idSubStreamsInfo, idNumUnpackStream, num(5), idEnd, idEnd,
		idEnd))},
	{"substreams beyond their folder", "the streams of folder 0 exceed its 1 bytes", build([]byte("x"), cat(idHeader,
		idMainStreamsInfo, packInfo(1), copyFolder(1), idSubStreamsInfo, idNumUnpackStream, num(2), idSize, num(2), idEnd, idEnd,
		idEnd))},
	{"CRCs the header cannot hold", "3 CRCs declared, more than the 2 bytes left", build([]byte("xyz"), cat(idHeader,
		idMainStreamsInfo, packInfo(3), copyFolder(3), idSubStreamsInfo, idNumUnpackStream, num(3),
		idSize, num(1), num(1), idCRC, 1, idEnd, idEnd))},
	{"2^62-byte property", "bytes declared", build(nil, cat(idHeader,
		idFilesInfo, num(0), idName, num(1<<62), idEnd, idEnd))},
	{"2^63-byte packed stream", "packed stream of", build(nil, cat(idHeader,
		idMainStreamsInfo, idPackInfo, num(0), num(1), idSize, num(1<<63), idEnd, idEnd, idEnd))},
	{"packed stream beyond the file", "runs past the start of the header", build([]byte("x"), cat(idHeader,
		idMainStreamsInfo, packInfo(1<<40), copyFolder(1), idEnd, idFilesInfo, num(1), names("a"), idEnd, idEnd))},
	{"packed stream overlapping the header", "runs past the start of the header", build([]byte("x"), cat(idHeader,
		idMainStreamsInfo, packInfo(2), copyFolder(1), idEnd, idFilesInfo, num(1), names("a"), idEnd, idEnd))},
	{"pack position beyond the file", "runs past the start of the header", build([]byte("x"), cat(idHeader,
		idMainStreamsInfo, idPackInfo, num(1<<50), num(1), idSize, num(1), idEnd, copyFolder(1), idEnd,
		idFilesInfo, num(1), names("a"), idEnd, idEnd))},
	{"packed streams the folders do not read", "the folders read 1 packed streams, the pack info lists 2", build([]byte("xy"), cat(idHeader,
		idMainStreamsInfo, idPackInfo, num(0), num(2), idSize, num(1), num(1), idEnd, copyFolder(1), idEnd,
		idFilesInfo, num(1), names("a"), idEnd, idEnd))},
	{"bad bind pair", "bad bind pair 5-0", build([]byte("x"), cat(idHeader,
		idMainStreamsInfo, packInfo(1), idUnpackInfo, idFolder, num(1), 0, num(2), 0x01, methodCopy, 0x01, methodCopy,
		num(5), num(0), idEnd, idEnd))},
	{"external folders", "folders stored outside the header", build(nil, cat(idHeader,
		idMainStreamsInfo, idUnpackInfo, idFolder, num(1), 1, num(0), idEnd, idEnd))},
	{"external names", "file names stored outside the header", build([]byte("x"), cat(idHeader,
		idMainStreamsInfo, packInfo(1), copyFolder(1), idEnd, idFilesInfo, num(1), idName, num(2), 1, 0, idEnd, idEnd))},
	{"more names than files", "more names than the 1 files", build([]byte("x"), cat(idHeader,
		idMainStreamsInfo, packInfo(1), copyFolder(1), idEnd, idFilesInfo, num(1), names("a", "b"), idEnd, idEnd))},
	{"unterminated name", "a file name is not terminated", build([]byte("x"), cat(idHeader,
		idMainStreamsInfo, packInfo(1), copyFolder(1), idEnd, idFilesInfo, num(1), idName, num(3), 0, int('a'), 0, idEnd, idEnd))},
	{"truncated empty-stream bits", "100 files declared, 1 bytes of empty-stream bits", build(nil, cat(idHeader,
		idFilesInfo, num(100), idEmptyStream, num(1), 0xff, idEnd, idEnd))},
	{"additional streams", "additional streams", build(nil, cat(idHeader, idAdditionalStreamsInfo, idEnd))},
	{"unknown top-level property", "unexpected property 0x42", build(nil, cat(idHeader, 0x42, idEnd))},
	{"neither header", "neither a header nor an encoded header", build(nil, cat(0x42))},
	{"encoded header too large", "unpacks to 1099511627776 bytes", build([]byte("x"), cat(idEncodedHeader,
		packInfo(1), copyFolder(1<<40), idEnd))},
	{"encoded header of two folders", "an encoded header of 2 folders", build([]byte("xy"), cat(idEncodedHeader,
		idPackInfo, num(0), num(2), idSize, num(1), num(1), idEnd,
		idUnpackInfo, idFolder, num(2), 0, num(1), 0x01, methodCopy, num(1), 0x01, methodCopy,
		idCodersUnpackSize, num(1), num(1), idEnd, idEnd))},
	{"encoded header shorter than declared", "ends before its declared size", build([]byte("x"), cat(idEncodedHeader,
		packInfo(1), copyFolder(2), idEnd))},
}

func TestBoundsRefuse(t *testing.T) {
	for _, tc := range badHeaders {
		t.Run(tc.name, func(t *testing.T) {
			_, err := open(tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestHugeCountsAllocateLittle is the regression test for the
// third-party reader that allocated what the header declared: refusing
// a count of 2^32-1 must cost about what reading the header costs.
func TestHugeCountsAllocateLittle(t *testing.T) {
	for _, tc := range badHeaders {
		const runs = 20
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			open(tc.data)
		}
		runtime.ReadMemStats(&after)
		if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 64<<10 {
			t.Errorf("%s: %d bytes allocated per Open", tc.name, per)
		}
	}
}

func TestSignatureHeader(t *testing.T) {
	good := oneFile("hello")
	corrupt := func(at int, v byte) []byte {
		b := bytes.Clone(good)
		b[at] = v
		return b
	}
	// resign rewrites the start header and fixes its CRC.
	resign := func(off, size uint64) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint64(b[12:], off)
		binary.LittleEndian.PutUint64(b[20:], size)
		binary.LittleEndian.PutUint32(b[8:], crc32.ChecksumIEEE(b[12:32]))
		return b
	}
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"short":              {good[:20], "shorter than the signature header"},
		"no magic":           {corrupt(0, 'X'), "no signature"},
		"version 1":          {corrupt(6, 1), "version 1.4"},
		"start header CRC":   {corrupt(8, 0), "start header's CRC"},
		"header CRC":         {corrupt(len(good)-1, 0x42), "header's CRC"},
		"header beyond file": {resign(1<<62, 10), "beyond the end of the file"},
		"header too large":   {resign(0, 1<<30), "more than the 67108864"},
		"truncated file":     {good[:len(good)-1], "beyond the end of the file"},
	} {
		if _, err := open(tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}

// TestTruncatedHeaders cuts a real header at every length: each must fail
// cleanly.
func TestTruncatedHeaders(t *testing.T) {
	for _, file := range []string{"testdata/header_plain.7z", "testdata/dirs.7z", "testdata/symlink.7z"} {
		b := readFile(t, file)
		a, _ := open(b)
		hdrAt := int(binary.LittleEndian.Uint64(b[12:])) + signatureSize
		hdr := b[hdrAt:]
		if a == nil || hdr[0] != idHeader && hdr[0] != idEncodedHeader {
			t.Fatalf("%s: not a usable fixture", file)
		}
		for n := 1; n < len(hdr); n++ {
			if _, err := open(build(b[signatureSize:hdrAt], hdr[:n])); err == nil {
				t.Errorf("%s: header cut to %d of %d bytes opens", file, n, len(hdr))
			}
		}
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// folderArchive is one file "a" of n bytes stored in a folder of coders.
func folderArchive(packed string, n uint64, coders []byte, numCoders int, bonds []byte, sizes []byte) []byte {
	return build([]byte(packed), cat(idHeader,
		idMainStreamsInfo, packInfo(uint64(len(packed))),
		idUnpackInfo, idFolder, num(1), 0, num(uint64(numCoders)), coders, bonds, idCodersUnpackSize, sizes, idEnd,
		idEnd, idFilesInfo, num(1), names("a"), idEnd, idEnd))
}

func TestFoldersRefused(t *testing.T) {
	lzma := func(dict uint32) []byte {
		return cat(0x23, 0x03, 0x01, 0x01, num(5), 0x5d, binary.LittleEndian.AppendUint32(nil, dict))
	}
	copy1 := cat(0x01, methodCopy)
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"unknown coder": {folderArchive("x", 1, cat(0x02, 0x7f, 0x7f), 1, nil, num(1)),
			"7z coder 0x7f7f is not supported"},
		"dictionary over budget": {folderArchive("x", 1<<30, lzma(1<<30), 1, nil, num(1<<30)),
			"7z folder needs 1073741824 bytes of decoder memory"},
		"bad LZMA properties": {folderArchive("x", 1, cat(0x23, 0x03, 0x01, 0x01, num(1), 0xff), 1, nil, num(1)),
			"bad properties ff"},
		"chain of five": {folderArchive("x", 1, cat(copy1, copy1, copy1, copy1, copy1), 5,
			cat(num(0), num(1), num(1), num(2), num(2), num(3), num(3), num(4)), cat(num(1), num(1), num(1), num(1), num(1))),
			"7z folder of 5 coders is not supported"},
		"coders that are not a chain": {folderArchive("x", 1, cat(copy1, copy1), 2, cat(num(0), num(0)), cat(num(1), num(1))),
			"do not form a chain"},
		"complex coder": {build([]byte("xy"), cat(idHeader,
			idMainStreamsInfo, idPackInfo, num(0), num(2), idSize, num(1), num(1), idEnd,
			idUnpackInfo, idFolder, num(1), 0, num(1), 0x11, methodCopy, num(2), num(1), num(1), num(0), idCodersUnpackSize, num(1), idEnd,
			idEnd, idFilesInfo, num(1), names("a"), idEnd, idEnd)),
			"7z coder Copy with 2 inputs and 1 outputs is not supported"},
	} {
		a, err := open(tc.data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := a.Check(&a.Files[0]); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}

func TestDictionaryIsWhatTheOutputNeeds(t *testing.T) {
	props := cat(0x5d, binary.LittleEndian.AppendUint32(nil, 1<<31))
	if m, err := lzmaMemory(props, 5); err != nil || m != 4096 {
		t.Errorf("2 GiB dictionary for 5 bytes: %d, %v", m, err)
	}
	if m, err := lzma2Memory([]byte{40}, 1<<20); err != nil || m != 1<<20 {
		t.Errorf("4 GiB LZMA2 dictionary for 1 MiB: %d, %v", m, err)
	}
}

func TestDataErrors(t *testing.T) {
	read := func(b []byte) error {
		a, err := open(b)
		if err != nil {
			return err
		}
		rc, err := a.Open(&a.Files[0])
		if err != nil {
			return err
		}
		_, err = io.ReadAll(rc)
		return err
	}
	// A Copy folder declaring more than its packed stream holds.
	short := build([]byte("abc"), cat(idHeader,
		idMainStreamsInfo, packInfo(3), copyFolder(10), idEnd,
		idFilesInfo, num(1), names("a"), idEnd, idEnd))
	if err := read(short); err == nil || !strings.Contains(err.Error(), "ends before its declared size") {
		t.Errorf("short folder: %v", err)
	}
	wrongCRC := build([]byte("abc"), cat(idHeader,
		idMainStreamsInfo, packInfo(3),
		idUnpackInfo, idFolder, num(1), 0, num(1), 0x01, methodCopy, idCodersUnpackSize, num(3), idCRC, 1, 1, 2, 3, 4, idEnd,
		idEnd, idFilesInfo, num(1), names("a"), idEnd, idEnd))
	if err := read(wrongCRC); err == nil || !strings.Contains(err.Error(), "CRC-32 mismatch") {
		t.Errorf("wrong CRC: %v", err)
	}
}

// TestNestedEncodedHeaders stores headers with the Copy coder, each
// pointing at the next, up to and beyond the nesting limit.
func TestNestedEncodedHeaders(t *testing.T) {
	nest := func(levels int) []byte {
		hdr := cat(idHeader, idEnd)
		var packed []byte
		for range levels {
			at := uint64(len(packed))
			packed = append(packed, hdr...)
			n := uint64(len(hdr))
			hdr = cat(idEncodedHeader, idPackInfo, num(at), num(1), idSize, num(n), idEnd, copyFolder(n), idEnd)
		}
		return build(packed, hdr)
	}
	if _, err := open(nest(maxNesting - 1)); err != nil {
		t.Errorf("%d levels: %v", maxNesting-1, err)
	}
	if _, err := open(nest(maxNesting)); err == nil || !strings.Contains(err.Error(), "nested too deep") {
		t.Errorf("%d levels: %v", maxNesting, err)
	}
}
