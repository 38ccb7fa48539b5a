package pickle

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	pkl "github.com/modelgate/modelgate/internal/format/pickle"
)

// Hints for the records of PyTorch's legacy tar checkpoint, where pickles
// alternate with raw storage bytes whose size the pickles declare.
const (
	HintTorchStorages = "torch-legacy-storages"
	HintTorchTensors  = "torch-legacy-tensors"
)

// storageSizes are element sizes of torch storage classes.
var storageSizes = map[string]int64{
	"DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2, "LongStorage": 8, "IntStorage": 4,
	"ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1, "BoolStorage": 1, "ComplexDoubleStorage": 16,
	"ComplexFloatStorage": 8, "QInt8Storage": 1, "QUInt8Storage": 1, "QInt32Storage": 4, "QUInt4x2Storage": 1, "QUInt2x4Storage": 1,
}

// recordWalker follows torch's legacy_load through a storages or tensors
// record: a count, then per record a pickle followed by raw bytes.
type recordWalker struct {
	kind    string
	pickles int64
	count   int64
}

// after consumes the raw bytes that follow a pickle and says whether
// another pickle follows.
func (w *recordWalker) after(m *machine) (bool, error) {
	v := m.stopValue
	w.pickles++
	if w.pickles == 1 {
		if v.k != kInt || v.n < 0 {
			return false, w.fail(m, "the record count is not a non-negative integer")
		}
		w.count = v.n
		return w.count > 0 || w.kind == HintTorchStorages, nil
	}
	if w.pickles > w.count+1 {
		return false, nil // the storage views list: the last pickle
	}
	var err error
	if w.kind == HintTorchStorages {
		err = w.skipStorage(m, v)
	} else {
		err = w.skipTensor(m)
	}
	if err != nil {
		return false, err
	}
	return w.pickles <= w.count || w.kind == HintTorchStorages, nil
}

func (w *recordWalker) fail(m *machine, why string) error {
	return &pkl.Error{Offset: m.dec.Offset(), Err: pkl.ErrInvalidArg, Detail: "legacy torch " + strings.TrimPrefix(w.kind, "torch-legacy-") + ": " + why}
}

// skipStorage reads (key, location, storage_type), then the 8-byte element
// count and the storage bytes.
func (w *recordWalker) skipStorage(m *machine, v value) error {
	items, _ := m.items(v)
	if v.k != kTuple || len(items) != 3 || items[2].k != kGlobal {
		return w.fail(m, "a storage record is not (key, location, storage_type)")
	}
	name := m.globals[items[2].a].name
	size, ok := storageSizes[name[strings.LastIndexByte(name, '.')+1:]]
	if !ok {
		return w.fail(m, "unknown storage type "+m.globals[items[2].a].dotted)
	}
	b := m.dec.Peek(8)
	if len(b) < 8 {
		return &pkl.Error{Offset: m.dec.Offset(), Err: pkl.ErrTruncated, Detail: "storage size"}
	}
	n := binary.LittleEndian.Uint64(b)
	if n > math.MaxInt64/uint64(size) {
		return w.fail(m, fmt.Sprintf("storage of %d elements", n))
	}
	return w.skip(m, 8+int64(n)*size)
}

// skipTensor reads ndim (4 bytes, 4 more ignored), sizes, strides and the
// storage offset.
func (w *recordWalker) skipTensor(m *machine) error {
	b := m.dec.Peek(8)
	if len(b) < 8 {
		return &pkl.Error{Offset: m.dec.Offset(), Err: pkl.ErrTruncated, Detail: "tensor header"}
	}
	ndim := int64(int32(binary.LittleEndian.Uint32(b)))
	if ndim < 0 || ndim > 64 {
		return w.fail(m, fmt.Sprintf("tensor with %d dimensions", ndim))
	}
	return w.skip(m, 8+16*ndim+8)
}

func (w *recordWalker) skip(m *machine, n int64) error {
	start := m.dec.Offset()
	if got := m.dec.Skip(n); got < n {
		return &pkl.Error{Offset: start, Err: pkl.ErrTruncated, Detail: fmt.Sprintf("%d raw bytes of a legacy torch record", n)}
	}
	return nil
}

// legacyModuleClass models torch's legacy persistent_load for the ids that
// torch.save (before 1.6, or with _use_new_zipfile_serialization=False)
// writes for nn.Module classes: ('module', cls, source_file, source).
// persistent_load returns cls itself (after comparing the saved source with
// the installed one), and the pickle then instantiates it with NEWOBJ. The
// class is an ordinary GLOBAL inside the id, classified on import.
func (m *machine) legacyModuleClass(pid value) (value, bool) {
	items, _ := m.items(pid)
	if pid.k != kTuple || len(items) < 2 || m.text(items[0]) != "module" || items[1].k != kGlobal {
		return value{}, false
	}
	return items[1], true
}
