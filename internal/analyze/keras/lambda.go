package keras

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/format/pyjson"
	"github.com/modelgate/modelgate/internal/pycode"
)

// A Lambda carries marshalled Python bytecode that runs while the model is
// rebuilt. It is serialised in four shapes, each possible in every
// container (research 1.3, 1.4, 2.1, 2.2):
//   - Keras 3 layer: {"class_name": "__lambda__", "config": {"code", "defaults", "closure"}}
//   - Keras 3 anywhere else: {"class_name": "__lambda__", "config": {"value": [code, defaults, closure]}}
//   - Keras 2 layer: [code, defaults, closure] with function_type "lambda"
//   - SavedModel metadata: {"class_name": "__tuple__", "items": [code, defaults, closure]}

// lambdaCode is a serialised function as func_load receives it.
type lambdaCode struct {
	code              string
	defaults, closure *pyjson.Value
	// keras2 marks the list shapes of Keras 2, whose globals depend on the
	// layer's module field.
	keras2 bool
}

// extractCode finds the serialised function in a config value; typ is the
// Keras 2 *_type field next to it ("lambda", "function", "raw" or "").
func extractCode(v *pyjson.Value, typ string) (lambdaCode, bool) {
	switch v.Kind {
	case pyjson.Object:
		switch v.Text("class_name") {
		case "__lambda__":
			cfg := v.Get("config")
			if c := cfg.Get("code"); c != nil && c.Kind == pyjson.String {
				return lambdaCode{code: c.Str, defaults: cfg.Get("defaults"), closure: cfg.Get("closure")}, true
			}
			lc, ok := fromList(cfg.Get("value"))
			lc.keras2 = false
			return lc, ok
		case "__tuple__":
			return fromList(v.Get("items"))
		}
	case pyjson.Array:
		return fromList(v)
	case pyjson.String:
		if typ == "lambda" { // func_load also takes the code string alone
			return lambdaCode{code: v.Str, keras2: true}, true
		}
	}
	return lambdaCode{}, false
}

func fromList(v *pyjson.Value) (lambdaCode, bool) {
	if v == nil || v.Kind != pyjson.Array || len(v.Items) == 0 || v.Items[0].Kind != pyjson.String {
		return lambdaCode{}, false
	}
	lc := lambdaCode{code: v.Items[0].Str, keras2: true}
	if len(v.Items) > 1 {
		lc.defaults = &v.Items[1]
	}
	if len(v.Items) > 2 {
		lc.closure = &v.Items[2]
	}
	return lc, true
}

// lambdaFields are a Lambda layer's callables with their Keras 2 companions.
var lambdaFields = []struct{ field, module, typ string }{
	{"function", "module", "function_type"},
	{"output_shape", "output_shape_module", "output_shape_type"},
	{"mask", "mask_module", "mask_type"},
}

// lambdaLayer grades a Lambda layer's function, output_shape and mask (all
// three run on load in Keras 2; Keras 3 runs the first two) and its
// arguments.
func (w *walker) lambdaLayer(cfg *pyjson.Value, ptr string) {
	name := cfg.Text("name")
	for _, f := range lambdaFields {
		fv := cfg.Get(f.field)
		if fv == nil {
			continue
		}
		p := ptr + "/config/" + f.field
		module, typ := cfg.Text(f.module), cfg.Text(f.typ)
		if typ == "function" && fv.Kind == pyjson.String {
			w.keras2Function(module, fv.Str, p)
			continue
		}
		lc, ok := extractCode(fv, typ)
		if !ok {
			continue
		}
		w.handled[p] = true
		g := w.grade(lc, module)
		w.lambdaFindings(g, p, fmt.Sprintf("Lambda layer %q (%s)", name, f.field), false)
		if lc.keras2 {
			w.moduleGlobals(g, module, p, f.module)
		}
	}
	if args := cfg.Get("arguments"); args != nil {
		w.literals(args, ptr+"/config/arguments", fmt.Sprintf("the arguments of Lambda layer %q", name))
	}
}

