package hdf5

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestLookup3(t *testing.T) {
	// Vectors from lookup3.c's driver5.
	for _, c := range []struct {
		in   string
		seed uint32
		want uint32
	}{
		{"", 0, 0xdeadbeef},
		{"", 0xdeadbeef, 0xbd5b7dde},
		{"Four score and seven years ago", 0, 0x17770551},
		{"Four score and seven years ago", 1, 0xcd628161},
	} {
		if got := lookup3([]byte(c.in), c.seed); got != c.want {
			t.Errorf("lookup3(%q, %#x) = %#x, want %#x", c.in, c.seed, got, c.want)
		}
	}
}

// clean fails the test when the file had anything to report but its tree.
func clean(t *testing.T, f *File) {
	t.Helper()
	for _, e := range f.Errors() {
		t.Errorf("error: %v", e)
	}
	for _, a := range f.Anomalies() {
		t.Errorf("anomaly: %v", a)
	}
	for _, h := range f.Hazards() {
		t.Errorf("hazard: %v", h)
	}
}

// TestKerasLegacy reads what Keras 2's legacy_h5_format needs from every
// layout h5py writes: the config (with its Lambda), the layer and weight
// names, and the weights they name.
func TestKerasLegacy(t *testing.T) {
	for _, c := range []struct {
		file   string
		super  int
		header int
		dense  bool // root attributes in dense storage
		layers int
	}{
		{"keras2_v0.h5", 0, 1, false, 2},
		{"keras2_fixed.h5", 0, 1, false, 2},
		{"keras2_latest.h5", 3, 2, false, 2},
		{"keras2_dense_v2.h5", 2, 2, true, 2},
		{"keras2_dense_latest.h5", 3, 2, true, 12},
	} {
		t.Run(c.file, func(t *testing.T) {
			f := openBytes(t, fixture(t, c.file))
			clean(t, f)
			if f.Superblock().Version != c.super || f.Root().HeaderVersion != c.header {
				t.Errorf("superblock v%d, header v%d", f.Superblock().Version, f.Root().HeaderVersion)
			}
			root := f.Root()
			a := root.Attr("model_config")
			if a == nil || a.Dense != c.dense {
				t.Fatalf("model_config = %+v", a)
			}
			cfg, err := a.Text()
			if err != nil || !json.Valid([]byte(cfg)) || !strings.Contains(cfg, `"class_name": "Lambda"`) {
				t.Fatalf("model_config %q… err %v", cfg[:min(len(cfg), 80)], err)
			}
			for name, want := range map[string]string{"keras_version": "2.12.0", "backend": "tensorflow"} {
				if got, err := root.Attr(name).Text(); got != want || err != nil {
					t.Errorf("%s = %q, %v", name, got, err)
				}
			}
			names, found, err := KerasAttr(f.Lookup("/model_weights"), "layer_names")
			if !found || err != nil || len(names) != c.layers+1 || names[0] != "dense" || names[c.layers] != "lambda" {
				t.Fatalf("layer_names = %q, %v, %v", names, found, err)
			}
			for _, layer := range names {
				weights, _, err := KerasAttr(f.Lookup("/model_weights/"+layer), "weight_names")
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range weights {
					d := f.Lookup("/model_weights/" + layer + "/" + w).Dataset()
					if d == nil || d.Type.String() != "float32" {
						t.Errorf("weight %s/%s: %+v", layer, w, d)
					}
				}
			}
			kernel := f.Lookup("/model_weights/dense/dense/kernel:0").Dataset()
			gzipped := kernel.Layout.Class == LayoutChunked && len(kernel.Filters) == 1 && kernel.Filters[0].ID == 1
			if gzipped != (c.file != "keras2_fixed.h5") {
				t.Errorf("kernel: %s", datasetString(kernel))
			}
		})
	}
}

