package pycode

// Env is the namespace the loader gives the code: what a bare global name
// means when the code runs.
type Env struct {
	// Globals maps a bare global name to the dotted path of the object the
	// loader binds it to ("os" -> "os", "python_types" -> "types").
	Globals map[string]string
	// Modules are modules whose whole namespace is merged into the globals,
	// as Keras 2 merges the Lambda's "module" field: a bare name found
	// neither in Globals nor in builtins resolves into the first of them.
	Modules []string
	// Lambda says the code must be a lambda (a Keras Lambda layer): another
	// name, statements (STORE_GLOBAL, IMPORT_NAME, LOAD_NAME) and generator
	// flags are then anomalies.
	Lambda bool
}

// Keras3Env is the namespace of Keras 3's func_load: it passes no globals,
// so the lambda runs in keras/src/utils/python_utils.py, whose globals are
// these modules plus builtins.
func Keras3Env() Env {
	return Env{Lambda: true, Globals: map[string]string{
		"os": "os", "marshal": "marshal", "codecs": "codecs", "binascii": "binascii", "python_types": "types",
	}}
}

// Keras2Env is the namespace of a Keras 2 / tf.keras Lambda layer: the
// lambda_layer module's globals plus, when module is not empty, the
// namespace of the layer config's "module" (if that module is imported at
// load time, a bare "system" means os.system for module "os").
func Keras2Env(module string) Env {
	e := Env{Lambda: true, Globals: map[string]string{
		"sys": "sys", "textwrap": "textwrap", "python_types": "types", "warnings": "warnings", "np": "numpy",
		"tf": "tensorflow", "generic_utils": "keras.utils.generic_utils", "tf_utils": "keras.utils.tf_utils",
		"tf_inspect": "keras.utils.tf_inspect", "serialization_lib": "keras.saving.serialization_lib",
		"Layer": "keras.engine.base_layer.Layer", "keras_export": "tensorflow.python.util.tf_export.keras_export",
		"tf_logging": "tensorflow.python.platform.tf_logging",
	}}
	if module != "" {
		e.Modules = []string{module}
	}
	return e
}

// PickleEnv is the namespace of a code object rebuilt by a pickle
// (types.FunctionType, cloudpickle): the globals are whatever the pickle
// supplies, so only builtins are known.
func PickleEnv() Env { return Env{} }

// resolveGlobal returns the dotted path a bare global name denotes: the
// loader's globals, then the tensor libraries' usual aliases (K, tf, np:
// user code binds them), then builtins, then the merged module namespace.
// known is false for a name nothing binds (a NameError at run time, unless
// the module namespace has it).
func (e Env) resolveGlobal(name string) (path string, known bool) {
	switch {
	case e.Globals[name] != "":
		return normalise(e.Globals[name]), true
	case baselineRoots[name]:
		return normalise(name), true
	case name == "__builtins__":
		return "builtins", true
	case builtinNames[name]:
		return "builtins." + name, true
	case len(e.Modules) > 0:
		return normalise(e.Modules[0] + "." + name), true
	}
	return normalise(name), false
}

// builtinNames are the builtins of Python 2.7 and 3.x.
var builtinNames = union(baselineBuiltins, set("exec", "eval", "compile", "execfile", "open", "file", "input",
	"raw_input", "__import__", "getattr", "setattr", "delattr", "hasattr", "globals", "locals", "vars", "dir",
	"print", "chr", "ord", "bytes", "bytearray", "memoryview", "reload", "exit", "quit", "help", "breakpoint",
	"__build_class__", "classmethod", "staticmethod", "property", "issubclass", "unichr", "unicode", "long",
	"basestring", "apply", "intern", "coerce", "buffer", "hex", "oct", "bin", "ascii", "aiter", "anext",
	"Exception", "BaseException", "KeyError", "IndexError", "RuntimeError", "OSError", "ImportError",
	"StopIteration", "SystemExit", "KeyboardInterrupt", "AttributeError", "NameError", "ZeroDivisionError"))
