package report

import (
	"crypto/rand"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/rules"
)

// The CycloneDX 1.6 AI-BOM: one machine-learning-model component per
// scanned file, its nested artifacts as sub-components, and every listed
// finding as a vulnerability that affects the artifact it was found in.
// modelgate's own facts travel as properties in the "modelgate:" namespace.

// frameworks names, per format, the framework that reads it and what the
// format says about its version, for the framework hints of the AI-BOM.
var frameworks = map[string][2]string{
	"pytorch-zip":    {"pytorch", "torch.save zip format (PyTorch 1.6 or later)"},
	"pytorch-legacy": {"pytorch", "legacy torch.save format (PyTorch before 1.6)"},
	"pytorch-tar":    {"pytorch", "tar checkpoint (PyTorch before 0.1.10)"},
	"torchscript":    {"pytorch", "TorchScript archive (torch.jit.save)"},
	"joblib":         {"joblib", "joblib pickle dump (scikit-learn models)"},
	"joblib-zf":      {"joblib", "joblib zfile (joblib before 0.10)"},
	"npy":            {"numpy", "NPY array"},
	"npz":            {"numpy", "NPZ archive of NPY arrays"},
	"pickle":         {"python", "Python pickle"},
	"safetensors":    {"safetensors", "safetensors"},
	"onnx":           {"onnx", "ONNX protobuf"},
	"gguf":           {"llama.cpp", "GGUF"},
	"keras":          {"keras", ".keras archive (Keras 2.13 or later)"},
	"hdf5":           {"keras", "HDF5 (legacy Keras .h5)"},
	"tf-savedmodel":  {"tensorflow", "SavedModel"},
	"tf-graphdef":    {"tensorflow", "frozen GraphDef"},
	"hf-config":      {"transformers", "Hugging Face config or tokenizer config"},
	"jinja":          {"transformers", "Jinja chat template"},
}

// modelFormats are the formats whose nested artifacts are models in their
// own right; the others are data or plain files.
var modelFormats = map[string]cdx.ComponentType{
	"pytorch-zip": cdx.ComponentTypeMachineLearningModel, "pytorch-legacy": cdx.ComponentTypeMachineLearningModel,
	"pytorch-tar": cdx.ComponentTypeMachineLearningModel, "torchscript": cdx.ComponentTypeMachineLearningModel,
	"joblib": cdx.ComponentTypeMachineLearningModel, "joblib-zf": cdx.ComponentTypeMachineLearningModel,
	"safetensors": cdx.ComponentTypeMachineLearningModel, "onnx": cdx.ComponentTypeMachineLearningModel,
	"gguf": cdx.ComponentTypeMachineLearningModel, "keras": cdx.ComponentTypeMachineLearningModel,
	"tf-savedmodel": cdx.ComponentTypeMachineLearningModel, "tf-graphdef": cdx.ComponentTypeMachineLearningModel,
	"npy": cdx.ComponentTypeData, "npz": cdx.ComponentTypeData,
}

func writeCycloneDX(w io.Writer, r *finding.Report, _ Options) error {
	bom, err := BuildCycloneDX(r, time.Now())
	if err != nil {
		return err
	}
	return cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).EncodeVersion(bom, cdx.SpecVersion1_6)
}

// BuildCycloneDX converts a report to a CycloneDX 1.6 BOM made at now.
func BuildCycloneDX(r *finding.Report, now time.Time) (*cdx.BOM, error) {
	serial, err := uuid4()
	if err != nil {
		return nil, err
	}
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	bom.SerialNumber = "urn:uuid:" + serial
	bom.Metadata = &cdx.Metadata{
		Timestamp: now.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: r.Tool.Name, Version: r.Tool.Version,
			ExternalReferences: &[]cdx.ExternalReference{{Type: cdx.ERTypeWebsite, URL: InformationURI}},
		}}},
		Properties: policyProperties(r.Policy),
	}
	var comps []cdx.Component
	var vulns []cdx.Vulnerability
	refs := map[string]int{}
	for _, f := range r.Files {
		comps = append(comps, modelComponent(f))
		for _, x := range f.Findings {
			vulns = append(vulns, vulnerability(f, x, refs))
		}
	}
	bom.Components = &comps
	if len(vulns) > 0 {
		bom.Vulnerabilities = &vulns
	}
	return bom, nil
}

