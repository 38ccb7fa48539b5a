package hdf5_test

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/modelgate/modelgate/internal/format/hdf5"
)

// A Keras analyzer reads model_config (and the layer names Keras may have
// split into chunks), reports every hazard, and treats every error as an
// incomplete analysis.
func Example() {
	b, err := os.ReadFile("testdata/keras2_v0.h5")
	if err != nil {
		log.Fatal(err)
	}
	f, err := hdf5.Open(bytes.NewReader(b), int64(len(b)), hdf5.Limits{})
	if err != nil {
		log.Fatal(err) // not HDF5, or the root group is unreadable
	}
	if a := f.Root().Attr("model_config"); a != nil {
		cfg, err := a.Text()
		fmt.Println(len(cfg), strings.Contains(cfg, `"class_name": "Lambda"`), err)
	}
	names, found, err := hdf5.KerasAttr(f.Lookup("/model_weights"), "layer_names")
	fmt.Println(names, found, err)
	for _, h := range f.Hazards() {
		fmt.Println(h)
	}
	fmt.Println(len(f.Errors()), "errors")
	// Output:
	// 1551 true <nil>
	// [dense dense_1 lambda] true <nil>
	// 0 errors
}

func ExampleFile_Hazards() {
	b, err := os.ReadFile("testdata/links_latest.h5")
	if err != nil {
		log.Fatal(err)
	}
	f, err := hdf5.Open(bytes.NewReader(b), int64(len(b)), hdf5.Limits{})
	if err != nil {
		log.Fatal(err)
	}
	for _, h := range f.Hazards() {
		fmt.Printf("%s at %s: file %q, path %q\n", h.Kind, h.Path, h.File, h.Target)
	}
	// Output:
	// soft link at /model_weights/dense/alias: file "", path "/model_weights/dense/kernel"
	// soft link at /model_weights/dense/dangling: file "", path "/nowhere"
	// external link at /model_weights/dense/stolen: file "/etc/passwd.h5", path "/data"
}

func ExampleFile_Walk() {
	b, err := os.ReadFile("testdata/keras3_model.weights.h5")
	if err != nil {
		log.Fatal(err)
	}
	f, err := hdf5.Open(bytes.NewReader(b), int64(len(b)), hdf5.Limits{})
	if err != nil {
		log.Fatal(err)
	}
	_ = f.Walk(func(o *hdf5.Object) error {
		if d := o.Dataset(); d != nil {
			declared, _ := d.DeclaredBytes()
			stored, _ := d.StoredBytes()
			fmt.Println(o.Path, d.Type, d.Shape, d.Layout.Class, declared, stored)
		}
		return nil
	})
	// Output:
	// /layers/dense/vars/0 float32 [4 8] contiguous 128 128
	// /layers/dense/vars/1 float32 [8] contiguous 32 32
	// /layers/dense_1/vars/0 float32 [8 2] contiguous 64 64
	// /layers/dense_1/vars/1 float32 [2] contiguous 8 8
	// /optimizer/vars/0 int64 [] contiguous 8 8
	// /optimizer/vars/1 float32 [] contiguous 4 4
}
