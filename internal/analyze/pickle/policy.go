package pickle

import (
	"strings"
	"sync"
)

// observe, when set (by tests, before any scan), sees every classification
// of a global a pickle names: the ecosystem test uses it to check that the
// allowlist is grounded in what real files reference.
var observe func(module, name string, v verdict)

// verdict is the classification of one dotted reference.
type verdict struct {
	cat category
	why string
	// via names the denylist or allowlist entry that decided, for evidence.
	via string
}

// aliases fold module names that reach the same objects: platform modules
// of os, C accelerator modules, and the Python 2 names that pickle's
// fix_imports maps onto Python 3 modules.
var aliases = map[string]string{
	"__builtin__":  "builtins",
	"__builtins__": "builtins",
	"exceptions":   "builtins",
	"posix":        "os",
	"nt":           "os",
	"_posix":       "os",
	"_nt":          "os",
	"_operator":    "operator",
	"_io":          "io",
	"_pyio":        "io",
	"_codecs":      "codecs",
	"copy_reg":     "copyreg",
	"_pickle":      "pickle",
	"cPickle":      "pickle",
	"_functools":   "functools",
	"_collections": "collections",
	"UserDict":     "collections",
	"UserList":     "collections",
	"UserString":   "collections",
	"_datetime":    "datetime",
	"_decimal":     "decimal",
	"_pydecimal":   "decimal",
	"cStringIO":    "io",
	"StringIO":     "io",
	"_sre":         "re",
	"sre_compile":  "re",
	"_weakref":     "weakref",
	"_thread":      "threading",
	"thread":       "threading",
	"_socket":      "socket",
	"_ssl":         "ssl",
	"_signal":      "signal",
	"_winreg":      "winreg",
	"Queue":        "queue",
	"urllib2":      "urllib",
	"httplib":      "http",
	"commands":     "subprocess",
	"__main__":     "__main__",
}

// foldModule maps a module path to its canonical name, folding the first
// component (posix.path -> os.path).
func foldModule(m string) string {
	head, rest, dotted := strings.Cut(m, ".")
	if a, ok := aliases[head]; ok {
		if dotted {
			return a + "." + rest
		}
		return a
	}
	if a, ok := aliases[m]; ok {
		return a
	}
	return m
}

type denyRule struct {
	cat category
	why string
	key string
}

// wildcard is a Classes entry: its reason and the submodules it leaves out.
type wildcard struct {
	why    string
	except []string
}

// covers reports whether the wildcard for module covers a class defined in
// mod (module itself or one of its submodules).
func (w wildcard) covers(module, mod string) bool {
	rest := strings.TrimPrefix(strings.TrimPrefix(mod, module), ".")
	// Test suites and test helpers are not model code: their classes set
	// up fixtures, temporary files and processes.
	for _, p := range strings.Split(rest, ".") {
		if p == "tests" || p == "test" || p == "testing" || p == "_testing" || p == "conftest" {
			return false
		}
	}
	for _, e := range w.except {
		if rest == e || strings.HasPrefix(rest, e+".") {
			return false
		}
	}
	return true
}

type policyTables struct {
	denyMod   map[string]denyRule // module (and submodules)
	denyName  map[string]denyRule // module.attr (and attributes below)
	allowName map[string]string   // module.attr -> why
	allowMod  map[string]wildcard // module (its classes) -> entry
	modules   map[string]bool     // every module path the tables mention
}

var (
	tablesOnce sync.Once
	tables     policyTables
)

func loadTables() *policyTables {
	tablesOnce.Do(func() {
		t := policyTables{
			denyMod:   map[string]denyRule{},
			denyName:  map[string]denyRule{},
			allowName: map[string]string{},
			allowMod:  map[string]wildcard{},
			modules:   map[string]bool{},
		}
		for _, d := range denylist {
			t.noteModule(d.Module)
			if d.Names == nil {
				t.denyMod[d.Module] = denyRule{d.Cat, d.Why, d.Module}
				continue
			}
			for _, n := range d.Names {
				t.denyName[d.Module+"."+n] = denyRule{d.Cat, d.Why, d.Module + "." + n}
			}
		}
		for _, a := range allowlist {
			t.noteModule(a.Module)
			if a.Classes {
				t.allowMod[a.Module] = wildcard{a.Why, a.Except}
			}
			for _, n := range a.Names {
				t.allowName[a.Module+"."+n] = a.Why
			}
		}
		tables = t
	})
	return &tables
}

