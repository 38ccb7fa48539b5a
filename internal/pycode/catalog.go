package pycode

import (
	"strings"
	"sync"
)

// ID names an indicator of the research's section 7.2 tables (M1-M10,
// S1-S9), an unrecognised reference (U1) or a decoding anomaly (A1-A3).
type ID string

const (
	M1  ID = "M1"  // dynamic code execution
	M2  ID = "M2"  // staged import of a dangerous module
	M3  ID = "M3"  // process spawn
	M4  ID = "M4"  // reverse or bind shell
	M5  ID = "M5"  // second-stage loader
	M6  ID = "M6"  // decode then execute
	M7  ID = "M7"  // dangerous name hidden in a string, reached by reflection
	M8  ID = "M8"  // Keras safety sabotage or staging
	M9  ID = "M9"  // destructive or persistence write
	M10 ID = "M10" // exfiltration chain
	S1  ID = "S1"  // environment read
	S2  ID = "S2"  // decoding
	S3  ID = "S3"  // network
	S4  ID = "S4"  // reflection
	S5  ID = "S5"  // file system
	S6  ID = "S6"  // host reconnaissance
	S7  ID = "S7"  // stealth or timing
	S8  ID = "S8"  // native code
	S9  ID = "S9"  // structure anomaly
	U1  ID = "U1"  // reference outside the baseline and the tables
	A1  ID = "A1"  // trailing data after the code object
	A2  ID = "A2"  // hand-assembled or invalid bytecode, non-canonical marshal data
	A3  ID = "A3"  // code object name is not <lambda> where a lambda is expected
)

// Malicious reports whether the indicator proves a harmful primitive.
func (id ID) Malicious() bool { return strings.HasPrefix(string(id), "M") }

// entry classifies a dotted reference.
type entry struct {
	id  ID
	why string
}

// refTable maps a dotted path, or a module prefix ending in ".", to its
// indicator. Paths are normalised first (posix/nt -> os, __builtin__ ->
// builtins, python_types -> types). Longest match wins.
// refTable is built on first use, not at start-up.
var refTable = sync.OnceValue(buildRefTable)

