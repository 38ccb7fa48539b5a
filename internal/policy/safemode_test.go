package policy

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/scantest"
)

// TestSafeModeOnEveryFixture scans every sample with the real engine and
// checks what SafeMode decides and why. The table lists the samples that
// pass (""), those blocked for their format, and those blocked for code
// that runs on load; every other sample must be blocked for a malicious or
// suspicious finding.
func TestSafeModeOnEveryFixture(t *testing.T) {
	const code = "can run code when the model is loaded"
	want := map[string]string{
		// Inert formats with nothing found, or only harmless information.
		"numpy/float_array.npy":                "",
		"safetensors/bert_shaped.safetensors":  "",
		"safetensors/mixed_dtypes.safetensors": "",
		"onnx/benign_mask.onnx":                "",
		"onnx/cnn.onnx":                        "",
		"onnx/external_ok.onnx":                "", // ONNX-100: tensors in a file beside it
		"onnx/local_function.onnx":             "",
		"onnx/rnn_loop_if.onnx":                "",
		"gguf/llama_shaped.gguf":               "", // JINJA-100: a template that stays in its sandbox
		"gguf/v1_minimal.gguf":                 "",
		"gguf/v3_big_endian.gguf":              "",
		"hf/config.json":                       "",
		"hf/chat_template.json":                "",
		"hf/tokenizer_config.json":             "",
		"hf/tokenizer_config_multi.json":       "",
		"jinja/deepseek_v3.jinja":              "",
		"jinja/gemma.jinja":                    "",
		"jinja/granite_tools.jinja":            "",
		"jinja/harmony_like.jinja":             "",
		"jinja/hermes_tools.jinja":             "",
		"jinja/llama2.jinja":                   "",
		"jinja/llama3_tools.jinja":             "",
		"jinja/mistral.jinja":                  "",
		"jinja/phi3.jinja":                     "",
		"jinja/qwen3_thinking.jinja":           "",
		"jinja/qwen_chatml_tools.jinja":        "",
		"jinja/smollm_generation.jinja":        "",
		"jinja/zephyr.jinja":                   "",
		// Formats that can run code on load, with nothing else found.
		"archive/plain.zip":                "format pytorch-zip",
		"joblib/estimator_zlib.joblib":     "format pickle",
		"misc/png_named.pt":                "format unknown",
		"onnx/external_ok.onnx.data":       "format unknown",
		"pickle/benign_list_v4.pkl":        "format pickle",
		"pickle/benign_ordereddict_v2.pkl": "format pickle",
		"pickle/getattr_bound_method.pkl":  "format pickle",
		"torch/legacy.pt":                  "format pytorch-legacy",
		"torch/state_dict_zip.pt":          "format pytorch-zip",
		"tf/benign_frozen_graph.pb":        "format tf-graphdef",
		"tf/benign_mask.pb":                "format tf-graphdef",
		"tf/benign_savedmodel.pb":          "format tf-savedmodel",
		"tf/tf1_saver_savedmodel.pb":       "format tf-savedmodel",
		"tf/vocab_asset_savedmodel.pb":     "format tf-savedmodel",
		// Constructs that run code on load although judged harmless.
		"numpy/object_array.npy":                 "NUMPY-100 " + `"NumPy array of Python objects (needs allow_pickle)" ` + code,
		"pickle/nested_loads_benign.pkl":         "PICKLE-108",
		"pickle/user_class_v2.pkl":               "PICKLE-100",
		"torch/legacy_tar.tar":                   "TORCH-202",
		"torch/torchscript.pt":                   "TORCH-100",
		"hf/config_auto_map.json":                "HF-100",
		"hf/tokenizer_config_auto_map.json":      "HF-100",
		"joblib/arrays.joblib":                   "PICKLE-110",
		"torch/plain_pickled_module.pkl":         "PICKLE-110",
		"pickle/dill_function_benign.pkl":        "PICKLE-110",
		"pickle/cloudpickle_function_benign.pkl": "PICKLE-112",
		// Keras: clean models and weights are inert; Lambdas, custom classes
		// and embedded torch modules run code; legacy containers are not inert.
		"keras/benign/sequential.keras":             "",
		"keras/benign/npz_weights.keras":            "",
		"keras/benign/dir/model.weights.h5":         "",
		"keras/benign/model_to_json.json":           "format keras-json",
		"keras/benign/custom_layer.keras":           "KERAS-130",
		"keras/benign/torch_module_wrapper.keras":   "KERAS-120",
		"keras/benign/dir/config.json":              "KERAS-100",
		"keras/benign/functional_nested.keras":      "KERAS-100",
		"keras/benign/keras2_lambda.h5":             "KERAS-100",
		"keras/benign/lambda.keras":                 "KERAS-100",
		"keras/benign/savedmodel/keras_metadata.pb": "KERAS-100",
		"keras/cve/weights_external_link.keras":     "KERAS-100",
		"keras/cve/weights_shape_bomb.keras":        "KERAS-100",
		"keras/generic/mask_lambda.keras":           "KERAS-100",
	}
	for _, py := range []string{"py36", "py37", "py38", "py39", "py310", "py311", "py312", "py313"} {
		for _, c := range []string{"benign_mul", "benign_tf", "benign_closure"} {
			want["keras/lambda/"+py+"/"+c+".keras"] = "KERAS-100"
		}
		want["keras/lambda_h5/"+py+"/k2_benign_tf.h5"] = "KERAS-100"
	}
	findingBlock := regexp.MustCompile(`is (malicious|suspicious)$`)
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
		d := f.Decision
		switch {
		case listed && w == "":
			if d.Action != finding.Allow {
				t.Errorf("%s: %+v, want allow", rel, d)
			}
		case d.Action != finding.Block || d.Rule != "safe_mode":
			t.Errorf("%s: %+v, want a safe-mode block", rel, d)
		case listed && !strings.Contains(d.Message, w):
			t.Errorf("%s: %q does not say %q", rel, d.Message, w)
		case listed && strings.HasPrefix(w, "format") != (d.Cause == ""):
			t.Errorf("%s: cause %q", rel, d.Cause)
		case !listed && !findingBlock.MatchString(d.Message):
			t.Errorf("%s: %q, want a block for a malicious or suspicious finding", rel, d.Message)
		}
	}
}

