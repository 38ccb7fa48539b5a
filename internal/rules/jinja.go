package rules

import "github.com/modelgate/modelgate/internal/finding"

const jinjaRemediation = "Do not load the model with a renderer that uses an unsandboxed Jinja environment (llama-cpp-python < 0.2.72 and " +
	"several servers did). Replace the chat template with the publisher's original, or remove it, and obtain the model from a trusted source. " +
	"Render chat templates only with jinja2.sandbox.ImmutableSandboxedEnvironment."

// benignTemplates are the hand-written baselines every JINJA rule must stay quiet on.
var benignTemplates = []string{"jinja/llama2.jinja", "jinja/llama3_tools.jinja", "jinja/mistral.jinja", "jinja/qwen_chatml_tools.jinja",
	"jinja/gemma.jinja", "jinja/phi3.jinja", "jinja/zephyr.jinja", "jinja/deepseek_v3.jinja", "jinja/hermes_tools.jinja",
	"jinja/smollm_generation.jinja", "jinja/qwen3_thinking.jinja", "jinja/granite_tools.jinja", "jinja/harmony_like.jinja",
	"gguf/llama_shaped.gguf", "gguf/v3_big_endian.gguf", "hf/tokenizer_config.json", "hf/tokenizer_config_multi.json", "hf/chat_template.json"}

