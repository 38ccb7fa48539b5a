package hdf5

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand"
	"strings"
	"testing"
)

// patched opens a fixture, lets edit change its bytes (with the structure
// offsets the unmodified file yields), and opens the result.
func patched(t *testing.T, name string, lim Limits, edit func(b []byte, f *File)) (*File, error) {
	t.Helper()
	b := fixture(t, name)
	edit(b, openBytes(t, bytes.Clone(b)))
	f, err := Open(bytes.NewReader(b), int64(len(b)), lim)
	if err != nil {
		checkError(t, err)
		return nil, err
	}
	exercise(t, f)
	return f, nil
}

// messageAt returns the file offset of the data of the first message of a
// type in the header of the object at path.
func messageAt(t *testing.T, f *File, path string, typ uint16) int64 {
	t.Helper()
	h, err := f.readHeader(f.Lookup(path).Addr, path)
	if err != nil {
		t.Fatal(err)
	}
	m := h.first(typ)
	if m == nil {
		t.Fatalf("%s has no message %#x", path, typ)
	}
	return f.src.fileOffset(m.addr)
}

func put64(b []byte, at int64, v uint64) { binary.LittleEndian.PutUint64(b[at:], v) }

// wantError asserts that the walk recorded an error of the given kind
// whose text mentions want.
func wantError(t *testing.T, f *File, kind error, want string) {
	t.Helper()
	for _, err := range f.Errors() {
		if errors.Is(err, kind) && strings.Contains(err.Error(), want) {
			return
		}
	}
	t.Errorf("no %v error mentioning %q in %v", kind, want, f.Errors())
}

func TestNotHDF5(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		kind error
	}{
		{nil, ErrNotHDF5},
		{[]byte("just some text, not a model"), ErrNotHDF5},
		{[]byte(signature), ErrMalformed},
		{append([]byte(signature), 0, 0, 0, 0, 0, 8, 8, 0), ErrMalformed},
		{append([]byte(signature), 7), ErrUnsupported},
		{append([]byte(signature), 2, 3, 8, 0), ErrUnsupported},
	} {
		_, err := Open(bytes.NewReader(c.in), int64(len(c.in)), Limits{})
		if !errors.Is(err, c.kind) {
			t.Errorf("%q: %v, want %v", c.in, err, c.kind)
		}
	}
}

func TestLenientChecksums(t *testing.T) {
	f, err := patched(t, "keras2_latest.h5", Limits{}, func(b []byte, _ *File) {
		b[11] ^= 0x04 // superblock consistency flags
		i := bytes.Index(b, []byte("OHDR"))
		b[i+5] ^= 0x80 // an unused flag bit of the root header
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Anomalies()) != 2 || len(f.Errors()) != 0 {
		t.Errorf("anomalies %v errors %v", f.Anomalies(), f.Errors())
	}
	if cfg, err := f.Root().Attr("model_config").Text(); err != nil || !strings.Contains(cfg, "Lambda") {
		t.Errorf("model_config: %v", err)
	}
}

func TestHostileHeaders(t *testing.T) {
	for _, file := range []string{"keras2_fixed.h5", "keras2_latest.h5"} {
		t.Run("continuation cycle in "+file, func(t *testing.T) {
			_, err := patched(t, file, Limits{}, func(b []byte, f *File) {
				// The root's second continuation chunk becomes its first.
				h, _ := f.readHeader(f.Root().Addr, "/")
				var conts []int64
				for _, m := range h.msgs {
					if m.typ == msgContinuation {
						conts = append(conts, f.src.fileOffset(m.addr))
					}
				}
				if len(conts) < 2 {
					t.Fatalf("%d continuations", len(conts))
				}
				copy(b[conts[1]:conts[1]+8], b[conts[0]:conts[0]+8])
			})
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "visited twice") {
				t.Errorf("%v, want a continuation cycle", err)
			}
		})
		t.Run("continuation limit in "+file, func(t *testing.T) {
			_, err := patched(t, file, Limits{MaxContinuations: 1}, func([]byte, *File) {})
			if !errors.Is(err, ErrLimit) {
				t.Errorf("%v, want ErrLimit", err)
			}
		})
	}
	t.Run("message limit", func(t *testing.T) {
		_, err := patched(t, "keras2_v0.h5", Limits{MaxMessages: 3}, func([]byte, *File) {})
		if !errors.Is(err, ErrLimit) {
			t.Errorf("%v, want ErrLimit", err)
		}
	})
	t.Run("message overruns chunk", func(t *testing.T) {
		f, _ := patched(t, "keras2_v0.h5", Limits{}, func(b []byte, f *File) {
			at := messageAt(t, f, "/model_weights", msgAttribute)
			binary.LittleEndian.PutUint16(b[at-6:], 0xFFF8) // the message's size
		})
		wantError(t, f, ErrMalformed, "runs past the end of its chunk")
	})
	t.Run("huge chunk", func(t *testing.T) {
		f, _ := patched(t, "keras2_latest.h5", Limits{}, func(b []byte, f *File) {
			at := f.src.fileOffset(f.Lookup("/model_weights").Addr)
			flags := b[at+5]
			size := at + 6
			if flags&0x20 != 0 {
				size += 16
			}
			if flags&0x10 != 0 {
				size += 4
			}
			b[at+5] |= 3 // an 8-byte chunk size, overwriting the first messages
			put64(b, size, 1<<56)
		})
		wantError(t, f, ErrLimit, "MaxBlockBytes")
	})
	t.Run("attribute lengths", func(t *testing.T) {
		f, _ := patched(t, "keras2_v0.h5", Limits{}, func(b []byte, f *File) {
			at := messageAt(t, f, "/model_weights", msgAttribute)
			binary.LittleEndian.PutUint16(b[at+2:], 0xFFFF) // name length
		})
		wantError(t, f, ErrMalformed, "run past the message")
	})
	t.Run("attribute declares 2^40 elements", func(t *testing.T) {
		f, _ := patched(t, "attr_types.h5", Limits{}, func(b []byte, f *File) {
			// Find the u16be attribute's dataspace: its only dimension is 3.
			i := bytes.Index(b, []byte("u16be\x00"))
			j := bytes.Index(b[i:], []byte{3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0})
			put64(b, int64(i+j), 1<<40)
			put64(b, int64(i+j+8), 1<<40)
		})
		wantError(t, f, ErrLimit, "MaxAttrBytes")
		if f.Root().Attr("u16be") != nil {
			t.Error("the oversized attribute was kept")
		}
	})
}