func buildRefTable() map[string]entry {
	t := map[string]entry{}
	add := func(id ID, why string, paths ...string) {
		for _, p := range paths {
			t[p] = entry{id, why}
		}
	}
	add(M1, "executes or compiles source code", "builtins.exec", "builtins.eval", "builtins.compile",
		"builtins.execfile", "code.InteractiveInterpreter", "code.InteractiveConsole", "code.interact",
		"code.compile_command", "codeop.", "pdb.run", "profile.run", "cProfile.run", "timeit.")
	add(M3, "runs a command or spawns a process", "os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4",
		"os.execl", "os.execle", "os.execlp", "os.execlpe", "os.execv", "os.execve", "os.execvp", "os.execvpe",
		"os.spawnl", "os.spawnle", "os.spawnlp", "os.spawnlpe", "os.spawnv", "os.spawnve", "os.spawnvp", "os.spawnvpe",
		"os.posix_spawn", "os.posix_spawnp", "os.fork", "os.forkpty", "os.startfile", "subprocess.", "pty.spawn",
		"asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell", "commands.", "popen2.", "platform.popen",
		"_posixsubprocess.", "pexpect.")
	add(M5, "loads more code at run time", "marshal.loads", "marshal.load", "pickle.", "_pickle.", "cPickle.",
		"dill.", "cloudpickle.", "types.FunctionType", "types.CodeType", "types.LambdaType", "types.MethodType",
		"runpy.", "torch.load", "joblib.load", "shelve.", "jsonpickle.", "yaml.load", "yaml.unsafe_load",
		"imp.load_source", "imp.load_module", "importlib.machinery.SourceFileLoader", "zipimport.")
	add(M8, "switches Keras safe mode off or loads a second model", "keras.config.enable_unsafe_deserialization",
		"keras.src.saving.serialization_lib.enable_unsafe_deserialization", "keras.saving.load_model",
		"keras.models.load_model", "tensorflow.keras.models.load_model", "tensorflow.keras.utils.get_file",
		"keras.utils.get_file", "tensorflow.saved_model.load", "tensorflow.keras.saving.load_model")
	add(M9, "deletes files or trees", "shutil.rmtree")
	add(S1, "reads or changes environment variables", "os.environ", "os.environb", "os.getenv", "os.putenv",
		"os.unsetenv", "sys.argv")
	add(S2, "decodes encoded data", "base64.", "codecs.decode", "codecs.encode", "binascii.a2b_base64",
		"binascii.a2b_hex", "binascii.unhexlify", "binascii.a2b_uu", "binascii.a2b_qp", "bytes.fromhex",
		"builtins.bytes.fromhex", "zlib.decompress", "gzip.decompress", "bz2.decompress", "lzma.decompress",
		"builtins.chr", "builtins.ord", "str.maketrans", "builtins.str.maketrans", "codecs.")
	add(S3, "opens network connections or URLs", "socket.", "_socket.", "urllib.", "urllib2.", "urllib3.",
		"http.", "httplib.", "requests.", "httpx.", "aiohttp.", "ftplib.", "smtplib.", "telnetlib.", "ssl.", "dns.",
		"xmlrpc.", "paramiko.", "websocket.", "websockets.", "poplib.", "imaplib.", "nntplib.", "webbrowser.")
	add(S4, "reaches objects by name or through interpreter internals", "builtins.getattr", "builtins.setattr",
		"builtins.delattr", "builtins.hasattr", "builtins.globals", "builtins.locals", "builtins.vars", "builtins.dir",
		"builtins.__import__", "sys.modules", "sys._getframe", "importlib.", "operator.attrgetter",
		"operator.methodcaller", "inspect.", "gc.", "builtins.__build_class__", "builtins.breakpoint", "builtins")
	add(S5, "reads, writes or lists files", "builtins.open", "builtins.file", "io.open", "io.FileIO", "os.open",
		"os.read", "os.write", "os.listdir", "os.scandir", "os.walk", "os.remove", "os.unlink", "os.rmdir",
		"os.removedirs", "os.rename", "os.renames", "os.replace", "os.chmod", "os.chown", "os.makedirs", "os.mkdir",
		"os.path.", "os.dup", "os.dup2", "os.pipe", "os.openpty", "os.fdopen", "os.symlink", "os.link", "os.truncate", "glob.", "pathlib.", "shutil.", "tempfile.", "fileinput.",
		"numpy.load", "numpy.save", "numpy.savez", "numpy.savetxt", "numpy.fromfile", "numpy.loadtxt", "numpy.genfromtxt",
		"numpy.memmap", "tensorflow.io.read_file", "tensorflow.io.write_file", "tensorflow.io.gfile.",
		"tensorflow.gfile.", "tensorflow.io.matching_files", "linecache.", "zipfile.", "tarfile.", "sqlite3.")
	add(S6, "fingerprints the host", "platform.", "getpass.", "socket.gethostname", "os.getlogin", "os.getuid",
		"os.geteuid", "os.getgid", "os.getcwd", "os.getcwdb", "os.uname", "os.getpid", "os.getppid", "uuid.getnode",
		"sys.platform", "pwd.", "os.cpu_count")
	add(S7, "runs code in the background, later or under a tracer", "threading.", "_thread.", "multiprocessing.",
		"concurrent.futures.", "atexit.", "signal.", "time.sleep", "sys.settrace", "sys.setprofile", "os.kill",
		"os.killpg", "sched.", "asyncio.")
	add(S8, "loads or calls native code", "ctypes.", "_ctypes.", "cffi.", "mmap.")
	add(S3, "calls Python from a TensorFlow graph", "tensorflow.py_function", "tensorflow.numpy_function",
		"tensorflow.compat.v1.py_func")
	return t
}

// classify returns the entry for a normalised dotted path: the path itself,
// else its longest prefix that is a module entry ("subprocess." for
// "subprocess.Popen") or a dotted entry ("os.environ" for "os.environ.get").
func classify(path string) (entry, bool) {
	if e, ok := refTable()[path]; ok {
		return e, true
	}
	for p := path; ; {
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			return entry{}, false
		}
		p = p[:i]
		if e, ok := refTable()[p+"."]; ok {
			return e, true
		}
		if e, ok := refTable()[p]; ok && strings.Contains(p, ".") {
			return e, true
		}
	}
}

// Classify grades a dotted name that a config rather than code refers to
// (a Keras function reference, module + "." + name): the indicator of the
// research's tables it falls under and why, or ok false when it is in none.
func Classify(path string) (id ID, reason string, ok bool) {
	e, ok := classify(normalise(path))
	return e.id, e.why, ok
}

// aliases normalise the names a module goes by.
var aliases = map[string]string{
	"posix": "os", "nt": "os", "__builtin__": "builtins", "__builtins__": "builtins", "python_types": "types",
	"_operator": "operator", "np": "numpy", "tf": "tensorflow", "posixpath": "os.path", "ntpath": "os.path",
	"_io": "io", "_codecs": "codecs", "_socket": "socket", "_posixshmem": "os",
}

