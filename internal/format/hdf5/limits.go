package hdf5

// Limits bound the work and memory one file may cost. A zero field takes its
// default; reaching a limit yields an error wrapping ErrLimit, never a panic
// or an allocation sized by the file.
type Limits struct {
	// MaxReadBytes bounds the bytes read from the file plus the bytes of
	// names and attribute values decoded from them (cached blocks can be
	// decoded repeatedly), over the life of the File. Default 256 MiB.
	MaxReadBytes int64
	// MaxAttrBytes bounds one attribute value, as stored and as decoded
	// (vlen strings resolved). Default 64 MiB.
	MaxAttrBytes int64
	// MaxBlockBytes bounds one structure read in one piece: an object header
	// chunk, a B-tree node, a heap block, a heap object or a global heap
	// collection. Default MaxAttrBytes + 1 MiB.
	MaxBlockBytes int64
	// MaxObjects bounds the object headers, links and attributes of the
	// whole file, and separately the heap objects indexed in memory (global
	// heap objects, huge fractal heap objects). Default 250,000.
	MaxObjects int
	// MaxMessages bounds the messages of one object header. Default 65,536.
	MaxMessages int
	// MaxContinuations bounds the continuation chunks of one object header.
	// Default 4,096.
	MaxContinuations int
	// MaxDepth bounds group nesting. Default 256.
	MaxDepth int
	// MaxBTreeDepth bounds the depth of v1 and v2 B-trees and of fractal heap
	// indirect blocks. Default 32.
	MaxBTreeDepth int
	// MaxFanout bounds the entries of one B-tree node, symbol table node or
	// heap indirect block row. Default 65,536 (every legal value of the
	// 16-bit counts libhdf5 writes).
	MaxFanout int
	// HugeDatasetBytes and HugeDatasetRatio define a shape bomb as Keras'
	// safe_get_h5_dataset does (CVE-2026-0897): a dataset declaring more
	// than HugeDatasetBytes and more than HugeDatasetRatio times the storage
	// allocated to it (or whose storage cannot be determined). Defaults
	// 4 GiB and 1000.
	HugeDatasetBytes uint64
	HugeDatasetRatio uint64
}

// DefaultLimits are the limits a zero Limits stands for.
var DefaultLimits = Limits{
	MaxReadBytes:     256 << 20,
	MaxAttrBytes:     64 << 20,
	MaxBlockBytes:    65 << 20,
	MaxObjects:       250_000,
	MaxMessages:      65_536,
	MaxContinuations: 4_096,
	MaxDepth:         256,
	MaxBTreeDepth:    32,
	MaxFanout:        65_536,
	HugeDatasetBytes: 4 << 30,
	HugeDatasetRatio: 1000,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxAttrBytes > 0 && l.MaxBlockBytes <= 0 {
		l.MaxBlockBytes = l.MaxAttrBytes + 1<<20
	}
	setDefault(&l.MaxReadBytes, d.MaxReadBytes)
	setDefault(&l.MaxAttrBytes, d.MaxAttrBytes)
	setDefault(&l.MaxBlockBytes, d.MaxBlockBytes)
	setDefault(&l.MaxObjects, d.MaxObjects)
	setDefault(&l.MaxMessages, d.MaxMessages)
	setDefault(&l.MaxContinuations, d.MaxContinuations)
	setDefault(&l.MaxDepth, d.MaxDepth)
	setDefault(&l.MaxBTreeDepth, d.MaxBTreeDepth)
	setDefault(&l.MaxFanout, d.MaxFanout)
	setDefault(&l.HugeDatasetBytes, d.HugeDatasetBytes)
	setDefault(&l.HugeDatasetRatio, d.HugeDatasetRatio)
	return l
}

func setDefault[T int | int64 | uint64](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}
