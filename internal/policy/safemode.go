package policy

import (
	"fmt"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/rules"
)

// DefaultInertFormats are the formats SafeMode lets through: formats with no
// load-time code path of their own, and the containers and compressed
// streams they travel in (whose members are judged by their own formats).
// Constructs inside them that can run code are findings that block on
// their own: rules marked CodeOnLoad (a Keras Lambda layer, an auto_map to
// remote code) and suspicious or malicious ones (a chat template that
// escapes its sandbox, an ONNX custom-op domain). A Hugging Face config and
// a chat template that stays in its sandbox are inert. So are a Keras 3
// config.json found on its own (keras-config), a config.json that is no
// Keras object (json) and HDF5 weights (hdf5); the
// legacy Keras containers (keras-h5, keras-metadata, keras-json) are not:
// tf-keras loads them without safe_mode and resolves class names the
// analysis cannot vouch for. The names are those reports use;
// `safe_mode.inert_formats` replaces the list, so a format an analyzer adds
// later needs no code change here.
var DefaultInertFormats = []string{
	"safetensors", "onnx", "gguf", "keras", "keras-config", "json", "hdf5", "npy", "npz", "hf-config", "jinja",
	"zip", "tar", "7z", "gzip", "bzip2", "xz", "zstd", "lz4", "zlib", "lzma",
}

// safeModeBlock returns SafeMode's decision when it blocks the file. It
// blocks, in the order the message names them:
//  1. a malicious finding;
//  2. a finding of a rule marked CodeOnLoad, whatever its class: a
//     construct that can run code on load even when judged harmless (a
//     rule this build's catalogue does not know counts as one);
//  3. a suspicious finding;
//  4. a format outside the inert list (an unrecognised file is "unknown");
//  5. a file that could not be analysed completely.
func (p *Policy) safeModeBlock(f *finding.File) (finding.Decision, bool) {
	block := func(msg string, x *finding.Finding) (finding.Decision, bool) {
		d := finding.Decision{Action: finding.Block, Rule: "safe_mode", Message: msg}
		if x != nil {
			d.Cause = cause(x)
		}
		return d, true
	}
	if x := firstFinding(f, func(x *finding.Finding) bool { return x.Class == finding.Malicious }); x != nil {
		return block(fmt.Sprintf("%s %q is malicious", x.Rule, x.Title), x)
	}
	if x := firstFinding(f, mayRunCode); x != nil {
		return block(fmt.Sprintf("%s %q can run code when the model is loaded", x.Rule, x.Title), x)
	}
	if x := firstFinding(f, func(x *finding.Finding) bool { return x.Class == finding.Suspicious }); x != nil {
		return block(fmt.Sprintf("%s %q is suspicious", x.Rule, x.Title), x)
	}
	if ft := firstFormatNotIn(f.Formats, p.inert); ft != "" {
		return block(fmt.Sprintf("format %s is not on the inert list: it can run code on load or is not known to be inert", ft), nil)
	}
	if f.Incomplete {
		return block("the file could not be analysed completely", nil)
	}
	return finding.Decision{}, false
}

func firstFinding(f *finding.File, pred func(*finding.Finding) bool) *finding.Finding {
	for i := range f.Findings {
		if pred(&f.Findings[i]) {
			return &f.Findings[i]
		}
	}
	return nil
}

// mayRunCode reports a finding whose rule is marked CodeOnLoad, or is not
// in the catalogue (fail closed: a report from another build).
func mayRunCode(x *finding.Finding) bool {
	r, ok := rules.Lookup(x.Rule)
	return !ok || r.CodeOnLoad
}
