package pickle

// allow is one allowlist entry.
//
// Names lists exact attribute paths within Module ("RegexFlag.DOTALL" is an
// attribute of a class). Classes instead admits every class-named attribute
// (an upper-case initial after leading underscores) of Module and of its
// submodules, except the submodules in Except: it is used only for packages
// whose classes merely store state when constructed (nn.Module subclasses,
// scikit-learn estimators, whose API contract says __init__ records its
// parameters and nothing else), and only for packages the ecosystem corpus
// uses.
//
// Versions says in which library versions the names exist, as verified
// against the installed versions that wrote testdata/ecosystem or as known
// from the library's history. Unseen is empty when the ecosystem corpus
// references every name (TestAllowlistGrounded checks it); otherwise it says
// why names no corpus file references are allowed anyway.
//
// Why says what calling the global with any arguments a pickle can supply
// does, and why that is harmless: storing state and converting data are;
// opening files, importing, running code, reaching the network and calling
// an argument are not (the callers of arguments are in invokers, judged per
// call).
type allow struct {
	Module   string
	Names    []string
	Classes  bool
	Except   []string
	Versions string
	Unseen   string
	Why      string
}

// allowlist holds the globals that ordinary model files reference and that
// cannot run code, touch files or reach the network when a pickle calls them
// with any arguments. It is grounded in testdata/ecosystem: every name below
// is referenced by some file of that corpus unless the entry's Unseen says
// otherwise.
var allowlist = []allow{
	// ---------------------------------------------------------- Python
	// Verified with CPython 2.7 and 3.6-3.13 (testdata/ecosystem/cpython).
	{Module: "builtins", Names: []string{"dict", "list", "set", "frozenset", "tuple", "bytearray", "bytes", "str", "int", "float", "complex",
		"slice", "range", "object", "Ellipsis", "long", "xrange", "NoneType"},
		Versions: "Python 2 (__builtin__, long, xrange) and 3",
		Why:      "constructors of plain values and containers; they copy their arguments and call nothing"},
	{Module: "builtins", Names: []string{"bool", "NotImplemented", "unicode", "basestring"},
		Versions: "Python 2 and 3", Unseen: "the remaining value types and singletons of the same kind; a pickle names them when it stores the type or singleton itself",
		Why: "constructors of plain values; NotImplemented is a constant"},
	{Module: "builtins", Names: []string{"hash"}, Versions: "Python 2 and 3",
		Why: "gensim stores it as Word2Vec.hashfxn; hash(x) only computes x's hash, and x can only be an object built from allowlisted types"},
	{Module: "builtins", Names: []string{"type"}, Versions: "Python 2 and 3",
		Why: "cloudpickle names NoneType as type(None); the one-argument form returns an object's type. The three-argument form creates a class and is judged per call (callGuards)"},
	{Module: "builtins", Names: []string{"__main__"}, Versions: "dill >= 0.2 (__builtin__.__main__)",
		Unseen: "dill writes it for a function's globals (testdata/samples/pickle/dill_function_benign.pkl); the ecosystem corpus pickles no functions",
		Why:    "dill's name for the __main__ module's namespace, resolved by dill's unpickler (the standard one raises); looking up a namespace calls nothing"},
	{Module: "copyreg", Names: []string{"_reconstructor"}, Versions: "Python 2 (copy_reg) and 3",
		Why: "the pickle protocol's helper for protocols 0-1: base.__new__(cls) and, when base is not object, base.__init__(obj, state); base is judged per call (invokers)"},
	{Module: "copyreg", Names: []string{"__newobj__", "__newobj_ex__"}, Versions: "Python 3",
		Unseen: "what object.__reduce_ex__ returns; CPython turns it into the NEWOBJ opcode, but libraries that copy a reduce value write it as a call",
		Why:    "cls.__new__(cls, *args): creates an instance without __init__; cls is judged per call (invokers)"},
	{Module: "codecs", Names: []string{"encode"}, Versions: "Python 3 writing protocol 2 (_codecs.encode)",
		Why: "protocol 2 encodes bytes as codecs.encode(text, 'latin1'); converts text to bytes with a named codec (the text codecs do no I/O)"},
	{Module: "collections", Names: []string{"OrderedDict", "defaultdict", "Counter", "deque", "ChainMap"}, Versions: "Python 2 and 3",
		Why: "container types; a defaultdict calls its factory only on a missing key after loading, and the factory is judged per call (invokers)"},
	{Module: "datetime", Names: []string{"datetime", "date", "time", "timedelta", "timezone"}, Versions: "Python 2 and 3 (timezone: 3)",
		Why: "date and time value types built from numbers or packed bytes"},
	{Module: "decimal", Names: []string{"Decimal"}, Versions: "Python 2 and 3", Why: "value type parsed from a string"},
	{Module: "fractions", Names: []string{"Fraction"}, Versions: "Python 2 and 3", Why: "value type"},
	{Module: "uuid", Names: []string{"UUID"}, Versions: "Python 2 and 3", Why: "value type holding a 128-bit integer"},
	{Module: "argparse", Names: []string{"Namespace"}, Versions: "Python 2 and 3", Why: "attribute bag of training arguments; stores keyword arguments"},
	{Module: "types", Names: []string{"SimpleNamespace"}, Versions: "Python 3.3+", Why: "attribute bag; stores keyword arguments"},
	{Module: "re", Names: []string{"_compile", "RegexFlag", "RegexFlag.DOTALL", "RegexFlag.MULTILINE", "RegexFlag.UNICODE"},
		Versions: "Python 2 and 3 (RegexFlag: 3.6+, named members: 3.11+)",
		Why:      "compiles a regular expression from a pattern string; regex flags are integer enum members. No I/O"},
	{Module: "re", Names: []string{"RegexFlag.IGNORECASE", "RegexFlag.VERBOSE", "RegexFlag.ASCII", "RegexFlag.LOCALE", "RegexFlag.NOFLAG"},
		Versions: "Python 3.11+", Unseen: "the other members of the same flag enum, named by 3.11+ pickles of patterns compiled with them",
		Why: "integer enum members"},
	{Module: "operator", Names: []string{"or_"}, Versions: "Python 3.11+ (composite enum flags pickle as or_(a, b))",
		Why: "a | b: combines regex flags; on any allowlisted type it computes a union or bitwise or"},
	{Module: "array", Names: []string{"array", "_array_reconstructor"}, Versions: "Python 2 and 3 (_array_reconstructor: 3)",
		Why: "typed value arrays built from bytes"},
	{Module: "pathlib", Names: []string{"PurePosixPath"}, Versions: "Python 3.4-3.12",
		Why: "a pure path: a value type whose construction touches no file (the I/O methods of Path are denylisted)"},
	{Module: "pathlib", Names: []string{"Path", "PosixPath", "WindowsPath", "PurePath", "PureWindowsPath"}, Versions: "Python 3.4-3.12",
		Unseen: "the concrete and Windows variants of the same path value type",
		Why:    "path value types; constructing one touches no file (their I/O methods are denylisted)"},
	{Module: "pathlib._local", Names: []string{"PurePosixPath"}, Versions: "Python 3.13+ (pathlib became a package)",
		Why: "the same pure path type at its 3.13 location"},
	{Module: "pathlib._local", Names: []string{"Path", "PosixPath", "WindowsPath", "PurePath", "PureWindowsPath"}, Versions: "Python 3.13+",
		Unseen: "the concrete and Windows variants at their 3.13 location",
		Why:    "path value types; constructing one touches no file (their I/O methods are denylisted)"},

	// ---------------------------------------------------------- third-party value types
	{Module: "pytz", Names: []string{"_p", "_UTC"}, Versions: "pytz 2005+ (pandas < 2 time zones)",
		Why: "time-zone unpicklers: _p(zone, ...) looks zone up in pytz's fixed list of zone names (all_timezones_set) and reads that zone's data file from pytz's own database; _UTC returns the UTC singleton"},
	{Module: "dateutil.relativedelta", Names: []string{"relativedelta"}, Versions: "python-dateutil 2.x",
		Why: "calendar offset value type (pandas DateOffset keeps one); stores numbers"},

	// ---------------------------------------------------------- numpy
	// Verified with numpy 1.24 (testdata/ecosystem/numpy and every library
	// that stores arrays).
	{Module: "numpy", Names: []string{"ndarray", "dtype", "matrix", "recarray", "record", "number", "float32", "float64", "int64"},
		Versions: "numpy 1.x and 2.x",
		Why:      "array, dtype and scalar types: constructors allocate and fill arrays from the pickle's own bytes"},
	{Module: "numpy", Names: []string{"bool_", "generic", "float16", "longdouble", "int8", "int16", "int32", "uint8", "uint16", "uint32", "uint64",
		"complex64", "complex128", "str_", "bytes_", "void", "datetime64", "timedelta64", "object_", "intc", "uintc", "int_", "uint", "longlong",
		"ulonglong", "half", "single", "double", "csingle", "cdouble", "clongdouble", "bool", "frombuffer"},
		Versions: "numpy 1.x and 2.x", Unseen: "the other scalar types (numpy 1.24 pickles scalars as multiarray.scalar(dtype, bytes), older code names the type); frombuffer reinterprets bytes",
		Why: "scalar types and frombuffer, which reinterprets bytes already in the pickle"},
	{Module: "numpy", Names: []string{"vectorize"}, Versions: "numpy 1.x and 2.x",
		Why: "scipy distributions store vectorize(self._method); the constructor only stores pyfunc, which runs when the user calls the object after loading and is itself judged where the pickle builds it"},
	{Module: "numpy.core.multiarray", Names: []string{"_reconstruct", "scalar"}, Versions: "numpy < 2 (numpy 2 writes numpy._core; it still reads this path)",
		Why: "numpy's array and scalar reconstructors: allocate an empty array of a class and dtype, or a scalar from bytes"},
	{Module: "numpy.core.multiarray", Names: []string{"_frombuffer"}, Versions: "numpy < 2",
		Unseen: "spelling of the protocol 5 reconstructor some numpy 1.x releases wrote", Why: "wraps pickled bytes as an array"},
	{Module: "numpy.core._multiarray_umath", Names: []string{"_reconstruct", "scalar"}, Versions: "numpy 1.16.0 only (1.16.1 restored numpy.core.multiarray, numpy PR #12869)",
		Unseen: "the reconstructors' module as numpy 1.16.0 wrote it", Why: "numpy's array and scalar reconstructors"},
	{Module: "numpy.core.numeric", Names: []string{"_frombuffer"}, Versions: "numpy 1.16-1.26 (protocol 5)",
		Why: "protocol 5 array reconstructor: wraps the pickle's buffer as an array"},
	{Module: "numpy._core.multiarray", Names: []string{"_reconstruct", "scalar", "_frombuffer"}, Versions: "numpy >= 2",
		Unseen: "numpy 2 spelling of the same reconstructors (numpy.core became numpy._core)", Why: "numpy's array and scalar reconstructors"},
	{Module: "numpy._core.numeric", Names: []string{"_frombuffer"}, Versions: "numpy >= 2",
		Unseen: "numpy 2 spelling of the protocol 5 reconstructor", Why: "wraps the pickle's buffer as an array"},
	{Module: "numpy.core._multiarray_umath", Names: []string{"add", "log1p", "expm1", "sqrt"}, Versions: "numpy 1.20-1.26 (ufuncs pickled by name)",
		Why: "ufuncs that FunctionTransformer and user dicts store; calling one computes elementwise arithmetic on arrays"},
	{Module: "numpy._core._multiarray_umath", Names: []string{"add", "log1p", "expm1", "sqrt"}, Versions: "numpy >= 2",
		Unseen: "numpy 2 spelling of the same ufuncs", Why: "elementwise arithmetic on arrays"},
	{Module: "numpy", Names: []string{"log1p", "expm1"}, Versions: "numpy < 1.20 (through _ufunc_reconstruct('numpy', name)); any numpy for code that pickles ufuncs by public name",
		Why: "ufuncs as FunctionTransformer stores them: elementwise arithmetic on arrays"},
	{Module: "numpy.core._multiarray_umath", Names: []string{"log", "exp", "log2", "log10", "absolute", "square", "tanh", "negative", "reciprocal", "floor", "ceil", "rint", "sign"},
		Versions: "numpy 1.20-1.26", Unseen: "the other elementwise math ufuncs users pass to FunctionTransformer and TransformedTargetRegressor",
		Why: "elementwise arithmetic on arrays"},
	{Module: "numpy.core", Names: []string{"_ufunc_reconstruct"}, Versions: "numpy < 1.20 wrote it (numpy PR #17289); numpy 1.x still reads it",
		Why: "__import__(module) then getattr(name): allowed only as a resolver, each call judged by the global it names (resolvers)"},
	{Module: "numpy._core", Names: []string{"_ufunc_reconstruct"}, Versions: "numpy >= 2 (reads old pickles)",
		Unseen: "numpy 2 spelling of the same resolver", Why: "__import__(module) then getattr(name): each call judged by the global it names (resolvers)"},
	{Module: "numpy.ma.core", Names: []string{"_mareconstruct", "MaskedArray"}, Versions: "numpy 1.x and 2.x",
		Why: "masked array class and reconstructor: allocate data and mask arrays"},
	{Module: "numpy.random._pickle", Names: []string{"__randomstate_ctor", "__bit_generator_ctor", "__generator_ctor"}, Versions: "numpy >= 1.17",
		Why: "random generator reconstructors: look a bit generator name up in numpy's fixed table and construct it; the ctor argument they call is judged per call (invokers)"},
	{Module: "numpy.random", Classes: true, Versions: "numpy >= 1.17 (_generator, _mt19937, _pcg64, _philox, _sfc64, bit_generator, mtrand)",
		Why: "RandomState, Generator, SeedSequence and bit generators: constructors seed and store state"},
	{Module: "numpy.dtypes", Classes: true, Versions: "numpy >= 1.25",
		Unseen: "numpy >= 1.25 names dtype classes (Float64DType) where 1.24 wrote numpy.dtype", Why: "dtype classes; they describe memory layouts"},

	// ---------------------------------------------------------- PyTorch
	// Verified with torch 1.13 and torchvision 0.14 (testdata/ecosystem/torch).
	{Module: "torch._utils", Names: []string{"_rebuild_tensor_v2", "_rebuild_parameter", "_rebuild_qtensor", "_rebuild_sparse_tensor", "_rebuild_sparse_csr_tensor"},
		Versions: "torch >= 1.0 (_rebuild_tensor_v2: 0.4+; _rebuild_sparse_csr_tensor: 1.10+)",
		Why:      "torch.save's tensor reconstructors: wrap storages that persistent_load already provided with sizes, strides and quantizer parameters"},
	{Module: "torch._utils", Names: []string{"_rebuild_tensor", "_rebuild_tensor_v3", "_rebuild_parameter_with_state", "_rebuild_parameter_v2",
		"_rebuild_nested_tensor", "_rebuild_device_tensor_from_numpy", "_rebuild_device_tensor_from_cpu_tensor", "_rebuild_meta_tensor_no_storage",
		"_rebuild_wrapper_subclass", "_rebuild_xla_tensor", "_rebuild_mlc_tensor", "_rebuild_sparse_compressed_tensor"},
		Versions: "_rebuild_tensor: torch < 0.4; _rebuild_parameter_with_state: 1.12+; _rebuild_tensor_v3, _rebuild_sparse_compressed_tensor: 2.x",
		Unseen:   "the same family of tensor reconstructors as written by other torch versions and devices",
		Why:      "tensor reconstructors: build tensors from storages, arrays or sizes already in the pickle"},
	{Module: "torch._utils", Names: []string{"_rebuild_from_type", "_rebuild_from_type_v2"}, Versions: "torch 1.7-1.9 (later in torch._tensor)",
		Unseen: "tensor subclasses (nn.Parameter subclasses, masked tensors) pickle through them",
		Why:    "func(*args) then a type change and __setstate__; func is judged per call (invokers)"},
	{Module: "torch._tensor", Names: []string{"_rebuild_from_type", "_rebuild_from_type_v2"}, Versions: "torch >= 1.10",
		Unseen: "tensor subclasses (nn.Parameter subclasses, masked tensors) pickle through them",
		Why:    "func(*args) then a type change and __setstate__; func is judged per call (invokers)"},
	{Module: "torch", Names: []string{"Size", "device", "float16", "qint8", "quint8", "per_tensor_affine", "per_channel_affine",
		"FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage", "ShortStorage", "CharStorage",
		"ByteStorage", "BoolStorage", "ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage", "QUInt8Storage"},
		Versions: "torch >= 1.0",
		Why:      "shape, device, dtype and qscheme values and the storage classes named in persistent ids; constructors store numbers and strings"},
	{Module: "torch", Names: []string{"ScriptObject"}, Versions: "torch >= 1.5",
		Why: "a TorchBind object (a quantized module's packed parameters): created empty, its state is tensors that the owning module re-packs in C++"},
	{Module: "torch", Names: []string{"Tensor", "dtype", "layout", "memory_format", "finfo", "iinfo", "strided", "sparse_coo", "sparse_csr",
		"float32", "float", "float64", "double", "half", "bfloat16", "uint8", "int8", "int16", "short", "int32", "int", "int64", "long",
		"bool", "complex64", "cfloat", "complex128", "cdouble", "complex32", "qint32", "quint4x2", "quint2x4",
		"float8_e4m3fn", "float8_e5m2", "uint16", "uint32", "uint64",
		"contiguous_format", "channels_last", "channels_last_3d", "preserve_format", "per_tensor_symmetric", "per_channel_symmetric",
		"per_channel_affine_float_qparams", "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage", "UntypedStorage", "TypedStorage",
		"FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"},
		Versions: "torch >= 1.0 (float8, uint16-64: 2.1+; UntypedStorage: 2.0+)",
		Unseen:   "the remaining dtype, layout, memory-format and storage constants: a checkpoint names whichever its tensors and settings use",
		Why:      "dtype, layout and memory-format constants and tensor and storage types; constants are values, constructors allocate"},
	{Module: "torch.storage", Names: []string{"UntypedStorage", "TypedStorage", "_StorageBase"}, Versions: "torch >= 1.13",
		Unseen: "storage classes at their defining module", Why: "storage types; constructors allocate"},
	{Module: "torch.serialization", Names: []string{"_get_layout"}, Versions: "torch >= 1.8", Why: "maps a layout name to a torch.layout"},
	{Module: "torch.torch_version", Names: []string{"TorchVersion"}, Versions: "torch >= 1.10", Why: "a str subclass holding the version"},
	{Module: "torch.nn.parameter", Names: []string{"Parameter", "UninitializedParameter", "UninitializedBuffer", "Buffer"}, Versions: "torch >= 1.0",
		Unseen: "parameter wrappers; torch.save rebuilds parameters with torch._utils._rebuild_parameter, but whole-object pickles name the class", Why: "parameter wrappers around a tensor"},
	{Module: "torch.nn.functional", Names: []string{"relu"}, Versions: "torch >= 1.0",
		Why: "nn.TransformerEncoderLayer stores its activation function; calling it computes on tensors"},
	{Module: "torch._C._nn", Names: []string{"gelu"}, Versions: "torch >= 1.4",
		Why: "F.gelu is this builtin; modules store it as their activation; calling it computes on tensors"},
	{Module: "torch.nn", Classes: true, Except: []string{"parallel"}, Versions: "torch >= 1.0",
		Why: "nn.Module subclasses and their helpers: torch.save(model) rebuilds them with __new__ and a state dict; a constructor call creates parameters"},
	{Module: "torch.nn.parallel.data_parallel", Names: []string{"DataParallel"}, Versions: "torch >= 1.0",
		Why: "wraps a module; its constructor stores the module and the device ids (DistributedDataParallel, which joins process groups, is not admitted)"},
	{Module: "torch.ao.nn", Classes: true, Versions: "torch >= 1.13 (earlier under torch.nn.quantized)",
		Why: "quantized and quantization-aware nn.Module subclasses; they store parameters and quantizer settings"},
	{Module: "torch.ao.quantization.stubs", Names: []string{"QuantStub", "DeQuantStub"}, Versions: "torch >= 1.10 (earlier torch.quantization.stubs)",
		Why: "placeholder modules that mark where quantization happens; they store a qconfig"},
	{Module: "torch.optim", Classes: true, Versions: "torch >= 1.0",
		Why: "optimizers and learning-rate schedulers store hyper-parameters and state; LambdaLR and MultiplicativeLR call their lambdas and are judged per call (invokers)"},
	{Module: "torch.jit._pickle", Names: []string{"build_intlist"}, Versions: "torch >= 1.2",
		Why: "TorchScript's constant-table helper: returns the list it is given"},
	{Module: "torch.jit._pickle", Names: []string{"restore_type_tag", "build_tensorlist", "build_doublelist", "build_boollist", "build_tensor_from_id", "build_complexlist"},
		Versions: "torch >= 1.2", Unseen: "the sibling helpers of build_intlist for the other constant types",
		Why: "TorchScript's constant-table helpers: return the list or tensor they are given"},
	{Module: "torchvision.models", Classes: true, Versions: "torchvision >= 0.2 (every family in 0.14)",
		Why: "model architecture classes and their blocks (nn.Module subclasses)"},
	{Module: "torchvision.models.optical_flow.raft", Names: []string{"_pass_through_h"}, Versions: "torchvision >= 0.12",
		Why: "RAFT stores it as an activation: returns its tensor argument unchanged"},
	{Module: "torchvision.ops", Classes: true, Versions: "torchvision >= 0.3",
		Why: "layer classes (nn.Module subclasses) and detection helpers that store parameters"},
	{Module: "torchvision.ops.boxes", Names: []string{"box_iou"}, Versions: "torchvision >= 0.3",
		Why: "detection heads store it as their box similarity; it computes IoU of two box tensors"},
	{Module: "torchvision.transforms", Classes: true, Versions: "torchvision >= 0.2",
		Unseen: "transforms saved with datasets and training configs; Lambda only stores its callable, which is judged where the pickle names it",
		Why:    "transform classes store their parameters"},

	// ---------------------------------------------------------- joblib
	{Module: "joblib.numpy_pickle", Names: []string{"NumpyArrayWrapper"}, Versions: "joblib >= 0.10",
		Why: "joblib's array record; the array bytes follow in the stream and are skipped by their declared size"},
	{Module: "joblib.numpy_pickle", Names: []string{"NDArrayWrapper", "ZNDArrayWrapper"}, Versions: "joblib < 0.10 (the ZF container era)",
		Unseen: "array records of joblib's pre-0.10 format, which the joblib-zf analyzer reads", Why: "array records"},
	{Module: "sklearn.externals.joblib.numpy_pickle", Names: []string{"NumpyArrayWrapper", "NDArrayWrapper", "ZNDArrayWrapper"},
		Versions: "scikit-learn < 0.23 (vendored joblib)", Unseen: "the same records under scikit-learn's vendored copy of joblib",
		Why: "array records"},

	// ---------------------------------------------------------- scikit-learn
	// Verified with scikit-learn 1.2 (testdata/ecosystem/sklearn): every
	// estimator module. scikit-learn's estimator contract (checked by its
	// check_estimator suite) says __init__ only records parameters; fitted
	// state arrives through __setstate__ as data.
	{Module: "sklearn", Classes: true,
		Except:   []string{"datasets", "externals", "utils", "experimental", "_build_utils", "_config", "_distributor_init", "__check_build"},
		Versions: "scikit-learn >= 0.22 (private _module paths); earlier releases used public module names the wildcard also covers",
		Why:      "estimators, transformers, kernels, losses, link functions, tree and neighbor structures and distance metrics: constructors store parameters or arrays"},
	{Module: "sklearn.utils._bunch", Names: []string{"Bunch"}, Versions: "scikit-learn >= 1.2 (earlier sklearn.utils.Bunch)",
		Why: "a dict with attribute access"},
	{Module: "sklearn.utils", Names: []string{"Bunch"}, Versions: "scikit-learn < 1.2", Unseen: "Bunch before it moved to sklearn.utils._bunch", Why: "a dict with attribute access"},
	{Module: "sklearn.compose._column_transformer", Names: []string{"make_column_selector"}, Versions: "scikit-learn >= 0.22",
		Why: "a selector class named like a function: stores a regex pattern and dtype filters"},
	{Module: "sklearn.metrics._classification", Names: []string{"f1_score"}, Versions: "scikit-learn >= 0.22",
		Why: "search CVs store it inside their scorer; calling it computes a metric on arrays"},
	{Module: "sklearn.metrics._scorer", Names: []string{"_passthrough_scorer"}, Versions: "scikit-learn >= 0.22",
		Why: "the default scorer of search CVs: returns estimator.score(...) of an estimator the pickle built, a computation"},
	{Module: "sklearn.feature_selection._univariate_selection", Names: []string{"f_classif"}, Versions: "scikit-learn >= 0.22",
		Why: "SelectKBest stores its score function; it computes ANOVA F-values on arrays"},
	{Module: "sklearn.feature_selection._mutual_info", Names: []string{"mutual_info_classif"}, Versions: "scikit-learn >= 0.22",
		Why: "SelectPercentile stores its score function; it estimates mutual information on arrays"},
	{Module: "sklearn.cluster._kmeans", Names: []string{"_kmeans_single_lloyd"}, Versions: "scikit-learn >= 1.1",
		Why: "BisectingKMeans stores its inner k-means routine; it iterates on arrays"},
	{Module: "sklearn.neighbors._ball_tree", Names: []string{"newObj"}, Versions: "scikit-learn >= 0.22",
		Why: "Cython helper behind BallTree.__reduce__: returns obj.__new__(obj); obj is judged per call (invokers)"},
	{Module: "sklearn.neighbors._kd_tree", Names: []string{"newObj"}, Versions: "scikit-learn >= 0.22",
		Why: "Cython helper behind KDTree.__reduce__: returns obj.__new__(obj); obj is judged per call (invokers)"},
	{Module: "sklearn.metrics._dist_metrics", Names: []string{"newObj"}, Versions: "scikit-learn >= 1.0",
		Why: "Cython helper behind DistanceMetric.__reduce__: returns obj.__new__(obj); obj is judged per call (invokers)"},
	{Module: "sklearn.neighbors._dist_metrics", Names: []string{"newObj"}, Versions: "scikit-learn 0.22-0.24",
		Unseen: "the same helper before distance metrics moved to sklearn.metrics", Why: "returns obj.__new__(obj); obj is judged per call (invokers)"},
	{Module: "sklearn.neighbors.dist_metrics", Names: []string{"newObj"}, Versions: "scikit-learn < 0.22",
		Unseen: "the same helper under the public module names of scikit-learn < 0.22", Why: "returns obj.__new__(obj); obj is judged per call (invokers)"},
	{Module: "sklearn.neighbors.ball_tree", Names: []string{"newObj"}, Versions: "scikit-learn < 0.22",
		Unseen: "the same helper under the public module names of scikit-learn < 0.22", Why: "returns obj.__new__(obj); obj is judged per call (invokers)"},
	{Module: "sklearn.neighbors.kd_tree", Names: []string{"newObj"}, Versions: "scikit-learn < 0.22",
		Unseen: "the same helper under the public module names of scikit-learn < 0.22", Why: "returns obj.__new__(obj); obj is judged per call (invokers)"},

	// ---------------------------------------------------------- xgboost
	// Verified with xgboost 1.7 (testdata/ecosystem/xgboost).
	{Module: "xgboost.core", Names: []string{"Booster"}, Versions: "xgboost >= 0.7",
		Why: "pickles restore it with __setstate__, which hands the pickled model bytes to libxgboost's parser"},
	{Module: "xgboost.sklearn", Names: []string{"XGBClassifier", "XGBRegressor", "XGBRanker", "XGBRFClassifier"}, Versions: "xgboost >= 0.7 (XGBRF*: 0.82+)",
		Why: "scikit-learn wrappers: constructors store parameters, the fitted Booster arrives as state"},
	{Module: "xgboost.sklearn", Names: []string{"XGBRFRegressor", "XGBModel"}, Versions: "xgboost >= 0.82",
		Unseen: "the remaining scikit-learn wrappers of the same module", Why: "constructors store parameters"},

	// ---------------------------------------------------------- gensim
	// Verified with gensim 4.2 (testdata/ecosystem/gensim). Named one by one:
	// other gensim classes open or write files when constructed (corpora
	// readers, similarity shards).
	{Module: "gensim.models.word2vec", Names: []string{"Word2Vec"}, Versions: "gensim >= 1.0", Why: "model class restored by __setstate__; its vectors are arrays"},
	{Module: "gensim.models.doc2vec", Names: []string{"Doc2Vec"}, Versions: "gensim >= 1.0", Why: "model class restored by __setstate__"},
	{Module: "gensim.models.fasttext", Names: []string{"FastText", "FastTextKeyedVectors"}, Versions: "gensim >= 3.8", Why: "model and vector classes restored by __setstate__"},
	{Module: "gensim.models.keyedvectors", Names: []string{"KeyedVectors"}, Versions: "gensim >= 1.0", Why: "vector store restored by __setstate__"},
	{Module: "gensim.models.ldamodel", Names: []string{"LdaModel", "LdaState"}, Versions: "gensim >= 0.10", Why: "topic model and its sufficient statistics"},
	{Module: "gensim.models.lsimodel", Names: []string{"LsiModel", "Projection"}, Versions: "gensim >= 0.10", Why: "LSI model and its projection matrices"},
	{Module: "gensim.models.hdpmodel", Names: []string{"HdpModel"}, Versions: "gensim >= 0.10", Why: "topic model restored by __setstate__"},
	{Module: "gensim.models.rpmodel", Names: []string{"RpModel"}, Versions: "gensim >= 0.10", Why: "random projection model"},
	{Module: "gensim.models.nmf", Names: []string{"Nmf"}, Versions: "gensim >= 3.7", Why: "topic model restored by __setstate__"},
	{Module: "gensim.models.logentropy_model", Names: []string{"LogEntropyModel"}, Versions: "gensim >= 0.10", Why: "term weighting model"},
	{Module: "gensim.models.tfidfmodel", Names: []string{"TfidfModel", "df2idf"}, Versions: "gensim >= 0.10",
		Why: "tf-idf model and its stored weighting function, which computes a number from two numbers"},
	{Module: "gensim.models.phrases", Names: []string{"Phrases", "FrozenPhrases", "original_scorer", "npmi_scorer"}, Versions: "gensim >= 4.0 (FrozenPhrases; earlier Phraser)",
		Why: "phrase detectors and their stored scoring functions, which compute a float from counts"},
	{Module: "gensim.corpora.dictionary", Names: []string{"Dictionary"}, Versions: "gensim >= 0.10", Why: "token-to-id mapping"},
	{Module: "gensim.utils", Names: []string{"FakeDict", "identity", "call_on_class_only"}, Versions: "gensim >= 0.10",
		Why: "FakeDict maps ids to themselves; identity returns its argument; call_on_class_only raises AttributeError (gensim stores it to block instance calls of class methods)"},
	{Module: "gensim.matutils", Names: []string{"unitvec"}, Versions: "gensim >= 0.10", Why: "stored normalisation function: scales a vector to unit length"},

	// ---------------------------------------------------------- pandas
	// Verified with pandas 1.5 (testdata/ecosystem/pandas): every dtype.
	{Module: "pandas.core.frame", Names: []string{"DataFrame"}, Versions: "pandas >= 0.x", Why: "restored by __setstate__ from its block manager"},
	{Module: "pandas.core.series", Names: []string{"Series"}, Versions: "pandas >= 0.x", Why: "restored by __setstate__ from its block manager"},
	{Module: "pandas.core.internals.managers", Names: []string{"BlockManager", "SingleBlockManager"}, Versions: "pandas >= 0.24",
		Why: "block managers: hold arrays and index objects"},
	{Module: "pandas.core.indexes", Classes: true, Versions: "pandas >= 0.24 (Int64Index and friends: < 2.0)",
		Why: "index classes: constructors validate and store arrays"},
	{Module: "pandas.core.indexes.base", Names: []string{"_new_Index"}, Versions: "pandas >= 0.20",
		Why: "index unpickler: cls.__new__(cls, **d); cls is judged per call (invokers)"},
	{Module: "pandas.core.indexes.datetimes", Names: []string{"_new_DatetimeIndex"}, Versions: "pandas >= 0.20",
		Why: "DatetimeIndex unpickler: cls._simple_new or cls.__new__ on pickled arrays; cls is judged per call (invokers)"},
	{Module: "pandas.core.indexes.interval", Names: []string{"_new_IntervalIndex"}, Versions: "pandas >= 0.20",
		Why: "IntervalIndex unpickler: cls.from_arrays(**d); cls is judged per call (invokers)"},
	{Module: "pandas.core.indexes.period", Names: []string{"_new_PeriodIndex"}, Versions: "pandas >= 0.20",
		Unseen: "PeriodIndex unpickler, reached through _new_Index in pandas 1.5", Why: "cls._simple_new on pickled ordinals; cls is judged per call (invokers)"},
	{Module: "pandas.core.arrays", Classes: true, Versions: "pandas >= 0.24",
		Why: "extension arrays (categorical, datetime, period, interval, sparse, masked, string): constructors validate and store arrays"},
	{Module: "pandas.core.dtypes.dtypes", Classes: true, Versions: "pandas >= 0.24", Why: "extension dtypes: store units, categories, time zones"},
	{Module: "pandas._libs.internals", Names: []string{"_unpickle_block"}, Versions: "pandas >= 1.3", Why: "builds a block from an array and its placement"},
	{Module: "pandas._libs.arrays", Names: []string{"__pyx_unpickle_NDArrayBacked"}, Versions: "pandas >= 1.3",
		Why: "Cython unpickler of the array base class: __new__ then attribute assignment from the state tuple"},
	{Module: "pandas._libs.tslibs.timestamps", Names: []string{"_unpickle_timestamp"}, Versions: "pandas >= 1.4", Why: "builds a Timestamp from an integer, a frequency and a tz"},
	{Module: "pandas._libs.tslibs.timedeltas", Names: []string{"_timedelta_unpickle"}, Versions: "pandas >= 1.4", Why: "builds a Timedelta from an integer"},
	{Module: "pandas._libs.tslibs.nattype", Names: []string{"__nat_unpickle"}, Versions: "pandas >= 0.x", Why: "returns the NaT singleton"},
	{Module: "pandas._libs.tslibs.period", Names: []string{"Period"}, Versions: "pandas >= 0.24", Why: "period value type"},
	{Module: "pandas._libs.tslibs.offsets", Classes: true, Versions: "pandas >= 0.24", Why: "date offsets (Day, MonthEnd, BusinessDay, DateOffset): store n and keywords"},
	{Module: "pandas._libs.interval", Names: []string{"Interval", "__pyx_unpickle_IntervalMixin"}, Versions: "pandas >= 0.24",
		Why: "interval value type and its Cython unpickler (__new__ then attribute assignment)"},
	{Module: "pandas._libs.missing", Names: []string{"NA"}, Versions: "pandas >= 1.0", Why: "the NA singleton itself (a value, not a callable)"},
	{Module: "pandas._libs.sparse", Names: []string{"IntIndex"}, Versions: "pandas >= 0.24", Why: "sparse index: stores length and indices"},

	// ---------------------------------------------------------- scipy
	// Verified with scipy 1.10 (testdata/ecosystem/scipy). Named one by one:
	// scipy.optimize's function wrappers call their argument when built.
	{Module: "scipy.sparse._csr", Names: []string{"csr_matrix"}, Versions: "scipy >= 1.8 (earlier scipy.sparse.csr)", Why: "sparse matrix: stores data, indices and indptr arrays"},
	{Module: "scipy.sparse._csc", Names: []string{"csc_matrix"}, Versions: "scipy >= 1.8", Why: "sparse matrix: stores arrays"},
	{Module: "scipy.sparse._coo", Names: []string{"coo_matrix"}, Versions: "scipy >= 1.8", Why: "sparse matrix: stores arrays"},
	{Module: "scipy.sparse._bsr", Names: []string{"bsr_matrix"}, Versions: "scipy >= 1.8", Why: "sparse matrix: stores arrays"},
	{Module: "scipy.sparse._dia", Names: []string{"dia_matrix"}, Versions: "scipy >= 1.8", Why: "sparse matrix: stores arrays"},
	{Module: "scipy.sparse._dok", Names: []string{"dok_matrix"}, Versions: "scipy >= 1.8", Why: "sparse matrix: a dict of values"},
	{Module: "scipy.sparse._lil", Names: []string{"lil_matrix"}, Versions: "scipy >= 1.8", Why: "sparse matrix: lists of values"},
	{Module: "scipy.sparse._arrays", Names: []string{"csr_array", "csc_array", "coo_array", "lil_array"}, Versions: "scipy 1.8-1.10", Why: "sparse arrays: store arrays"},
	{Module: "scipy.sparse.csr", Names: []string{"csr_matrix"}, Versions: "scipy < 1.8",
		Unseen: "the public module path pickles of scipy < 1.8 name", Why: "sparse matrix: stores arrays"},
	{Module: "scipy.sparse.csc", Names: []string{"csc_matrix"}, Versions: "scipy < 1.8",
		Unseen: "the public module path pickles of scipy < 1.8 name", Why: "sparse matrix: stores arrays"},
	{Module: "scipy.sparse.coo", Names: []string{"coo_matrix"}, Versions: "scipy < 1.8",
		Unseen: "the public module path pickles of scipy < 1.8 name", Why: "sparse matrix: stores arrays"},
	{Module: "scipy.stats._distn_infrastructure", Names: []string{"rv_continuous_frozen", "rv_discrete_frozen"}, Versions: "scipy >= 1.x",
		Why: "frozen distributions: store a distribution object and its parameters"},
	{Module: "scipy.stats._continuous_distns", Names: []string{"norm_gen", "gamma_gen", "reciprocal_gen"}, Versions: "scipy >= 1.x",
		Why: "distribution objects (reciprocal_gen backs loguniform): constructors store shape names and bounds"},
	{Module: "scipy.stats._discrete_distns", Names: []string{"poisson_gen"}, Versions: "scipy >= 1.x", Why: "distribution object: stores its name and bounds"},
	{Module: "scipy.stats._kde", Names: []string{"gaussian_kde"}, Versions: "scipy >= 1.10 (earlier scipy.stats.kde)", Why: "kernel density estimate: stores a dataset array"},
	{Module: "scipy.interpolate._interpolate", Names: []string{"interp1d", "interp1d._call_spline"}, Versions: "scipy >= 1.8",
		Why: "interpolator (stores arrays) and the evaluation method it stores for cubic splines: evaluates a spline on arrays"},
	{Module: "scipy.interpolate._bsplines", Names: []string{"BSpline"}, Versions: "scipy >= 1.8", Why: "B-spline: stores knots and coefficients"},
	{Module: "scipy.interpolate._cubic", Names: []string{"CubicSpline", "PchipInterpolator"}, Versions: "scipy >= 1.8", Why: "piecewise polynomials: store breakpoints and coefficients"},
	{Module: "scipy.interpolate._fitpack2", Names: []string{"LSQUnivariateSpline"}, Versions: "scipy >= 1.8", Why: "spline: stores the fitted knots and coefficients"},
	{Module: "scipy.interpolate._rgi", Names: []string{"RegularGridInterpolator"}, Versions: "scipy >= 1.10", Why: "grid interpolator: stores grid and values"},
	{Module: "scipy.spatial._kdtree", Names: []string{"KDTree"}, Versions: "scipy >= 1.8", Why: "k-d tree over stored points"},
	{Module: "scipy.spatial._ckdtree", Names: []string{"cKDTree"}, Versions: "scipy >= 1.8", Why: "k-d tree over stored points (rebuilt from data on unpickling)"},
	{Module: "scipy.spatial.transform._rotation", Names: []string{"Rotation"}, Versions: "scipy >= 1.8", Why: "rotation: stores quaternions"},
	{Module: "scipy.optimize._optimize", Names: []string{"OptimizeResult"}, Versions: "scipy >= 1.8", Why: "a dict with attribute access"},

	// ---------------------------------------------------------- statsmodels
	// Verified with statsmodels 0.13 (testdata/ecosystem/statsmodels). Models
	// and results store arrays; formula handling (patsy, which evaluates
	// formula text) and X-13 (which runs a program) are not admitted.
	{Module: "statsmodels.regression", Classes: true, Versions: "statsmodels >= 0.8", Why: "linear models and their results: store arrays"},
	{Module: "statsmodels.discrete", Classes: true, Versions: "statsmodels >= 0.8", Why: "discrete choice models and results: store arrays"},
	{Module: "statsmodels.genmod", Classes: true, Versions: "statsmodels >= 0.8", Why: "GLMs, families, links and variance functions: store arrays and parameters"},
	{Module: "statsmodels.genmod.families.links", Names: []string{"log", "logit", "identity", "inverse_power", "sqrt", "probit", "cloglog"}, Versions: "statsmodels < 0.15",
		Unseen: "lower-case link classes (deprecated aliases); the corpus names log", Why: "link function classes: no constructor arguments, pure math methods"},
	{Module: "statsmodels.robust", Classes: true, Versions: "statsmodels >= 0.8", Why: "robust models, norms and results: store parameters and arrays"},
	{Module: "statsmodels.tsa", Classes: true, Except: []string{"x13"}, Versions: "statsmodels >= 0.8",
		Why: "time-series models, specifications, parameters and results: store arrays"},
	{Module: "statsmodels.base", Classes: true, Versions: "statsmodels >= 0.8", Why: "model data holders and result wrappers: store arrays"},
	{Module: "statsmodels.tools.tools", Names: []string{"Bunch"}, Versions: "statsmodels >= 0.8", Why: "a dict with attribute access"},
	{Module: "statsmodels.tsa.statespace._representation", Names: []string{"sStatespace", "dStatespace", "cStatespace", "zStatespace"}, Versions: "statsmodels >= 0.8",
		Why: "Cython state-space representations (one per float/double/complex type): built from the model's arrays"},
	{Module: "statsmodels.tsa.statespace._initialization", Names: []string{"sInitialization", "dInitialization", "cInitialization", "zInitialization"}, Versions: "statsmodels >= 0.10",
		Why: "Cython initialisation records: store arrays"},
	{Module: "statsmodels.tsa.statespace._kalman_filter", Names: []string{"sKalmanFilter", "dKalmanFilter", "cKalmanFilter", "zKalmanFilter"}, Versions: "statsmodels >= 0.8",
		Why: "Cython Kalman filters: allocate arrays for a stored model"},
	{Module: "statsmodels.tsa.statespace._kalman_smoother", Names: []string{"sKalmanSmoother", "dKalmanSmoother", "cKalmanSmoother", "zKalmanSmoother"}, Versions: "statsmodels >= 0.8",
		Why: "Cython Kalman smoothers: allocate arrays for a stored model"},
	{Module: "statsmodels.tsa.statespace._simulation_smoother", Names: []string{"sSimulationSmoother", "dSimulationSmoother", "cSimulationSmoother", "zSimulationSmoother"}, Versions: "statsmodels >= 0.8",
		Why: "Cython simulation smoothers: allocate arrays for a stored model"},

	// ---------------------------------------------------------- nltk
	// Verified with nltk 3.8 (testdata/ecosystem/nltk). Named one by one:
	// other nltk classes start Java programs or taggers (stanford, hunpos,
	// senna) or load resources (nltk.data) when constructed.
	{Module: "nltk.tokenize.punkt", Names: []string{"PunktSentenceTokenizer", "PunktParameters", "PunktLanguageVars", "PunktToken"}, Versions: "nltk >= 2.0",
		Why: "the Punkt sentence tokenizer (nltk's own punkt models are pickles of it) and its parameter records"},
	{Module: "nltk.tokenize.regexp", Names: []string{"RegexpTokenizer"}, Versions: "nltk >= 2.0", Why: "stores a pattern string"},
	{Module: "nltk.tokenize.casual", Names: []string{"TweetTokenizer"}, Versions: "nltk >= 3.0", Why: "stores flags"},
	{Module: "nltk.tokenize.treebank", Names: []string{"TreebankWordTokenizer"}, Versions: "nltk >= 2.0", Why: "stores compiled regexes"},
	{Module: "nltk.probability", Names: []string{"FreqDist", "ConditionalFreqDist", "ELEProbDist"}, Versions: "nltk >= 2.0", Why: "counters and probability tables"},
	{Module: "nltk.classify.naivebayes", Names: []string{"NaiveBayesClassifier"}, Versions: "nltk >= 2.0", Why: "stores label and feature probability tables"},
	{Module: "nltk.classify.decisiontree", Names: []string{"DecisionTreeClassifier"}, Versions: "nltk >= 2.0", Why: "stores a tree of labels and feature names"},
	{Module: "nltk.tag.sequential", Names: []string{"DefaultTagger", "UnigramTagger", "BigramTagger"}, Versions: "nltk >= 2.0", Why: "store context-to-tag tables and a backoff tagger"},
	{Module: "nltk.tag.perceptron", Names: []string{"PerceptronTagger", "AveragedPerceptron"}, Versions: "nltk >= 3.1",
		Why: "store weight tables (constructed with __new__ and state; PerceptronTagger(load=True) would read nltk's data files and is not how pickles build it)"},
	{Module: "nltk.lm.models", Names: []string{"MLE", "Laplace"}, Versions: "nltk >= 3.4", Why: "language models: store a vocabulary and counts"},
	{Module: "nltk.lm.vocabulary", Names: []string{"Vocabulary"}, Versions: "nltk >= 3.4", Why: "stores token counts"},
	{Module: "nltk.lm.counter", Names: []string{"NgramCounter"}, Versions: "nltk >= 3.4", Why: "stores n-gram counts"},
	{Module: "nltk.tree.tree", Names: []string{"Tree"}, Versions: "nltk >= 3.7 (earlier nltk.tree)", Why: "a list subclass with a label"},
	{Module: "nltk.grammar", Names: []string{"CFG", "Production", "Nonterminal"}, Versions: "nltk >= 2.0", Why: "grammar records: store symbols and productions"},
	{Module: "nltk.stem.porter", Names: []string{"PorterStemmer"}, Versions: "nltk >= 2.0", Why: "stores rule tables"},
	{Module: "nltk.stem.snowball", Names: []string{"SnowballStemmer", "EnglishStemmer"}, Versions: "nltk >= 2.0", Why: "store a language name and rule tables"},

	// ---------------------------------------------------------- dill
	// Verified with dill 0.3.6 (testdata/ecosystem/dill). The rest of dill
	// (function, code and module reconstruction) stays denied.
	{Module: "dill._dill", Names: []string{"_load_type", "_create_array"}, Versions: "dill >= 0.3",
		Why: "_load_type(name) looks a built-in type up by name and _create_array(f, args, state) calls f(*args): both are judged per call by what they reach (resolvers and invokers)"},
}