// genericLambda grades a __lambda__ anywhere but a Lambda layer's own
// fields: an activation, initializer, loss, a Lambda's arguments...
func (w *walker) genericLambda(v *pyjson.Value, ptr string) {
	lc, ok := extractCode(v, "")
	if !ok {
		w.hit(ptr, analyze.Hit{Rule: "KERAS-103",
			Message:  "a __lambda__ object carries no code that func_load could read",
			Evidence: "no code string in config.value"})
		return
	}
	w.lambdaFindings(w.grade(lc, ""), ptr, "a serialised lambda", true)
}

// keras2Function: function_type "function" names a function that Keras 2
// looks up among the layer module's globals.
func (w *walker) keras2Function(module, name, ptr string) {
	if module == "" || module == "__main__" {
		w.hit(ptr, analyze.Hit{Rule: "KERAS-130",
			Message:  fmt.Sprintf("the Lambda calls the author's function %q, which is not in the file; the model loads only where that code is provided", name),
			Evidence: fmt.Sprintf(`"function": %q, "module": %q`, name, module)})
		return
	}
	w.route(ref{module: module, class: "function", name: name}, ptr)
}

// grade is the analysis of one serialised function, shared by every place
// the same code appears.
type grade struct {
	rep      *pycode.Report
	err      error
	code     string
	versions string
}

// grade analyses a function under the globals it would run with. A Keras 2
// list is read by Keras 2 (layer module merged into the globals) and, when
// Keras 3 loads the legacy file, by Keras 3 (python_utils' globals): the
// worse of the two readings counts.
func (w *walker) grade(lc lambdaCode, module string) *grade {
	defaults, closure := toList(lc.defaults), toList(lc.closure)
	key := fmt.Sprintf("%t\x00%s\x00%v\x00%v\x00%s", lc.keras2, module, defaults, closure, lc.code)
	if g := w.graded[key]; g != nil {
		return g
	}
	rep, err := pycode.AnalyzeKerasLambda(lc.code, defaults, closure, pycode.Keras3Env())
	if lc.keras2 {
		rep2, err2 := pycode.AnalyzeKerasLambda(lc.code, defaults, closure, pycode.Keras2Env(module))
		if err == nil && err2 == nil && rep2.Verdict >= rep.Verdict {
			rep = rep2
		}
	}
	g := &grade{rep: rep, err: err, code: lc.code}
	if rep != nil {
		var vs []string
		for _, v := range rep.Versions {
			vs = append(vs, v.String())
		}
		g.versions = strings.Join(vs, ", ")
	}
	w.graded[key] = g
	return g
}

// lambdaFindings maps a grade onto the Lambda rules: any M indicator is
// KERAS-101, otherwise S and unrecognised references KERAS-102, decoding
// anomalies KERAS-103, and a clean Lambda KERAS-100. A serialised lambda
// outside a Lambda layer is KERAS-104 whatever its code does.
func (w *walker) lambdaFindings(g *grade, ptr, where string, generic bool) {
	w.lambdas = append(w.lambdas, w.at+"#"+ptr)
	if generic {
		w.hit(ptr, analyze.Hit{Rule: "KERAS-104",
			Message:  "a Python lambda is serialised outside a Lambda layer; func_load runs it when this value is deserialised",
			Evidence: "code " + clip(strings.TrimSpace(g.code), 60)})
	}
	if g.err != nil {
		w.hit(ptr, analyze.Hit{Rule: "KERAS-103",
			Message:  fmt.Sprintf("%s holds code that does not decode as a CPython code object: %v", where, g.err),
			Evidence: clip(strings.TrimSpace(g.code), 80)})
		return
	}
	mal, sus, anom := split(g.rep.Indicators)
	switch {
	case len(mal) > 0:
		w.hit(ptr, analyze.Hit{Rule: "KERAS-101",
			Message:  fmt.Sprintf("%s %s when the model is loaded", where, mal[0].Reason),
			Evidence: render(append(mal, sus...), g.versions)})
	case len(sus) > 0:
		w.hit(ptr, analyze.Hit{Rule: "KERAS-102",
			Message:  fmt.Sprintf("%s %s when the model is loaded", where, sus[0].Reason),
			Evidence: render(sus, g.versions), Severity: worst(sus)})
	}
	if len(anom) > 0 {
		w.hit(ptr, analyze.Hit{Rule: "KERAS-103",
			Message:  fmt.Sprintf("%s: %s", where, anom[0].Reason),
			Evidence: render(anom, g.versions)})
	}
	if !generic && len(mal)+len(sus)+len(anom) == 0 {
		w.hit(ptr, analyze.Hit{Rule: "KERAS-100",
			Message:  where + " runs Python bytecode on load; it only does tensor math",
			Evidence: cleanEvidence(g.rep, g.versions)})
	}
}