func TestHostileBTrees(t *testing.T) {
	stab := func(t *testing.T, b []byte, f *File) int64 {
		at := messageAt(t, f, "/wide", msgSymbolTable)
		return f.src.fileOffset(binary.LittleEndian.Uint64(b[at:]))
	}
	t.Run("v1 node points to itself", func(t *testing.T) {
		f, _ := patched(t, "old_groups.h5.gz", Limits{}, func(b []byte, f *File) {
			root := stab(t, b, f)
			put64(b, root+24+8, uint64(root)) // child 0, after the 8-byte key 0
		})
		wantError(t, f, ErrMalformed, "v1 B-tree node")
	})
	t.Run("v1 node too deep", func(t *testing.T) {
		f, _ := patched(t, "old_groups.h5.gz", Limits{}, func(b []byte, f *File) {
			b[stab(t, b, f)+5] = 200
		})
		wantError(t, f, ErrLimit, "MaxBTreeDepth")
	})
	nameIndex := func(t *testing.T, b []byte, f *File) int64 {
		at := messageAt(t, f, "/attrs", msgAttrInfo)
		return f.src.fileOffset(binary.LittleEndian.Uint64(b[at+2+8:]))
	}
	t.Run("v2 tree too deep", func(t *testing.T) {
		f, _ := patched(t, "many.h5.gz", Limits{}, func(b []byte, f *File) {
			binary.LittleEndian.PutUint16(b[nameIndex(t, b, f)+12:], 1000)
		})
		wantError(t, f, ErrLimit, "MaxBTreeDepth")
	})
	t.Run("v2 node points to itself", func(t *testing.T) {
		f, _ := patched(t, "many.h5.gz", Limits{}, func(b []byte, f *File) {
			hdr := nameIndex(t, b, f)
			root := binary.LittleEndian.Uint64(b[hdr+16:])
			nrec := int64(binary.LittleEndian.Uint16(b[hdr+24:]))
			put64(b, int64(root)+6+nrec*17, root) // first child pointer
		})
		wantError(t, f, ErrMalformed, "v2 B-tree node")
	})
	t.Run("v2 record count beyond node", func(t *testing.T) {
		f, _ := patched(t, "many.h5.gz", Limits{}, func(b []byte, f *File) {
			binary.LittleEndian.PutUint16(b[nameIndex(t, b, f)+24:], 0xFFFF)
		})
		wantError(t, f, ErrMalformed, "records where a node holds")
	})
}

