package pickle

import "strings"

// strictGlobals is the strict allowlist: what PyTorch's weights-only
// unpickler (torch.load(weights_only=True), torch/_weights_only_unpickler.py)
// accepts by default — tensor and parameter rebuilders, storages, dtypes,
// devices, layouts, OrderedDict and numpy array reconstruction — plus the
// protocol-2 bytes encoding. A pickle that needs anything else needs a full
// unpickler; SafeMode rejects it through PICKLE-110.
var strictGlobals = map[string]bool{
	"collections.OrderedDict": true, "collections.Counter": true, "codecs.encode": true,
	"builtins.set": true, "builtins.frozenset": true, "builtins.bytearray": true, "builtins.complex": true,
	"torch.nn.parameter.Parameter": true, "torch.serialization._get_layout": true, "torch.Size": true, "torch.device": true,
	"torch._tensor._rebuild_from_type_v2": true, "torch.storage.UntypedStorage": true, "torch.storage.TypedStorage": true,
	"numpy.core.multiarray._reconstruct": true, "numpy._core.multiarray._reconstruct": true, "numpy.ndarray": true,
	"numpy.dtype": true, "numpy.core.multiarray.scalar": true, "numpy._core.multiarray.scalar": true,
}

// strict reports whether a safe global is on the strict allowlist.
func strict(dotted string) bool {
	if strictGlobals[dotted] {
		return true
	}
	module, name, _ := strings.Cut(dotted, ".")
	switch {
	case strings.HasPrefix(dotted, "torch._utils._rebuild_"):
		return true // tensor, parameter, quantized, sparse, nested and meta rebuilders
	case module == "torch" && (strings.HasSuffix(name, "Storage") || torchValues[name]):
		return true
	case module == "numpy" && strings.HasPrefix(name, "dtypes."):
		return true
	}
	return false
}

// torchValues are the dtype, layout, memory-format and qscheme constants.
var torchValues = map[string]bool{
	"float32": true, "float": true, "float64": true, "double": true, "float16": true, "half": true, "bfloat16": true,
	"uint8": true, "int8": true, "int16": true, "short": true, "int32": true, "int": true, "int64": true, "long": true,
	"bool": true, "complex64": true, "cfloat": true, "complex128": true, "cdouble": true, "complex32": true,
	"qint8": true, "quint8": true, "qint32": true, "quint4x2": true, "quint2x4": true, "float8_e4m3fn": true,
	"float8_e5m2": true, "uint16": true, "uint32": true, "uint64": true, "strided": true, "sparse_coo": true,
	"sparse_csr": true, "contiguous_format": true, "channels_last": true, "channels_last_3d": true,
	"preserve_format": true, "per_tensor_affine": true, "per_channel_affine": true, "per_tensor_symmetric": true,
	"per_channel_symmetric": true, "per_channel_affine_float_qparams": true,
}
