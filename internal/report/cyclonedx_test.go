package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/xeipuuv/gojsonschema"

	"github.com/modelgate/modelgate/internal/analyze/all"
	"github.com/modelgate/modelgate/internal/engine"
	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/rules"
	"github.com/modelgate/modelgate/internal/scantest"
)

// schema16 compiles the CycloneDX 1.6 JSON schema shipped in the
// cyclonedx-go module (already in the module cache, as a dependency), with
// the SPDX and JSF schemas it references registered under their $id, so
// nothing is fetched from the network.
func schema16(t *testing.T) *gojsonschema.Schema {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if p, err := exec.LookPath("go"); err == nil {
		gobin = p
	}
	out, err := exec.Command(gobin, "list", "-m", "-f", "{{.Dir}}", "github.com/CycloneDX/cyclonedx-go").Output()
	if err != nil {
		t.Fatalf("locating the cyclonedx-go module: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "schema")
	file := func(name string) gojsonschema.JSONLoader {
		return gojsonschema.NewReferenceLoader("file://" + filepath.ToSlash(filepath.Join(dir, name)))
	}
	sl := gojsonschema.NewSchemaLoader()
	sl.Validate = true
	if err := sl.AddSchemas(file("spdx.schema.json"), file("jsf-0.82.schemax.json")); err != nil {
		t.Fatal(err)
	}
	s, err := sl.Compile(file("bom-1.6.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *gojsonschema.Schema, doc []byte) []string {
	t.Helper()
	res, err := s.Validate(gojsonschema.NewBytesLoader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	for _, e := range res.Errors() {
		errs = append(errs, e.String())
	}
	return errs
}

// aiBOM scans samples with digests, gives every file a decision and a
// fingerprint per finding, and writes the BOM.
func aiBOM(t *testing.T) (*finding.Report, []byte) {
	t.Helper()
	e := engine.New(engine.Options{Analyzers: all.Analyzers(), Layouts: all.Layouts(), Jobs: 2, Digest: true})
	var paths []string
	for _, s := range []string{"archive/nested.tar.gz", "archive/deep_nested.tar", "pickle/user_class_v2.pkl",
		"torch/torchscript.pt", "numpy/object_array.npy", "numpy/float_array.npy", "misc/png_named.pt", "joblib/payload_after_array_xz.joblib",
		"onnx/custom_domain.onnx", "safetensors/polyglot_zip.safetensors", "gguf/ssti_chat_template.gguf", "hf/tokenizer_config_auto_map.json", "tf/pyfunc.pb"} {
		paths = append(paths, filepath.Join(scantest.Samples(), s))
	}
	rep := e.Scan(context.Background(), paths).Report
	rep.Tool = finding.Tool{Name: "modelgate", Version: "0.1.0"}
	rep.Policy = &finding.PolicyInfo{FailOn: "suspicious", Config: "modelgate.yaml"}
	for i := range rep.Files {
		f := &rep.Files[i]
		f.Decision = &finding.Decision{Action: finding.Allow, Rule: "default", Message: "nothing was found"}
		for j := range f.Findings {
			f.Findings[j].Fingerprint = strings.Repeat("ab", 16)
		}
	}
	var buf bytes.Buffer
	if err := writeCycloneDX(&buf, &rep, Options{}); err != nil {
		t.Fatal(err)
	}
	return &rep, buf.Bytes()
}

func TestCycloneDXValidatesAgainstTheSchema(t *testing.T) {
	// Any attempt to fetch a schema would fail here rather than pass by luck.
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:9")
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:9")
	s := schema16(t)
	_, doc := aiBOM(t)
	if errs := validate(t, s, doc); len(errs) > 0 {
		t.Fatalf("the AI-BOM is not valid CycloneDX 1.6:\n%s", strings.Join(errs, "\n"))
	}
	// The validator does catch a broken BOM.
	broken := bytes.Replace(doc, []byte(`"severity": "critical"`), []byte(`"severity": "catastrophic"`), 1)
	broken = bytes.Replace(broken, []byte(`"type": "machine-learning-model"`), []byte(`"type": "model"`), 1)
	if errs := validate(t, s, broken); len(errs) < 2 {
		t.Fatalf("a broken BOM passed: %v", errs)
	}
}

func TestCycloneDXMapping(t *testing.T) {
	rep, doc := aiBOM(t)
	var bom cdx.BOM
	if err := json.Unmarshal(doc, &bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 || !strings.HasPrefix(bom.SerialNumber, "urn:uuid:") || bom.Metadata.Timestamp == "" {
		t.Fatalf("header %+v", bom)
	}
	comps := *bom.Components
	if len(comps) != len(rep.Files) {
		t.Fatalf("%d components for %d files", len(comps), len(rep.Files))
	}
	refs := map[string]bool{}
	var walk func([]cdx.Component)
	walk = func(cs []cdx.Component) {
		for _, c := range cs {
			refs[c.BOMRef] = true
			if c.Components != nil {
				walk(*c.Components)
			}
		}
	}
	walk(comps)
	findings := 0
	for i, c := range comps {
		f := rep.Files[i]
		findings += len(f.Findings)
		props := map[string][]string{}
		for _, p := range *c.Properties {
			props[p.Name] = append(props[p.Name], p.Value)
		}
		switch {
		case c.Type != cdx.ComponentTypeMachineLearningModel || c.BOMRef != f.Path:
			t.Errorf("%s: component %+v", f.Path, c)
		case c.Hashes == nil || (*c.Hashes)[0].Algorithm != cdx.HashAlgoSHA256 || (*c.Hashes)[0].Value != f.SHA256:
			t.Errorf("%s: hashes %+v", f.Path, c.Hashes)
		case strings.Join(props["modelgate:format"], ",") != strings.Join(f.Formats, ","):
			t.Errorf("%s: formats %v", f.Path, props["modelgate:format"])
		case props["modelgate:decision"][0] != "allow" || props["modelgate:decision:rule"][0] != "default":
			t.Errorf("%s: decision %v", f.Path, props)
		case len(f.Artifacts) > 0 && c.Components == nil:
			t.Errorf("%s: nested artifacts missing", f.Path)
		}
	}
	if !refs[filepath.Join(scantest.Samples(), "archive/nested.tar.gz")+"!nested.tar!release/model.zip!ckpt/data.pkl"] {
		t.Errorf("the three-level nesting is not in the tree: %v", refs)
	}
	vulns := *bom.Vulnerabilities
	if len(vulns) != findings {
		t.Fatalf("%d vulnerabilities for %d findings", len(vulns), findings)
	}
	seen := map[string]bool{}
	for _, v := range vulns {
		r := rules.MustLookup(v.ID)
		switch {
		case seen[v.BOMRef]:
			t.Errorf("bom-ref %s twice", v.BOMRef)
		case v.Description != r.Markdown() || v.Recommendation != r.Remediation:
			t.Errorf("%s: the rule page is not the description", v.ID)
		case (*v.Ratings)[0].Severity == "" || v.Source.URL == "":
			t.Errorf("%s: rating %+v, source %+v", v.ID, v.Ratings, v.Source)
		case !refs[(*v.Affects)[0].Ref]:
			t.Errorf("%s affects %s, which is not a component", v.ID, (*v.Affects)[0].Ref)
		}
		seen[v.BOMRef] = true
	}
}

func TestCycloneDXSerialNumbersDiffer(t *testing.T) {
	r := &finding.Report{Tool: finding.Tool{Name: "modelgate", Version: "0"}}
	a, _ := BuildCycloneDX(r, time.Now())
	b, _ := BuildCycloneDX(r, time.Now())
	if a.SerialNumber == b.SerialNumber {
		t.Fatal("two BOMs share a serial number")
	}
}
