package pymarshal_test

import (
	"testing"

	"github.com/modelgate/modelgate/internal/format/pymarshal"
	mt "github.com/modelgate/modelgate/internal/format/pymarshal/marshaltest"
)

// FuzzDecode: no input makes Decode panic, loop or overrun its limits, and
// every result is consistent. Seeded from every generated fixture.
func FuzzDecode(f *testing.F) {
	for _, raw := range fixtures(f) {
		f.Add(raw)
	}
	f.Add([]byte(mt.Tuple(mt.Ref(mt.Str("os")), mt.RefTo(0), mt.Slice(mt.None(), mt.None(), mt.Int(-1)))))
	f.Add([]byte("\xdb\x01\x00\x00\x00r\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := pymarshal.Decode(data, pymarshal.Limits{MaxDepth: 64, MaxObjects: 1 << 14})
		if err != nil {
			return
		}
		if res.Consumed > len(data) || res.Object == nil {
			t.Fatalf("consumed %d of %d", res.Consumed, len(data))
		}
		if len(res.Codes) > 0 && len(res.Versions) == 0 {
			t.Fatal("code objects without candidate versions")
		}
		n := 0
		pymarshal.Walk(res.Object, func(o *pymarshal.Object) bool {
			n++
			if len(o.Repr(3)) > 4096 {
				t.Fatalf("unbounded repr of %s", o.Kind)
			}
			return true
		})
		if n > 1<<14 {
			t.Fatalf("walked %d objects", n)
		}
	})
}