func TestKerasAttrSplit(t *testing.T) {
	f := openBytes(t, fixture(t, "split_attrs.h5.gz"))
	clean(t, f)
	mw := f.Lookup("/model_weights")
	names, found, err := KerasAttr(mw, "layer_names")
	if err != nil || !found || len(names) != 2600 {
		t.Fatalf("%d names, found %v, err %v", len(names), found, err)
	}
	for i, n := range names {
		if want := fmt.Sprintf("layer_with_a_long_name_%04d", i); n != want {
			t.Fatalf("name %d = %q, want %q", i, n, want)
		}
	}
	if v, found, err := KerasAttr(mw, "weight_names"); found || err != nil || v != nil {
		t.Errorf("absent attribute: %v %v %v", v, found, err)
	}
	if v, found, err := KerasAttr(mw, "backend"); !found || err != nil || !slices.Equal(v, []string{"tensorflow"}) {
		t.Errorf("plain attribute: %v %v %v", v, found, err)
	}
}

func TestKerasAttrBounded(t *testing.T) {
	b := fixture(t, "split_attrs.h5.gz")
	f, err := Open(bytes.NewReader(b), int64(len(b)), Limits{MaxAttrBytes: 50_000})
	if err != nil {
		t.Fatal(err)
	}
	_, found, err := KerasAttr(f.Lookup("/model_weights"), "layer_names")
	if !found || !errors.Is(err, ErrLimit) {
		t.Fatalf("found %v, err %v; want ErrLimit", found, err)
	}
}

func TestKeras3Weights(t *testing.T) {
	f := openBytes(t, fixture(t, "keras3_model.weights.h5"))
	clean(t, f)
	for path, shape := range map[string][]uint64{
		"/layers/dense/vars/0":   {4, 8},
		"/layers/dense/vars/1":   {8},
		"/layers/dense_1/vars/0": {8, 2},
		"/optimizer/vars/0":      nil,
	} {
		o := f.Lookup(path)
		if o == nil || o.Kind != KindDataset || !slices.Equal(o.Dataset().Shape, shape) {
			t.Errorf("%s: %+v", path, o)
		}
	}
	if vars := f.Lookup("/vars"); vars == nil || vars.Kind != KindGroup || len(vars.Links()) != 0 {
		t.Errorf("/vars = %+v", vars)
	}
}

func TestHazards(t *testing.T) {
	links := []string{
		"soft link /model_weights/dense/alias -> /model_weights/dense/kernel",
		"soft link /model_weights/dense/dangling -> /nowhere",
		"external link /model_weights/dense/stolen -> /etc/passwd.h5:/data",
	}
	bombs := []string{
		"shape bomb /chunked: declares 4000000000000 bytes, stores 0",
		"shape bomb /contiguous: declares 1099511627776 bytes, stores 0",
		"shape bomb /one_chunk: declares 4000000000000 bytes, stores 3910",
	}
	for file, want := range map[string][]string{
		"links_earliest.h5":      links,
		"links_latest.h5":        links,
		"soft_symtab.h5":         {"soft link /soft -> /data"},
		"sb1_small_offsets.h5":   {"soft link /g/soft -> /c"},
		"external_storage.h5":    {"external storage /weights -> /etc/passwd", "external storage /weights -> secrets.bin"},
		"virtual.h5":             {"virtual dataset /vds -> /tmp/secret/src.h5:data", "virtual dataset /vds -> .:local"},
		"shape_bomb_earliest.h5": bombs,
		"shape_bomb_latest.h5":   bombs,
	} {
		f := openBytes(t, fixture(t, file))
		var got []string
		for _, h := range f.Hazards() {
			got = append(got, h.String())
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s hazards:\n got %q\nwant %q", file, got, want)
		}
		if len(f.Errors()) > 0 {
			t.Errorf("%s errors: %v", file, f.Errors())
		}
	}
}

func TestLinkCycle(t *testing.T) {
	for _, file := range []string{"links_earliest.h5", "links_latest.h5"} {
		f := openBytes(t, fixture(t, file))
		up := f.Lookup("/model_weights/dense").Link("up")
		if up == nil || up.Target != f.Lookup("/model_weights") {
			t.Errorf("%s: up = %+v", file, up)
		}
		if len(f.Anomalies()) != 1 || !strings.Contains(f.Anomalies()[0].Msg, "cycle") {
			t.Errorf("%s anomalies: %v", file, f.Anomalies())
		}
		// The second hard link reaches the same object, walked once.
		if f.Lookup("/hard_again") != f.Lookup("/model_weights/dense/kernel") {
			t.Errorf("%s: /hard_again is a different object", file)
		}
		n := 0
		_ = f.Walk(func(*Object) error { n++; return nil })
		if n != 4 {
			t.Errorf("%s: walked %d objects, want 4", file, n)
		}
	}
}

