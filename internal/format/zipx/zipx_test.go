package zipx

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type member struct {
	name    string
	data    string
	deflate bool
}

func build(t testing.TB, members ...member) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, m := range members {
		method := zip.Store
		if m.deflate {
			method = zip.Deflate
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: m.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(m.data))
	}
	w.Close()
	return buf.Bytes()
}

func open(t *testing.T, b []byte) *Archive {
	t.Helper()
	a, err := Open(bytes.NewReader(b), int64(len(b)), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func read(t *testing.T, a *Archive, e *Entry) (string, *CRCReader) {
	t.Helper()
	rc, err := a.Open(e)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	c := &CRCReader{R: rc, Want: e.CRC32}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), c
}

func TestReadsMembers(t *testing.T) {
	a := open(t, build(t, member{"a/data.pkl", "stored", false}, member{"b.txt", strings.Repeat("x", 1000), true}))
	if len(a.Entries) != 2 || a.Recovered || len(a.Issues) != 0 {
		t.Fatalf("entries %d recovered %v issues %v", len(a.Entries), a.Recovered, a.Issues)
	}
	if got, c := read(t, a, a.Entries[0]); got != "stored" || c.Mismatch {
		t.Fatalf("stored member %q mismatch %v", got, c.Mismatch)
	}
	if got, c := read(t, a, a.Entries[1]); len(got) != 1000 || c.Mismatch {
		t.Fatalf("deflated member %d bytes mismatch %v", len(got), c.Mismatch)
	}
}

func TestBadCRCIsReadAndFlagged(t *testing.T) {
	b := build(t, member{"data.pkl", "payload", false})
	i := bytes.Index(b, []byte("PK\x01\x02"))
	binary.LittleEndian.PutUint32(b[i+16:], 0xdeadbeef)
	a := open(t, b)
	got, c := read(t, a, a.Entries[0])
	if got != "payload" || !c.Mismatch {
		t.Fatalf("got %q mismatch %v", got, c.Mismatch)
	}
}

func TestLocalHeaderDisagreement(t *testing.T) {
	b := build(t, member{"data.pkl", "payload", false})
	copy(b[30:], "datX")                       // local header name
	binary.LittleEndian.PutUint16(b[6:], 0x41) // local flags 0x1|0x40
	a := open(t, b)
	if _, err := a.DataOffset(a.Entries[0]); err != nil {
		t.Fatal(err)
	}
	issues := strings.Join(a.Entries[0].Issues, "; ")
	if !strings.Contains(issues, "name differs") || !strings.Contains(issues, "flag bits differ") {
		t.Fatalf("issues %q", issues)
	}
	if got, _ := read(t, a, a.Entries[0]); got != "payload" {
		t.Fatalf("got %q", got)
	}
}

func TestMissingCentralDirectory(t *testing.T) {
	full := build(t, member{"x/data.pkl", "first", false}, member{"y.bin", strings.Repeat("z", 500), true})
	cut := full[:bytes.Index(full, []byte("PK\x01\x02"))]
	a := open(t, cut)
	if !a.Recovered || len(a.Entries) != 2 {
		t.Fatalf("recovered %v entries %d issues %v", a.Recovered, len(a.Entries), a.Issues)
	}
	if got, c := read(t, a, a.Entries[1]); len(got) != 500 || c.Mismatch {
		t.Fatalf("recovered deflated member: %d bytes, mismatch %v", len(got), c.Mismatch)
	}
}

func TestPrefixedArchive(t *testing.T) {
	b := append([]byte("#!/bin/sh\necho stub\nexit 0\n"), build(t, member{"data.pkl", "payload", false})...)
	a := open(t, b)
	if got, _ := read(t, a, a.Entries[0]); got != "payload" || len(a.Issues) == 0 {
		t.Fatalf("got %q issues %v", got, a.Issues)
	}
}

func TestZip64Sizes(t *testing.T) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.CreateRaw(&zip.FileHeader{Name: "big", Method: zip.Store, CompressedSize64: 3, UncompressedSize64: 5 << 30, CRC32: 1})
	f.Write([]byte("abc"))
	w.Close()
	a := open(t, buf.Bytes())
	if e := a.Entries[0]; e.UncompressedSize != 5<<30 || e.CompressedSize != 3 {
		t.Fatalf("sizes %d/%d", e.CompressedSize, e.UncompressedSize)
	}
}

func TestHostileInputs(t *testing.T) {
	good := build(t, member{"a", "b", false})
	eocd := bytes.Index(good, []byte("PK\x05\x06"))
	put32 := func(off int, v uint32) func([]byte) []byte {
		return func(b []byte) []byte { binary.LittleEndian.PutUint32(b[off:], v); return b }
	}
	cases := []struct {
		name   string
		mutate func([]byte) []byte
		want   string // "recovered", "issue" or "error"
	}{
		{"cd offset wrong", put32(eocd+16, 0x7fffffff), "issue"},
		{"cd size huge", put32(eocd+12, 0xffffff00), "recovered"},
		{"entry count lies", func(b []byte) []byte { binary.LittleEndian.PutUint16(b[eocd+10:], 0xfff0); return b }, "issue"},
		{"eocd cut off", func(b []byte) []byte { return b[:eocd+10] }, "recovered"},
		{"garbage", func([]byte) []byte { return []byte("PK\x03\x04 not really") }, "error"},
	}
	for _, c := range cases {
		b := c.mutate(append([]byte(nil), good...))
		a, err := Open(bytes.NewReader(b), int64(len(b)), 1000)
		switch {
		case c.want == "error" && err == nil:
			t.Errorf("%s: accepted", c.name)
		case c.want != "error" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want == "recovered" && (!a.Recovered || len(a.Entries) != 1):
			t.Errorf("%s: not recovered from local headers (%+v)", c.name, a)
		case c.want == "issue" && (len(a.Issues) == 0 || len(a.Entries) != 1):
			t.Errorf("%s: issues %v entries %d", c.name, a.Issues, len(a.Entries))
		case c.want != "error":
			if got, _ := read(t, a, a.Entries[0]); got != "b" {
				t.Errorf("%s: member reads %q", c.name, got)
			}
		}
	}
}