func (t *policyTables) noteModule(m string) {
	for {
		t.modules[m] = true
		i := strings.LastIndexByte(m, '.')
		if i < 0 {
			return
		}
		m = m[:i]
	}
}

// isModule reports whether a dotted path names a module the tables know.
func isModule(dotted string) bool { return loadTables().modules[foldModule(dotted)] }

// dangerousDunders are attributes that reach namespaces, code or the class
// hierarchy: the building blocks of sandbox escapes.
var dangerousDunders = map[string]bool{
	"__builtins__": true, "__globals__": true, "__dict__": true, "__subclasses__": true, "__getattribute__": true,
	"__getattr__": true, "__code__": true, "__class__": true, "__mro__": true, "__bases__": true, "__base__": true,
	"__import__": true, "__loader__": true, "__spec__": true, "__self__": true, "__func__": true, "__closure__": true,
	"__reduce__": true, "__reduce_ex__": true, "__init__": true, "__call__": true, "__setattr__": true, "__delattr__": true,
	"__setstate__": true, "__module__": true, "__file__": true, "__defaults__": true, "__kwdefaults__": true,
}

// classify decides what calling or importing module.name can do.
func classify(module, name string) verdict {
	t := loadTables()
	module = foldModule(module)
	full := module
	if name != "" {
		full = module + "." + name
	}
	parts := strings.Split(full, ".")
	modParts := strings.Count(module, ".") + 1

	// 1. An exact denylist entry, at any depth of the attribute path.
	for l := len(parts); l >= 2; l-- {
		if r, ok := t.denyName[strings.Join(parts[:l], ".")]; ok {
			return verdict{r.cat, r.why, r.key}
		}
	}
	// 2. An exact allowlist entry.
	if why, ok := t.allowName[full]; ok {
		return verdict{catSafe, why, full}
	}
	// 3. Attribute traversal through dunders reaches namespaces and code.
	for _, p := range parts[modParts:] {
		if dangerousDunders[p] {
			return verdict{catReflect, "traverses " + p + " to reach objects by name", p}
		}
	}
	// 4. A dotted attribute path can walk through another module
	// (pathlib + "os.system" is os.system): check every suffix.
	for i := modParts; i < len(parts)-1; i++ {
		suffix := strings.Join(parts[i:], ".")
		if v := denyByName(t, suffix); v.cat != catUnknown {
			v.why = "the attribute path " + name + " reaches " + suffix + ": " + v.why
			return v
		}
	}
	// 5. The longest denied module prefix.
	if v := denyByModule(t, parts, len(parts)); v.cat != catUnknown {
		return v
	}
	// 6. Classes of libraries whose constructors only store state, and the
	// unpicklers Cython generates for them.
	if name != "" && !strings.Contains(name, ".") {
		if v, ok := classWildcard(t, module, parts[:modParts], name); ok {
			return v
		}
		if cls, ok := strings.CutPrefix(name, "__pyx_unpickle_"); ok {
			if v := classify(module, cls); v.cat == catSafe {
				return verdict{catSafe, "Cython's generated unpickler for " + module + "." + cls +
					": checks the layout checksum, creates the object with __new__ and assigns its fields from the state tuple", v.via}
			}
		}
	}
	if len(parts) > modParts {
		for _, p := range parts[modParts:] {
			if strings.HasPrefix(p, "__") && strings.HasSuffix(p, "__") {
				return verdict{catUnknown, "reaches the special attribute " + p, p}
			}
		}
	}
	return verdict{cat: catUnknown, why: unknownReason(parts[0])}
}

// unknownReason says why a global could not be shown harmless.
func unknownReason(root string) string {
	switch {
	case stdlibModules[root]:
		return "a standard-library callable outside the allowlist; what it does with the pickle's arguments was not reviewed"
	case knownLibraries[root] || loadTables().modules[root]:
		return "part of " + root + " but not on its allowlist of known-safe globals; it may be a gadget"
	}
	return "module " + root + " is neither a known library nor the model's own classes"
}