func TestHostileHeaps(t *testing.T) {
	t.Run("local heap of 2^62 bytes", func(t *testing.T) {
		f, _ := patched(t, "old_groups.h5.gz", Limits{}, func(b []byte, f *File) {
			at := messageAt(t, f, "/wide", msgSymbolTable)
			heap := f.src.fileOffset(binary.LittleEndian.Uint64(b[at+8:]))
			put64(b, heap+8, 1<<62)
		})
		wantError(t, f, ErrLimit, "local heap data")
	})
	t.Run("global heap collection of 2^62 bytes", func(t *testing.T) {
		f, _ := patched(t, "keras2_v0.h5", Limits{}, func(b []byte, _ *File) {
			put64(b, int64(bytes.Index(b, []byte("GCOL"))+8), 1<<62)
		})
		if _, err := f.Root().Attr("model_config").Text(); !errors.Is(err, ErrLimit) {
			t.Errorf("%v, want ErrLimit", err)
		}
	})
	heap := func(t *testing.T, b []byte, f *File) int64 {
		at := messageAt(t, f, "/attrs", msgAttrInfo)
		return f.src.fileOffset(binary.LittleEndian.Uint64(b[at+2:]))
	}
	t.Run("fractal heap rows", func(t *testing.T) {
		f, _ := patched(t, "many.h5.gz", Limits{}, func(b []byte, f *File) {
			binary.LittleEndian.PutUint16(b[heap(t, b, f)+140:], 1000) // current root rows
		})
		wantError(t, f, ErrMalformed, "root indirect block of 1000 rows")
	})
	t.Run("fractal heap blocks of 2^40 bytes", func(t *testing.T) {
		f, _ := patched(t, "many.h5.gz", Limits{}, func(b []byte, f *File) {
			put64(b, heap(t, b, f)+120, 1<<40) // maximum direct block size
		})
		if len(f.Errors()) == 0 {
			t.Error("no error")
		}
		for _, err := range f.Errors() {
			checkError(t, err)
		}
	})
}

func TestHostileSizes(t *testing.T) {
	f, _ := patched(t, "shape_bomb_earliest.h5", Limits{}, func(b []byte, f *File) {
		// /fine: 16 elements become 2^63 × 4 bytes.
		at := messageAt(t, f, "/fine", msgDataspace)
		put64(b, at+8, 1<<63)
		if b[at+2]&1 != 0 { // maximum dimensions follow
			put64(b, at+16, 1<<63)
		}
	})
	var found bool
	for _, h := range f.Hazards() {
		found = found || h.Path == "/fine" && h.Kind == HazardShapeBomb && h.Declared == ^uint64(0)
	}
	if !found {
		t.Errorf("hazards %v", f.Hazards())
	}
	g, _ := patched(t, "chunk_indexes.h5", Limits{}, func(b []byte, _ *File) {
		for i := 0; ; i++ { // every fixed array claims 2^50 entries
			j := bytes.Index(b[i:], []byte("FAHD"))
			if j < 0 {
				break
			}
			put64(b, int64(i+j+8), 1<<50)
			i += j
		}
	})
	if _, err := g.Lookup("/fixed").Dataset().StoredBytes(); !errors.Is(err, ErrLimit) {
		t.Errorf("fixed array of 2^50 entries: %v", err)
	}
}

func TestLimits(t *testing.T) {
	for _, c := range []struct {
		file string
		lim  Limits
		want string
	}{
		{"old_groups.h5.gz", Limits{MaxObjects: 50}, "MaxObjects"},
		{"keras2_v0.h5", Limits{MaxReadBytes: 3000}, "MaxReadBytes"},
		{"keras2_v0.h5", Limits{MaxDepth: 2}, "MaxDepth"},
		{"split_attrs.h5.gz", Limits{MaxAttrBytes: 20_000}, "MaxAttrBytes"},
		{"many.h5.gz", Limits{MaxBlockBytes: 100_000}, "MaxBlockBytes"},
	} {
		f, err := patched(t, c.file, c.lim, func([]byte, *File) {})
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		wantError(t, f, ErrLimit, c.want)
	}
}

// TestDamage truncates and corrupts every small fixture in many ways; the
// reader must answer with typed errors, never a panic or a hang.
func TestDamage(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, name := range fixtures(t) {
		b := fixture(t, name)
		if len(b) > 64<<10 {
			continue
		}
		anchors := anchors(b)
		for i := 0; i < 24; i++ {
			openAndExercise(t, b[:len(b)*i/24])
			c := bytes.Clone(b)
			for k := 0; k < 4; k++ {
				at := anchors[rng.Intn(len(anchors))] + rng.Intn(64)
				if at < len(c) {
					c[at] = byte(rng.Intn(256))
				}
			}
			openAndExercise(t, c)
		}
	}
}