func FuzzOpen(f *testing.F) {
	f.Add(build(f, member{"archive/data.pkl", "\x80\x02N.", false}, member{"w", strings.Repeat("0", 300), true}))
	seeds, _ := filepath.Glob("../../../testdata/samples/archive/*.zip")
	more, _ := filepath.Glob("../../../testdata/samples/torch/*.pt")
	for _, p := range append(seeds, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Open(bytes.NewReader(b), int64(len(b)), 64)
		if err != nil {
			return
		}
		for _, e := range a.Entries {
			rc, err := a.Open(e)
			if err != nil {
				continue
			}
			io.Copy(io.Discard, io.LimitReader(rc, 1<<20))
			rc.Close()
		}
	})
}

// zip64Archive writes stored members the way PyTorch's writer does: a zip64
// end record and locator always sit between the central directory and the
// end record.
func zip64Archive(prefix []byte, members map[string][]byte, order []string) []byte {
	var b bytes.Buffer
	b.Write(prefix)
	type rec struct {
		name string
		off  int
		data []byte
	}
	var recs []rec
	for _, name := range order {
		data := members[name]
		recs = append(recs, rec{name, b.Len() - len(prefix), data})
		h := make([]byte, localLen)
		binary.LittleEndian.PutUint32(h, sigLocal)
		binary.LittleEndian.PutUint32(h[14:], crc32.ChecksumIEEE(data))
		binary.LittleEndian.PutUint32(h[18:], uint32(len(data)))
		binary.LittleEndian.PutUint32(h[22:], uint32(len(data)))
		binary.LittleEndian.PutUint16(h[26:], uint16(len(name)))
		b.Write(h)
		b.WriteString(name)
		b.Write(data)
	}
	cdOff := b.Len() - len(prefix)
	for _, r := range recs {
		h := make([]byte, centralLen)
		binary.LittleEndian.PutUint32(h, sigCentral)
		binary.LittleEndian.PutUint32(h[16:], crc32.ChecksumIEEE(r.data))
		binary.LittleEndian.PutUint32(h[20:], uint32(len(r.data)))
		binary.LittleEndian.PutUint32(h[24:], uint32(len(r.data)))
		binary.LittleEndian.PutUint16(h[28:], uint16(len(r.name)))
		binary.LittleEndian.PutUint32(h[42:], uint32(r.off))
		b.Write(h)
		b.WriteString(r.name)
	}
	cdSize := b.Len() - len(prefix) - cdOff
	rec64 := b.Len() - len(prefix)
	z := make([]byte, 56)
	binary.LittleEndian.PutUint32(z, sigEOCD64)
	binary.LittleEndian.PutUint64(z[4:], 44)
	binary.LittleEndian.PutUint64(z[24:], uint64(len(recs)))
	binary.LittleEndian.PutUint64(z[32:], uint64(len(recs)))
	binary.LittleEndian.PutUint64(z[40:], uint64(cdSize))
	binary.LittleEndian.PutUint64(z[48:], uint64(cdOff))
	b.Write(z)
	l := make([]byte, 20)
	binary.LittleEndian.PutUint32(l, sigLoc64)
	binary.LittleEndian.PutUint64(l[8:], uint64(rec64))
	binary.LittleEndian.PutUint32(l[16:], 1)
	b.Write(l)
	e := make([]byte, eocdLen)
	binary.LittleEndian.PutUint32(e, sigEOCD)
	binary.LittleEndian.PutUint16(e[8:], uint16(len(recs)))
	binary.LittleEndian.PutUint16(e[10:], uint16(len(recs)))
	binary.LittleEndian.PutUint32(e[12:], uint32(cdSize))
	binary.LittleEndian.PutUint32(e[16:], uint32(cdOff))
	b.Write(e)
	return b.Bytes()
}

// A central-directory entry exactly as long as the zip64 end record and
// locator (46+30 = 56+20 bytes) once made the reader take the second entry
// for the start of the directory and report a 76-byte prefix: torch.save
// files whose archive name is 21 characters long (data.pkl member name of
// 30) were unreadable.
func TestZip64EndRecordIsNotAPrefix(t *testing.T) {
	name := "mobilenet_v3_large_p4/data.pkl" // 30 bytes
	members := map[string][]byte{name: []byte("pickle"), "mobilenet_v3_large_p4/data/0": {0, 0, 0, 0}, "mobilenet_v3_large_p4/version": []byte("3\n")}
	order := []string{name, "mobilenet_v3_large_p4/data/0", "mobilenet_v3_large_p4/version"}
	for _, prefix := range [][]byte{nil, []byte("#!/bin/sh\nexit 0\n")} {
		data := zip64Archive(prefix, members, order)
		a, err := Open(bytes.NewReader(data), int64(len(data)), 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Entries) != 3 {
			t.Fatalf("prefix %q: %d entries, want 3", prefix, len(a.Entries))
		}
		wantIssues := 0
		if len(prefix) > 0 {
			wantIssues = 1
		}
		if len(a.Issues) != wantIssues {
			t.Errorf("prefix %q: issues %q", prefix, a.Issues)
		}
		for _, e := range a.Entries {
			r, err := a.Open(e)
			if err != nil {
				t.Fatalf("prefix %q: %s: %v", prefix, e.Name, err)
			}
			r.Close()
		}
	}
}
