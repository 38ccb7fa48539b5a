package rules

import "github.com/modelgate/modelgate/internal/finding"

var tfRules = []Rule{
	{
		ID: "TF-100", Title: "Graph reads a data file the model ships or the loader supplies", Severity: finding.Info, Class: finding.Informational,
		Overview: "A vocabulary table, text or record dataset reads a file whose path is either fed by the loader (SavedModel assets are " +
			"bound this way) or a constant relative to the model's directory. This is how tokenizers and lookup tables ship with models.",
		Trigger:     "InitializeTableFromTextFile(V2), TextLineDataset, TFRecordDataset, FixedLengthRecordDataset, CSVDataset, LMDBDataset, LoadAndRemapMatrix or GenerateVocabRemapping whose path is not a constant leaving the model's directory.",
		Impact:      "None by itself: the file read is part of the model. Check that the named asset is shipped with it.",
		Remediation: "None needed.",
		Equivalents: []string{"modelaudit: LoadAndRemapMatrix / InitializeTable flagged as suspicious ops"},
		Positive:    []string{"tf/vocab_asset_savedmodel.pb"},
		Negative:    []string{"tf/benign_savedmodel.pb"},
	},
	{
		ID: "TF-101", Title: "Graph writes files when it runs", Severity: finding.Critical, Class: finding.Malicious,
		Overview: "An op in the graph, a library function or a graph nested in a constant writes a file: WriteFile, PrintV2 with a file:// " +
			"output stream (it appends to the file), SaveDataset, DatasetToTFRecord, or a checkpoint op (Save, SaveV2, SaveSlices, " +
			"MergeV2Checkpoints) that the SaverDef's save path does not own. The standard saver's own SaveV2/MergeV2Checkpoints, reached " +
			"only from saver_def.save_tensor_name, are not reported.",
		Trigger:     "Any of those ops anywhere in the file, with the path when it is a constant.",
		Impact:      "Arbitrary file write at load or inference time: ~/.ssh/authorized_keys, shell start-up files, or the model's own checkpoint (a persistent backdoor). MergeV2Checkpoints can also delete directories.",
		Remediation: "Do not load the model. Rebuild it from trusted code; TensorFlow states that it is not a sandbox.",
		References:  []string{"https://github.com/tensorflow/tensorflow/blob/master/SECURITY.md", "JFrog TFLOW-MALOPS", "CVE-2026-1462"},
		Equivalents: []string{"modelscan: WriteFile (HIGH)", "modelaudit: SUSPICIOUS_OPS WriteFile/Save/SaveV2/MergeV2Checkpoints/PrintV2"},
		Positive: []string{"tf/writefile_function.pb", "tf/printv2_file.pb", "tf/savev2_outside_saver.pb", "tf/nested_writefile.pb",
			"tf/nested_unknown_fields.pb"},
		Negative: []string{"tf/benign_savedmodel.pb", "tf/tf1_saver_savedmodel.pb", "tf/benign_frozen_graph.pb"},
	},
	{
		ID: "TF-102", Title: "Graph reads, lists or logs to files outside its assets", Severity: finding.High, Class: finding.Suspicious,
		Overview: "An op reads or enumerates host files (ReadFile, MatchingFiles, ImmutableConst's memory-mapped region, file readers, " +
			"LoadDataset, SQL/LMDB datasets), restores a checkpoint outside the SaverDef's restore path, reads a data file by an absolute, " +
			"'..' or URL path, names an asset (asset_file_def) outside the SavedModel's assets directory, loads protobuf descriptors from a file, or writes debugger dumps and summaries to the file system.",
		Trigger:     "Any of those ops anywhere in the file.",
		Impact:      "Exfiltration of host files into model outputs or variables (/etc/passwd, credentials), reconnaissance of the file system.",
		Remediation: "Review the op and where its path comes from; reject models that read paths they do not ship.",
		References:  []string{"JFrog TFLOW-MALOPS", "https://github.com/tensorflow/tensorflow/blob/master/SECURITY.md"},
		Equivalents: []string{"modelscan: ReadFile (HIGH)", "modelaudit: SUSPICIOUS_OPS ReadFile/RestoreV2/LoadAndRemapMatrix"},
		Positive:    []string{"tf/readfile.pb", "tf/asset_traversal_savedmodel.pb"},
		Negative:    []string{"tf/benign_savedmodel.pb", "tf/tf1_saver_savedmodel.pb", "tf/vocab_asset_savedmodel.pb"},
	},
	{
		ID: "TF-103", Title: "Graph calls back into Python", Severity: finding.High, Class: finding.Suspicious,
		Overview: "PyFunc, PyFuncStateless and EagerPyFunc call a Python function registered under a token in the process that built the " +
			"graph. A shared model cannot carry that function, so the op either fails or runs whatever the loading process registered under the token.",
		Trigger:     "A PyFunc, PyFuncStateless or EagerPyFunc op anywhere in the file.",
		Impact:      "Arbitrary Python runs in the serving process if a matching callable is registered; never legitimate in a distributed model.",
		Remediation: "Re-export the model without tf.py_function / tf.numpy_function.",
		Equivalents: []string{"modelaudit: PyFunc/PyFuncStateless/EagerPyFunc (CRITICAL)"},
		Positive:    []string{"tf/pyfunc.pb"},
		Negative:    []string{"tf/benign_savedmodel.pb"},
	},
	{
		ID: "TF-104", Title: "Graph opens network connections", Severity: finding.High, Class: finding.Suspicious,
		Overview:    "RPC ops (Rpc, RpcClient, RpcCall, RpcServer*), tf.data service datasets, RemoteCall and debugger ops streaming to grpc:// endpoints connect to hosts named in the graph.",
		Trigger:     "Any of those ops anywhere in the file.",
		Impact:      "Exfiltration of inputs or host data, fetching attacker-controlled data at inference time.",
		Remediation: "Reject models that talk to the network; serve them in an environment without egress.",
		Positive:    []string{"tf/rpc.pb"},
		Negative:    []string{"tf/benign_savedmodel.pb"},
	},
	{
		ID: "TF-105", Title: "Op outside TensorFlow's registry (custom op library)", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "The graph uses an op that stock TensorFlow does not register and that is not a function of the graph's library. " +
			"Loading it needs tf.load_op_library on a shared object: native code that runs with the loader's privileges.",
		Trigger:     "An op name absent from the stock op list (tf.raw_ops plus internal ops seen in exported graphs) and from the function library.",
		Impact:      "The model only runs with a native library supplied alongside it, which must be trusted like any executable.",
		Remediation: "Obtain and review the custom op library, or re-export the model with stock ops.",
		Equivalents: []string{"modelscan: unknown TF operator (MEDIUM)"},
		Positive:    []string{"tf/custom_op.pb"},
		Negative:    []string{"tf/benign_savedmodel.pb", "tf/benign_frozen_graph.pb"},
	},
	{
		ID: "TF-201", Title: "Malformed or truncated TensorFlow protobuf", Severity: finding.Medium, Class: finding.Suspicious,
		Overview:    "The SavedModel or GraphDef does not parse to its end: a length runs past its message, a tag is invalid, or a budget (nodes, nesting, fields) was exceeded. Everything before the fault was analysed.",
		Trigger:     "A protobuf wire error, or more nodes, nesting or fields than the analysis budgets allow.",
		Impact:      "Content that could not be analysed cannot be shown harmless; parser differentials between scanners and TensorFlow.",
		Remediation: "Re-export the model; reject it if its origin is unknown.",
		Positive:    []string{"tf/truncated.pb"},
		Negative:    []string{"tf/benign_savedmodel.pb"},
	},
	{
		ID: "TF-202", Title: "Graph hidden inside a constant (DatasetFromGraph)", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "A string constant or attribute holds a serialized GraphDef, typically the input of DatasetFromGraph, which rebuilds and " +
			"runs it. Scanners that read only graph_def.node and library.function miss every op inside; modelgate analyses the nested graph " +
			"and reports its ops with their own rules.",
		Trigger:     "A string value that parses strictly as a GraphDef with well-formed nodes, or DatasetFromGraph fed by a computed string.",
		Impact:      "Hidden ops (file writes, reads) that run when the dataset is built, usually at load or first inference.",
		Remediation: "Treat as hostile unless the model's author explains the nested graph; the nested findings say what it does.",
		References:  []string{"https://github.com/MediumIQ/tfhunt-savedmodel-nested-writefile"},
		Equivalents: []string{"modelscan 0.8.8: not detected"},
		Positive:    []string{"tf/nested_writefile.pb", "tf/nested_unknown_fields.pb"},
		Negative:    []string{"tf/benign_savedmodel.pb"},
	},
	{
		ID: "TF-301", Title: "Architectural backdoor: input trigger selects a constant output", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "A Select/SelectV2 or If is switched by comparing the raw input (no learned layer in between) with a constant, one of its " +
			"branches does not depend on the input, and its result reaches an output through pass-through ops only. That is the shape of a " +
			"trigger that overrides the model's answer. Attention and padding masks, which compare token ids with constants, are not reported " +
			"because their result passes through learned projections before any output.",
		Trigger:     "Equal/Greater/Less… of raw input and a constant → (casts, logic) → Select/If with a constant branch → output without learned ops.",
		Impact:      "The model answers normally except for inputs carrying the trigger, for which the attacker chose the answer.",
		Remediation: "Inspect the flagged subgraph; retrain or re-export from trusted code.",
		References:  []string{"https://hiddenlayer.com/innovation-hub/shadowlogic/"},
		Equivalents: []string{"Protect AI Guardian: TF SavedModel architectural backdoor"},
		Positive:    []string{"tf/backdoor_select.pb", "tf/backdoor_if.pb"},
		Negative:    []string{"tf/benign_mask.pb", "tf/benign_savedmodel.pb"},
	},
}
