package hdf5

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fixture returns a testdata file, inflating *.gz ones.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func openBytes(t testing.TB, b []byte) *File {
	t.Helper()
	f, err := Open(bytes.NewReader(b), int64(len(b)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// fixtures lists the testdata files (raw and gzip'd).
func fixtures(t testing.TB) []string {
	t.Helper()
	var names []string
	for _, pat := range []string{"*.h5", "*.h5.gz"} {
		m, err := filepath.Glob(filepath.Join("testdata", pat))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			names = append(names, filepath.Base(p))
		}
	}
	if len(names) == 0 {
		t.Fatal("no fixtures")
	}
	return names
}

// TestGolden renders every fixture's whole tree (attributes decoded,
// links, datasets, hazards, anomalies, errors) and compares it with
// testdata/golden. Addresses and offsets are left out: regenerating the
// fixtures moves them (libver='latest' files carry timestamps).
func TestGolden(t *testing.T) {
	for _, name := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			got := dump(openBytes(t, fixture(t, name)))
			path := filepath.Join("testdata", "golden", strings.TrimSuffix(name, ".gz")+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("dump differs from %s (go test -update rewrites it):\n%s", path, got)
			}
		})
	}
}

// dumpClip bounds the objects, and the attributes, links and hazards of
// each, that dump renders; the rest is counted.
const dumpClip = 12

func dump(f *File) string {
	var b strings.Builder
	sb := f.Superblock()
	fmt.Fprintf(&b, "superblock v%d offsets=%d lengths=%d userblock=%d\n", sb.Version, sb.SizeOffsets, sb.SizeLengths, sb.Offset)
	objects := 0
	_ = f.Walk(func(o *Object) error {
		if objects++; objects > 4*dumpClip {
			return nil
		}
		fmt.Fprintf(&b, "%s %s (header v%d)\n", o.Path, o.Kind, o.HeaderVersion)
		for i, a := range o.Attrs() {
			if clipped(&b, "  attrs", i, len(o.Attrs())) {
				break
			}
			fmt.Fprintf(&b, "  attr %s: %s %s%s = %s\n", a.Name, a.Type, shape(a.Shape, a.Null), denseMark(a.Dense), value(a))
		}
		for i, l := range o.Links() {
			if clipped(&b, "  links", i, len(o.Links())) {
				break
			}
			fmt.Fprintf(&b, "  link %s\n", linkString(l))
		}
		if d := o.Dataset(); d != nil {
			fmt.Fprintf(&b, "  dataset %s\n", datasetString(d))
		}
		return nil
	})
	clipped(&b, "objects", 4*dumpClip, objects)
	for i, h := range f.Hazards() {
		if clipped(&b, "hazards", i, len(f.Hazards())) {
			break
		}
		fmt.Fprintf(&b, "hazard: %s\n", h)
	}
	for _, a := range f.Anomalies() {
		fmt.Fprintf(&b, "anomaly: %s in %q\n", a.Msg, a.Path)
	}
	for _, err := range f.Errors() {
		fmt.Fprintf(&b, "error: %s\n", errorString(err))
	}
	return b.String()
}

// clipped reports whether entry i of n is past the clip, printing the
// count once when it is.
func clipped(b *strings.Builder, what string, i, n int) bool {
	limit := dumpClip
	if what == "objects" {
		limit = 4 * dumpClip
	}
	if i == limit && n > limit {
		fmt.Fprintf(b, "%s: %d in all\n", what, n)
	}
	return i >= limit
}

func shape(dims []uint64, null bool) string {
	switch {
	case null:
		return "null"
	case dims == nil:
		return "scalar"
	}
	return fmt.Sprint(dims)
}

func denseMark(dense bool) string {
	if dense {
		return " (dense)"
	}
	return ""
}

// value renders an attribute's decoded value, long strings clipped.
func value(a *Attribute) string {
	if s, err := a.Strings(); err == nil {
		parts := make([]string, len(s))
		for i, v := range s {
			if len(v) > 60 {
				v = fmt.Sprintf("%s… (%d bytes)", v[:60], len(v))
			}
			parts[i] = fmt.Sprintf("%q", v)
		}
		if len(parts) > 4 {
			parts = append(parts[:4], fmt.Sprintf("… (%d strings)", len(s)))
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	if v, err := a.Ints(); err == nil {
		return fmt.Sprint(v)
	}
	raw := a.Raw
	if len(raw) > 32 {
		raw = raw[:32]
	}
	return fmt.Sprintf("raw %d bytes %s", len(a.Raw), hex.EncodeToString(raw))
}

func linkString(l *Link) string {
	switch l.Kind {
	case LinkHard:
		if l.Target == nil {
			return l.Name + " -> hard (unreadable)"
		}
		return l.Name + " -> hard " + l.Target.Path
	case LinkSoft:
		return l.Name + " -> soft " + l.Path
	case LinkExternal:
		return l.Name + " -> external " + l.File + ":" + l.Path
	}
	return fmt.Sprintf("%s -> user-defined type %d (%d bytes)", l.Name, l.Type, len(l.Data))
}

func datasetString(d *Dataset) string {
	s := fmt.Sprintf("%v %s max %v", d.Type, shape(d.Shape, d.Null), d.MaxShape)
	if l := d.Layout; l != nil {
		s += " " + l.Class.String()
		if l.Class == LayoutChunked {
			s += fmt.Sprintf(" index %d chunk %v", l.Index, l.Chunk)
		}
	}
	for _, flt := range d.Filters {
		s += fmt.Sprintf(" filter %d%v", flt.ID, flt.Params)
	}
	declared, _ := d.DeclaredBytes()
	s += fmt.Sprintf(" declared %d", declared)
	if n, err := d.StoredBytes(); err != nil {
		s += " stored ? (" + errorString(err) + ")"
	} else {
		s += fmt.Sprintf(" stored %d", n)
	}
	for _, e := range d.External {
		s += fmt.Sprintf(" external %s@%d+%d", e.Name, e.Offset, e.Size)
	}
	for _, v := range d.Virtual {
		s += " virtual " + v.File + ":" + v.Dataset
	}
	return s
}

// errorString renders an error without its file offset.
func errorString(err error) string {
	var e *Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	c := *e
	c.Offset = -1
	return c.Error()
}