var jinjaRules = []Rule{
	{
		ID: "JINJA-100", Title: "Chat template present; no sandbox escape found", Severity: finding.Info, Class: finding.Informational,
		Overview: "The model ships a Jinja chat template (GGUF tokenizer.chat_template*, tokenizer_config.json, chat_template.json or a .jinja file). " +
			"Applications render it with the conversation on every request. modelgate parsed it and followed every value it computes: it reaches " +
			"no attribute the Jinja sandbox forbids and no code-execution primitive.",
		Trigger:     "A chat template that parses and whose analysis finds nothing.",
		Impact:      "None. The template still controls how prompts are formatted, which matters for prompt-injection reviews but not for code execution.",
		Remediation: "None needed.",
		References:  []string{"CVE-2024-34359"},
		Equivalents: []string{"modelaudit: jinja2_template_scanner (no pattern matched)"},
		Positive:    []string{"jinja/llama3_tools.jinja", "gguf/llama_shaped.gguf", "hf/tokenizer_config.json", "hf/chat_template.json"},
		Negative:    []string{"jinja/probe_dunder.jinja", "gguf/v1_minimal.gguf"},
	},
	{
		ID: "JINJA-101", Title: "Chat template escapes the Jinja sandbox and runs code (SSTI)", Severity: finding.Critical, Class: finding.Malicious,
		Overview: "The chat template walks from a template value to Python internals (__class__, __mro__, __subclasses__, __init__.__globals__, " +
			"__builtins__, generator frames) and from there to os, subprocess, eval/exec, __import__ or open. Renderers that use a plain " +
			"jinja2.Environment execute this when the model is loaded or asked anything: llama-cpp-python before 0.2.72 rendered GGUF chat " +
			"templates that way (CVE-2024-34359), and the same flaw was found again in serving frameworks.",
		Trigger: "An escaped value (reached through a double-underscore or frame attribute, including through |attr, subscripts, str.format " +
			"fields, map(attribute=…), variables, namespaces, loops and macro arguments, with names built by \\x escapes, concatenation, join, " +
			"%-formatting, chr, reversal or dict() keys) is used to reach a code-execution, process, import or file target; or a call of a class " +
			"picked out of object.__subclasses__(). For templates that do not parse, the same names found together among their tokens.",
		Impact:      "Arbitrary commands run with the privileges of the inference server or desktop app as soon as the template is rendered.",
		Remediation: jinjaRemediation,
		References: []string{"CVE-2024-34359", "GHSA-56xg-wfcc-g829", "CVE-2026-5760",
			"https://jinja.palletsprojects.com/en/stable/sandbox/"},
		Equivalents: []string{"modelaudit: jinja2_template_scanner (JINJA2_SSTI_PATTERNS critical_injection, object_traversal, global_access)"},
		Positive: []string{"jinja/ssti_subclasses_warning.jinja", "jinja/ssti_cycler_globals.jinja", "jinja/ssti_subclass_index.jinja",
			"jinja/ssti_attr_hex.jinja", "jinja/ssti_template_reference.jinja", "jinja/ssti_namespace_built.jinja", "jinja/ssti_format_open.jinja",
			"jinja/ssti_frame_globals.jinja", "jinja/unparseable_dunder.jinja", "gguf/ssti_chat_template.gguf", "gguf/ssti_named_template.gguf",
			"gguf/duplicate_chat_template.gguf", "hf/tokenizer_config_ssti.json", "hf/tokenizer_config_multi_ssti.json",
			"hf/tokenizer_config_duplicate.json"},
		Negative: append([]string{"jinja/probe_dunder.jinja", "jinja/obfuscated_join.jinja", "jinja/free_eval.jinja"}, benignTemplates...),
	},
	{
		ID: "JINJA-102", Title: "Chat template attempts a sandbox escape", Severity: finding.High, Class: finding.Suspicious,
		Overview: "The chat template reads attributes no chat template needs: double-underscore names such as __class__ or __globals__, frame and " +
			"generator internals, or attribute names it computes at render time in obfuscated ways (\\x5f escapes, concatenation, join, " +
			"%c-formatting, chr, reversal, dict() keyword names). It may also call os, eval or open as if they were globals. No path to code " +
			"execution was proven, but these are the building blocks of template injection and have no benign use.",
		Trigger:     "An escape without a proven target, an unresolvable computed attribute name, an obfuscated dunder string, or a reference to os/eval/open-like names.",
		Impact:      "Reconnaissance or a partial exploit: listing Python classes and module globals on an unsandboxed renderer, or a payload completed by another part of the application.",
		Remediation: jinjaRemediation,
		References:  []string{"CVE-2024-34359", "GHSA-56xg-wfcc-g829"},
		Equivalents: []string{"modelaudit: jinja2_template_scanner (object_traversal, obfuscation patterns |attr( \\x5f chr()"},
		Positive: []string{"jinja/probe_dunder.jinja", "jinja/obfuscated_join.jinja", "jinja/obfuscated_reverse_dict.jinja",
			"jinja/dynamic_attr.jinja", "jinja/free_eval.jinja"},
		Negative: benignTemplates,
	},
	{
		ID: "JINJA-103", Title: "Chat template loads other templates", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "The chat template uses {% include %}, {% import %}, {% from %} or {% extends %}. Chat-template renderers configure no template " +
			"loader, so a real chat template never does this; where an application does configure one, the tag reads files from disk into the prompt.",
		Trigger:     "An include, import, from-import or extends tag.",
		Impact:      "Local file contents (an absolute path or a path relative to the loader's directory) disclosed into the model's prompt or output.",
		Remediation: "Remove the tag; render chat templates without a file-system loader.",
		References:  []string{"https://jinja.palletsprojects.com/en/stable/api/#loaders"},
		Equivalents: []string{"none known: peer template checks look for escape patterns only"},
		Positive:    []string{"jinja/include_passwd.jinja"},
		Negative:    benignTemplates,
	},
	{
		ID: "JINJA-201", Title: "Chat template could not be analysed completely", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "The chat template does not parse as Jinja, is not valid UTF-8, is larger than 1 MiB, or exceeded the analysis budget. " +
			"It was scanned token by token instead (other JINJA findings come from that scan), so it could not be shown harmless.",
		Trigger:     "A syntax error, invalid encoding, an oversized template, or an analysis that ran out of steps.",
		Impact:      "Unknown. Jinja refuses templates that do not parse, but a parser difference could hide a payload.",
		Remediation: "Inspect the template by hand; replace it with the publisher's original.",
		References:  []string{"CVE-2024-34359"},
		Equivalents: []string{"none known: pattern-based peers do not parse templates"},
		Positive:    []string{"jinja/unparseable_benign.jinja", "jinja/unparseable_dunder.jinja"},
		Negative:    benignTemplates,
	},
}
