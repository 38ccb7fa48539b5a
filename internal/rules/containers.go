package rules

import "github.com/modelgate/modelgate/internal/finding"

var fileRules = []Rule{
	{
		ID: "FILE-100", Title: "Not a recognised model format", Severity: finding.Info, Class: finding.Informational,
		Overview: "The file's content matches none of the formats modelgate analyses, and no known loader runs code from it. " +
			"It was identified by its bytes (never by its name) and not analysed in depth.",
		Trigger:     "A file named on the command line, or carrying a model extension in a walked directory, whose content no analyzer recognises.",
		Impact:      "None known. A file renamed to a model extension (a PNG called model.pt) cannot be loaded as a model.",
		Remediation: "None needed. If the file should be a model, it is corrupted or in an unsupported format.",
		Positive:    []string{"misc/png_named.pt"},
		Negative:    []string{"pickle/benign_list_v4.pkl"},
	},
}

var archiveRules = []Rule{
	{
		ID: "ARCHIVE-201", Title: "Archive member name escapes the extraction directory", Severity: finding.High, Class: finding.Suspicious,
		Overview:    "A member name is absolute, has a drive letter, or contains '..' components: extracting the archive writes outside the target directory (zip slip).",
		Trigger:     "Zip, tar or 7z member names that are not local paths.",
		Impact:      "Tools that extract model archives (keras.utils.get_file(extract=True), hub downloaders) overwrite arbitrary files.",
		Remediation: "Reject the archive, or extract it with a tool that refuses non-local names.",
		References:  []string{"CVE-2025-12060", "CVE-2024-55459", "CVE-2024-5187"},
		Equivalents: []string{"modelaudit: archive path traversal"},
		Positive:    []string{"archive/traversal.zip", "archive/traversal.tar", "archive/traversal.7z"},
		Negative:    []string{"archive/plain.zip"},
	},
	{
		ID: "ARCHIVE-202", Title: "Archive has duplicate member names", Severity: finding.High, Class: finding.Suspicious,
		Overview: "Two members share a name. Readers disagree on which one wins (first or last entry, central directory or local headers), " +
			"so a scanner and a loader can see different content.",
		Trigger:     "The same member name appears more than once.",
		Impact:      "A malicious member shadowed by a benign one during review.",
		Remediation: "Reject the archive.",
		Positive:    []string{"archive/duplicate.zip"},
		Negative:    []string{"archive/plain.zip"},
	},
	{
		ID: "ARCHIVE-203", Title: "Archive contains a symbolic or hard link", Severity: finding.High, Class: finding.Suspicious,
		Overview:    "A member is a link. Extracting it lets later members, or the model loader, read or write files outside the archive.",
		Trigger:     "Zip members with symlink mode bits, tar symlink or hardlink entries, 7z members with a symlink mode or reparse-point attribute.",
		Impact:      "Arbitrary file read or write on extraction.",
		Remediation: "Reject the archive, or extract without following links.",
		References:  []string{"CVE-2025-12060"},
		Positive:    []string{"archive/symlink.tar", "archive/symlink.7z"},
		Negative:    []string{"archive/plain.zip"},
	},
	{
		ID: "ARCHIVE-204", Title: "Archive member is encrypted and cannot be inspected", Severity: finding.Medium, Class: finding.Suspicious,
		Overview:    "A member is password-protected. Its content cannot be analysed, so it cannot be shown harmless.",
		Trigger:     "A zip member whose data really is encrypted (its encryption flag is set and it does not read as plain data), or a 7z whose members or headers are encrypted.",
		Impact:      "Hidden content; encryption is a classic way to slip payloads past scanners.",
		Remediation: "Obtain the unencrypted model, or scan it after decrypting it in a controlled environment.",
		Equivalents: []string{"modelscan: password-protected zip skipped"},
		Positive:    []string{"archive/encrypted.zip", "archive/encrypted.7z", "archive/encrypted_members.7z"},
		Negative:    []string{"archive/plain.zip"},
	},
	{
		ID: "ARCHIVE-205", Title: "Decompression bomb or analysis budget exceeded", Severity: finding.High, Class: finding.Suspicious,
		Overview: "The content expands beyond the analysis budgets: a member decompresses to more than 1000 times its compressed size, " +
			"the total decompressed data exceeds the per-file budget, containers nest too deeply, or there are too many members. " +
			"Analysis stopped there instead of exhausting memory or time.",
		Trigger:     "Expansion ratio, total expanded bytes, nesting depth or member count over the limits.",
		Impact:      "Denial of service against anything that unpacks the file, and content that could not be analysed.",
		Remediation: "Reject the file unless its size is expected; a real model rarely compresses a thousandfold.",
		References:  []string{"CVE-2026-0897"},
		Positive:    []string{"archive/bomb.zip"},
		Negative:    []string{"archive/plain.zip"},
	},
	{
		ID: "ARCHIVE-206", Title: "Zip structure is inconsistent (parser differential)", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "The zip's local headers and central directory disagree, CRCs do not match, flag bits claim encryption or data " +
			"descriptors the data does not have, or the central directory is missing. PyTorch's reader ignores all of this and loads the " +
			"file; strict readers (Python's zipfile) refuse it, which is how several scanners were bypassed. modelgate reads the data " +
			"as leniently as PyTorch and reports the inconsistency.",
		Trigger:     "Name or size mismatch between local header and central directory, CRC mismatch, misleading flag bits 0x1/0x8/0x20/0x40, or no central directory.",
		Impact:      "A file that other tools cannot open but the loader can: a scanner bypass.",
		Remediation: "Re-create the archive with a standard tool; reject it if its origin is unknown.",
		References:  []string{"CVE-2025-1944", "CVE-2025-1945", "CVE-2025-10156", "GHSA-w8jq-xcqf-f792", "GHSA-7q5r-7gvp-wc82"},
		Equivalents: []string{"picklescan: relaxed zip reading"},
		Positive:    []string{"archive/bad_crc.zip", "archive/name_mismatch.zip"},
		Negative:    []string{"archive/plain.zip"},
	},
}

