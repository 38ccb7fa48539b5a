// Package keras analyses Keras models without Keras: the v3 .keras archive
// (Layout), its unzipped directory form (ConfigJSON recognises config.json
// by content), the config documents of legacy HDF5 models (Analysis, used
// by the HDF5 analyzer) and the keras_metadata.pb of tf.keras SavedModels
// (SavedMetadata).
//
// A Keras model carries code three ways, and each is reported:
//   - Lambda functions hold marshalled Python bytecode that runs at load;
//     internal/pycode grades it (KERAS-100 harmless, 101 malicious, 102
//     suspicious, 103 undecodable or hand-made, 104 outside a Lambda layer,
//     105 Keras 2 module globals).
//   - Config entries name modules, functions and classes that Keras imports
//     and calls (KERAS-110...114, 120...123, 130).
//   - Weights and assets are handed back to the engine as child artifacts;
//     the archive itself is checked for members Keras never writes
//     (KERAS-201) and names that escape directories (KERAS-206).
//
// Versions a file claims (metadata.json, keras_version) are attacker data:
// they add hints to messages and never change a verdict.
package keras

import (
	"bytes"
	"fmt"
	"io"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/format/pyjson"
)

// maxConfig bounds a config document read into memory; pyjson's own limits
// bound what it expands to.
const maxConfig = 32 << 20

// ConfigJSON analyses a Keras config document found on its own: the
// config.json of an unzipped .keras directory (Keras loads any directory
// holding one) or the output of model.to_json().
type ConfigJSON struct{}

// Name implements analyze.Analyzer.
func (ConfigJSON) Name() string { return "keras-config" }

// Match implements analyze.Analyzer: a JSON object whose keys are those of
// a serialised Keras object. A file named config.json that opens like JSON
// but shows no keys within the head (padding, reordered keys) is still
// claimed by name, so that whitespace cannot hide a model directory's
// config.
func (ConfigJSON) Match(a *analyze.Artifact) analyze.Confidence {
	k := sniff(a.Head)
	switch {
	case k.keras():
		return analyze.Structure
	case a.Name == "config.json" && (k.object || k.blank) && !k.foreign():
		return analyze.Name
	}
	return analyze.No
}

// Analyze implements analyze.Analyzer.
func (ConfigJSON) Analyze(s analyze.Scope) error {
	data, err := readAll(s.Open, maxConfig)
	if err != nil {
		return err
	}
	a := NewAnalysis(s, false, Claim{})
	if err := a.Config(data, ""); err != nil {
		return err
	}
	switch {
	case a.legacy:
		s.SetFormat("keras-json") // model.to_json output, read by the legacy loaders
	case !a.object:
		// Claimed by its name, but Keras cannot load it (a sentence-
		// transformers pooling config, say): the walk still ran, the
		// format must not claim a Keras model.
		s.SetFormat("json")
	}
	a.Finish()
	return nil
}

// readAll reads a whole document of at most limit bytes.
func readAll(open func() (io.ReadCloser, error), limit int64) ([]byte, error) {
	r, err := open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: a Keras config over %d bytes was not analysed", analyze.ErrBudget, limit)
	}
	return data, nil
}

// keys is what the head of a JSON document shows.
type keys struct {
	object bool            // the document opens an object
	blank  bool            // the head is whitespace only
	top    map[string]bool // keys of the top-level object seen so far
	// classNameString: the top-level class_name has a string value.
	classNameString bool
	// nestedClassName: "class_name" appears as a key below the top level.
	nestedClassName bool
}

// keras: a serialised Keras object has module/class_name/config at the top
// level, or (keys reordered) a config whose members are Keras objects.
func (k keys) keras() bool {
	if !k.object || k.foreign() {
		return false
	}
	if k.classNameString && (k.top["module"] || k.top["config"]) {
		return true
	}
	return k.top["config"] && k.nestedClassName
}

// hfMarkers are top-level keys of Hugging Face configs, which share the
// name config.json: leave those to the HF analyzer.
var hfMarkers = []string{"architectures", "model_type", "_name_or_path", "transformers_version", "tokenizer_class",
	"auto_map", "chat_template", "_class_name", "_diffusers_version"}

func (k keys) foreign() bool {
	for _, m := range hfMarkers {
		if k.top[m] {
			return true
		}
	}
	return false
}

// sniff scans the head (transcoded as json.loads would) for object keys.
func sniff(head []byte) keys {
	// Look at the first characters before transcoding the whole head: the
	// engine offers every tensor of a checkpoint, and decoding 4 KiB of
	// binary as UTF-16 for each dominated the scan.
	if p := bytes.TrimLeft(headText(head[:min(len(head), 64)]), " \t\r\n"); len(p) > 0 && p[0] != '{' {
		return keys{top: map[string]bool{}}
	}
	text := bytes.TrimLeft(headText(head), " \t\r\n")
	k := keys{top: map[string]bool{}, blank: len(head) > 0 && len(text) == 0}
	if len(text) == 0 || text[0] != '{' {
		return k // not a JSON object: no need to scan binary heads
	}
	depth, i := 0, 0
	for i < len(text) {
		switch c := text[i]; c {
		case '{', '[':
			if depth == 0 && i > 0 {
				return k // a second top-level value: not one document
			}
			k.object = true
			depth++
			i++
		case '}', ']':
			depth--
			i++
		case '"':
			s, end := scanString(text, i)
			if end < 0 {
				return k
			}
			i = end
			if !isKey(text, i) {
				continue
			}
			if depth == 1 {
				k.top[s] = true
				k.classNameString = k.classNameString || s == "class_name" && nextIs(text, i, '"')
			} else if s == "class_name" {
				k.nestedClassName = true
			}
		default:
			i++
		}
	}
	return k
}

// headText transcodes a head in UTF-16 or UTF-32 (cut to whole units) so
// that the sniff sees what json.loads sees.
func headText(head []byte) []byte {
	unit := 1
	switch pyjson.DetectEncoding(head) {
	case "utf-8":
		return head // possibly cut inside a character: the sniff does not care
	case "utf-8-sig":
		return head[3:]
	case "utf-16", "utf-16-le", "utf-16-be":
		unit = 2
	case "utf-32", "utf-32-le", "utf-32-be":
		unit = 4
	}
	text, _, err := pyjson.Text(head[:len(head)/unit*unit])
	if err != nil {
		return nil
	}
	return text
}

// scanString returns the raw content of the string starting at text[i]
// and the index after its closing quote, or -1 if the head ends first.
func scanString(text []byte, i int) (string, int) {
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case '\\':
			j++
		case '"':
			return string(text[i+1 : j]), j + 1
		}
	}
	return "", -1
}

// isKey: the string just scanned is followed by a colon.
func isKey(text []byte, i int) bool { return nextIs(text, i, ':') }

// nextIs: the first non-blank byte at or after i (after a colon, for
// keys' values) is c.
func nextIs(text []byte, i int, c byte) bool {
	for ; i < len(text); i++ {
		switch text[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			if c == ':' {
				return true
			}
			continue
		}
		return text[i] == c
	}
	return false
}
