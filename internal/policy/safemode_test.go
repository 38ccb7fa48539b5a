package policy

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/scantest"
)

// TestSafeModeOnEveryFixture scans every sample with the real engine and
// checks what SafeMode decides and why. Only an npy array of numbers
// passes: every other sample holds a pickle or worse.
func TestSafeModeOnEveryFixture(t *testing.T) {
	const (
		mal  = "is malicious"
		code = "can run code when the model is loaded"
		sus  = "is suspicious"
	)
	want := map[string]string{
		"archive/bad_crc.zip":                  mal,
		"archive/bomb.zip":                     sus,
		"archive/deep_nested.tar":              mal,
		"archive/duplicate.zip":                mal,
		"archive/encrypted.7z":                 sus,
		"archive/encrypted.zip":                sus,
		"archive/name_mismatch.zip":            sus,
		"archive/nested.tar.gz":                mal,
		"archive/pickle.7z":                    mal,
		"archive/plain.zip":                    "format pytorch-zip",
		"archive/symlink.tar":                  sus,
		"archive/traversal.tar":                sus,
		"archive/traversal.zip":                sus,
		"joblib/arrays.joblib":                 "format joblib",
		"joblib/estimator_zlib.joblib":         "format pickle",
		"joblib/payload_after_array.joblib":    mal,
		"joblib/payload_after_array_xz.joblib": mal,
		"joblib/zf_bad_length.joblib":          sus,
		"misc/png_named.pt":                    "format unknown",
		"numpy/bad_header.npy":                 sus,
		"numpy/float_array.npy":                "",
		"numpy/object_array.npy":               "NUMPY-100 " + `"NumPy array of Python objects (needs allow_pickle)" ` + code,
		"pickle/benign_list_v4.pkl":            "format pickle",
		"pickle/benign_ordereddict_v2.pkl":     "format pickle",
		"pickle/nested_loads_benign.pkl":       "PICKLE-108",
		"pickle/user_class_v2.pkl":             "PICKLE-100",
		"pickle/getattr_bound_method.pkl":      "format pickle",
		"pickle/keyerror_memo.pkl":             sus,
		"pickle/trailing_elf.pkl":              sus,
		"pickle/type_confusion.pkl":            sus,
		"pickle/unknown_global.pkl":            sus,
		"torch/legacy.pt":                      "format pytorch-legacy",
		"torch/legacy_tar.tar":                 "TORCH-202",
		"torch/plain_pickled_module.pkl":       "format pickle",
		"torch/state_dict_zip.pt":              "format pytorch-zip",
		"torch/torchscript.pt":                 "TORCH-100",
	}
	rep := scantest.Scan(t, scantest.Samples())
	p := policyAt(t, t.TempDir(), "", Options{SafeMode: true})
	p.Filter(&rep)
	p.Decide(&rep)
	if len(rep.Files) < len(want) {
		t.Fatalf("%d samples scanned, the table has %d", len(rep.Files), len(want))
	}
	for _, f := range rep.Files {
		rel, _ := filepath.Rel(scantest.Samples(), f.Path)
		rel = filepath.ToSlash(rel)
		w, listed := want[rel]
		if !listed {
			w = mal // the remaining samples are the malicious pickles
		}
		d := f.Decision
		switch {
		case w == "":
			if d.Action != finding.Allow {
				t.Errorf("%s: %+v, want allow", rel, d)
			}
		case d.Action != finding.Block || d.Rule != "safe_mode" || !strings.Contains(d.Message, w):
			t.Errorf("%s: %+v, want a safe-mode block saying %q", rel, d, w)
		}
	}
}

