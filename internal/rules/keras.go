package rules

import (
	"fmt"

	"github.com/modelgate/modelgate/internal/finding"
)

// pythons are the CPython versions the Lambda fixtures are compiled with.
var pythons = []string{"py36", "py37", "py38", "py39", "py310", "py311", "py312", "py313"}

// lambdaMatrix lists a Lambda case's .keras fixture for every CPython version.
func lambdaMatrix(cases ...string) []string { return matrix("keras/lambda/%s/%s.keras", cases) }

// h5Matrix lists a legacy HDF5 Lambda fixture for every CPython version.
func h5Matrix(cases ...string) []string { return matrix("keras/lambda_h5/%s/%s.h5", cases) }

func matrix(format string, cases []string) []string {
	var out []string
	for _, c := range cases {
		for _, py := range pythons {
			out = append(out, fmt.Sprintf(format, py, c))
		}
	}
	return out
}

const (
	kerasLoadRemediation = "Do not load this model. If you must inspect it, open the archive and read config.json as text; " +
		"never call keras.models.load_model, tf.keras.models.load_model or keras.layers.deserialize on it, and never pass " +
		"safe_mode=False or call keras.config.enable_unsafe_deserialization().\n" +
		"Best practice: load Keras models only from publishers you trust and verify their signatures; keep Keras 3 current " +
		"(3.15 or later closes every published config gadget) and leave safe_mode on; prefer architectures rebuilt from your own " +
		"code plus weights-only files (model.weights.h5, safetensors) over whole-model files from third parties."
	kerasLambdaRemediation = "Rebuild the model in code and replace the Lambda with a named, registered layer " +
		"(keras.saving.register_keras_serializable), then save again; a Lambda can always be rewritten this way.\n" +
		"Best practice: treat every Lambda in a third-party model as code you are about to run: read it, or refuse it. " +
		"Keras 3 refuses Lambdas unless safe_mode=False, but tf-keras, Keras 2 and legacy HDF5 loaders do not."
)

var lambdaEquivalents = []string{"Protect AI Guardian: PAIT-KERAS-100/101/102 (Lambda present / malicious / suspicious operator)",
	"modelscan: SavedModelLambdaDetectScan, H5LambdaDetectScan (Lambda present, MEDIUM; top-level layers only)",
	"ModelAudit: keras_zip / keras_h5 scanners (Lambda substring match on decoded bytes, Keras 2 list form only)"}

