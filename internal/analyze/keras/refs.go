package keras

import (
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/format/pyjson"
	"github.com/modelgate/modelgate/internal/pycode"
)

// A config dict with "module" and "class_name" makes Keras resolve a class
// or function by name (serialization_lib._retrieve_class_or_fn): Keras
// 3.0–3.8 and every tf-keras import any module (CVE-2025-1550); 3.9+ only
// the packages below, but any function in them until 3.11, and Keras'
// own loading APIs are gadgets (CVE-2025-8747, CVE-2025-9906).

// kerasRoots are the packages Keras 3.9+ still imports from a config.
var kerasRoots = set("keras", "keras_hub", "keras_cv", "keras_nlp", "tf_keras")

// nonModeling are Keras APIs that load, fetch, save or reconfigure instead
// of computing: Keras' own LOADING_APIS / NON_MODELING_APIS denylists,
// matched by their last name whatever module path reaches them.
var nonModeling = set("enable_unsafe_deserialization", "load_model", "load_weights", "save_model", "save_weights",
	"get_file", "load_img", "save_img", "clear_session", "model_from_json", "model_from_yaml", "model_from_config",
	"serialize_keras_object", "deserialize_keras_object", "register_keras_serializable", "image_dataset_from_directory",
	"text_dataset_from_directory", "audio_dataset_from_directory", "set_global_attribute", "get_global_attribute",
	"plot_model", "model_to_dot", "extract_archive")

// nonModelingModules hold nothing a model config needs: every function in
// them is a non-modeling API.
var nonModelingModules = []string{"keras.config", "keras.src.backend.common.global_state", "keras.src.saving",
	"keras.saving", "tf_keras.config", "keras.src.utils.file_utils"}

// internalPackages are the keras.src (and keras_hub.src...) packages whose
// functions never appear in a model config: configs name activations,
// losses, metrics, initializers and ops, not utilities.
var internalPackages = []string{"utils", "saving", "datasets", "callbacks", "export", "legacy", "backend.common",
	"distribution", "applications", "random", "tree"}

// modelingUtilities are functions that live in a utility package but are
// modeling code that real models reference (keras-hub's registered GELU
// activation).
var modelingUtilities = set("keras_hub.src.utils.keras_utils.gelu_approximate",
	"keras_nlp.src.utils.keras_utils.gelu_approximate")

// pythonBuiltins are Python's own builtin callables. Module "builtins" is
// how older Keras wrote its activation, loss and metric names, which Keras
// looks up in its own modules first; a name that only Python's builtins
// have is resolved there by Keras 3.0–3.8 (map, print, setattr...).
var pythonBuiltins = set("abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint", "bytearray",
	"bytes", "callable", "chr", "classmethod", "compile", "complex", "copyright", "credits", "delattr", "dict", "dir",
	"divmod", "enumerate", "eval", "exec", "exit", "filter", "float", "format", "frozenset", "getattr", "globals",
	"hasattr", "hash", "help", "hex", "id", "input", "int", "isinstance", "issubclass", "iter", "len", "license",
	"list", "locals", "map", "max", "memoryview", "min", "next", "object", "oct", "open", "ord", "pow", "print",
	"property", "quit", "range", "repr", "reversed", "round", "set", "setattr", "slice", "sorted", "staticmethod",
	"str", "sum", "super", "tuple", "type", "vars", "zip", "__import__", "__build_class__")

// specialClasses are class_name values deserialize_keras_object handles
// without resolving a module.
var specialClasses = set("__lambda__", "__keras_tensor__", "__tensor__", "__numpy__", "__bytes__", "__slice__",
	"__ellipsis__", "__tuple__", "TensorShape", "__passive_serialization__")

// ref is one name a config asks Keras to resolve.
type ref struct {
	module, class, name, registered string
}

func (r ref) full() string {
	if r.module == "" {
		return r.name
	}
	return r.module + "." + r.name
}

func (r ref) function() bool { return r.class == "function" }

// refOf reads the reference of an object dict, or ok false when it names
// none.
func refOf(v *pyjson.Value) (r ref, ok bool) {
	r = ref{module: v.Text("module"), class: v.Text("class_name"), registered: v.Text("registered_name")}
	switch {
	case r.class == "" || specialClasses[r.class]:
		return r, false
	case r.class == "__typespec__":
		r.name = v.Text("spec_name")
	case r.function():
		r.name = v.Text("config")
	default:
		r.name = r.class
	}
	return r, r.name != ""
}

// names are the attribute names Keras 3.0–3.8 may look up in the module:
// the name, then the registered name.
func (r ref) names() []string {
	if r.registered != "" && r.registered != r.name && !strings.Contains(r.registered, ">") {
		return []string{r.name, r.registered}
	}
	return []string{r.name}
}

// reference judges an object dict's module reference.
func (w *walker) reference(v *pyjson.Value, ptr string) {
	if r, ok := refOf(v); ok {
		w.route(r, ptr)
	}
}

