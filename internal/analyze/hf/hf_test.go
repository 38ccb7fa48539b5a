package hf_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/hf"
	"github.com/modelgate/modelgate/internal/scantest"
)

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		name, head string
		want       analyze.Confidence
	}{
		{"x.json", `{"added_tokens_decoder": {`, analyze.Structure},
		{"x.json", "\ufeff {\n  \"chat_template\": \"{{ x }}\"", analyze.Structure},
		{"config.json", `{"foo": 1}`, analyze.Name},
		{"package.json", `{"name": "left-pad"}`, analyze.No},
		{"tokenizer_config.json", `[1, 2]`, analyze.No},
	} {
		if got := (hf.Analyzer{}).Match(&analyze.Artifact{Name: c.name, Head: []byte(c.head)}); got != c.want {
			t.Errorf("%s %q: %v, want %v", c.name, c.head, got, c.want)
		}
	}
}

// TestWalk: in a model directory, configs and templates are recognised by
// content, other JSON is skipped, and a template past the first kilobytes
// of a tokenizer config is found.
func TestWalk(t *testing.T) {
	dir := t.TempDir()
	pad := map[string]string{}
	for i := 0; i < 500; i++ {
		pad[strings.Repeat("k", 8)+string(rune('a'+i%26))+strings.Repeat("x", i%7)] = strings.Repeat("v", 20)
	}
	cfg, _ := json.Marshal(map[string]any{"added_tokens_decoder": pad,
		"chat_template": "{{ lipsum.__globals__['os'].popen('id').read() }}"})
	files := map[string]string{
		"tokenizer_config.json":       string(cfg),
		"chat_template.json":          `{"chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}"}`,
		"templates/tool_use.jinja":    "{% for m in messages %}{{ m['content'] }}{% endfor %}",
		"renamed_template.txt":        "{%- for message in messages %}{{ message.content }}{% endfor %}",
		"package.json":                `{"name": "x", "version": "1.0.0"}`,
		"generation_config.json":      `{"do_sample": true, "temperature": 0.6}`,
		"config.json":                 `{"architectures": ["X"], "auto_map": {"AutoModel": "modeling_x.X"}}`,
		"special_tokens_map.json":     `{"bos_token": "<s>"}`,
		"README.md":                   "# a model\n",
		"weights/notes_with_curly.md": "Use {{ placeholders }} in prompts.\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := scantest.Scan(t, dir)
	got := map[string][]string{}
	for _, f := range r.Files {
		rel, _ := filepath.Rel(dir, f.Path)
		var rules []string
		for x := range scantest.Rules(f) {
			rules = append(rules, x)
		}
		sort.Strings(rules)
		got[filepath.ToSlash(rel)] = rules
	}
	want := map[string]string{
		"tokenizer_config.json":    "JINJA-101",
		"chat_template.json":       "JINJA-100",
		"templates/tool_use.jinja": "JINJA-100",
		"renamed_template.txt":     "JINJA-100",
		"config.json":              "HF-100",
	}
	for name, rule := range want {
		if strings.Join(got[name], ",") != rule {
			t.Errorf("%s: %v, want %s", name, got[name], rule)
		}
	}
	if len(got) != len(want) || r.Summary.Skipped != len(files)-len(want) {
		t.Errorf("scanned %v, skipped %d", got, r.Summary.Skipped)
	}
}