func TestDeepStructures(t *testing.T) {
	f := openBytes(t, fixture(t, "many.h5.gz"))
	attrs := f.Lookup("/attrs")
	if n := len(attrs.Attrs()); n != 1501 {
		t.Errorf("%d attributes, want 1501", n)
	}
	for _, a := range attrs.Attrs() {
		if !a.Dense {
			t.Fatalf("%s is not dense", a.Name)
		}
	}
	last, err := attrs.Attr("attribute_number_01499").Text()
	if err != nil || last != strings.Repeat("v", 600) {
		t.Errorf("last attribute: %q…, %v", last[:min(len(last), 10)], err)
	}
	huge := attrs.Attr("huge")
	if huge == nil || len(huge.Raw) != 150_000 || huge.Raw[149_999] != 'H' {
		t.Errorf("huge attribute: %+v", huge)
	}
	if n := len(f.Lookup("/links").Links()); n != 1000 || len(f.Hazards()) != 1000 {
		t.Errorf("%d links, %d hazards", n, len(f.Hazards()))
	}
	if len(f.Errors())+len(f.Anomalies()) > 0 {
		t.Errorf("errors %v anomalies %v", f.Errors(), f.Anomalies())
	}

	g := openBytes(t, fixture(t, "old_groups.h5.gz"))
	clean(t, g)
	wide := g.Lookup("/wide").Links()
	if len(wide) != 400 || wide[399].Name != "member_0399" || wide[399].Target.Kind != KindGroup {
		t.Errorf("%d links in /wide", len(wide))
	}
}

func TestAttributeValues(t *testing.T) {
	f := openBytes(t, fixture(t, "attr_types.h5"))
	clean(t, f)
	root := f.Root()
	ints := map[string][]int64{"i8": {-5}, "u16be": {1, 2, 65535}, "i64": {-1234567890123}, "bool": {1}, "enum": {0, 1}, "matrix": {0, 1, 2, 3, 4, 5}}
	for name, want := range ints {
		if got, err := root.Attr(name).Ints(); err != nil || !slices.Equal(got, want) {
			t.Errorf("%s = %v, %v", name, got, err)
		}
	}
	strs := map[string][]string{"vlen_list": {"alpha", "beta", "gamma"}, "fixed_list": {"one", "three"}, "fixed_utf8": {"héllo"},
		"empty_vlen": {""}, "padded": {"x\x00y"}, "spacepad": {"abc"}}
	for name, want := range strs {
		if got, err := root.Attr(name).Strings(); err != nil || !slices.Equal(got, want) {
			t.Errorf("%s = %q, %v", name, got, err)
		}
	}
	if v, err := root.Attr("i8").Int(); v != -5 || err != nil {
		t.Errorf("Int = %d, %v", v, err)
	}
	for _, c := range []struct {
		name string
		call func(a *Attribute) error
	}{
		{"f32", func(a *Attribute) error { _, err := a.Strings(); return err }},
		{"compound", func(a *Attribute) error { _, err := a.Ints(); return err }},
		{"matrix", func(a *Attribute) error { _, err := a.Int(); return err }},
		{"vlen_list", func(a *Attribute) error { _, err := a.Text(); return err }},
		{"vlen_ints", func(a *Attribute) error { _, err := a.Strings(); return err }},
	} {
		if err := c.call(root.Attr(c.name)); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", c.name, err)
		}
	}
	if a := root.Attr("null"); !a.Null || a.Len() != 0 {
		t.Errorf("null attribute: %+v", a)
	}
	// Committed datatypes are shared messages, resolved from their header.
	typed := f.Lookup("/typed")
	if typed.Dataset().Type.String() != "float64" || typed.Attr("shared_type_attr").Type.String() != "float64" {
		t.Errorf("shared datatypes: %s, %s", typed.Dataset().Type, typed.Attr("shared_type_attr").Type)
	}
	if f.Lookup("/type").Kind != KindDatatype {
		t.Errorf("/type is %s", f.Lookup("/type").Kind)
	}
}

