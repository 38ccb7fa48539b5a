package xz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ulikunitz/xz/lzma"
)

// content is what testdata/gen.sh compresses: `seq 1 20000`.
func content() []byte {
	var b bytes.Buffer
	for i := 1; i <= 20000; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	return b.Bytes()
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(data []byte) ([]byte, error) {
	r, err := NewReader(bytes.NewReader(data), MaxDict)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestFixturesDecode(t *testing.T) {
	want := content()
	for _, name := range []string{"preset0.xz", "preset9e.xz", "check_none.xz", "check_crc32.xz", "check_sha256.xz", "blocks.xz", "concat.xz"} {
		got, err := decode(fixture(t, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, %v", name, len(got), err)
		}
	}
}

func TestOtherFiltersAreRefused(t *testing.T) {
	_, err := decode(fixture(t, "bcj.xz"))
	if err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("BCJ chain: %v", err)
	}
}

// Every truncation is an error, never a panic or a silent success.
func TestTruncated(t *testing.T) {
	for _, name := range []string{"blocks.xz", "concat.xz"} {
		data := fixture(t, name)
		// Every cut in the headers and the index, a sample of the data.
		for n := 0; n < len(data)-1; n++ {
			if n > 64 && n < len(data)-64 && n%97 != 0 {
				continue
			}
			if _, err := decode(data[:n]); err == nil {
				t.Fatalf("%s cut at %d decoded", name, n)
			}
		}
	}
}

// setDict rewrites the LZMA2 dictionary property of the first block and
// fixes the block header's CRC.
func setDict(t *testing.T, data []byte, prop byte) []byte {
	t.Helper()
	b := bytes.Clone(data)
	h := b[12:]
	n := (int(h[0]) + 1) * 4
	i := 2
	for _, flag := range []byte{0x40, 0x80} { // skip the optional sizes
		if h[1]&flag != 0 {
			for h[i]&0x80 != 0 {
				i++
			}
			i++
		}
	}
	if h[i] != filterLZMA2 || h[i+1] != 1 {
		t.Fatalf("unexpected filter flags %x", h[i:i+2])
	}
	h[i+2] = prop
	binary.LittleEndian.PutUint32(h[n-4:], crc32.ChecksumIEEE(h[:n-4]))
	return b
}

// A 4 GiB declared dictionary costs what the data needs, not 4 GiB.
func TestDeclaredDictionaryIsNotAllocated(t *testing.T) {
	data := setDict(t, fixture(t, "preset0.xz"), 40)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err := decode(data)
	runtime.ReadMemStats(&after)
	if err != nil || !bytes.Equal(got, content()) {
		t.Fatalf("%d bytes, %v", len(got), err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2*MaxDict {
		t.Fatalf("allocated %d bytes", alloc)
	}
}

func TestDictionary(t *testing.T) {
	for _, c := range []struct {
		declared, limit uint64
		want            int
	}{
		{LZMA2Dict(40), MaxDict, MaxDict},
		{LZMA2Dict(0), MaxDict, lzma.MinDictCap},
		{8 << 20, 100, lzma.MinDictCap},
		{8 << 20, 1 << 20, 1 << 20},
		{LZMA2Dict(18), MaxDict, 2 << 20},
		{LZMA2Dict(19), MaxDict, 3 << 20},
	} {
		if got := Dictionary(c.declared, c.limit); got != c.want {
			t.Errorf("Dictionary(%d, %d) = %d, want %d", c.declared, c.limit, got, c.want)
		}
	}
}

func TestCorruptHeaders(t *testing.T) {
	good := fixture(t, "preset0.xz")
	for name, mutate := range map[string]func(b []byte){
		"stream header CRC": func(b []byte) { b[8] ^= 1 },
		"stream flags":      func(b []byte) { b[6] = 1; binary.LittleEndian.PutUint32(b[8:], crc32.ChecksumIEEE(b[6:8])) },
		"block header CRC":  func(b []byte) { b[13] ^= 0x10 },
		"magic":             func(b []byte) { b[1] = 'x' },
		"footer magic":      func(b []byte) { b[len(b)-1] = 'X' },
	} {
		b := bytes.Clone(good)
		mutate(b)
		if _, err := decode(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func TestLZMAHeaderFields(t *testing.T) {
	var buf bytes.Buffer
	// With an end marker too, so that the size can become unknown.
	w, err := lzma.WriterConfig{DictCap: 1 << 20, Size: int64(len(content())), EOSMarker: true}.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(content())
	w.Close()
	for name, mutate := range map[string]func(h []byte){
		"as written":             func([]byte) {},
		"4 GiB dictionary":       func(h []byte) { binary.LittleEndian.PutUint32(h[1:], ^uint32(0)) },
		"implausible size":       func(h []byte) { binary.LittleEndian.PutUint64(h[5:], 1<<60) },
		"unknown size, big dict": func(h []byte) { binary.LittleEndian.PutUint32(h[1:], 1<<31) },
	} {
		b := bytes.Clone(buf.Bytes())
		mutate(b[:13])
		r, err := NewLZMAReader(bytes.NewReader(b), MaxDict)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := io.ReadAll(r)
		if !bytes.Equal(got, content()) || (err != nil && !errors.Is(err, io.ErrUnexpectedEOF)) {
			t.Errorf("%s: %d bytes, %v", name, len(got), err)
		}
	}
}

// joblib reads .lzma files with Python's LZMAFile, which decodes the streams
// that follow the first one: content there must not escape analysis.
func TestConcatenatedLZMAStreams(t *testing.T) {
	stream := func(data []byte, eos bool) []byte {
		var buf bytes.Buffer
		size := int64(len(data))
		if eos {
			size = -1
		}
		w, err := lzma.WriterConfig{DictCap: 1 << 16, Size: size, EOSMarker: eos}.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		w.Close()
		return buf.Bytes()
	}
	for _, eos := range []bool{false, true} {
		var in []byte
		in = append(in, stream([]byte("first stream "), eos)...)
		in = append(in, stream([]byte("second stream"), eos)...)
		in = append(in, "trailing garbage"...)
		r, err := NewLZMAReader(bytes.NewReader(in), MaxDict)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || string(got) != "first stream second stream" {
			t.Errorf("end marker %v: %q, %v", eos, got, err)
		}
	}
}
