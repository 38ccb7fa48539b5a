package rules

import "github.com/modelgate/modelgate/internal/finding"

const safetensorsRemediation = "Re-export the weights with the safetensors library (save_file) from a trusted checkpoint; " +
	"reject files the reference loader (safetensors.safe_open) refuses."

var safetensorsBenign = []string{"safetensors/bert_shaped.safetensors", "safetensors/mixed_dtypes.safetensors"}

var safetensorsRules = []Rule{
	{
		ID: "SAFETENSORS-201", Title: "safetensors header cannot be read by the reference loader", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "The 8-byte header length exceeds 100,000,000 bytes or the file, the header is not a strict JSON object starting with '{', " +
			"or a tensor entry has an unknown dtype or a missing or mistyped field. The reference loader refuses the file; lenient readers may " +
			"not, which makes it a parser-differential carrier.",
		Trigger:     "Header length out of range, invalid JSON (as serde_json reads it), unknown dtype, missing dtype/shape/data_offsets.",
		Impact:      "Denial of service through huge allocations, or content that different tools interpret differently.",
		Remediation: safetensorsRemediation,
		References:  []string{"https://github.com/huggingface/safetensors#format"},
		Equivalents: []string{"modelaudit: safetensors header integrity checks"},
		Positive: []string{"safetensors/header_too_large.safetensors", "safetensors/header_past_eof.safetensors",
			"safetensors/header_not_json.safetensors", "safetensors/unknown_dtype.safetensors"},
		Negative: safetensorsBenign,
	},
	{
		ID: "SAFETENSORS-202", Title: "safetensors header JSON is ambiguous", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "A key appears twice in the header (the format forbids it; serde and Python keep the last, other readers the first), or a " +
			"__metadata__ value is not a string (the reference rejects it, Python accepts it). Different tools then see different tensors or metadata.",
		Trigger:     "Duplicate keys anywhere in the header; non-string __metadata__ values.",
		Impact:      "A reviewed tensor or metadata value can be shadowed by another one when the file is loaded.",
		Remediation: safetensorsRemediation,
		References:  []string{"https://github.com/huggingface/safetensors#format (duplicate keys are disallowed)"},
		Equivalents: []string{"modelaudit: safetensors header integrity checks"},
		Positive:    []string{"safetensors/duplicate_key.safetensors", "safetensors/metadata_not_string.safetensors"},
		Negative:    safetensorsBenign,
	},
	{
		ID: "SAFETENSORS-203", Title: "Tensor size does not match its dtype and shape", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "dtype size × the product of the shape differs from the tensor's data_offsets span, overflows 64 bits, or gives a fraction of " +
			"a byte. Loaders that size buffers from the shape but copy by the offsets (or the reverse) read or write out of bounds.",
		Trigger:     "size(dtype) × prod(shape) ≠ end − begin, or the product overflows.",
		Impact:      "Memory-safety bugs in native loaders; garbage weights.",
		Remediation: safetensorsRemediation,
		References:  []string{"https://github.com/huggingface/safetensors (Metadata::validate: TensorInvalidInfo, ValidationOverflow, MisalignedSlice)"},
		Equivalents: []string{"modelaudit: safetensors offset/size validation"},
		Positive:    []string{"safetensors/shape_mismatch.safetensors", "safetensors/shape_overflow.safetensors"},
		Negative:    safetensorsBenign,
	},
	{
		ID: "SAFETENSORS-204", Title: "Tensor offsets overlap, leave holes or run out of range", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "The data_offsets of the tensors must tile the byte buffer exactly. Here two tensors share bytes, bytes between tensors belong " +
			"to none (a place to hide data), or a tensor ends past the end of the file.",
		Trigger:     "Overlapping ranges, gaps, end < begin, or end beyond the buffer.",
		Impact:      "Out-of-bounds reads in loaders that trust the offsets; hidden payloads in holes (which modelgate scans as nested content).",
		Remediation: safetensorsRemediation,
		References:  []string{"https://github.com/huggingface/safetensors (Metadata::validate: InvalidOffset, MetadataIncompleteBuffer)"},
		Equivalents: []string{"modelaudit: safetensors offset/size validation"},
		Positive: []string{"safetensors/overlapping.safetensors", "safetensors/hole.safetensors",
			"safetensors/offset_out_of_range.safetensors"},
		Negative: safetensorsBenign,
	},
	{
		ID: "SAFETENSORS-205", Title: "Data follows the tensor buffer", Severity: finding.Medium, Class: finding.Suspicious,
		Overview:    "Bytes follow the last tensor. The reference loader refuses such files, so the extra bytes serve no safetensors reader; they are scanned as nested content.",
		Trigger:     "The file is longer than 8 + header length + the end of the last tensor.",
		Impact:      "A carrier for data aimed at another tool.",
		Remediation: safetensorsRemediation,
		References:  []string{"https://github.com/huggingface/safetensors (MetadataIncompleteBuffer)"},
		Equivalents: []string{"modelaudit: safetensors offset/size validation"},
		Positive:    []string{"safetensors/trailing_junk.safetensors"},
		Negative:    safetensorsBenign,
	},
	{
		ID: "SAFETENSORS-206", Title: "safetensors file is also another format (polyglot)", Severity: finding.High, Class: finding.Suspicious,
		Overview: "The bytes after the tensor buffer are a zip archive, a pickle or an HDF5 file, or an HDF5 superblock sits where h5py looks " +
			"for one. A file named .safetensors that torch.load, pickle or Keras can also open is built to pass a safetensors check and then " +
			"be loaded by an unsafe loader. The embedded content is analysed as nested content (its own findings appear under !<trailing data>).",
		Trigger:     "Trailing data starting with a zip, pickle or HDF5 signature, a zip end record at its end, or an HDF5 signature at offset 512·2^k.",
		Impact:      "Code execution when the file reaches a pickle-based loader.",
		Remediation: "Treat as hostile. " + safetensorsRemediation,
		References:  []string{"https://github.com/huggingface/safetensors (MetadataIncompleteBuffer)"},
		Equivalents: []string{"modelaudit: polyglot detection"},
		Positive:    []string{"safetensors/polyglot_pickle.safetensors", "safetensors/polyglot_zip.safetensors"},
		Negative:    safetensorsBenign,
	},
}