// moduleGlobals: a Keras 2 Lambda's module field merges that module's
// namespace into the function's globals when the module is imported at
// load time, so "os" makes a bare system() mean os.system().
func (w *walker) moduleGlobals(g *grade, module, ptr, field string) {
	root, _, _ := strings.Cut(module, ".")
	if !dangerousModule(root) {
		return
	}
	used := ""
	if g.rep != nil {
		for _, r := range g.rep.References {
			if strings.HasPrefix(r, root+".") {
				used = "; the code uses " + r
				break
			}
		}
	}
	w.hit(ptr, analyze.Hit{Rule: "KERAS-105",
		Message:  fmt.Sprintf("the Lambda's %s is %q: Keras 2 merges that module's names into the function's globals%s", field, module, used),
		Evidence: fmt.Sprintf("%q: %q", field, module)})
}

// split sorts indicators into malicious, suspicious (S and unrecognised
// references) and decoding anomalies.
func split(ins []pycode.Indicator) (mal, sus, anom []pycode.Indicator) {
	for _, in := range ins {
		switch {
		case in.ID.Malicious():
			mal = append(mal, in)
		case strings.HasPrefix(string(in.ID), "A"):
			anom = append(anom, in)
		default:
			sus = append(sus, in)
		}
	}
	return mal, sus, anom
}

func worst(ins []pycode.Indicator) finding.Severity {
	s := finding.Info
	for _, in := range ins {
		s = max(s, in.Severity)
	}
	return s
}

// render lists the first indicators as "ID evidence", then the CPython
// versions the code was read as.
func render(ins []pycode.Indicator, versions string) string {
	var parts []string
	for i, in := range ins {
		if i == 4 {
			parts = append(parts, fmt.Sprintf("and %d more", len(ins)-4))
			break
		}
		ev := in.Evidence
		if ev == "" {
			ev = in.Reason
		}
		parts = append(parts, string(in.ID)+" "+clip(ev, 120))
	}
	return strings.Join(parts, "; ") + " (CPython " + versions + ")"
}

func cleanEvidence(rep *pycode.Report, versions string) string {
	refs := "no global references"
	if len(rep.References) > 0 {
		r := rep.References
		if len(r) > 6 {
			r = append(r[:6:6], "…")
		}
		refs = "references " + strings.Join(r, ", ")
	}
	return refs + " (CPython " + versions + ")"
}

// toList converts a defaults or closure value to what FromJSON takes: Keras
// turns a list into a tuple; any other non-null value stands alone.
func toList(v *pyjson.Value) []any {
	if v == nil || v.Kind == pyjson.Null {
		return nil
	}
	if v.Kind == pyjson.Array {
		out := make([]any, len(v.Items))
		for i := range v.Items {
			out[i] = toAny(&v.Items[i])
		}
		return out
	}
	return []any{toAny(v)}
}

// toAny converts to encoding/json's value types.
func toAny(v *pyjson.Value) any {
	switch v.Kind {
	case pyjson.Bool:
		return v.Str == "true"
	case pyjson.Number:
		f, _ := strconv.ParseFloat(v.Str, 64) // NaN, ±Infinity and overflow become float specials, as in Python
		return f
	case pyjson.String:
		return v.Str
	case pyjson.Array:
		out := make([]any, len(v.Items))
		for i := range v.Items {
			out[i] = toAny(&v.Items[i])
		}
		return out
	case pyjson.Object:
		out := make(map[string]any, len(v.Keys))
		for i, k := range v.Keys {
			out[k] = toAny(&v.Items[i])
		}
		return out
	}
	return nil
}