// TestSafeModeOnSyntheticReports covers what no fixture has: rules this
// build's catalogue does not know (they count as code on load), formats
// without findings, and combinations of containers and inert formats.
func TestSafeModeOnSyntheticReports(t *testing.T) {
	x := func(rule string, class finding.Class) finding.Finding {
		return finding.Finding{Rule: rule, Class: class, Title: rule, Location: "m!x"}
	}
	cases := []struct {
		name string
		file finding.File
		want string // "" for allow
	}{
		{"safetensors in a tar.gz", file("m.tar.gz", "gzip", "tar", "safetensors"), ""},
		{"clean .keras", file("m.keras", "keras", "zip"), ""},
		{"Keras Lambda judged harmless", with(file("m.keras", "keras"), x("KERAS-100", finding.Informational)), "KERAS-100"},
		{"Keras custom layer", with(file("m.keras", "keras"), x("KERAS-300", finding.Informational)), "KERAS-300"},
		{"strict-allowlist pickle global", with(file("m.pt", "pytorch-zip", "pickle"), find("PICKLE-110", "collections.OrderedDict")), "PICKLE-110"},
		{"legacy Keras HDF5", file("m.h5", "keras-h5"), "format keras-h5"},
		{"HDF5 weights", file("model.weights.h5", "hdf5"), ""},
		{"tf.keras SavedModel metadata", file("keras_metadata.pb", "keras-metadata"), "format keras-metadata"},
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
