package rules

import "github.com/modelgate/modelgate/internal/finding"

const pickleRemediation = "Do not load this file with pickle, torch.load(weights_only=False), joblib.load or numpy.load(allow_pickle=True). " +
	"Obtain the model from a trusted publisher, verify its signature, and prefer a format without load-time code such as safetensors. " +
	"If the file came from your own pipeline, treat the pipeline as compromised and investigate."

var pickleRules = []Rule{
	{
		ID: "PICKLE-100", Title: "Pickle needs custom code to load", Severity: finding.Info, Class: finding.Informational, CodeOnLoad: true,
		Overview: "The pickle references classes from the author's own code (for example __main__.Net or a project package), or functions " +
			"of it that the model stores (a FunctionTransformer's func, a scheduler's lambda). Loading it imports that code, so the file " +
			"loads only where the code is installed, and it runs that code's constructors.",
		Trigger: "A global outside the standard library and the known ML libraries is used the way classes are (instantiated with NEWOBJ or " +
			"rebuilt with BUILD), or is a function stored and never called while loading. A function called while loading, or a class whose " +
			"instance is then called, is PICKLE-102 instead.",
		Impact:      "None by itself. The class's own code runs on load, so trust depends on where that code comes from.",
		Remediation: "Make sure the named module comes from your own, reviewed code base. Prefer saving state dicts rather than whole objects.",
		Equivalents: []string{"fickling: NonStandardImports (LIKELY_UNSAFE)", "modelaudit: unknown global (WARNING)"},
		Positive:    []string{"pickle/user_class_v2.pkl"},
		Negative:    []string{"pickle/benign_list_v4.pkl"},
	},
	{
		ID: "PICKLE-101", Title: "Pickle calls a code-execution primitive at load time", Severity: finding.Critical, Class: finding.Malicious,
		Overview: "Unpickling imports and calls any Python callable the stream names. This pickle reaches a callable that runs " +
			"commands or code: os.system, subprocess, eval/exec, import machinery, nested deserialisers (pickle.loads, torch.load, marshal), " +
			"native-code loaders (ctypes), or one of the standard-library and PyTorch gadget functions that wrap them.",
		Trigger: "GLOBAL, STACK_GLOBAL, INST or a reflected call (getattr, attrgetter, methodcaller, partial, __import__) resolves to a " +
			"denylisted code-execution callable, including through module aliases (posix, nt, __builtin__), submodules of dangerous " +
			"modules and dotted attribute paths (pathlib + 'os.system').",
		Impact:      "Arbitrary code runs with the privileges of whoever loads the model: credential theft, reverse shells, supply-chain compromise.",
		Remediation: pickleRemediation,
		References: []string{"CVE-2025-1716", "CVE-2025-1889", "CVE-2025-10155", "CVE-2025-10157", "CVE-2026-56315",
			"GHSA-vvpj-8cmc-gx39", "GHSA-5j3x-jp52-966f", "GHSA-9m3x-qqw2-h32h",
			"https://docs.python.org/3/library/pickle.html (\"The pickle module is not secure\")"},
		Equivalents: []string{"picklescan: dangerous import", "modelscan: CRITICAL unsafe operator", "fickling: OVERTLY_MALICIOUS",
			"modelaudit: S201/S202 dangerous global", "Protect AI Guardian: PAIT-PKL-100"},
		Positive: []string{"pickle/os_system_v0.pkl", "pickle/os_system_v2.pkl", "pickle/posix_system_v4.pkl", "pickle/dotted_pathlib_os_system.pkl",
			"pickle/memo_stack_global.pkl", "pickle/getattr_import_os.pkl", "pickle/methodcaller_system.pkl", "pickle/inst_exec.pkl",
			"pickle/obj_pty_spawn.pkl", "pickle/partial_torch_load.pkl", "pickle/string_operands_stack_global.pkl", "pickle/ext_after_payload.pkl",
			"archive/pickle.7z", "archive/solid_pickles.7z", "archive/nested.tar.gz", "joblib/payload_after_array.joblib", "joblib/payload_after_array_xz.joblib",
			"torch/load_from_bytes_payload.pkl", "archive/deep_nested.tar"},
		Negative: []string{"pickle/benign_list_v4.pkl", "pickle/benign_ordereddict_v2.pkl", "torch/state_dict_zip.pt", "joblib/arrays.joblib",
			"torch/legacy.pt", "torch/legacy_tar.tar", "torch/torchscript.pt", "torch/plain_pickled_module.pkl", "pickle/nested_loads_benign.pkl"},
	},
	{
		ID: "PICKLE-102", Title: "Pickle imports a global outside the allowlist", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "Any callable a pickle imports runs when the pickle is loaded. modelgate allows the globals that ordinary model files use " +
			"(tensor and array rebuilders, containers, layer classes) and denies known code-execution primitives; this global is neither, " +
			"so it could not be shown harmless.",
		Trigger:     "A global that is on neither the allowlist nor the denylist is imported or called.",
		Impact:      "Unknown: new gadgets that run code are found regularly (133 in one 2025 study), so an unknown callable is a risk until reviewed.",
		Remediation: "Review what the named callable does with the arguments shown. If it is harmless and part of your stack, allow it by policy; otherwise treat the file as malicious.",
		Equivalents: []string{"picklescan: suspicious global", "modelaudit: WARNING unknown global"},
		Positive:    []string{"pickle/unknown_global.pkl"},
		Negative:    []string{"pickle/benign_list_v4.pkl"},
	},
	{
		ID: "PICKLE-103", Title: "Pickle touches the file system at load time", Severity: finding.High, Class: finding.Malicious,
		Overview:    "The pickle calls a callable that opens, writes, copies or removes files (open, io.FileIO, shutil, tempfile, logging file handlers, distutils.file_util.write_file...).",
		Trigger:     "An import or call resolves to a denylisted file-system primitive.",
		Impact:      "Files are created, overwritten or read on load: persistence (.bashrc, authorized_keys), sabotage, or staging data for exfiltration.",
		Remediation: pickleRemediation,
		References:  []string{"GHSA-9726-w42j-3qjr", "GHSA-m7j5-r2p5-c39r", "CVE-2026-56304", "GHSA-m273-6v24-x4m4"},
		Equivalents: []string{"picklescan: dangerous import (_io.FileIO, logging.FileHandler)", "modelaudit: S2xx dangerous global"},
		Positive:    []string{"pickle/open_write.pkl"},
		Negative:    []string{"pickle/benign_list_v4.pkl"},
	},
	{
		ID: "PICKLE-104", Title: "Pickle reaches the network at load time", Severity: finding.High, Class: finding.Malicious,
		Overview:    "The pickle calls a callable that opens a connection or fetches a URL (socket, urllib, http.client, requests, aiohttp...).",
		Trigger:     "An import or call resolves to a denylisted network primitive.",
		Impact:      "The loader beacons to an attacker, leaks data (DNS or HTTP exfiltration), or downloads a second stage; server-side it is SSRF.",
		Remediation: pickleRemediation,
		References:  []string{"GHSA-9726-w42j-3qjr"},
		Equivalents: []string{"picklescan: dangerous import (socket, requests.api, urllib.request)", "modelscan: HIGH webbrowser/httplib/requests.api/aiohttp.client"},
		Positive:    []string{"pickle/socket_connect.pkl"},
		Negative:    []string{"pickle/benign_list_v4.pkl"},
	},
	{
		ID: "PICKLE-105", Title: "Pickle reaches code by reflection", Severity: finding.Critical, Class: finding.Malicious,
		Overview: "Reflection primitives (getattr, operator.attrgetter/methodcaller, functools.partial, vars, globals) and dunder attribute " +
			"traversal (__builtins__, __globals__, __subclasses__) let a pickle reach callables without naming them in an import. " +
			"modelgate judges each use by what it touches: getattr on an object the pickle built itself with a constant, harmless name is " +
			"allowed; reaching into a module, using a name computed at load time, or naming a code primitive is not.",
		Trigger:     "A reflection primitive is called on a module or with a computed or dangerous name, a STACK_GLOBAL name is computed at load time, or an import path traverses a dunder.",
		Impact:      "The same as a direct call of the hidden callable: usually arbitrary code execution.",
		Remediation: pickleRemediation,
		References:  []string{"GHSA-955r-x9j8-7rhh", "GHSA-46h3-79wf-xr6c", "GHSA-84r2-jw7c-4r5q", "GHSA-h4rm-mm56-xf63"},
		Equivalents: []string{"picklescan: dangerous import (getattr, operator.attrgetter)", "modelaudit: __builtins__/__globals__ names (critical)"},
		Positive:    []string{"pickle/getattr_computed_name.pkl", "pickle/dunder_builtins.pkl", "pickle/module_override.pkl"},
		Negative:    []string{"pickle/getattr_bound_method.pkl"},
	},
	{
		ID: "PICKLE-106", Title: "Pickle alters the interpreter at load time", Severity: finding.High, Class: finding.Malicious,
		Overview: "The pickle calls something that changes the running interpreter rather than building data: sys.exit, signal handlers, " +
			"atexit hooks, environment variables, the copyreg extension registry, or BUILD applied to an imported module or class, " +
			"which overwrites its attributes so that later lookups run attacker-chosen code.",
		Trigger:     "An import or call resolves to a denylisted interpreter-state primitive, or BUILD targets an imported global.",
		Impact:      "Denial of service, persistence inside the process, or a monkey-patched library that runs code later.",
		Remediation: pickleRemediation,
		Equivalents: []string{"picklescan: dangerous import (sys)", "modelscan: CRITICAL sys"},
		Positive:    []string{"pickle/sys_exit.pkl", "pickle/module_override.pkl"},
		Negative:    []string{"pickle/benign_ordereddict_v2.pkl"},
	},
	{
		ID: "PICKLE-107", Title: "Pickle imports a global that cannot be resolved statically", Severity: finding.High, Class: finding.Suspicious,
		Overview: "A global is named through the copyreg extension registry (EXT1/EXT2/EXT4), or STACK_GLOBAL receives operands that are " +
			"not strings (a memo trick: missing keys, integers). Standard picklers never produce these; scanners that resolve names " +
			"naively have been bypassed this way.",
		Trigger:     "EXT opcodes, or STACK_GLOBAL operands that are not constant strings.",
		Impact:      "What the import reaches depends on the loading process; it hides the callable from review.",
		Remediation: "Treat as hostile unless the file's origin explains it.",
		References:  []string{"GHSA-9gvj-pp9x-gcfr", "picklescan PR #52 (keyerror and type-confusion exploits)"},
		Equivalents: []string{"picklescan: unknown global (dangerous)", "modelaudit: EXT opcodes always dangerous"},
		Positive:    []string{"pickle/ext_after_payload.pkl", "pickle/type_confusion.pkl"},
		Negative:    []string{"pickle/benign_list_v4.pkl"},
	},
	{
		ID: "PICKLE-108", Title: "Pickle loads an embedded payload", Severity: finding.Info, Class: finding.Informational, CodeOnLoad: true,
		Overview: "The pickle passes constant bytes to a deserialiser (pickle.loads, dill.loads, torch.load of a BytesIO, marshal.loads). " +
			"modelgate decoded that payload and analysed it as a child artifact; its own findings are reported at its location. " +
			"PyTorch itself does this for tensors pickled with the plain pickle module (torch.storage._load_from_bytes), which is not reported.",
		Trigger:     "A deserialiser is called with a constant argument that modelgate could decode completely.",
		Impact:      "None by itself: the nested payload's findings decide.",
		Remediation: "Review the nested payload's findings. Nested deserialisation outside PyTorch's own storage path is unusual in model files.",
		Positive:    []string{"pickle/nested_loads_benign.pkl"},
		Negative:    []string{"pickle/benign_list_v4.pkl"},
	},
	{
		ID: "PICKLE-109", Title: "Pickle carries a second pickle that it never loads (staging)", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "A byte or text constant holds another pickle with imports — raw, base64 or hex encoded, or compressed — but nothing in this " +
			"stream deserialises it. Carrying executable payloads as data is how multi-stage attacks stage their second step for another loader " +
			"(or for code that reads the attribute later). The embedded pickle is analysed as a child artifact.",
		Trigger:     "An embedded pickle that imports globals, not passed to any deserialiser in this stream.",
		Impact:      "Whatever the embedded pickle does, when some later code loads it.",
		Remediation: "Find out which code reads the embedded payload; remove it unless it is part of your own serialisation scheme.",
		Positive:    []string{"pickle/staged_base64.pkl", "archive/deep_nested.tar"},
		Negative:    []string{"pickle/nested_loads_benign.pkl"},
	},
	{
		ID: "PICKLE-110", Title: "Pickle needs more than a weights-only unpickler", Severity: finding.Info, Class: finding.Informational, CodeOnLoad: true,
		Overview: "Every global this pickle imports is on the allowlist of reviewed, harmless callables, but some are outside the strict set " +
			"that PyTorch's weights-only unpickler accepts (tensor rebuilders, storages, dtypes, OrderedDict, numpy arrays). Loading it " +
			"therefore needs a full unpickler (torch.load(weights_only=False), pickle, joblib), which runs those callables.",
		Trigger:     "An allowlisted global outside the strict weights-only set; the evidence lists them.",
		Impact:      "None known: the globals were reviewed. SafeMode blocks it because it cannot be loaded without running code.",
		Remediation: "To load untrusted files with weights-only loaders, save state dicts (or safetensors) instead of whole objects.",
		References:  []string{"https://pytorch.org/docs/stable/notes/serialization.html#weights-only"},
		Equivalents: []string{"torch.load(weights_only=True): UnpicklingError"},
		Positive:    []string{"torch/plain_pickled_module.pkl", "joblib/arrays.joblib"},
		Negative:    []string{"torch/state_dict_zip.pt", "torch/legacy.pt", "pickle/benign_ordereddict_v2.pkl"},
	},
	{
		ID: "PICKLE-111", Title: "Pickled Python function runs a code-execution primitive", Severity: finding.Critical, Class: finding.Malicious,
		Overview: "The pickle rebuilds a Python function from bytecode — types.CodeType with the raw code and names (cloudpickle, dill), or " +
			"marshal.loads of a code object — and modelgate's bytecode analysis found that the function reaches a code-execution primitive: " +
			"eval/exec, a process spawn, an import of a dangerous module, a second-stage loader, or a dangerous name used through reflection.",
		Trigger: "A code object rebuilt from the pickle's constants whose bytecode carries an M indicator (the same analysis as Keras Lambda " +
			"layers, KERAS-101).",
		Impact:      "Arbitrary code runs when the function is called — during loading if the pickle calls it, otherwise whenever the model uses it.",
		Remediation: pickleRemediation,
		References:  []string{"GHSA-9m3x-qqw2-h32h", "GHSA-565g-hwwr-4pp3"},
		Equivalents: []string{"picklescan: dangerous import (types.CodeType, cloudpickle._make_function)", "modelaudit: types.CodeType/FunctionType, marshal.loads"},
		Positive:    []string{"pickle/cloudpickle_function_evil.pkl", "pickle/marshal_function.pkl"},
		Negative:    []string{"pickle/cloudpickle_function_benign.pkl"},
	},
	{
		ID: "PICKLE-112", Title: "Pickle rebuilds a Python function from bytecode", Severity: finding.Medium, Class: finding.Suspicious, CodeOnLoad: true,
		Overview: "The pickle carries a Python function as bytecode (cloudpickle, dill, marshal). modelgate rebuilt the code object and " +
			"found no code-execution primitive; the evidence lists what the function references. Model files rarely need pickled " +
			"functions: bytecode is executable content that review cannot vouch for the way it can for a named library function.",
		Trigger:     "A code object rebuilt from the pickle without M indicators; high severity with suspicious operators (environment, decoding, network, files, reflection) or when the pickle calls the function while loading.",
		Impact:      "The function runs whenever the model calls it.",
		Remediation: "Prefer named, importable functions over pickled lambdas; review the listed references; load only from trusted sources.",
		Positive:    []string{"pickle/cloudpickle_function_benign.pkl", "pickle/dill_function_benign.pkl"},
		Negative:    []string{"pickle/benign_list_v4.pkl"},
	},
	{
		ID: "PICKLE-201", Title: "Pickle stream would fail to load", Severity: finding.Low, Class: finding.Suspicious,
		Overview: "The opcodes are well-formed but do not make a loadable pickle: the stack underflows, a MARK is missing, or a memo key " +
			"is read before it is stored. CPython stops with an error there, after running everything before it. Crafted files use " +
			"this to confuse scanners that give up at the first error.",
		Trigger:     "Stack underflow, missing MARK, reading a memo key never stored, negative memo keys.",
		Impact:      "None after the failure point; what runs before it is reported by the other rules.",
		Remediation: "Treat the file as crafted unless it is known to be corrupted.",
		References:  []string{"picklescan PR #52"},
		Positive:    []string{"pickle/keyerror_memo.pkl"},
		Negative:    []string{"pickle/benign_list_v4.pkl"},
	},
	{
		ID: "PICKLE-202", Title: "Pickle frames disagree with their contents (parser differential)", Severity: finding.High, Class: finding.Suspicious,
		Overview: "Protocol 4 pickles are cut into FRAMEs. When an opcode crosses a frame's declared end, readers disagree: pickle.loads " +
			"and pickletools read linearly, while CPython's C unpickler reading from a file object (torch.load's BytesIO) discards the rest " +
			"of the frame and reads on after it, executing opcodes that a linear scanner sees as string data. modelgate analyses both readings.",
		Trigger:     "An opcode or argument crosses a FRAME boundary, or a FRAME starts before the previous one is consumed.",
		Impact:      "A payload visible only to one loader; findings of the second reading are reported as well.",
		Remediation: "Treat as hostile: the standard pickler never writes such frames.",
		References:  []string{"cpython #154848 (FRAME boundary divergence)"},
		Equivalents: []string{"fickling: FRAME divergence test"},
		Positive:    []string{"pickle/frame_straddle.pkl"},
		Negative:    []string{"pickle/benign_list_v4.pkl"},
	},
	{
		ID: "PICKLE-204", Title: "Pickle is followed by an executable or archive (polyglot)", Severity: finding.Medium, Class: finding.Suspicious,
		Overview:    "pickle.load stops at STOP, but the bytes after it carry an executable, script or archive signature: a polyglot that other tools will open differently.",
		Trigger:     "Trailing data after the last pickle starts with an ELF, PE, Mach-O, script, zip, 7z, gzip or HDF5 signature.",
		Impact:      "A second payload shipped inside the model file.",
		Remediation: "Inspect the trailing content; strip it or reject the file.",
		Equivalents: []string{"modelaudit: binary signatures after STOP"},
		Positive:    []string{"pickle/trailing_elf.pkl"},
		Negative:    []string{"pickle/benign_list_v4.pkl"},
	},
}
