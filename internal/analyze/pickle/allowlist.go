package pickle

// allow is one allowlist entry. Names lists exact attribute paths within
// Module. Classes set instead admits every CamelCase name in Module and its
// submodules: it is used only for libraries whose classes merely store state
// when constructed (torch.nn modules, optimizers, scikit-learn estimators,
// whose API contract says __init__ only records parameters).
type allow struct {
	Module  string
	Names   []string
	Classes bool
	Why     string
}

// allowlist holds the globals that ordinary model pickles reference and that
// cannot run code, touch files or reach the network when a pickle calls them
// with any arguments. Each entry says why.
var allowlist = []allow{
	// Python built-ins and standard library value types.
	{"builtins", []string{"dict", "list", "set", "frozenset", "tuple", "bytearray", "bytes", "str", "int", "float", "complex", "bool",
		"slice", "range", "object", "Ellipsis", "NotImplemented", "long", "unicode", "basestring", "xrange", "NoneType"},
		false, "constructors of plain values and containers"},
	{"copyreg", []string{"_reconstructor", "__newobj__", "__newobj_ex__"}, false,
		"the pickle protocol's own helpers: create an instance of an already-imported class without calling __init__"},
	{"codecs", []string{"encode"}, false, "protocol 2 encodes bytes as codecs.encode(text, 'latin1'); pure data conversion"},
	{"collections", []string{"OrderedDict", "defaultdict", "Counter", "deque", "ChainMap", "UserDict", "UserList", "UserString"}, false,
		"container types; a defaultdict factory is itself a global that is classified on its own"},
	{"datetime", []string{"datetime", "date", "time", "timedelta", "timezone", "tzinfo"}, false, "value types"},
	{"decimal", []string{"Decimal", "Context"}, false, "value types"},
	{"fractions", []string{"Fraction"}, false, "value type"},
	{"uuid", []string{"UUID", "SafeUUID"}, false, "value type holding an integer"},
	{"pathlib", []string{"Path", "PosixPath", "WindowsPath", "PurePath", "PurePosixPath", "PureWindowsPath"}, false,
		"path value types; constructing one touches no file (its I/O methods are denylisted)"},
	{"argparse", []string{"Namespace"}, false, "attribute bag saved with training arguments"},
	{"types", []string{"SimpleNamespace"}, false, "attribute bag"},
	{"re", []string{"_compile", "compile", "Pattern", "RegexFlag"}, false, "compiles a regular expression; no I/O"},
	{"enum", []string{"Enum", "IntEnum", "Flag", "IntFlag"}, false, "enumeration base classes"},
	{"array", []string{"array", "_array_reconstructor"}, false, "typed value arrays"},

	// numpy arrays, dtypes and scalars.
	{"numpy", []string{"ndarray", "dtype", "matrix", "recarray", "bool_", "number", "generic", "float16", "float32", "float64", "longdouble",
		"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "complex64", "complex128", "str_", "bytes_", "void",
		"datetime64", "timedelta64", "object_", "intc", "uintc", "int_", "uint", "longlong", "ulonglong", "half", "single", "double",
		"csingle", "cdouble", "clongdouble", "bool", "frombuffer"}, false,
		"array, dtype and scalar types; frombuffer reinterprets bytes already in the pickle"},
	{"numpy.core.multiarray", []string{"_reconstruct", "scalar", "_frombuffer"}, false, "numpy's own array and scalar reconstructors (numpy < 2)"},
	{"numpy._core.multiarray", []string{"_reconstruct", "scalar", "_frombuffer"}, false, "numpy's own array and scalar reconstructors (numpy ≥ 2)"},
	{"numpy.core.numeric", []string{"_frombuffer"}, false, "protocol 5 array reconstructor (numpy < 2)"},
	{"numpy._core.numeric", []string{"_frombuffer"}, false, "protocol 5 array reconstructor (numpy ≥ 2)"},
	{"numpy.ma.core", []string{"_mareconstruct", "MaskedArray"}, false, "masked array reconstructor"},
	{"numpy.dtypes", nil, true, "numpy 2 dtype classes"},
	{"numpy.random._pickle", []string{"__randomstate_ctor", "__bit_generator_ctor", "__generator_ctor"}, false,
		"random generator reconstructors: they build a generator from a named bit generator class"},
	{"numpy.random", nil, true, "random generator and bit generator classes store their state"},

	// PyTorch tensors, storages and serialisation helpers.
	{"torch._utils", []string{"_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3", "_rebuild_parameter", "_rebuild_parameter_with_state",
		"_rebuild_parameter_v2", "_rebuild_qtensor", "_rebuild_sparse_tensor", "_rebuild_sparse_csr_tensor", "_rebuild_nested_tensor",
		"_rebuild_device_tensor_from_numpy", "_rebuild_meta_tensor_no_storage", "_rebuild_wrapper_subclass", "_rebuild_xla_tensor",
		"_rebuild_mlc_tensor", "_rebuild_from_type", "_rebuild_from_type_v2", "_rebuild_device_tensor_from_cpu_tensor"}, false,
		"torch.save's tensor reconstructors: they wrap storages that persistent_load already provided"},
	{"torch._tensor", []string{"_rebuild_from_type", "_rebuild_from_type_v2"}, false,
		"tensor-subclass reconstructors; the function they apply is itself a pickled global, classified on its own"},
	{"torch", []string{"Size", "Tensor", "device", "dtype", "layout", "memory_format", "finfo", "iinfo", "strided", "sparse_coo", "sparse_csr",
		"float32", "float", "float64", "double", "float16", "half", "bfloat16", "uint8", "int8", "int16", "short", "int32", "int", "int64", "long",
		"bool", "complex64", "cfloat", "complex128", "cdouble", "complex32", "qint8", "quint8", "qint32", "quint4x2", "quint2x4",
		"float8_e4m3fn", "float8_e5m2", "uint16", "uint32", "uint64",
		"contiguous_format", "channels_last", "channels_last_3d", "preserve_format", "per_tensor_affine", "per_channel_affine",
		"per_tensor_symmetric", "per_channel_symmetric", "per_channel_affine_float_qparams",
		"FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage", "ShortStorage", "CharStorage",
		"ByteStorage", "BoolStorage", "ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage", "QUInt8Storage", "QInt32Storage",
		"QUInt4x2Storage", "QUInt2x4Storage", "UntypedStorage", "TypedStorage",
		"FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"},
		false, "tensor, dtype, device and storage types referenced by every torch.save file"},
	{"torch.storage", []string{"UntypedStorage", "TypedStorage", "_StorageBase"}, false, "storage types"},
	{"torch.serialization", []string{"_get_layout"}, false, "maps a layout name to a torch.layout"},
	{"torch.torch_version", []string{"TorchVersion"}, false, "version string saved with checkpoints"},
	{"torch.nn.parameter", []string{"Parameter", "UninitializedParameter", "UninitializedBuffer", "Buffer"}, false, "parameter wrappers"},
	{"torch.nn", nil, true, "nn.Module subclasses and their helpers store parameters and submodules"},
	{"torch.optim", nil, true, "optimizers and learning-rate schedulers store their hyper-parameters and state"},
	{"torch.jit._pickle", []string{"restore_type_tag", "build_intlist", "build_tensorlist", "build_doublelist", "build_boollist",
		"build_tensor_from_id", "build_complexlist"}, false, "TorchScript's constant-table helpers; they build lists and tensors"},
	{"torchvision.models", nil, true, "model architecture classes (nn.Module subclasses)"},
	{"torchvision.ops", nil, true, "layer classes (nn.Module subclasses)"},
	{"torchvision.transforms", nil, true, "transform classes store their parameters"},

	// joblib's array containers: their data follows inline and is skipped by size.
	{"joblib.numpy_pickle", []string{"NumpyArrayWrapper", "NDArrayWrapper", "ZNDArrayWrapper"}, false,
		"joblib's array records; the array bytes follow in the stream and are skipped by their declared size"},
	{"sklearn.externals.joblib.numpy_pickle", []string{"NumpyArrayWrapper", "NDArrayWrapper", "ZNDArrayWrapper"}, false,
		"joblib's array records as vendored by old scikit-learn"},
}
