package keras

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/format/pyjson"
)

// Layout is the Keras v3 .keras archive: config.json, metadata.json, the
// weights (model.weights.h5 or .npz) and assets/. Keras reads config.json
// and rebuilds the model before touching anything else, so config-borne
// payloads fire first; weights and assets are analysed as child artifacts
// by their content.
type Layout struct{}

// Name implements analyze.Layout.
func (Layout) Name() string { return "keras" }

// Match implements analyze.Layout: a config.json at the root next to a
// metadata.json or weights file. saving_lib needs nothing but config.json,
// so a missing metadata.json does not hide an archive.
func (Layout) Match(container string, members []analyze.Member) bool {
	if container != "zip" {
		return false
	}
	config, other := false, false
	for _, m := range members {
		switch {
		case m.Name == "config.json":
			config = true
		case m.Name == "metadata.json" || weightsName(m.Name):
			other = true
		}
	}
	return config && other
}

// weightsName: model.weights.h5 / .npz and the sharded forms of newer
// Keras (model.weights.json with *.weights.h5 shards) at the root.
func weightsName(name string) bool {
	return !strings.Contains(name, "/") &&
		(strings.HasSuffix(name, ".weights.h5") || strings.HasSuffix(name, ".weights.npz") || strings.HasSuffix(name, ".weights.json"))
}

// Analyze implements analyze.Layout.
func (Layout) Analyze(s analyze.Scope, members []analyze.Member) error {
	checkMembers(s, members)
	a := NewAnalysis(s, false, readClaim(s, members))
	for _, m := range members {
		if s.Context().Err() != nil {
			break
		}
		switch m.Name {
		case "config.json":
			data, err := readAll(m.Src.Open, maxConfig)
			if err == nil {
				err = a.Config(data, "!config.json")
			}
			s.Incomplete(err)
		case "metadata.json":
			// Never read by Keras; its version claim was read above.
		default:
			s.Scan(analyze.Child{Name: m.Name, Src: m.Src, Stored: m.Stored})
		}
	}
	a.Finish()
	return nil
}

// readClaim reads metadata.json's keras_version: a hint, never trusted.
func readClaim(s analyze.Scope, members []analyze.Member) Claim {
	for _, m := range members {
		if m.Name != "metadata.json" {
			continue
		}
		data, err := readAll(m.Src.Open, 1<<20)
		if err != nil {
			return Claim{}
		}
		res, err := pyjson.Decode(data, pyjson.Limits{})
		if err != nil {
			return Claim{}
		}
		return Claim{Source: "metadata.json", Version: res.Value.Text("keras_version")}
	}
	return Claim{}
}

// riskyExts are member types Keras never writes and loaders or users may
// run: code, native libraries, pickles, nested archives.
var riskyExts = set(".py", ".pyc", ".pyo", ".pyd", ".so", ".dll", ".dylib", ".exe", ".bat", ".cmd", ".ps1", ".sh",
	".jar", ".pkl", ".pickle", ".joblib", ".dill", ".pt", ".pth", ".ckpt", ".zip", ".tar", ".gz", ".tgz", ".bz2",
	".xz", ".7z", ".rar", ".keras", ".whl", ".egg")

// checkMembers reports members outside the layout Keras writes: anything
// at the root besides config, metadata and weights, and risky file types
// anywhere (assets hold vocabularies and tokenizer files).
func checkMembers(s analyze.Scope, members []analyze.Member) {
	var odd []string
	sev := finding.Medium
	for _, m := range members {
		ext := strings.ToLower(path.Ext(m.Name))
		switch {
		case riskyExts[ext]:
			odd = append(odd, fmt.Sprintf("%q (%s file)", clip(m.Name, 120), ext))
			sev = finding.High
		case m.Name == "config.json" || m.Name == "metadata.json" || weightsName(m.Name) || strings.HasPrefix(m.Name, "assets/"):
		default:
			odd = append(odd, fmt.Sprintf("%q", clip(m.Name, 120)))
		}
	}
	if len(odd) == 0 {
		return
	}
	sort.Strings(odd)
	n := len(odd)
	if n > 5 {
		odd = append(odd[:5:5], fmt.Sprintf("and %d more", n-5))
	}
	s.Report(analyze.Hit{Rule: "KERAS-201", Severity: sev,
		Message:  fmt.Sprintf("the .keras archive holds %d member(s) that Keras never writes; Keras extracts every member of an archive with more than three", n),
		Evidence: strings.Join(odd, ", ")})
}
