package keras

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/format/pyjson"
)

// Analysis walks the config documents of one artifact (a .keras archive's
// config.json, an HDF5 file's model_config and training_config, the nodes
// of a keras_metadata.pb) and reports what Keras would import, call or load
// while rebuilding the model. Every value is visited, at every nesting
// level: sub-models, wrappers, functional node arguments, compile configs.
type Analysis struct {
	s      analyze.Scope
	legacy bool
	claim  Claim
	// lambdas are the locations of graded Lambda code, for the legacy note.
	lambdas []string
	graded  map[string]*grade
	// object: a document was a serialised Keras object (a top-level
	// class_name), which Keras needs to load it at all.
	object bool
}

// NewAnalysis starts the analysis of an artifact's configs. legacy marks
// the HDF5 and SavedModel loaders, which tf-keras runs without safe_mode.
func NewAnalysis(s analyze.Scope, legacy bool, claim Claim) *Analysis {
	return &Analysis{s: s, legacy: legacy, claim: claim, graded: map[string]*grade{}}
}

// Config decodes one document as Python's json.loads does and walks it; at
// is appended to the artifact's location before the JSON pointer
// ("!config.json"). An error means the document could not be read at all.
func (a *Analysis) Config(data []byte, at string) error {
	res, err := pyjson.Decode(data, pyjson.Limits{})
	if err != nil {
		return fmt.Errorf("reading the Keras config%s: %w", at, err)
	}
	a.toJSON(&res.Value)
	a.object = a.object || res.Value.Text("class_name") != ""
	w := &walker{Analysis: a, at: at, handled: map[string]bool{}}
	if len(res.Anomalies) > 0 {
		var list []string
		for _, an := range res.Anomalies {
			list = append(list, string(an))
		}
		w.hit("", analyze.Hit{Rule: "KERAS-207",
			Message:  "the config is not JSON as Keras writes it; Python's json module accepts it, strict readers do not",
			Evidence: strings.Join(list, "; ")})
	}
	w.walk(&res.Value, "")
	return a.s.Context().Err()
}

// toJSON recognises model.to_json() output (the model config plus
// keras_version and backend at the top): model_from_json in tf-keras
// applies no safe_mode, and the version it records is the file's claim.
func (a *Analysis) toJSON(doc *pyjson.Value) {
	v := doc.Text("keras_version")
	if v == "" || doc.Get("backend") == nil || doc.Get("class_name") == nil {
		return
	}
	a.legacy = true
	if a.claim.Version == "" {
		a.claim = Claim{Source: "keras_version field", Version: v}
	}
}

// Finish adds the notes that depend on every document: a Lambda in a legacy
// container is loaded without safe_mode by tf-keras.
func (a *Analysis) Finish() {
	if !a.legacy || len(a.lambdas) == 0 {
		return
	}
	where := a.lambdas
	if len(where) > 3 {
		where = append(where[:3:3], fmt.Sprintf("and %d more", len(a.lambdas)-3))
	}
	a.s.Report(analyze.Hit{Rule: "KERAS-210",
		Message: fmt.Sprintf("%d Lambda function(s) in a legacy container: tf-keras and Keras 2 never apply safe_mode here, Keras 3 only since 3.11.3%s",
			len(a.lambdas), a.claim.note(cve9905, cve3660)),
		Evidence: strings.Join(where, ", ")})
}

// walker walks one document.
type walker struct {
	*Analysis
	at string
	// handled are pointers of __lambda__ dicts already graded as part of
	// their Lambda layer.
	handled map[string]bool
	visited int
}

func (w *walker) hit(ptr string, h analyze.Hit) {
	h.At = w.at + analyze.Pointer(ptr)
	w.s.Report(h)
}

// walk visits every value; objects are judged before their members so that
// a Lambda layer claims its own functions.
func (w *walker) walk(v *pyjson.Value, ptr string) {
	if w.visited++; w.visited%4096 == 0 && w.s.Context().Err() != nil {
		return
	}
	switch v.Kind {
	case pyjson.String:
		w.text(v.Str, ptr)
	case pyjson.Array:
		for i := range v.Items {
			w.walk(&v.Items[i], ptr+"/"+strconv.Itoa(i))
		}
	case pyjson.Object:
		w.object(v, ptr)
		for i, k := range v.Keys {
			if v.Shadowed(i) {
				continue // json.loads keeps the last duplicate; KERAS-207 notes the others
			}
			w.text(k, ptr)
			w.walk(&v.Items[i], ptr+"/"+escape(k))
		}
	}
}

// text flags the global flag that switches safe mode off, wherever a
// config names it (CVE-2025-9906's set_global_attribute variant).
func (w *walker) text(s, ptr string) {
	if strings.Contains(s, "safe_mode_saving") {
		w.hit(ptr, analyze.Hit{Rule: "KERAS-111",
			Message:  "the config names safe_mode_saving, the global flag behind Keras' safe_mode" + w.claim.note(cve9906),
			Evidence: clip(s, 200)})
	}
}

