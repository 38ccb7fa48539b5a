package gguf

import (
	"fmt"
	"math"
	"math/bits"
)

// GGMLType describes how a ggml tensor type is stored: elements come in
// blocks of Block elements taking Size bytes.
type GGMLType struct {
	Name        string
	Block, Size uint64
}

// ggmlTypes is gguf-py's GGML_QUANT_SIZES, indexed by type id. Ids that were
// removed from the format (4, 5, 31-33, 36-38) are absent.
var ggmlTypes = map[uint32]GGMLType{
	0: {"F32", 1, 4}, 1: {"F16", 1, 2}, 2: {"Q4_0", 32, 18}, 3: {"Q4_1", 32, 20},
	6: {"Q5_0", 32, 22}, 7: {"Q5_1", 32, 24}, 8: {"Q8_0", 32, 34}, 9: {"Q8_1", 32, 40},
	10: {"Q2_K", 256, 84}, 11: {"Q3_K", 256, 110}, 12: {"Q4_K", 256, 144}, 13: {"Q5_K", 256, 176},
	14: {"Q6_K", 256, 210}, 15: {"Q8_K", 256, 292}, 16: {"IQ2_XXS", 256, 66}, 17: {"IQ2_XS", 256, 74},
	18: {"IQ3_XXS", 256, 98}, 19: {"IQ1_S", 256, 50}, 20: {"IQ4_NL", 32, 18}, 21: {"IQ3_S", 256, 110},
	22: {"IQ2_S", 256, 82}, 23: {"IQ4_XS", 256, 136}, 24: {"I8", 1, 1}, 25: {"I16", 1, 2},
	26: {"I32", 1, 4}, 27: {"I64", 1, 8}, 28: {"F64", 1, 8}, 29: {"IQ1_M", 256, 56},
	30: {"BF16", 1, 2}, 34: {"TQ1_0", 256, 54}, 35: {"TQ2_0", 256, 66}, 39: {"MXFP4", 32, 17},
	40: {"NVFP4", 64, 36}, 41: {"Q1_0", 128, 18}, 42: {"Q2_0", 64, 18},
}

// MaxPlausibleType is far above every type id ever assigned: a larger id is
// an attack on loaders that index a type table with it, not a new type.
const MaxPlausibleType = 255

// TypeName names a type id.
func TypeName(id uint32) string {
	if t, ok := ggmlTypes[id]; ok {
		return t.Name
	}
	return fmt.Sprintf("type %d", id)
}

// Elements is the product of the dimensions; ok is false when a dimension
// is negative as llama.cpp reads it (int64) or the product overflows int64.
func (t *Tensor) Elements() (uint64, bool) {
	n := uint64(1)
	for _, d := range t.Dims {
		if d > math.MaxInt64 {
			return 0, false
		}
		hi, lo := bits.Mul64(n, d)
		if hi != 0 || lo > math.MaxInt64 {
			return 0, false
		}
		n = lo
	}
	return n, true
}

// ShapeError says why a tensor's size cannot be computed, or "".
func (t *Tensor) ShapeError() string {
	n, ok := t.Elements()
	if !ok {
		return fmt.Sprintf("dimensions %v are negative as int64 or their product overflows", t.Dims)
	}
	gt, known := ggmlTypes[t.Type]
	if !known {
		return ""
	}
	if len(t.Dims) > 0 && t.Dims[0]%gt.Block != 0 {
		return fmt.Sprintf("the row length %d is not a multiple of the %s block size %d", t.Dims[0], gt.Name, gt.Block)
	}
	if hi, lo := bits.Mul64(n/gt.Block, gt.Size); hi != 0 || lo > math.MaxInt64 {
		return fmt.Sprintf("%d %s elements take more than 2^63 bytes", n, gt.Name)
	}
	return ""
}

// Bytes is the tensor's data size; ok is false when the type is unknown or
// ShapeError is not empty.
func (t *Tensor) Bytes() (uint64, bool) {
	if t.ShapeError() != "" {
		return 0, false
	}
	gt, known := ggmlTypes[t.Type]
	if !known {
		return 0, false
	}
	n, _ := t.Elements()
	return n / gt.Block * gt.Size, true
}
