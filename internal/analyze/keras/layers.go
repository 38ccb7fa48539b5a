package keras

import (
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/format/pyjson"
	"github.com/modelgate/modelgate/internal/pycode"
)

// torchModule: TorchModuleWrapper (Keras 3.11+) stores a whole torch.save
// file in base64 and reloads it with torch.load(weights_only=False), i.e.
// a pickle (CVE-2025-49655). The file is handed back to the engine, which
// analyses it like any PyTorch checkpoint.
func (w *walker) torchModule(cfg *pyjson.Value, ptr string) {
	b64 := cfg.Get("module")
	if b64 == nil || b64.Kind != pyjson.String {
		return
	}
	p := ptr + "/config/module"
	data, err := pycode.A2BBase64([]byte(b64.Str))
	if err != nil {
		w.hit(p, analyze.Hit{Rule: "KERAS-120",
			Message:  fmt.Sprintf("TorchModuleWrapper %q holds a module that is not base64 (%v); torch.load would not run", cfg.Text("name"), err),
			Evidence: clip(b64.Str, 80)})
		return
	}
	w.hit(p, analyze.Hit{Rule: "KERAS-120",
		Message: fmt.Sprintf("TorchModuleWrapper %q embeds a %d-byte torch.save file that Keras loads with torch.load(weights_only=False); it is analysed as a nested artifact%s",
			cfg.Text("name"), len(data), w.claim.note(cve49655)),
		Evidence: fmt.Sprintf("%d bytes starting %q", len(data), data[:min(len(data), 8)])})
	w.s.Scan(analyze.Child{Name: strings.TrimPrefix(w.at, "!") + "#" + p, Src: analyze.BytesSource(data)})
}

// tfOp: tf.keras TFOpLambda layers call the TensorFlow API symbol their
// config names, with the node's literal arguments.
func (w *walker) tfOp(cfg *pyjson.Value, ptr string) {
	fn := cfg.Text("function")
	if fn == "" {
		return
	}
	id, why, ok := pycode.Classify("tensorflow." + strings.TrimPrefix(fn, "tf."))
	if !ok {
		return
	}
	w.hit(ptr+"/config/function", analyze.Hit{Rule: "KERAS-123",
		Message:  fmt.Sprintf("TFOpLambda %q calls tf.%s, which %s (%s)", cfg.Text("name"), strings.TrimPrefix(fn, "tf."), why, id),
		Evidence: fmt.Sprintf(`"function": %q`, fn)})
}
