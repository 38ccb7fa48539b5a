package pickle_test

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/scantest"
)

// Hand-assembled pickles for the gadgets considered while grounding the
// allowlist in the ecosystem corpus: allowlisted callables that call,
// resolve or create something stay harmless only with the arguments real
// files give them, and the wildcards leave out what they must.

func gGlobal(module, name string) string { return "c" + module + "\n" + name + "\n" }

func gStr(s string) string {
	b := make([]byte, 5)
	b[0] = 'X'
	binary.LittleEndian.PutUint32(b[1:], uint32(len(s)))
	return string(b) + s
}

// gCall is module.name(*args) with REDUCE.
func gCall(module, name string, args ...string) string {
	return gGlobal(module, name) + "(" + strings.Join(args, "") + "tR"
}

// gCallOf calls a computed callable.
func gCallOf(fn string, args ...string) string { return fn + "(" + strings.Join(args, "") + "tR" }

func gPickle(body ...string) []byte { return []byte("\x80\x02" + strings.Join(body, "") + ".") }

const gNone = "N"

// gBuilt is an object the pickle builds itself, and gMethod a bound method
// of it reached with getattr and a harmless name (allowed on its own).
var (
	gBuilt  = gCall("collections", "OrderedDict")
	gMethod = gCall("builtins", "getattr", gBuilt, gStr("update"))
)