// TestSafeModeOnFutureFormats checks SafeMode on synthetic reports for
// formats whose analyzers are not merged yet (safetensors, ONNX, GGUF,
// Keras, HDF5, TensorFlow) and for their rules, which this build's
// catalogue does not have yet: a rule it does not know counts as one that
// can run code.
func TestSafeModeOnFutureFormats(t *testing.T) {
	x := func(rule string, class finding.Class) finding.Finding {
		return finding.Finding{Rule: rule, Class: class, Title: rule, Location: "m!x"}
	}
	cases := []struct {
		name string
		file finding.File
		want string // "" for allow
	}{
		{"clean safetensors", file("m.safetensors", "safetensors"), ""},
		{"safetensors in a tar.gz", file("m.tar.gz", "gzip", "tar", "safetensors"), ""},
		{"clean ONNX", file("m.onnx", "onnx"), ""},
		{"ONNX with external data (info)", with(file("m.onnx", "onnx"), x("ONNX-100", finding.Informational)), "ONNX-100"},
		{"ONNX custom-op domain", with(file("m.onnx", "onnx"), x("ONNX-102", finding.Suspicious)), "ONNX-102"},
		{"clean GGUF", file("m.gguf", "gguf"), ""},
		{"GGUF template that escapes", with(file("m.gguf", "gguf"), x("JINJA-101", finding.Malicious)), "JINJA-101"},
		{"clean .keras", file("m.keras", "keras", "zip"), ""},
		{"Keras Lambda judged harmless", with(file("m.keras", "keras"), x("KERAS-100", finding.Informational)), "KERAS-100"},
		{"Hugging Face auto_map", with(file("config.json", "hf-config"), x("HF-100", finding.Informational)), "HF-100"},
		{"strict-allowlist pickle global", with(file("m.pt", "pytorch-zip", "pickle"), x("PICKLE-110", finding.Informational)), "PICKLE-110"},
		{"legacy Keras HDF5", file("m.h5", "hdf5"), "format hdf5"},
		{"TensorFlow SavedModel", file("saved_model.pb", "tf-savedmodel"), "format tf-savedmodel"},
		{"clean npz", file("m.npz", "npz", "npy"), ""},
		{"zip of a pickle", file("m.zip", "zip", "pickle"), "format pickle"},
	}
	var files []finding.File
	for _, c := range cases {
		files = append(files, c.file)
	}
	rep := judge(t, "safe_mode: true\n", Options{}, files...)
	for i, c := range cases {
		d := rep.Files[i].Decision
		if c.want == "" && d.Action != finding.Allow || c.want != "" && (d.Rule != "safe_mode" || !strings.Contains(d.Message, c.want)) {
			t.Errorf("%s: %+v, want %q", c.name, d, c.want)
		}
	}
}

func TestSafeModeInertListIsConfiguration(t *testing.T) {
	rep := judge(t, "safe_mode:\n  enabled: true\n  inert_formats: [safetensors, hdf5]\n", Options{},
		file("m.onnx", "onnx"), file("m.h5", "hdf5"))
	if decision(rep, 0) != "block safe_mode" || decision(rep, 1) != "allow default" {
		t.Fatalf("%s, %s", decision(rep, 0), decision(rep, 1))
	}
}

// TestSafeModeCannotBeWeakened: the configuration's filters, a per-file
// allow and a lax fail_on do not lift a SafeMode block; block rules still
// apply to what SafeMode lets through.
func TestSafeModeCannotBeWeakened(t *testing.T) {
	cfg := `fail_on: none
rules:
  TORCH-100: {disabled: true}
trusted_code: [mycompany.**]
suppressions:
  - {rule: PICKLE-100, path: '**', reason: ours, expires: 2099-01-01}
policies:
  - {name: everything-ok, when: 'file.size > 0', action: allow, message: ok}
`
	f := file("m.pt", "torchscript", "pickle")
	g := with(file("n.pkl", "pickle"), find("PICKLE-100", "mycompany.Net"))
	inc := file("o.safetensors", "safetensors")
	inc.Incomplete = true
	rep := judge(t, cfg, Options{SafeMode: true}, with(f, find("TORCH-100", "")), g, inc, file("p.safetensors", "safetensors"))
	for i := range 3 {
		if decision(rep, i) != "block safe_mode" {
			t.Errorf("%s: %s", rep.Files[i].Path, decision(rep, i))
		}
	}
	if len(rep.Files[1].Suppressed) != 0 || len(rep.Files[1].Findings) != 1 {
		t.Errorf("safe mode set a finding aside: %+v", rep.Files[1])
	}
	if decision(rep, 3) != "allow everything-ok" {
		t.Errorf("an inert file: %s", decision(rep, 3))
	}
	if !rep.Policy.SafeMode || len(rep.Policy.Notices) != 1 || !strings.Contains(rep.Policy.Notices[0], "safe mode ignored") {
		t.Errorf("policy info %+v", rep.Policy)
	}
	blockRule := "safe_mode: true\npolicies:\n  - {name: no-big, when: 'file.size > 1000', action: block, message: too big}\n"
	if rep := judge(t, blockRule, Options{}, file("p.safetensors", "safetensors")); decision(rep, 0) != "block no-big" {
		t.Errorf("a block rule under safe mode: %s", decision(rep, 0))
	}
}