// object judges a dict that Keras deserialises as an object.
func (w *walker) object(v *pyjson.Value, ptr string) {
	cls := v.Text("class_name")
	if cls == "" {
		return
	}
	cfg := v.Get("config")
	switch cls {
	case "__lambda__":
		if !w.handled[ptr] {
			w.genericLambda(v, ptr)
		}
	case "Lambda":
		w.lambdaLayer(cfg, ptr)
	case "TorchModuleWrapper":
		w.torchModule(cfg, ptr)
	case "TFSMLayer":
		w.hit(ptr+"/config", analyze.Hit{Rule: "KERAS-121",
			Message: fmt.Sprintf("TFSMLayer %q makes Keras load a TensorFlow SavedModel from outside the archive while rebuilding the model%s",
				cfg.Text("name"), w.claim.note(cve1462)),
			Evidence: fmt.Sprintf(`"filepath": %q`, cfg.Text("filepath"))})
	case "TFOpLambda", "SlicingOpLambda":
		w.tfOp(cfg, ptr)
	}
	w.reference(v, ptr)
	w.layerName(v, cfg, ptr)
	w.vocabulary(cfg, ptr)
	if nodes := v.Get("inbound_nodes"); nodes != nil {
		w.literals(nodes, ptr+"/inbound_nodes", fmt.Sprintf("a call of layer %q", name(v, cfg)))
	}
}

// layerName flags names that escape a directory once Keras builds paths
// from them (CVE-2026-12479).
func (w *walker) layerName(v, cfg *pyjson.Value, ptr string) {
	for _, p := range []struct {
		v   *pyjson.Value
		ptr string
	}{{v, ptr}, {cfg, ptr + "/config"}} {
		name := p.v.Text("name")
		if why := unsafeLayerName(name); why != "" {
			w.hit(p.ptr+"/name", analyze.Hit{Rule: "KERAS-206",
				Message:  fmt.Sprintf("a layer name contains a %s; Keras builds asset and weight paths from layer names%s", why, w.claim.note(cve12479)),
				Evidence: strconv.Quote(clip(name, 200))})
		}
	}
}

// vocabularyKeys are the preprocessing and tokenizer options that accept a
// file path (or URI) as well as inline data.
var vocabularyKeys = []string{"vocabulary", "idf_weights", "merges", "proto"}

func (w *walker) vocabulary(cfg *pyjson.Value, ptr string) {
	for _, k := range vocabularyKeys {
		if s := cfg.Get(k); s != nil && s.Kind == pyjson.String && s.Str != "" {
			w.hit(ptr+"/config/"+k, analyze.Hit{Rule: "KERAS-122",
				Message:  fmt.Sprintf("layer %q reads its %s from a path outside the model when it is rebuilt%s", cfg.Text("name"), k, w.claim.note(cve12058)),
				Evidence: fmt.Sprintf("%q: %q", k, clip(s.Str, 200))})
		}
	}
}

// literals flags strings handed to a call that look like what a gadget
// acts on (a URL, a path, a command) and safe_mode switched off.
func (w *walker) literals(v *pyjson.Value, ptr, what string) {
	switch v.Kind {
	case pyjson.String:
		if why := target(v.Str); why != "" {
			w.hit(ptr, analyze.Hit{Rule: "KERAS-113",
				Message:  fmt.Sprintf("%s hands %s to the function it calls", what, why),
				Evidence: strconv.Quote(clip(v.Str, 200))})
		}
	case pyjson.Array:
		for i := range v.Items {
			if i == 0 && legacyNodeRef(v) {
				continue // ["layer_name", node, tensor, kwargs]: a name, not a literal
			}
			w.literals(&v.Items[i], ptr+"/"+strconv.Itoa(i), what)
		}
	case pyjson.Object:
		if v.Text("class_name") != "" {
			return // a Keras object: the walker judges it
		}
		for i, k := range v.Keys {
			if k == "safe_mode" && v.Items[i].IsFalse() {
				w.hit(ptr+"/"+escape(k), analyze.Hit{Rule: "KERAS-113",
					Message:  what + " hands safe_mode=False to the function it calls",
					Evidence: `"safe_mode": false`})
			}
			w.literals(&v.Items[i], ptr+"/"+escape(k), what)
		}
	}
}

// legacyNodeRef recognises a Keras 2 node entry [name, node_index,
// tensor_index(, kwargs)].
func legacyNodeRef(v *pyjson.Value) bool {
	n := len(v.Items)
	return (n == 3 || n == 4) && v.Items[0].Kind == pyjson.String && v.Items[1].Kind == pyjson.Number && v.Items[2].Kind == pyjson.Number
}

// name is a layer's name: a functional entry's own, else its config's.
func name(v, cfg *pyjson.Value) string {
	if n := v.Text("name"); n != "" {
		return n
	}
	return cfg.Text("name")
}

// escape encodes a key for a JSON pointer (RFC 6901).
func escape(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
