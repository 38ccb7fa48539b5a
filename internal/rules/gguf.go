package rules

import "github.com/modelgate/modelgate/internal/finding"

const ggufRemediation = "Do not load the file. Keep llama.cpp, Ollama and llama-cpp-python current: these header checks were added after " +
	"the CVEs below. Re-download the model from its publisher and compare its digest."

var ggufBenign = []string{"gguf/llama_shaped.gguf", "gguf/v1_minimal.gguf", "gguf/v3_big_endian.gguf"}

var ggufRules = []Rule{
	{
		ID: "GGUF-201", Title: "GGUF header counts or lengths exceed the file", Severity: finding.High, Class: finding.Suspicious,
		Overview: "The GGUF header's tensor count, metadata key count, a string length or an array length claims more than the bytes left in " +
			"the file, the header is truncated, or it uses an unknown version or value type. llama.cpp's GGUF reader allocated and copied from " +
			"exactly these fields without checking them, which gave heap overflows on load.",
		Trigger:     "A count times its minimum encoded size, or a length, larger than what remains; an early end of file; an unknown version or value type.",
		Impact:      "Memory corruption (code execution) or denial of service in unpatched GGUF loaders.",
		Remediation: ggufRemediation,
		References:  []string{"CVE-2024-21825", "CVE-2024-21836", "CVE-2024-23496", "CVE-2024-23605"},
		Equivalents: []string{"modelaudit: gguf_scanner header and count checks"},
		Positive: []string{"gguf/oversized_tensor_count.gguf", "gguf/oversized_kv_count.gguf", "gguf/oversized_string.gguf",
			"gguf/oversized_array.gguf", "gguf/truncated_header.gguf"},
		Negative: ggufBenign,
	},
	{
		ID: "GGUF-202", Title: "GGUF tensor shape or type is invalid", Severity: finding.High, Class: finding.Suspicious,
		Overview: "A tensor info declares more than four dimensions (llama.cpp stores four), dimensions that are negative as int64 or whose " +
			"product overflows, a row length that is not a multiple of its quantisation block, a type id far beyond every ggml type, a removed " +
			"type, or a name longer than llama.cpp's 64-byte buffer. These are the inputs of llama.cpp's tensor-info heap overflow and of " +
			"integer overflows in tensor sizing.",
		Trigger:     "n_dims > 4, overflowing or negative dimensions, block misalignment, type id > 255 or removed, name ≥ 64 bytes.",
		Impact:      "Heap corruption or out-of-bounds reads in loaders that size tensors from these fields.",
		Remediation: ggufRemediation,
		References:  []string{"CVE-2024-21802", "CVE-2026-33298", "GHSA-96jg-mvhq-q7q7"},
		Equivalents: []string{"modelaudit: gguf_scanner tensor dimension checks"},
		Positive: []string{"gguf/too_many_dims.gguf", "gguf/dims_overflow.gguf", "gguf/bad_tensor_type.gguf",
			"gguf/row_not_block_multiple.gguf"},
		Negative: ggufBenign,
	},
	{
		ID: "GGUF-203", Title: "GGUF tensor data lies outside the file, overlaps or is misaligned", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "A tensor's data, as its header describes it, ends past the end of the file, overlaps another tensor, is not aligned to " +
			"general.alignment, or is not where llama.cpp expects it (each tensor directly after the previous one, padded). Loaders that trust " +
			"the header read beyond their buffers; llama.cpp itself refuses such files.",
		Trigger:     "Tensor offset + size past the end of the file; overlapping ranges; offset not a multiple of the alignment or out of sequence.",
		Impact:      "Out-of-bounds reads that leak process memory (prompts, keys) or crash the server.",
		Remediation: ggufRemediation,
		References:  []string{"CVE-2026-7482"},
		Equivalents: []string{"modelaudit: gguf_scanner tensor bounds and alignment checks"},
		Positive:    []string{"gguf/tensor_past_eof.gguf", "gguf/overlapping_tensors.gguf", "gguf/misaligned_tensor.gguf"},
		Negative:    ggufBenign,
	},
	{
		ID: "GGUF-204", Title: "GGUF metadata is ambiguous", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "A metadata key or tensor name appears twice, an array nests arrays, or general.alignment is not a power of two. llama.cpp " +
			"refuses these files while other readers accept them and pick one of the duplicates, so two tools can see different chat templates " +
			"or tensors: a benign tokenizer.chat_template can shadow a malicious one.",
		Trigger:     "Duplicate keys or tensor names, arrays of arrays, a zero or non-power-of-two alignment.",
		Impact:      "Scanner and loader disagree about the file's content.",
		Remediation: ggufRemediation,
		References:  []string{"https://github.com/ggml-org/llama.cpp/pull/19856 (gguf-py: error on duplicate keys)"},
		Equivalents: []string{"none known"},
		Positive: []string{"gguf/duplicate_chat_template.gguf", "gguf/duplicate_tensor.gguf", "gguf/nested_array.gguf",
			"gguf/bad_alignment.gguf"},
		Negative: ggufBenign,
	},
}