func policyProperties(p *finding.PolicyInfo) *[]cdx.Property {
	if p == nil {
		return nil
	}
	props := []cdx.Property{{Name: "modelgate:policy:safe_mode", Value: fmt.Sprint(p.SafeMode)}, {Name: "modelgate:policy:fail_on", Value: p.FailOn}}
	if p.Config != "" {
		props = append(props, cdx.Property{Name: "modelgate:policy:config", Value: p.Config})
	}
	return &props
}

// modelComponent is the component of one scanned file, carrying its hash,
// formats, framework hints, verdict, decision and nested artifacts.
func modelComponent(f finding.File) cdx.Component {
	c := cdx.Component{
		BOMRef: f.Path, Type: cdx.ComponentTypeMachineLearningModel, Name: path.Base(filepath.ToSlash(f.Path)),
		Evidence: &cdx.Evidence{Occurrences: &[]cdx.EvidenceOccurrence{{Location: f.Path}}},
	}
	if f.SHA256 != "" {
		c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: f.SHA256}}
	}
	props := []cdx.Property{{Name: "modelgate:size", Value: fmt.Sprint(f.Size)}, {Name: "modelgate:verdict", Value: f.Verdict.String()}}
	props = append(props, formatProperties(f.Formats)...)
	if d := f.Decision; d != nil {
		props = append(props, cdx.Property{Name: "modelgate:decision", Value: string(d.Action)},
			cdx.Property{Name: "modelgate:decision:rule", Value: d.Rule}, cdx.Property{Name: "modelgate:decision:message", Value: d.Message})
	}
	c.Properties = &props
	if nested := nestedComponents(f.Path, f.Artifacts); len(nested) > 0 {
		c.Components = &nested
	}
	return c
}

// formatProperties lists formats with their framework and version hints,
// each once.
func formatProperties(formats []string) []cdx.Property {
	var props []cdx.Property
	seen := map[string]bool{}
	add := func(name, value string) {
		if !seen[name+"\x00"+value] {
			seen[name+"\x00"+value] = true
			props = append(props, cdx.Property{Name: name, Value: value})
		}
	}
	for _, ft := range formats {
		add("modelgate:format", ft)
		if fw, ok := frameworks[ft]; ok {
			add("modelgate:framework", fw[0])
			add("modelgate:framework:version-hint", fw[1])
		}
	}
	return props
}

// nestedComponents builds the tree of a file's nested artifacts below
// the location parent.
func nestedComponents(parent string, arts []finding.Artifact) []cdx.Component {
	listed := map[string]bool{}
	for _, a := range arts {
		listed[a.Location] = true
	}
	children := map[string][]finding.Artifact{}
	for _, a := range arts {
		p := parentOf(a.Location, listed)
		children[p] = append(children[p], a)
	}
	return subtree(parent, children)
}

// parentOf is the location of an artifact's parent: the longest listed
// location that its own starts with, followed by "!"; else the file.
func parentOf(loc string, listed map[string]bool) string {
	for i := strings.LastIndexByte(loc, '!'); i > 0; i = strings.LastIndexByte(loc[:i], '!') {
		if listed[loc[:i]] {
			return loc[:i]
		}
		if strings.IndexByte(loc[:i], '!') < 0 {
			return loc[:i]
		}
	}
	return loc
}

func subtree(parent string, children map[string][]finding.Artifact) []cdx.Component {
	var out []cdx.Component
	for _, a := range children[parent] {
		t, ok := modelFormats[a.Format]
		if !ok {
			t = cdx.ComponentTypeFile
		}
		c := cdx.Component{BOMRef: a.Location, Type: t, Name: a.Location[strings.LastIndexByte(a.Location, '!')+1:]}
		props := formatProperties([]string{a.Format})
		if a.Size > 0 {
			props = append(props, cdx.Property{Name: "modelgate:size", Value: fmt.Sprint(a.Size)})
		}
		c.Properties = &props
		if sub := subtree(a.Location, children); len(sub) > 0 {
			c.Components = &sub
		}
		out = append(out, c)
	}
	return out
}

