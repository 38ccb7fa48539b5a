package rules

import "github.com/modelgate/modelgate/internal/finding"

var hfRules = []Rule{
	{
		ID: "HF-100", Title: "Model needs remote code (auto_map)", Severity: finding.Info, Class: finding.Informational, CodeOnLoad: true,
		Overview: "config.json or tokenizer_config.json maps Auto classes to Python modules of the repository (or of another repository, " +
			"written org/repo--module.Class). transformers downloads and imports those modules when the model is loaded with " +
			"trust_remote_code=True; without it, loading fails. The modules themselves are not part of this file.",
		Trigger:     "An auto_map object with at least one module reference; the evidence lists them.",
		Impact:      "Loading with trust_remote_code=True runs the named modules' code with the loader's privileges.",
		Remediation: "Review the named modules (and pin the revision) before loading with trust_remote_code=True, or use a model supported natively by transformers.",
		References:  []string{"https://huggingface.co/docs/transformers/custom_models"},
		Equivalents: []string{"none known"},
		Positive:    []string{"hf/config_auto_map.json", "hf/tokenizer_config_auto_map.json"},
		Negative:    []string{"hf/config.json", "hf/tokenizer_config.json"},
	},
	{
		ID: "HF-201", Title: "Config JSON is ambiguous or not strictly valid", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "A top-level key such as chat_template appears twice (Python's json keeps the last occurrence, other readers the first), or " +
			"the file is not strictly valid JSON but may still load in Python (NaN, lone surrogates). Tools can then see different chat templates.",
		Trigger:     "Duplicate top-level keys, or a strict JSON parse error (the file's text is then scanned for template escapes as a whole).",
		Impact:      "A malicious chat template hidden behind a benign one.",
		Remediation: "Rewrite the file with json.dump from a trusted copy.",
		References:  []string{"RFC 8259 section 4 (object names SHOULD be unique)"},
		Equivalents: []string{"none known"},
		Positive:    []string{"hf/tokenizer_config_duplicate.json", "hf/tokenizer_config_nan.json"},
		Negative:    []string{"hf/tokenizer_config.json", "hf/config.json"},
	},
}