var torchRules = []Rule{
	{
		ID: "TORCH-100", Title: "TorchScript archive carries code", Severity: finding.Info, Class: finding.Informational, CodeOnLoad: true,
		Overview: "The file is a TorchScript archive: its code/ directory holds TorchScript source that runs at inference inside " +
			"TorchScript's restricted interpreter (no Python imports). Its data.pkl and constants.pkl are analysed as pickles. " +
			"torch.load(weights_only=True) in PyTorch ≤ 2.5.1 dispatched such archives to torch.jit.load (CVE-2025-32434).",
		Trigger:     "A zip with code/ members next to a data.pkl.",
		Impact:      "Model code runs at inference; TorchScript ops can still read and write files.",
		Remediation: "Load TorchScript only from trusted sources; keep PyTorch ≥ 2.6.",
		References:  []string{"CVE-2025-32434", "GHSA-53q9-r3pm-6pq6"},
		Positive:    []string{"torch/torchscript.pt"},
		Negative:    []string{"torch/state_dict_zip.pt"},
	},
	{
		ID: "TORCH-201", Title: "Legacy PyTorch magic number is computed, not stored", Severity: finding.High, Class: finding.Suspicious,
		Overview: "A legacy (pre-1.6) torch.save file starts with a pickle holding the magic number 0x1950a86a20f9469cfc6c. Here the first " +
			"pickle computes the value (for example with eval), which only serves to defeat scanners that check the magic before scanning.",
		Trigger:     "Stacked pickles whose second is the protocol number 1001 but whose first is not the constant magic number.",
		Impact:      "The computation itself runs on load; the other rules report what it calls.",
		Remediation: "Treat as hostile.",
		References:  []string{"GHSA-97f8-7cmv-76j2"},
		Positive:    []string{"torch/magic_eval_legacy.pt"},
		Negative:    []string{"torch/legacy.pt"},
	},
	{
		ID: "TORCH-202", Title: "PyTorch legacy tar checkpoint", Severity: finding.Info, Class: finding.Informational, CodeOnLoad: true,
		Overview:    "The file uses PyTorch's oldest serialisation (a tar of sys_info, pickle, storages and tensors). Its pickles are analysed; PyTorch ≥ 2.6 refuses it with weights_only=True.",
		Trigger:     "A tar whose members are sys_info, pickle, storages and tensors.",
		Impact:      "Needs an unsafe load path on current PyTorch.",
		Remediation: "Re-save the model with a current PyTorch (or as safetensors).",
		References:  []string{"CVE-2025-32434"},
		Positive:    []string{"torch/legacy_tar.tar"},
		Negative:    []string{"torch/state_dict_zip.pt"},
	},
}

var numpyRules = []Rule{
	{
		ID: "NUMPY-100", Title: "NumPy array of Python objects (needs allow_pickle)", Severity: finding.Info, Class: finding.Informational, CodeOnLoad: true,
		Overview: "The .npy data is a pickle because the array's dtype holds Python objects. numpy.load refuses it unless allow_pickle=True " +
			"(Keras 3.0–3.8 passed that for model.weights.npz). The embedded pickle is analysed like any other.",
		Trigger:     "An .npy header whose descr is object dtype ('|O' or a structured dtype with an object field).",
		Impact:      "Loading with allow_pickle=True runs the pickle; its findings are reported separately.",
		Remediation: "Store numeric arrays only; never load untrusted arrays with allow_pickle=True.",
		References:  []string{"CVE-2019-6446"},
		Positive:    []string{"numpy/object_array.npy"},
		Negative:    []string{"numpy/float_array.npy"},
	},
	{
		ID: "NUMPY-201", Title: "Malformed NumPy header", Severity: finding.Medium, Class: finding.Suspicious,
		Overview:    "The .npy header is not the Python literal numpy writes, its shape and dtype do not match the data that follows, or the declared size is impossible.",
		Trigger:     "Unparseable header dict, unknown version, header length past the end, or declared data larger than the file.",
		Impact:      "Parser differentials between numpy versions and scanners; memory exhaustion in loaders that trust the shape.",
		Remediation: "Re-save the array with numpy.save.",
		Positive:    []string{"numpy/bad_header.npy"},
		Negative:    []string{"numpy/float_array.npy"},
	},
}

var joblibRules = []Rule{
	{
		ID: "JOBLIB-201", Title: "Malformed joblib container", Severity: finding.Medium, Class: finding.Suspicious,
		Overview:    "The joblib compressed container's header is inconsistent with its data (an unknown compressor tag or a length that does not match).",
		Trigger:     "A joblib ZF header whose declared length disagrees with the decompressed data.",
		Impact:      "Loaders and scanners may read different content.",
		Remediation: "Re-create the file with joblib.dump.",
		Positive:    []string{"joblib/zf_bad_length.joblib"},
		Negative:    []string{"joblib/estimator_zlib.joblib"},
	},
}
