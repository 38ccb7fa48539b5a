package rules

import "github.com/modelgate/modelgate/internal/finding"

var onnxRules = []Rule{
	{
		ID: "ONNX-100", Title: "Tensors stored in external files beside the model", Severity: finding.Info, Class: finding.Informational,
		Overview:    "Some tensors keep their data in files next to the model (external data). The locations stay inside the model's directory; onnx.load reads them from there.",
		Trigger:     "External-data locations that are relative, without '..', and (for files on disk) not links.",
		Impact:      "None by itself. The listed files are part of the model and must be shipped and verified with it.",
		Remediation: "None needed.",
		Positive:    []string{"onnx/external_ok.onnx"},
		Negative:    []string{"onnx/cnn.onnx"},
	},
	{
		ID: "ONNX-102", Title: "Operator from a custom domain (needs a native custom-op library)", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "A node's domain is neither a standard ONNX domain nor a runtime's built-in contrib domain nor a function defined in the " +
			"model. Running it needs a custom-op shared library registered by the loader (register_custom_ops_library): native code.",
		Trigger:     "NodeProto.domain outside '', ai.onnx, ai.onnx.ml, ai.onnx.preview.training, com.microsoft (and its nchwc/experimental variants), org.pytorch.aten and the model's local functions; checked in every graph, subgraph and function.",
		Impact:      "The model only runs with a native library supplied alongside it, which must be trusted like any executable.",
		Remediation: "Obtain and review the custom-op library, or re-export the model with standard operators.",
		Equivalents: []string{"modelaudit: custom domain (INFO)"},
		Positive:    []string{"onnx/custom_domain.onnx", "onnx/custom_in_subgraph.onnx"},
		Negative:    []string{"onnx/cnn.onnx", "onnx/local_function.onnx"},
	},
	{
		ID: "ONNX-103", Title: "Python-calling custom operator", Severity: finding.High, Class: finding.Suspicious,
		Overview:    "A node is one of the Python-bridging custom ops (ONNX Runtime's PythonOp family, onnxruntime-extensions' PyOp): the runtime calls a Python callable registered in the loading process, named by the node.",
		Trigger:     "An op type containing 'Python', or PyOp/PyFunc, in any domain.",
		Impact:      "Python code chosen by name runs during inference if the process registered it.",
		Remediation: "Re-export without Python ops; never load such models from untrusted sources.",
		Equivalents: []string{"modelaudit: op_type containing 'python' (CRITICAL)"},
		Positive:    []string{"onnx/pyop.onnx"},
		Negative:    []string{"onnx/cnn.onnx"},
	},
	{
		ID: "ONNX-201", Title: "External data location escapes the model's directory", Severity: finding.High, Class: finding.Suspicious,
		Overview: "An external-data location is absolute, drive-qualified, a UNC path, contains a '..' component anywhere (a/../../b bypassed " +
			"the first fix), or on disk goes through a symbolic link or names a hard-linked file. onnx.load then reads an arbitrary host file into a tensor.",
		Trigger:     "TensorProto.external_data location of any initializer, sparse initializer or attribute tensor, in any graph.",
		Impact:      "Arbitrary file read at load time (secrets copied into weights that the model may echo), or denial of service on devices.",
		Remediation: "Reject the model; keep onnx ≥ 1.21 and load external data only from a directory you control.",
		References:  []string{"CVE-2022-25882", "CVE-2024-27318", "CVE-2025-51480", "CVE-2026-27489"},
		Equivalents: []string{"modelaudit: external data path traversal (CRITICAL)"},
		Positive:    []string{"onnx/external_traversal.onnx", "onnx/external_absolute.onnx", "onnx/external_nested_dotdot.onnx"},
		Negative:    []string{"onnx/external_ok.onnx", "onnx/external_ok.onnx.data"},
	},
	{
		ID: "ONNX-202", Title: "External data offset or length out of range", Severity: finding.Medium, Class: finding.Suspicious,
		Overview:    "An external-data entry has no location, an offset or length that is not a non-negative integer or overflows, a length that disagrees with the tensor's type and shape, or (for files on disk) a range beyond the end of the file.",
		Trigger:     "external_data entries of any tensor.",
		Impact:      "Loader crashes or memory exhaustion; data read from the wrong place; differentials between loaders.",
		Remediation: "Re-save the model with onnx.save_model(save_as_external_data=True).",
		References:  []string{"CVE-2026-34445"},
		Equivalents: []string{"modelaudit: external data size mismatch"},
		Positive:    []string{"onnx/external_bad_length.onnx"},
		Negative:    []string{"onnx/external_ok.onnx"},
	},
	{
		ID: "ONNX-203", Title: "Malformed or truncated ONNX protobuf", Severity: finding.Medium, Class: finding.Suspicious,
		Overview:    "The model does not parse to its end, has no graph, or exceeds the analysis budgets. Everything before the fault was analysed.",
		Trigger:     "A protobuf wire error, a missing graph, or more nodes, tensors or fields than the budgets allow.",
		Impact:      "Content that could not be analysed cannot be shown harmless.",
		Remediation: "Re-export the model; reject it if its origin is unknown.",
		Positive:    []string{"onnx/truncated.onnx"},
		Negative:    []string{"onnx/cnn.onnx"},
	},
	{
		ID: "ONNX-301", Title: "Architectural backdoor: input trigger selects a constant output", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "A Where or If is switched by comparing the raw input (no learned layer in between) with a constant, one of its branches " +
			"does not depend on the input, and its result reaches a graph output through pass-through ops only: the shape of a trigger that " +
			"overrides the model's answer. Attention and padding masks are not reported because their result passes through learned layers first.",
		Trigger:     "Equal/Greater/Less… of raw input and a constant → (casts, logic) → Where/If with a constant branch → output without learned ops.",
		Impact:      "The model answers normally except for inputs carrying the trigger, for which the attacker chose the answer.",
		Remediation: "Inspect the flagged subgraph; retrain or re-export from trusted code.",
		References:  []string{"https://hiddenlayer.com/innovation-hub/shadowlogic/"},
		Positive:    []string{"onnx/backdoor_where.onnx"},
		Negative:    []string{"onnx/benign_mask.onnx", "onnx/rnn_loop_if.onnx", "onnx/cnn.onnx"},
	},
}