// route judges a reference by the package its module is in.
func (w *walker) route(r ref, ptr string) {
	root, _, _ := strings.Cut(r.module, ".")
	switch {
	case r.module == "":
		w.customClass(r, ptr)
	case kerasRoots[root]:
		w.kerasReference(r, ptr)
	case root == "tensorflow" || root == "tf":
		w.classified(r, ptr) // tf-keras resolves it; only file, callback and loading APIs matter
	default:
		w.foreignReference(r, ptr)
	}
}

// kerasReference: a reference inside the Keras packages is a gadget when it
// names a non-modeling API or an internal utility function.
func (w *walker) kerasReference(r ref, ptr string) {
	for _, name := range r.names() {
		if isNonModeling(r.module, name) {
			w.hit(ptr, analyze.Hit{Rule: "KERAS-111",
				Message: fmt.Sprintf("the config makes Keras resolve %s.%s, a loading or configuration API, and call it while the model is rebuilt%s",
					r.module, name, w.claim.note(cve9906)),
				Evidence: r.evidence()})
			return
		}
	}
	if r.function() && internalFunction(r.module) && !modelingUtilities[r.full()] {
		w.hit(ptr, analyze.Hit{Rule: "KERAS-112",
			Message: fmt.Sprintf("the config names %s, an internal Keras utility function rather than a modeling function%s",
				r.full(), w.claim.note(cve8747)),
			Evidence: r.evidence()})
	}
}

func isNonModeling(module, name string) bool {
	if nonModeling[name] {
		return true
	}
	for _, m := range nonModelingModules {
		if module == m || strings.HasPrefix(module, m+".") {
			return true
		}
	}
	return false
}

// internalFunction reports a module path <root>.src.<package>... whose
// package only holds utilities.
func internalFunction(module string) bool {
	_, rest, ok := strings.Cut(module, ".src.")
	if !ok {
		return false
	}
	for _, p := range internalPackages {
		if rest == p || strings.HasPrefix(rest, p+".") {
			return true
		}
	}
	return false
}

// foreignReference: any module outside Keras and TensorFlow.
func (w *walker) foreignReference(r ref, ptr string) {
	switch {
	case w.classified(r, ptr):
	case r.module == "builtins" && !pythonBuiltins[r.name]:
		// A Keras activation, loss or metric name, looked up in Keras first.
	case r.function() || dangerousModule(r.module):
		w.hit(ptr, analyze.Hit{Rule: "KERAS-114",
			Message: fmt.Sprintf("the config names %s, outside the Keras packages; Keras 3.0–3.8 and tf-keras import the module and use it%s",
				r.full(), w.claim.note(cve1550)),
			Evidence: r.evidence()})
	default:
		w.customClass(r, ptr)
	}
}

// classified reports every name of the reference that the code-indicator
// tables know (os.system, builtins.eval, tensorflow.io.write_file...).
func (w *walker) classified(r ref, ptr string) bool {
	found := false
	for _, name := range r.names() {
		full := r.module + "." + name
		id, why, ok := pycode.Classify(full)
		if !ok {
			continue
		}
		found = true
		rule := "KERAS-114"
		if id.Malicious() {
			rule = "KERAS-110"
		}
		w.hit(ptr, analyze.Hit{Rule: rule,
			Message:  fmt.Sprintf("the config makes Keras import %s, which %s (%s)%s", full, why, id, w.claim.note(cve1550)),
			Evidence: r.evidence()})
	}
	return found
}

// customClass notes a class that only the author's code provides: it needs
// a registered custom object (or, on Keras ≤ 3.8 and tf-keras, imports the
// author's module) to load.
func (w *walker) customClass(r ref, ptr string) {
	if r.function() || r.module == "" && !strings.Contains(r.registered, ">") {
		return
	}
	w.hit(ptr, analyze.Hit{Rule: "KERAS-130",
		Message:  fmt.Sprintf("the model needs the custom class %s to load; its code is not in the file and runs when the model is rebuilt", r.full()),
		Evidence: r.evidence()})
}

func (r ref) evidence() string {
	var b strings.Builder
	fmt.Fprintf(&b, `"module": %q, "class_name": %q`, r.module, r.class)
	if r.function() {
		fmt.Fprintf(&b, `, "config": %q`, r.name)
	}
	if r.registered != "" {
		fmt.Fprintf(&b, `, "registered_name": %q`, r.registered)
	}
	return b.String()
}

// dangerousModule: modules whose import alone stages an attack.
func dangerousModule(module string) bool {
	root, _, _ := strings.Cut(module, ".")
	return dangerousModules[root]
}

var dangerousModules = set("os", "posix", "nt", "subprocess", "pty", "socket", "shutil", "ctypes", "runpy",
	"pickle", "marshal", "sys", "builtins", "__builtin__", "code", "importlib", "webbrowser", "asyncio",
	"multiprocessing", "dill", "cloudpickle")

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