var cdxSeverity = map[finding.Severity]cdx.Severity{
	finding.Critical: cdx.SeverityCritical, finding.High: cdx.SeverityHigh, finding.Medium: cdx.SeverityMedium,
	finding.Low: cdx.SeverityLow, finding.Info: cdx.SeverityInfo,
}

// vulnerability maps a finding: the rule is the ID, its page the
// description, the finding itself the detail; it affects the deepest
// artifact it was found in. refs makes bom-refs unique.
func vulnerability(f finding.File, x finding.Finding, refs map[string]int) cdx.Vulnerability {
	src := &cdx.Source{Name: "modelgate", URL: ruleURL(x.Rule)}
	ref := "finding:" + x.Fingerprint
	if x.Fingerprint == "" {
		ref = "finding:" + x.Rule
	}
	if n := refs[ref]; n > 0 {
		refs[ref]++
		ref = fmt.Sprintf("%s-%d", ref, n)
	} else {
		refs[ref] = 1
	}
	v := cdx.Vulnerability{
		BOMRef: ref, ID: x.Rule, Source: src,
		Ratings: &[]cdx.VulnerabilityRating{{Source: src, Severity: cdxSeverity[x.Severity], Method: cdx.ScoringMethodOther,
			Justification: "class " + string(x.Class)}},
		Detail:  detail(x),
		Affects: &[]cdx.Affects{{Ref: affected(f, x.Location)}},
	}
	props := []cdx.Property{{Name: "modelgate:class", Value: string(x.Class)}, {Name: "modelgate:location", Value: x.Location}}
	if x.Evidence != "" {
		props = append(props, cdx.Property{Name: "modelgate:evidence", Value: x.Evidence})
	}
	if x.Fingerprint != "" {
		props = append(props, cdx.Property{Name: "modelgate:fingerprint", Value: x.Fingerprint})
	}
	v.Properties = &props
	if rule, ok := rules.Lookup(x.Rule); ok {
		v.Description = rule.Markdown()
		v.Recommendation = rule.Remediation
		v.References, v.Advisories = references(rule.References)
	}
	return v
}

func detail(x finding.Finding) string {
	s := x.Title + ": " + x.Message + " (at " + x.Location + ")"
	if x.Evidence != "" {
		s += ". Evidence: " + x.Evidence
	}
	return s
}

// affected is the bom-ref of the deepest artifact a location lies in.
func affected(f finding.File, loc string) string {
	best := f.Path
	for _, a := range f.Artifacts {
		if len(a.Location) > len(best) && (loc == a.Location || strings.HasPrefix(loc, a.Location+"!") ||
			strings.HasPrefix(loc, a.Location+"@") || strings.HasPrefix(loc, a.Location+"#")) {
			best = a.Location
		}
	}
	return best
}

// references splits a rule's references into advisory identifiers (CVE,
// GHSA) and advisory URLs.
func references(list []string) (*[]cdx.VulnerabilityReference, *[]cdx.Advisory) {
	var refs []cdx.VulnerabilityReference
	var advs []cdx.Advisory
	for _, r := range list {
		switch {
		case strings.HasPrefix(r, "CVE-"):
			refs = append(refs, cdx.VulnerabilityReference{ID: r, Source: &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + r}})
		case strings.HasPrefix(r, "GHSA-"):
			refs = append(refs, cdx.VulnerabilityReference{ID: r, Source: &cdx.Source{Name: "GitHub Advisory Database", URL: "https://github.com/advisories/" + r}})
		case strings.HasPrefix(r, "https://"):
			url, title, _ := strings.Cut(r, " ")
			advs = append(advs, cdx.Advisory{URL: url, Title: strings.Trim(title, "()\" ")})
		}
	}
	var rp *[]cdx.VulnerabilityReference
	var ap *[]cdx.Advisory
	if len(refs) > 0 {
		rp = &refs
	}
	if len(advs) > 0 {
		ap = &advs
	}
	return rp, ap
}

// ruleURL is where a rule's page is published.
func ruleURL(id string) string {
	return InformationURI + "/blob/main/docs/rules.md#" + strings.ToLower(id)
}

// uuid4 is a random RFC 4122 version 4 UUID: CycloneDX wants a new serial
// number for every BOM, even of unchanged content.
func uuid4() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