// classWildcard admits a class-named attribute of a module a Classes
// entry covers (the longest covering module decides).
func classWildcard(t *policyTables, module string, modParts []string, name string) (verdict, bool) {
	if !isClassName(name) {
		return verdict{}, false
	}
	for l := len(modParts); l >= 1; l-- {
		prefix := strings.Join(modParts[:l], ".")
		if w, ok := t.allowMod[prefix]; ok {
			if !w.covers(prefix, module) {
				return verdict{}, false
			}
			return verdict{catSafe, w.why, prefix + ".*"}, true
		}
	}
	return verdict{}, false
}

// denyByName checks a dotted path against the exact and module denylists.
func denyByName(t *policyTables, path string) verdict {
	parts := strings.Split(path, ".")
	parts[0] = foldModule(parts[0])
	for l := len(parts); l >= 2; l-- {
		if r, ok := t.denyName[strings.Join(parts[:l], ".")]; ok {
			return verdict{r.cat, r.why, r.key}
		}
	}
	// A bare module name at the end ("numpy" + "os") is the module itself;
	// the path must name something inside it to count.
	return denyByModule(t, parts, len(parts)-1)
}

func denyByModule(t *policyTables, parts []string, max int) verdict {
	for l := max; l >= 1; l-- {
		if r, ok := t.denyMod[strings.Join(parts[:l], ".")]; ok {
			return verdict{r.cat, r.why, r.key + ".*"}
		}
	}
	return verdict{cat: catUnknown}
}

// isClassName reports an identifier named the way classes are: an upper-case
// initial after any leading underscores (Conv2d, GELU, SGD, _DenseLayer).
func isClassName(s string) bool {
	s = strings.TrimLeft(s, "_")
	return s != "" && s[0] >= 'A' && s[0] <= 'Z'
}

// knownLibraries are third-party packages whose internals are reviewed as
// libraries, not as the user's own code: an unknown global in them stays
// suspicious (it may be a gadget), while a class from an unknown package is
// the model author's code.
var knownLibraries = map[string]bool{
	"torch": true, "torchvision": true, "torchaudio": true, "torchtext": true, "numpy": true, "scipy": true, "sklearn": true,
	"pandas": true, "joblib": true, "xgboost": true, "lightgbm": true, "catboost": true, "gensim": true, "statsmodels": true,
	"nltk": true, "transformers": true, "tokenizers": true, "sentencepiece": true, "tensorflow": true, "tf_keras": true,
	"keras": true, "jax": true, "jaxlib": true, "flax": true, "optax": true, "dill": true, "cloudpickle": true, "mlflow": true,
	"yaml": true, "requests": true, "urllib3": true, "aiohttp": true, "httpx": true, "IPython": true, "ipykernel": true,
	"jupyter_client": true, "setuptools": true, "pkg_resources": true, "pip": true, "numba": true, "sympy": true,
	"pytest": true, "matplotlib": true, "PIL": true, "cv2": true, "onnx": true, "onnxruntime": true, "accelerate": true,
	"datasets": true, "huggingface_hub": true, "safetensors": true, "peft": true, "diffusers": true, "lightning": true,
	"pytorch_lightning": true, "fsspec": true, "boto3": true, "botocore": true, "google": true, "azure": true,
	"skops": true, "h5py": true, "tqdm": true, "click": true, "jinja2": true, "paramiko": true, "fabric": true,
	"sh": true, "pexpect": true, "psutil": true, "docker": true, "kubernetes": true, "celery": true, "redis": true,
	"sqlalchemy": true, "pyarrow": true, "polars": true, "dask": true, "ray": true, "distributed": true,
}

// isUserModule reports a module from the user's own code: __main__, or a
// package that is neither standard library nor a known library.
func isUserModule(module string) bool {
	root, _, _ := strings.Cut(module, ".")
	if root == "__main__" || root == "__mp_main__" {
		return true
	}
	if stdlibModules[root] || knownLibraries[root] || loadTables().modules[root] {
		return false
	}
	return root != "" && !strings.HasPrefix(root, "_")
}
