package jinja

import (
	"testing"

	"github.com/modelgate/modelgate/internal/analyze"
)

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		name, head string
		want       analyze.Confidence
	}{
		{"chat_template.jinja", "{%- for message in messages %}{{ message.content }}{% endfor %}", analyze.Structure},
		{"prompt.txt", "\n{{ bos_token }}{% for m in messages %}{% endfor %}", analyze.Structure},
		{"tokenization_x.py", "from transformers import X\n\nDEFAULT = \"{% for message in messages %}{{ message.content }}{% endfor %}\"\n", analyze.No},
		{"tokenizer_config.json", `{"chat_template": "{% for message in messages %}{% endfor %}"}`, analyze.No},
		{"notes.md", "Use {{ placeholders }} in messages.", analyze.No},
		{"tool_use.jinja", "<s>[INST] {{ prompt }} [/INST]", analyze.Name},
		{"blob.jinja", "\x00\x01{{ messages }}", analyze.No},
	} {
		if got := (Analyzer{}).Match(&analyze.Artifact{Name: c.name, Head: []byte(c.head)}); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