// normalise rewrites the first component of a dotted path by aliases.
func normalise(path string) string {
	root, rest, _ := strings.Cut(path, ".")
	if a, ok := aliases[root]; ok {
		root = a
	}
	if rest == "" {
		return root
	}
	return root + "." + rest
}

// dangerousModules are the M2 targets: importing one from a lambda stages an
// attack (lambdas cannot contain import statements).
var dangerousModules = set("os", "posix", "nt", "subprocess", "pty", "socket", "shutil", "ctypes", "runpy",
	"pickle", "_pickle", "cPickle", "marshal", "sys", "builtins", "__builtin__", "code", "webbrowser", "asyncio",
	"importlib", "commands", "popen2", "dill", "cloudpickle", "multiprocessing", "_posixsubprocess", "pexpect")

// spawnAttrs are attribute names that, reached on any object, can only mean a
// process or code primitive; used for objects whose origin is unknown.
var spawnAttrs = set("system", "popen", "popen2", "popen3", "popen4", "spawnl", "spawnle", "spawnlp", "spawnlpe",
	"spawnv", "spawnve", "spawnvp", "spawnvpe", "execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp",
	"execvpe", "posix_spawn", "posix_spawnp", "fork", "forkpty", "startfile", "Popen", "check_output", "check_call",
	"getoutput", "getstatusoutput", "execfile")

// dangerousNames are strings that, used with reflection, name a primitive
// (M7).
var dangerousNames = union(spawnAttrs, dangerousModules, set("exec", "eval", "compile", "__import__",
	"import_module", "loads", "load", "run", "call", "__builtins__", "builtins", "getattr", "__globals__",
	"__subclasses__", "open", "environ", "connect", "dup2", "spawn", "CDLL", "LoadLibrary", "FunctionType", "CodeType",
	"enable_unsafe_deserialization", "set_global_attribute", "safe_mode_saving", "load_model", "get_file"))

// reflectionAttrs are dunder attributes that reach interpreter internals.
var reflectionAttrs = set("__class__", "__mro__", "__bases__", "__base__", "__subclasses__", "__globals__",
	"__code__", "__closure__", "__builtins__", "__dict__", "__getattribute__", "__getattr__", "__reduce__",
	"__reduce_ex__", "__import__", "__loader__", "__spec__", "__self__", "__func__", "__init__", "__new__",
	"__call__", "__module__", "__defaults__", "__kwdefaults__", "f_globals", "f_locals", "f_back", "gi_frame",
	"tb_frame", "__traceback__", "func_globals")

// kerasSabotage are names and strings that switch safe mode off (M8), found
// as attributes or string constants.
var kerasSabotage = set("enable_unsafe_deserialization", "set_global_attribute", "safe_mode_saving")

// baselineRoots are the tensor-math namespaces of the benign baseline.
var baselineRoots = set("tensorflow", "tf", "K", "keras", "ops", "backend", "numpy", "np", "math", "jnp", "jax",
	"torch", "tf_keras")

// baselineBuiltins are the builtins a tensor lambda uses.
var baselineBuiltins = set("len", "range", "int", "float", "tuple", "list", "zip", "isinstance", "abs", "min", "max",
	"sum", "round", "bool", "slice", "enumerate", "map", "reversed", "sorted", "dict", "pow", "divmod", "all", "any",
	"None", "True", "False", "Ellipsis", "NotImplemented", "complex", "filter", "iter", "next", "hash", "id", "type",
	"ValueError", "TypeError", "AssertionError", "NotImplementedError", "super", "object", "set", "frozenset",
	"str", "repr", "format", "callable")

// riskyAttrs make an otherwise baseline path unrecognised: tensor
// libraries also read files, call Python and load models.
var riskyAttrs = set("load", "save", "read_file", "write_file", "gfile", "py_function", "numpy_function", "py_func",
	"load_model", "get_file", "fromfile", "tofile", "memmap", "system", "popen", "exec", "eval", "load_library",
	"load_op_library", "hub", "summary", "saved_model", "config", "ctypeslib", "f2py", "testing", "distutils",
	"cpp_extension", "package", "_C")

// sensitivePaths in string constants make a write destructive (M9).
var sensitivePaths = []string{".ssh/authorized_keys", ".ssh/", ".bashrc", ".bash_profile", ".profile", ".zshrc",
	"crontab", "/etc/", "site-packages", "sitecustomize", "usercustomize", ".pth", "/var/spool/cron", "cron.d",
	"/.config/autostart", "startup"}

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func union(ms ...map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			out[k] = true
		}
	}
	return out
}