func TestStoredBytes(t *testing.T) {
	f := openBytes(t, fixture(t, "chunk_indexes.h5"))
	for path, want := range map[string]int64{"/single": 64, "/implicit": 0, "/implicit_early": 256, "/fixed": 112, "/fixed_paged": 16, "/btree2": 64, "/compact": 16} {
		if got, err := f.Lookup(path).Dataset().StoredBytes(); got != want || err != nil {
			t.Errorf("%s stored %d, %v; want %d", path, got, err, want)
		}
	}
	if _, err := f.Lookup("/extensible").Dataset().StoredBytes(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("extensible array: %v", err)
	}
	g := openBytes(t, fixture(t, "chunk_btree1.h5"))
	if got, err := g.Lookup("/d").Dataset().StoredBytes(); got != 32*64*4 || err != nil {
		t.Errorf("v1 B-tree chunks: %d, %v", got, err)
	}
}

func TestSuperblocks(t *testing.T) {
	f := openBytes(t, fixture(t, "userblock.h5"))
	clean(t, f)
	if f.Superblock().Offset != 1024 {
		t.Errorf("superblock at %d", f.Superblock().Offset)
	}
	if cfg, err := f.Root().Attr("model_config").Text(); cfg != `{"class_name": "Sequential"}` || err != nil {
		t.Errorf("model_config %q, %v", cfg, err)
	}
	g := openBytes(t, fixture(t, "sb1_small_offsets.h5"))
	if sb := g.Superblock(); sb.Version != 1 || sb.SizeOffsets != 4 || sb.SizeLengths != 4 {
		t.Errorf("superblock %+v", sb)
	}
	if n, err := g.Lookup("/g").Attr("n").Int(); n != 7 || err != nil {
		t.Errorf("n = %d, %v", n, err)
	}
}

// TestShapeBombRule applies Keras' test with small thresholds: more than
// HugeDatasetBytes declared and more than HugeDatasetRatio times the
// storage, or storage that cannot be determined.
func TestShapeBombRule(t *testing.T) {
	b := fixture(t, "chunk_indexes.h5")
	f, err := Open(bytes.NewReader(b), int64(len(b)), Limits{HugeDatasetBytes: 64, HugeDatasetRatio: 2})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range f.Hazards() {
		got = append(got, h.String())
	}
	want := []string{
		// /btree2, /compact, /extensible and /single declare 64 bytes or less.
		"shape bomb /fixed_paged: declares 8192 bytes, stores 16",
		"shape bomb /implicit: declares 256 bytes, stores 0",
		"shape bomb /fixed: declares 256 bytes, stores 112",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("hazards:\n got %q\nwant %q", got, want)
	}
	f, err = Open(bytes.NewReader(b), int64(len(b)), Limits{HugeDatasetBytes: 63, HugeDatasetRatio: 1})
	if err != nil {
		t.Fatal(err)
	}
	unknown := false
	for _, h := range f.Hazards() {
		unknown = unknown || h.Path == "/extensible" && h.Stored == -1
		if h.Path == "/single" || h.Path == "/btree2" {
			t.Errorf("%v: storage equal to the declared size", h)
		}
	}
	if !unknown {
		t.Errorf("no hazard for the extensible array's unknown storage: %v", f.Hazards())
	}
}

func TestSniff(t *testing.T) {
	for name, want := range map[string]bool{"keras2_v0.h5": true, "userblock.h5": true} {
		if got := Sniff(fixture(t, name)[:4096]); got != want {
			t.Errorf("%s: %v", name, got)
		}
	}
	shifted := append(make([]byte, 700), signature...)
	for _, head := range [][]byte{nil, []byte("\x89HDF"), shifted, []byte("PK\x03\x04")} {
		if Sniff(head) {
			t.Errorf("%q sniffed as HDF5", head)
		}
	}
}
