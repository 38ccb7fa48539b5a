package archive_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/ulikunitz/xz/lzma"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/scantest"
)

var osSystem = []byte("\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R.")

// lzmaAlone compresses data as an .lzma stream, then overwrites the
// header's dictionary and size fields, which Python's lzma module ignores.
func lzmaAlone(t *testing.T, props byte, dict uint32, size uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := lzma.WriterConfig{Properties: &lzma.Properties{LC: int(props % 9), LP: int(props / 9 % 5), PB: int(props / 45)},
		DictCap: 1 << 16, EOSMarker: true}.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(osSystem)
	w.Close()
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[1:], dict)
	binary.LittleEndian.PutUint64(out[5:], size)
	return out
}

// TestLZMAHeaderFieldsDoNotHideContent: an .lzma header declaring a huge
// dictionary or size, or joblib's prefix with any dictionary size, still
// decodes (the decoder never allocates the declared dictionary) and its
// pickle is judged.
func TestLZMAHeaderFieldsDoNotHideContent(t *testing.T) {
	unknown := ^uint64(0)
	cases := map[string][]byte{
		"2 GiB dictionary":          lzmaAlone(t, 0x5d, 1<<31, unknown),
		"3 GiB dictionary":          lzmaAlone(t, 0x5e, 1<<31|1<<30, unknown),
		"joblib prefix, odd size":   lzmaAlone(t, 0x5d, 0x12345600, unknown),
		"size beyond a pebibyte":    lzmaAlone(t, 0x5d, 1<<23, 1<<60),
		"tiny dictionary":           lzmaAlone(t, 0x5e, 1<<2, unknown),
		"dictionary of 2^n+2^(n-1)": lzmaAlone(t, 0x5e, 3<<20, uint64(len(osSystem))),
		"unknown dictionary (-1)":   lzmaAlone(t, 0x5e, ^uint32(0), unknown),
		"lc=4, lp=0":                lzmaAlone(t, 4, 1<<20, unknown),
	}
	for name, data := range cases {
		f := scantest.Bytes(t, "model.lzma", data)
		if f.Verdict != finding.MaliciousVerdict || len(f.Formats) == 0 || f.Formats[0] != "lzma" {
			t.Errorf("%s: verdict %s formats %v errors %v", name, f.Verdict, f.Formats, f.Errors)
		}
	}
}