var kerasRules = []Rule{
	{
		ID: "KERAS-100", Title: "Lambda layer with embedded bytecode (harmless tensor math)", Severity: finding.Info, Class: finding.Informational, CodeOnLoad: true,
		Overview: "A Keras Lambda layer stores its function as marshalled CPython bytecode (base64 in the config). Keras rebuilds and runs it " +
			"while loading the model. modelgate decoded the code object for every CPython version its layout allows, walked every " +
			"instruction, nested code object, default and closure value, and found only tensor math: references under tf, keras, ops, " +
			"K, numpy, math or torch with numeric attribute names, and harmless builtins.",
		Trigger: "A Lambda function or output_shape (Keras 3 __lambda__ dict, Keras 2 [code, defaults, closure] list, or SavedModel " +
			"__tuple__) decodes to a code object with no indicator of the research's 7.2 tables. The evidence lists the references found " +
			"and the CPython versions the code was read as.",
		Impact: "None found. The code still runs on load, so the finding is informational: SafeMode policies block it, and a new " +
			"loader version or a gadget outside the indicator tables could change the picture.",
		Remediation: kerasLambdaRemediation,
		References:  []string{"CVE-2024-3660", "CVE-2026-12481", "https://keras.io/api/layers/core_layers/lambda/"},
		Equivalents: lambdaEquivalents,
		Positive: concat(lambdaMatrix("benign_mul", "benign_tf", "benign_closure"), h5Matrix("k2_benign_tf"), []string{
			"keras/benign/lambda.keras", "keras/benign/functional_nested.keras", "keras/benign/dir/config.json",
			"keras/benign/savedmodel/keras_metadata.pb", "keras/benign/keras2_lambda.h5"}),
		Negative: []string{"keras/benign/sequential.keras", "keras/benign/dir/metadata.json", "keras/benign/dir/model.weights.h5",
			"keras/lambda/py311/m3_os_system.keras", "keras/lambda/py311/s1_environ.keras"},
	},
	{
		ID: "KERAS-101", Title: "Malicious Lambda code runs when the model is loaded", Severity: finding.Critical, Class: finding.Malicious,
		Overview: "A Lambda function's bytecode calls a code-execution primitive. Keras runs Lambda functions while it rebuilds the model " +
			"(the functional graph calls each layer symbolically, and compute_output_shape calls a lambda output_shape), so the payload " +
			"fires inside load_model, before any weight is read. Keras 3's implicit globals give the code os, marshal, codecs and " +
			"types (as python_types) without a single import.",
		Trigger: "Any M indicator in the decoded code or its nested code objects: exec/eval/compile (M1), import of os, subprocess, " +
			"socket and similar (M2), process spawn (M3), reverse shell (M4), second-stage loaders such as marshal.loads or pickle " +
			"(M5), decoded data reaching them (M6), dangerous names hidden in strings and reached by reflection (M7), safe_mode " +
			"sabotage or loading a second model (M8), persistence writes (M9), exfiltration chains (M10). Lambdas are found at every " +
			"nesting level: sub-models, TimeDistributed/Bidirectional wrappers, output_shape, mask, arguments, activations, initializers, losses.",
		Impact:      "Arbitrary code execution with the privileges of whoever loads the model: credential theft, backdoors, lateral movement.",
		Remediation: kerasLoadRemediation,
		References:  []string{"CVE-2024-3660", "CVE-2025-9905", "CVE-2026-12481", "GHSA-x4wf-678h-2pmq", "https://kb.cert.org/vuls/id/253266"},
		Equivalents: lambdaEquivalents,
		Positive: concat(lambdaMatrix("m1_eval", "m2_import", "m3_os_system", "m4_reverse_shell", "m5_marshal", "m6_decode_exec",
			"m7_reflection", "m8_unsafe_mode", "m9_bashrc", "m10_exfil"), h5Matrix("k2_m3_os_system"), []string{
			"keras/nested/submodel_lambda.keras", "keras/nested/submodel_lambda.h5", "keras/keras2/lambda_module_os.h5", "keras/nested/timedistributed_lambda.keras", "keras/generic/initializer_lambda.keras",
			"keras/generic/loss_lambda.keras", "keras/generic/output_shape_lambda.keras", "keras/generic/arguments_lambda.keras",
			"keras/keras2/savedmodel_m3/keras_metadata.pb", "keras/keras2/model_to_json_m3.json", "keras/keras2/lambda_module_os.json",
			"keras/anomaly/utf16_config.keras", "keras/anomaly/duplicate_keys_nan.keras", "keras/anomaly/padded_dir/config.json",
			"keras/anomaly/no_metadata.keras", "keras/cve/cve_2025_9906_enable_unsafe.keras"}),
		Negative: []string{"keras/benign/lambda.keras", "keras/benign/functional_nested.keras", "keras/benign/keras2_lambda.h5",
			"keras/lambda/py311/s1_environ.keras"},
	},
	{
		ID: "KERAS-102", Title: "Lambda layer uses a suspicious operator at load time", Severity: finding.High, Class: finding.Suspicious,
		Overview: "A Lambda function does something a model layer has no reason to do, but that is not proof of harm on its own: it reads " +
			"environment variables, decodes encoded strings, names network endpoints, uses reflection, touches files, fingerprints the " +
			"host, sleeps or starts threads, loads native code, or carries packed data. It runs at load time like any Lambda.",
		Trigger: "S indicators without any M indicator: S1 environment, S2 decoding, S3 network, S4 reflection, S5 file system, S6 host " +
			"reconnaissance, S7 timing and background work, S8 native code, S9 structure anomalies (long or high-entropy constants); " +
			"or U1, a reference outside the tensor-math baseline. Severity is high, medium when only S6, S7 or U1 are present.",
		Impact:      "Reconnaissance or staging for a later attack, data access from inside the loading process, or a payload the tables do not recognise.",
		Remediation: "Read the evidence: each indicator names the call and its constant arguments. If the behaviour is not intended by the model's author, treat the model as malicious.\n" + kerasLambdaRemediation,
		References:  []string{"CVE-2024-3660", "CVE-2026-12481"},
		Equivalents: lambdaEquivalents,
		Positive: concat(lambdaMatrix("s1_environ", "s2_decode", "s3_url", "s4_dunder", "s5_listdir", "s6_cwd", "s7_sleep",
			"s8_ctypes", "s9_blob", "u1_unknown"), h5Matrix("k3_s1_environ"),
			[]string{"keras/generic/mask_lambda.keras", "keras/nested/bidirectional_activation_lambda.keras"}),
		Negative: []string{"keras/benign/lambda.keras", "keras/lambda/py311/m3_os_system.keras"},
	},
	{
		ID: "KERAS-103", Title: "Lambda bytecode is undecodable, hand-made or carries extra data", Severity: finding.High, Class: finding.Suspicious,
		Overview: "Keras' func_dump writes base64 of marshal.dumps(code) for a lambda. This code string is something else: not base64 " +
			"(func_load then falls back to the string's raw_unicode_escape bytes, a path no writer uses), not a code object any CPython " +
			"loads, followed by trailing bytes marshal ignores, or a code object with traits of hand assembly (invalid bytecode, a " +
			"non-lambda name).",
		Trigger:     "A1 trailing data, A2 hand-assembled or non-canonical code, A3 a non-<lambda> code name, or a code string that does not decode to a code object at all.",
		Impact:      "Obfuscation aimed at scanners that decode naively; what runs depends on the loading interpreter.",
		Remediation: kerasLoadRemediation,
		References:  []string{"CVE-2024-3660"},
		Positive: []string{"keras/anomaly/lambda_trailing_data.keras", "keras/anomaly/lambda_raw_escape.keras",
			"keras/anomaly/lambda_named_function.keras", "keras/anomaly/lambda_garbage.keras"},
		Negative: []string{"keras/benign/lambda.keras"},
	},
	{
		ID: "KERAS-104", Title: "Serialised lambda outside a Lambda layer", Severity: finding.High, Class: finding.Suspicious,
		Overview: "Keras serialises any Python lambda it meets as {\"class_name\": \"__lambda__\", \"config\": {\"value\": [code, defaults, closure]}}, " +
			"wherever it is: an activation, an initializer, a loss or metric, a Lambda's arguments. deserialize_keras_object rebuilds it with " +
			"func_load. Ordinary models name such functions instead; a lambda in these places is rare and invisible to scanners that only " +
			"look at Lambda layers.",
		Trigger:     "A generic __lambda__ object anywhere in a config other than a Lambda layer's own function, output_shape or mask. Its code is graded too (KERAS-101/102/103).",
		Impact:      "Code runs when the value is deserialised (with safe_mode off in Keras 3, always in tf-keras).",
		Remediation: kerasLambdaRemediation,
		References:  []string{"CVE-2024-3660"},
		Equivalents: []string{"none known: peers inspect Lambda layers only"},
		Positive: []string{"keras/generic/activation_lambda.keras", "keras/generic/initializer_lambda.keras", "keras/generic/loss_lambda.keras",
			"keras/generic/arguments_lambda.keras", "keras/nested/bidirectional_activation_lambda.keras"},
		Negative: []string{"keras/benign/lambda.keras", "keras/generic/output_shape_lambda.keras"},
	},
	{
		ID: "KERAS-105", Title: "Keras 2 Lambda merges a dangerous module into its globals", Severity: finding.High, Class: finding.Suspicious,
		Overview: "A Keras 2 / tf.keras Lambda records the module its function came from. On load, tf.keras adds that module's whole " +
			"namespace to the function's globals when the module is already imported. With \"module\": \"os\" a bare system('id') is " +
			"os.system('id'), although the bytecode never names os.",
		Trigger:     "A Lambda's module, output_shape_module or mask_module is os, posix, nt, subprocess, builtins, sys, socket, pty, shutil, ctypes, importlib, runpy or a similar module.",
		Impact:      "Hides a code-execution primitive from readers of the bytecode; KERAS-101 fires as well when the code uses the injected names.",
		Remediation: kerasLoadRemediation,
		References:  []string{"CVE-2024-3660"},
		Positive:    []string{"keras/keras2/lambda_module_os.json", "keras/keras2/lambda_module_os.h5"},
		Negative:    []string{"keras/benign/model_to_json.json", "keras/benign/savedmodel/keras_metadata.pb"},
	},
	{
		ID: "KERAS-110", Title: "Config makes Keras import a dangerous function", Severity: finding.Critical, Class: finding.Malicious,
		Overview: "A serialised object names a module and a function or class ({\"module\": \"os\", \"class_name\": \"function\", \"config\": \"system\"}). " +
			"Keras 3.0–3.8 and every tf-keras version import that module and fetch the name, even with safe_mode on, and a Lambda layer " +
			"then calls the function with the layer's input and arguments.",
		Trigger:     "A module reference outside the Keras packages (and outside TensorFlow's harmless APIs) resolving to an M-indicator target: os.system, subprocess, builtins.eval/exec, pickle or marshal loaders, runpy, pty...",
		Impact:      "Arbitrary command execution on load with no bytecode at all, bypassing safe_mode on affected versions.",
		Remediation: kerasLoadRemediation,
		References:  []string{"CVE-2025-1550", "GHSA-48g7-3x6r-xfhp", "https://github.com/keras-team/keras/pull/20751"},
		Equivalents: []string{"ModelAudit: keras_zip scanner CVE-2025-1550 module check (CRITICAL)", "JFrog: KERAS-CUSTOM module injection"},
		Positive: []string{"keras/cve/cve_2025_1550_os_system.keras", "keras/cve/builtins_eval.keras", "keras/cve/posix_spawn_class.keras",
			"keras/cve/arguments_function_ref.keras", "keras/keras2/function_type_os_system.json", "keras/keras2/function_type_os_system.h5"},
		Negative: []string{"keras/benign/sequential.keras", "keras/cve/foreign_function.keras"},
	},
	{
		ID: "KERAS-111", Title: "Config calls a Keras loading or configuration API", Severity: finding.Critical, Class: finding.Malicious,
		Overview: "Keras' own exported functions can be named in a config like any other function. Loading and configuration APIs are " +
			"gadgets: keras.config.enable_unsafe_deserialization switches safe_mode off for every Lambda that follows, " +
			"keras.models.load_model(..., safe_mode=False) loads a second, unchecked model, keras.utils.get_file downloads one, and " +
			"global_state.set_global_attribute('safe_mode_saving', False) flips the flag directly. No model computation needs them.",
		Trigger: "A function or class reference into the Keras packages whose name is one of Keras' LOADING_APIS / NON_MODELING_APIS " +
			"(load_model, load_weights, get_file, enable_unsafe_deserialization, model_from_json, save_model, set_global_attribute...), " +
			"anything under keras.config, keras.saving or global_state, or the string safe_mode_saving anywhere in the config.",
		Impact:      "safe_mode is disabled or bypassed, then attacker code runs (Lambda bytecode, a downloaded model).",
		Remediation: kerasLoadRemediation,
		References: []string{"CVE-2025-8747", "GHSA-c9rc-mg46-23w3", "CVE-2025-9906", "GHSA-36fq-jgmw-4r9c",
			"https://github.com/keras-team/keras/pull/21412", "https://github.com/keras-team/keras/pull/21429"},
		Equivalents: []string{"ModelAudit: keras_zip scanner CVE-2025-8747 / CVE-2025-9906 checks"},
		Positive: []string{"keras/cve/cve_2025_8747_get_file.keras", "keras/cve/cve_2025_9906_enable_unsafe.keras",
			"keras/cve/cve_2025_9906_load_model.keras", "keras/cve/set_global_attribute.keras"},
		Negative: []string{"keras/benign/sequential.keras", "keras/benign/functional_nested.keras"},
	},
	{
		ID: "KERAS-112", Title: "Config names an internal Keras utility function", Severity: finding.High, Class: finding.Suspicious,
		Overview: "Configs name activations, losses, metrics, initializers and ops. This one names a function from an internal utility " +
			"package (keras.src.utils, keras.src.saving, keras.src.backend.common...). Keras 3.9–3.10 resolve any attribute of a Keras " +
			"module, so such helpers (python_utils.func_load rebuilds marshalled code) become gadgets.",
		Trigger:     "class_name \"function\" with a module under <keras package>.src.{utils, saving, datasets, callbacks, export, legacy, backend.common, ...}.",
		Impact:      "Depends on the helper; func_load-style helpers run attacker bytecode without a Lambda layer.",
		Remediation: kerasLoadRemediation,
		References:  []string{"CVE-2025-8747", "https://github.com/keras-team/keras/pull/21412"},
		Positive:    []string{"keras/cve/internal_gadget.keras"},
		Negative:    []string{"keras/benign/sequential.keras"},
	},
	{
		ID: "KERAS-113", Title: "Config passes a path, URL or command to the function a layer calls", Severity: finding.High, Class: finding.Suspicious,
		Overview: "A Lambda's arguments and a functional node's literal args and kwargs are handed to the function the layer calls. " +
			"Tensor code receives numbers, shapes and mode names; gadget chains (get_file, load_model, os.system) receive URLs, file " +
			"paths, shell commands and safe_mode=False. Published exploits put them exactly here.",
		Trigger:     "A string in a Lambda's arguments or a node's args/kwargs that is a URL, an absolute or parent-relative path, a model or code file name, or a shell command; or safe_mode set to false.",
		Impact:      "The payload's parameters: what to download, which second model to load, which command to run.",
		Remediation: kerasLoadRemediation,
		References:  []string{"CVE-2025-8747", "CVE-2025-9906"},
		Positive: []string{"keras/cve/cve_2025_1550_os_system.keras", "keras/cve/cve_2025_8747_get_file.keras",
			"keras/cve/cve_2025_9906_load_model.keras", "keras/cve/arguments_function_ref.keras", "keras/keras2/tfoplambda_write_file.json",
			"keras/keras2/tfoplambda_write_file.h5"},
		Negative: []string{"keras/benign/functional_nested.keras", "keras/benign/lambda.keras"},
	},
	{
		ID: "KERAS-114", Title: "Config names a function outside the Keras packages", Severity: finding.High, Class: finding.Suspicious,
		Overview: "A serialised object references a function (or a module whose import alone is risky) outside keras, keras_hub, keras_cv " +
			"and keras_nlp. Keras 3.0–3.8 and tf-keras import any module a config names; Keras 3.9+ refuse. The target is not a known " +
			"code-execution primitive, but it is not modeling code either: network, file and reflection helpers, or an unknown library.",
		Trigger:     "class_name \"function\" (or a class in os, sys, subprocess, socket...) with a module outside the Keras packages that is not an M-indicator target; S-indicator targets such as webbrowser.open are named in the message.",
		Impact:      "The function is called with the layer's input and attacker-chosen arguments; what it does decides the damage.",
		Remediation: kerasLoadRemediation,
		References:  []string{"CVE-2025-1550", "GHSA-48g7-3x6r-xfhp"},
		Equivalents: []string{"ModelAudit: keras_zip scanner non-Keras fn_module (WARNING)"},
		Positive:    []string{"keras/cve/foreign_function.keras", "keras/cve/webbrowser_open.keras", "keras/cve/arguments_function_ref.keras"},
		Negative:    []string{"keras/benign/sequential.keras", "keras/benign/custom_layer.keras"},
	},
	{
		ID: "KERAS-120", Title: "TorchModuleWrapper embeds a PyTorch pickle", Severity: finding.Info, Class: finding.Informational, CodeOnLoad: true,
		Overview: "Keras 3's TorchModuleWrapper stores the wrapped torch.nn.Module as base64 of a torch.save file and restores it with " +
			"torch.load(weights_only=False): a full pickle. modelgate decodes the file and analyses it as a nested PyTorch checkpoint; " +
			"the pickle's own findings (PICKLE-1xx at the nested location) decide whether it is malicious.",
		Trigger:     "A layer with class_name TorchModuleWrapper whose config.module is a string.",
		Impact:      "The pickle runs on load when safe_mode is off, and with safe_mode on in Keras 3.11.0–3.11.2.",
		Remediation: "Rebuild the torch module in code and load only its state_dict. Best practice: keep Keras at 3.11.3 or later and never disable safe_mode for third-party models.",
		References:  []string{"CVE-2025-49655", "https://github.com/keras-team/keras/pull/21575"},
		Equivalents: []string{"ModelAudit: keras_zip scanner CVE-2025-49655 TorchModuleWrapper check"},
		Positive:    []string{"keras/benign/torch_module_wrapper.keras", "keras/cve/cve_2025_49655_torch_module.keras"},
		Negative:    []string{"keras/benign/sequential.keras"},
	},
	{
		ID: "KERAS-121", Title: "TFSMLayer loads a SavedModel from outside the archive", Severity: finding.High, Class: finding.Suspicious,
		Overview: "TFSMLayer wraps a TensorFlow SavedModel by path. Rebuilding the layer calls tf.saved_model.load on whatever the config's " +
			"filepath points to, so the model's behaviour comes from a file (or bucket) that is not part of what was reviewed, and that " +
			"SavedModel's graph can read and write files.",
		Trigger:     "A layer with class_name TFSMLayer, whatever its filepath.",
		Impact:      "Loads and runs an unreviewed TensorFlow graph from a local path or remote URI.",
		Remediation: "Ship the SavedModel with the model and review it, or rebuild the layer in code. Best practice: Keras 3.13.2 or later refuses TFSMLayer in safe mode.",
		References:  []string{"CVE-2026-1462", "GHSA-4f3f-g24h-fr8m", "https://github.com/keras-team/keras/pull/22035"},
		Positive:    []string{"keras/cve/cve_2026_1462_tfsmlayer.keras"},
		Negative:    []string{"keras/benign/sequential.keras"},
	},
	{
		ID: "KERAS-122", Title: "Layer reads its vocabulary or tokenizer from an outside path", Severity: finding.High, Class: finding.Suspicious,
		Overview: "StringLookup, IntegerLookup, TextVectorization and the keras-hub tokenizers accept a vocabulary (or merges, or a " +
			"SentencePiece proto) either inline or as a path, read with tf.io.gfile when the layer is rebuilt. A path in a shipped model " +
			"reads a file of the victim's machine, or fetches gs:// and http URIs.",
		Trigger:     "A layer config whose vocabulary, idf_weights, merges or proto value is a string.",
		Impact:      "Local file disclosure into the model's lookup table (exfiltrated on re-save or through predictions) and server-side request forgery.",
		Remediation: "Ship vocabularies inside the model (Keras stores them under assets/). Best practice: Keras 3.12.0 or later refuses vocabulary paths in safe mode.",
		References:  []string{"CVE-2025-12058", "GHSA-qg93-c7p6-gg7f", "https://github.com/keras-team/keras-hub/issues/2517"},
		Positive:    []string{"keras/cve/cve_2025_12058_vocabulary.keras"},
		Negative:    []string{"keras/benign/sequential.keras"},
	},
	{
		ID: "KERAS-123", Title: "TFOpLambda calls a file, Python-callback or loading TensorFlow API", Severity: finding.High, Class: finding.Suspicious,
		Overview: "tf.keras records calls of TensorFlow functions in a functional model as TFOpLambda layers naming the API symbol. Any " +
			"public TensorFlow symbol can be named, including tf.io.write_file, tf.io.read_file, tf.io.gfile, tf.py_function and " +
			"tf.saved_model.load, and the node's literal arguments are passed to it.",
		Trigger:     "A TFOpLambda or SlicingOpLambda whose function is a TensorFlow API that touches files, calls back into Python, or loads models.",
		Impact:      "File writes (persistence), file reads, or Python execution when the model runs.",
		Remediation: kerasLoadRemediation,
		Positive:    []string{"keras/keras2/tfoplambda_write_file.json", "keras/keras2/tfoplambda_write_file.h5"},
		Negative:    []string{"keras/benign/model_to_json.json"},
	},
	{
		ID: "KERAS-130", Title: "Model needs a custom class to load", Severity: finding.Info, Class: finding.Informational, CodeOnLoad: true,
		Overview: "The config references a class registered by the model's author (registered_name \"Package>Name\") or defined outside " +
			"the Keras packages. Its code is not in the file: the model loads only where that code is installed, and runs the class's " +
			"from_config and build on load (Keras ≤ 3.8 and tf-keras import the named module to find it).",
		Trigger:     "A serialised class with a module outside the Keras packages, or a legacy object whose registered_name carries a package prefix; a Keras 2 Lambda naming the author's function.",
		Impact:      "None by itself; trust depends on where the custom code comes from.",
		Remediation: "Make sure the custom classes come from your own reviewed code base. Best practice: register custom objects explicitly and load with custom_objects scoped to them.",
		Equivalents: []string{"Protect AI Guardian: PAIT-KERAS-301 (non-standard layer)", "ModelAudit: registered_name custom object note"},
		Positive:    []string{"keras/benign/custom_layer.keras"},
		Negative:    []string{"keras/benign/sequential.keras"},
	},
	{
		ID: "KERAS-201", Title: "Keras archive holds members Keras never writes", Severity: finding.High, Class: finding.Suspicious,
		Overview: "A .keras file is a zip of config.json, metadata.json, the weights (model.weights.h5 or .npz) and assets/. This one holds " +
			"more: Python source, native libraries, pickles, nested archives or unknown names at the root. Keras extracts every member " +
			"of an archive with more than three entries to a temporary directory, and users unpack models by hand.",
		Trigger: "Members outside that layout (medium), or of a code, native, pickle or archive type anywhere (high). Path traversal, duplicates, links and encryption are reported by ARCHIVE-2xx.",
		Impact:  "Smuggled code or payloads next to a model that looks clean, ready for a second stage to run.",
		Remediation: "Re-save the model with Keras from trusted code and reject archives with extra members.\n" +
			"Best practice: never unpack third-party model archives by hand into a working directory, and never run files shipped next to a model.",
		References:  []string{"CVE-2025-12060", "CVE-2024-55459"},
		Equivalents: []string{"ModelAudit: keras_zip scanner executable / .py members"},
		Positive:    []string{"keras/cve/archive_members.keras"},
		Negative:    []string{"keras/benign/sequential.keras", "keras/benign/npz_weights.keras"},
	},
	{
		ID: "KERAS-203", Title: "Keras weights file holds a pickle (object array in model.weights.npz)", Severity: finding.High, Class: finding.Suspicious,
		Overview: "Keras 3.0–3.8 read model.weights.npz with numpy.load(allow_pickle=True). Keras only ever stores numeric arrays there; an " +
			"array of Python objects is a pickle that runs when the weights load. The pickle itself is analysed and reported at the " +
			"array's location.",
		Trigger:     "An .npy member of model.weights.npz (inside a .keras archive or in a model directory) with an object dtype.",
		Impact:      "Arbitrary code execution on Keras 3.0–3.8, after the config was judged safe.",
		Remediation: "Re-save the weights with Keras 3.9 or later (model.weights.h5). Best practice: never load third-party weights with allow_pickle=True.",
		References:  []string{"https://github.com/keras-team/keras/commit/57c94f305c", "https://github.com/protectai/modelscan/pull/262"},
		Equivalents: []string{"modelscan PR #262 (npz weights in .keras, unmerged)"},
		Positive:    []string{"keras/cve/npz_object_weights.keras"},
		Negative:    []string{"keras/benign/npz_weights.keras"},
	},
	{
		ID: "KERAS-206", Title: "Layer name walks out of the asset directory", Severity: finding.High, Class: finding.Suspicious,
		Overview: "Keras builds the paths of weights and assets from layer names when it saves and loads through a temporary directory. A " +
			"name with a '..' component or an absolute path writes or reads outside that directory; no layer needs one (a plain '/', " +
			"as in tf.keras' DenseNet 'conv1/conv', only nests directories and is not reported).",
		Trigger:     "A layer or model name containing a '..' component, an absolute path, a drive letter or a NUL byte.",
		Impact:      "Arbitrary file write or read during load and save (Keras 3.14.x).",
		Remediation: "Reject the model. Best practice: Keras 3.15.0 or later contains asset paths.",
		References:  []string{"CVE-2026-12479", "https://github.com/keras-team/keras/pull/23017"},
		Positive:    []string{"keras/cve/cve_2026_12479_layer_name.keras"},
		Negative:    []string{"keras/benign/functional_nested.keras"},
	},
	{
		ID: "KERAS-207", Title: "Keras config is not JSON as Keras writes it", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "Keras reads configs with Python's json module, which accepts more than Keras ever writes: UTF-16 and UTF-32 documents, " +
			"a UTF-8 byte order mark, NaN and Infinity, and duplicate keys (the last one wins). Strict JSON readers in other scanners " +
			"fail on these or read a different value, so they are how payloads slip past review. modelgate reads the document exactly " +
			"as Python does and analyses what Keras would see.",
		Trigger: "A config.json, model_config or SavedModel metadata document with a non-UTF-8 encoding, a BOM, NaN/Infinity literals, duplicate keys or lone surrogates.",
		Impact:  "Scanner evasion; the rest of the findings say what the hidden content does.",
		Remediation: "Re-save the model with Keras from trusted code.\n" +
			"Best practice: review configs with a reader that decodes them exactly as Python does, or not at all; a strict JSON tool shows a different document.",
		Positive: []string{"keras/anomaly/utf16_config.keras", "keras/anomaly/duplicate_keys_nan.keras"},
		Negative: []string{"keras/benign/sequential.keras"},
	},
	{
		ID: "KERAS-210", Title: "Lambda in a legacy container that loads without safe_mode", Severity: finding.Info, Class: finding.Informational,
		Overview: "The Lambda functions reported for this file sit in a legacy container: an HDF5 model, a SavedModel keras_metadata.pb or a " +
			"model.to_json document. tf-keras and Keras 2 never apply safe_mode to them, and Keras 3 ignored safe_mode for HDF5 until " +
			"3.11.3, so their code runs on load with default settings. This note carries the context; the Lambda findings carry the verdict.",
		Trigger: "At least one Lambda (any grade) in an HDF5 model_config or training_config, a keras_metadata.pb node, or a model.to_json document.",
		Impact:  "The Lambda findings of this file apply with default loader settings.",
		Remediation: "Convert trusted legacy models to the .keras format with Keras 3 and load them with safe_mode on.\n" +
			"Best practice: do not load third-party .h5 or SavedModel Keras models with tf-keras at all; if you must, use Keras 3.11.3 or later, which applies safe_mode to HDF5.",
		References: []string{"CVE-2024-3660", "CVE-2025-9905", "https://github.com/keras-team/tf-keras/pull/917"},
		Positive: concat(h5Matrix("k2_benign_tf", "k2_m3_os_system", "k3_s1_environ"), []string{"keras/keras2/savedmodel_m3/keras_metadata.pb",
			"keras/benign/savedmodel/keras_metadata.pb", "keras/keras2/model_to_json_m3.json", "keras/benign/keras2_lambda.h5"}),
		Negative: []string{"keras/benign/lambda.keras"},
	},
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