func TestGadgetsJudgedPerCall(t *testing.T) {
	cases := []struct {
		name    string
		data    []byte
		verdict finding.Verdict
		rule    string // a rule that must be raised ("" for none above info)
	}{
		// numpy < 1.20 ufunc pickles: __import__(module) + getattr(name).
		{"ufunc_reconstruct_numpy", gPickle(gCall("numpy.core", "_ufunc_reconstruct", gStr("numpy"), gStr("log1p"))), finding.Safe, ""},
		{"ufunc_reconstruct_os_system", gPickle(gCallOf(gCall("numpy.core", "_ufunc_reconstruct", gStr("os"), gStr("system")), gStr("id"))),
			finding.MaliciousVerdict, "PICKLE-101"},
		{"ufunc_reconstruct_numpy2_subprocess", gPickle(gCall("numpy._core", "_ufunc_reconstruct", gStr("subprocess"), gStr("getoutput"))),
			finding.MaliciousVerdict, "PICKLE-101"},
		{"ufunc_reconstruct_computed_name", gPickle(gCall("numpy.core", "_ufunc_reconstruct", gStr("numpy"), gCall("builtins", "str", gStr("x")))),
			finding.MaliciousVerdict, "PICKLE-105"},
		// dill's type table holds CodeType and FunctionType too.
		{"dill_load_type_nonetype", gPickle(gCall("dill._dill", "_load_type", gStr("NoneType"))), finding.Safe, ""},
		{"dill_load_type_codetype", gPickle(gCall("dill._dill", "_load_type", gStr("CodeType"))), finding.MaliciousVerdict, "PICKLE-101"},
		{"dill_create_array_computed", gPickle(gCall("dill._dill", "_create_array", gMethod, "(t", gNone)), finding.SuspiciousVerdict, "PICKLE-102"},
		{"dill_create_array_reconstruct", gPickle(gCall("dill._dill", "_create_array", gGlobal("numpy.core.multiarray", "_reconstruct"), "(t", gNone)),
			finding.Safe, ""},
		// Invokers with a computed or reflective callable.
		{"reconstructor_computed_base", gPickle(gCall("copyreg", "_reconstructor", gGlobal("collections", "OrderedDict"), gMethod, gNone)),
			finding.SuspiciousVerdict, "PICKLE-102"},
		{"newobj_computed_cls", gPickle(gCall("copyreg", "__newobj__", gMethod)), finding.SuspiciousVerdict, "PICKLE-102"},
		{"rebuild_from_type_getattr", gPickle(gCall("torch._tensor", "_rebuild_from_type_v2", gGlobal("builtins", "getattr"),
			gGlobal("torch", "Tensor"), "("+gGlobal("torch", "nn")+gStr("x")+"t", "}")), finding.MaliciousVerdict, "PICKLE-105"},
		{"lambdalr_computed_lambda", gPickle(gCall("torch.optim.lr_scheduler", "LambdaLR", gBuilt, "("+gMethod+"l")),
			finding.SuspiciousVerdict, "PICKLE-102"},
		{"cycliclr_computed_scale_fn", gPickle(gCall("torch.optim.lr_scheduler", "CyclicLR", gBuilt, "G?\xb9\x99\x99\x99\x99\x99\x9a", "K\x01", "M\xd0\x07",
			gNone, gStr("triangular"), "K\x01", gMethod)), finding.SuspiciousVerdict, "PICKLE-102"},
		{"randomstate_ctor_computed", gPickle(gCall("numpy.random._pickle", "__randomstate_ctor", gStr("MT19937"), gMethod)),
			finding.SuspiciousVerdict, "PICKLE-102"},
		{"randomstate_ctor_default", gPickle(gCall("numpy.random._pickle", "__randomstate_ctor", gStr("MT19937"),
			gGlobal("numpy.random._pickle", "__bit_generator_ctor"))), finding.Safe, ""},
		{"new_index_computed_cls", gPickle(gCall("pandas.core.indexes.base", "_new_Index", gMethod, "}")), finding.SuspiciousVerdict, "PICKLE-102"},
		{"newobj_helper_computed", gPickle(gCall("sklearn.neighbors._kd_tree", "newObj", gMethod)), finding.SuspiciousVerdict, "PICKLE-102"},
		// getattr is judged by what it touches: a module is never a
		// harmless target, whatever the name; a class attribute follows
		// the allowlist.
		{"getattr_module_safe_name", gPickle(gCall("builtins", "getattr", gGlobal("torch", "nn"), gStr("Linear"))), finding.MaliciousVerdict, "PICKLE-105"},
		{"getattr_class_allowlisted_attr", gPickle(gCall("builtins", "getattr", gGlobal("re", "RegexFlag"), gStr("DOTALL"))), finding.Safe, ""},
		{"getattr_built_object", gPickle(gMethod), finding.Safe, ""},
		{"getattr_built_object_exec_name", gPickle(gCall("builtins", "getattr", gBuilt, gStr("system"))), finding.MaliciousVerdict, "PICKLE-105"},
		// A defaultdict calls its factory on missing keys after loading:
		// globals and the author's functions are fine, computed ones not.
		{"defaultdict_list", gPickle(gCall("collections", "defaultdict", gGlobal("builtins", "list"))), finding.Safe, ""},
		{"defaultdict_user_factory", gPickle(gCall("collections", "defaultdict", gGlobal("mylab.stats", "new_counter"))), finding.Safe, "PICKLE-100"},
		{"defaultdict_computed_factory", gPickle(gCall("collections", "defaultdict", gMethod)), finding.SuspiciousVerdict, "PICKLE-102"},
		{"defaultdict_exec_factory", gPickle(gCall("collections", "defaultdict", gGlobal("builtins", "exec"))), finding.MaliciousVerdict, "PICKLE-101"},
		// type(x) is harmless; type(name, bases, dict) makes a class.
		{"type_one_arg", gPickle(gCall("builtins", "type", gNone)), finding.Safe, ""},
		{"type_three_args", gPickle(gCall("builtins", "type", gStr("X"), "("+gGlobal("builtins", "object")+"t", "}")),
			finding.SuspiciousVerdict, "PICKLE-102"},
		// Wildcards leave out what does more than store state.
		{"ddp_not_admitted", gPickle(gGlobal("torch.nn.parallel.distributed", "DistributedDataParallel")), finding.SuspiciousVerdict, "PICKLE-102"},
		{"sklearn_utils_not_admitted", gPickle(gGlobal("sklearn.utils._testing", "TempMemmap")), finding.SuspiciousVerdict, "PICKLE-102"},
		{"test_module_not_admitted", gPickle(gGlobal("sklearn.ensemble.tests.test_forest", "MyEstimator")), finding.SuspiciousVerdict, "PICKLE-102"},
		{"torch_testing_not_admitted", gPickle(gGlobal("torch.nn.modules.testing", "Helper")), finding.SuspiciousVerdict, "PICKLE-102"},
		{"statsmodels_x13_not_admitted", gPickle(gGlobal("statsmodels.tsa.x13", "X13Warning")), finding.SuspiciousVerdict, "PICKLE-102"},
		{"gensim_similarity_not_admitted", gPickle(gCall("gensim.similarities.docsim", "Similarity", gStr("/tmp/shard"), "]")),
			finding.SuspiciousVerdict, "PICKLE-102"},
		{"nltk_hunpos_not_admitted", gPickle(gCall("nltk.tag.hunpos", "HunposTagger", gStr("model"))), finding.SuspiciousVerdict, "PICKLE-102"},
		{"pyx_unpickle_of_unadmitted_class", gPickle(gGlobal("sklearn.utils._testing", "__pyx_unpickle_TempMemmap")),
			finding.SuspiciousVerdict, "PICKLE-102"},
		{"pyx_unpickle_of_admitted_class", gPickle(gGlobal("sklearn._loss._loss", "__pyx_unpickle_CyHalfSquaredError")), finding.Safe, ""},
		// Nested loaders and file methods of the newly covered modules.
		{"statsmodels_load_pickle", gPickle(gCall("statsmodels.iolib.smpickle", "load_pickle", gStr("x.pkl"))), finding.MaliciousVerdict, "PICKLE-101"},
		{"gensim_unpickle", gPickle(gCall("gensim.utils", "unpickle", gStr("x.pkl"))), finding.MaliciousVerdict, "PICKLE-101"},
		{"pathlib_local_write_text", gPickle(gGlobal("pathlib._local", "Path.write_text")), finding.MaliciousVerdict, "PICKLE-103"},
		// The author's own code: stored functions and classes need custom
		// code (info); a function called while loading stays suspicious.
		{"user_function_stored", gPickle("}", gStr("func"), gGlobal("mylab.features", "add_ratio"), "s"), finding.Safe, "PICKLE-100"},
		{"user_function_called", gPickle(gCall("mylab.features", "add_ratio", gStr("x"))), finding.SuspiciousVerdict, "PICKLE-102"},
		{"user_function_partial", gPickle(gCall("functools", "partial", gGlobal("mylab.features", "add_ratio"))), finding.Safe, "PICKLE-100"},
		{"user_function_partial_called", gPickle(gCallOf(gCall("functools", "partial", gGlobal("mylab.features", "add_ratio")), gStr("x"))),
			finding.SuspiciousVerdict, "PICKLE-102"},
		{"user_function_via_lambdalr", gPickle(gCall("torch.optim.lr_scheduler", "LambdaLR", gBuilt, gGlobal("mylab.schedules", "warmup"))),
			finding.SuspiciousVerdict, "PICKLE-102"},
		{"user_class_via_reconstructor", gPickle(gCall("copyreg", "_reconstructor", gGlobal("__main__", "Net"), gGlobal("builtins", "object"), gNone)),
			finding.Safe, "PICKLE-100"},
		// Legacy torch.save module ids resolve to the class they carry.
		{"legacy_module_pid_class", gPickle("(", gStr("module"), gGlobal("torch.nn.modules.linear", "Linear"), gStr("linear.py"), gStr("class Linear"), "tQ)\x81"),
			finding.Safe, ""},
		{"legacy_module_pid_os_system", gPickle("(", gStr("module"), gGlobal("os", "system"), gStr(""), gStr(""), "tQ)\x81"),
			finding.MaliciousVerdict, "PICKLE-101"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := scantest.Bytes(t, c.name+".pkl", c.data)
			if f.Verdict != c.verdict {
				t.Errorf("verdict %s, want %s; findings %v; errors %v", f.Verdict, c.verdict, describe(f), f.Errors)
			}
			if c.rule != "" && !scantest.Rules(f)[c.rule] {
				t.Errorf("%s not raised; findings %v", c.rule, describe(f))
			}
			if c.verdict == finding.Safe {
				for _, x := range f.Findings {
					if x.Severity != finding.Info {
						t.Errorf("finding above info: %s %s", x.Rule, x.Message)
					}
				}
			}
		})
	}
}

func describe(f finding.File) []string {
	var out []string
	for _, x := range f.Findings {
		out = append(out, x.Rule+": "+x.Message)
	}
	return out
}
