package jinja

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/finding"
)

// Report analyses one chat template found in an artifact and reports the
// JINJA rules. where names the template ("tokenizer.chat_template",
// "chat_template[tool_use]"); at turns a byte position in the template into
// a location suffix (analyze.Offset or analyze.Pointer).
func Report(s analyze.Scope, src, where string, at func(pos int) string) {
	r := Inspect(src)
	if len(r.Findings) == 0 {
		s.Report(analyze.Hit{Rule: "JINJA-100", At: at(0),
			Message:  fmt.Sprintf("%s: %d-byte chat template parsed and analysed; it uses no sandbox escape", where, len(src)),
			Evidence: clip(firstLine(src), 120)})
		return
	}
	for _, f := range r.Findings {
		rule, sev := ruleOf(f.Kind)
		s.Report(analyze.Hit{Rule: rule, Severity: sev, At: at(f.Pos),
			Message:  fmt.Sprintf("%s (template byte %d): %s", where, f.Pos, f.Message),
			Evidence: f.Evidence})
	}
}

func ruleOf(k Kind) (string, finding.Severity) {
	switch k {
	case KindExec:
		return "JINJA-101", 0
	case KindEscape:
		return "JINJA-102", 0
	case KindDynamic, KindObfuscated, KindFreeSink:
		return "JINJA-102", finding.Medium
	case KindLoad:
		return "JINJA-103", 0
	}
	return "JINJA-201", 0
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Analyzer analyses standalone template files (chat_template.jinja,
// additional_chat_templates/*.jinja).
type Analyzer struct{}

// Name implements analyze.Analyzer.
func (Analyzer) Name() string { return "jinja" }

// chatMarkers are names every chat template refers to.
var chatMarkers = []string{"messages", "message[", "message.", "add_generation_prompt", "bos_token", "eos_token"}

// Match implements analyze.Analyzer: text that opens with a Jinja tag and
// speaks of chat messages, or a .jinja name. Source files that merely hold
// a template in a string (remote-code tokenizers) do not open with a tag,
// and JSON objects are left to the config analyzer.
func (Analyzer) Match(a *analyze.Artifact) analyze.Confidence {
	h := a.Head
	if !utf8.Valid(trimIncompleteRune(h)) || bytes.IndexByte(h, 0) >= 0 {
		return analyze.No
	}
	t := bytes.TrimLeft(h, " \t\r\n\ufeff")
	if bytes.HasPrefix(t, []byte("{%")) || bytes.HasPrefix(t, []byte("{{")) || bytes.HasPrefix(t, []byte("{#")) {
		for _, m := range chatMarkers {
			if bytes.Contains(h, []byte(m)) {
				return analyze.Structure
			}
		}
	}
	name := strings.ToLower(a.Name)
	if strings.HasSuffix(name, ".jinja") || strings.HasSuffix(name, ".jinja2") || strings.HasSuffix(name, ".j2") {
		return analyze.Name
	}
	return analyze.No
}

// trimIncompleteRune drops a UTF-8 sequence cut by the end of the head.
func trimIncompleteRune(b []byte) []byte {
	for i := 1; i <= 3 && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

// Analyze implements analyze.Analyzer.
func (Analyzer) Analyze(s analyze.Scope) error {
	r, err := s.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	// Inspect parses up to MaxTemplate bytes and token-scans beyond that;
	// past four times that the file is not a chat template anyone renders.
	b, err := io.ReadAll(io.LimitReader(r, 4*MaxTemplate))
	if err != nil {
		return err
	}
	if !utf8.Valid(b) {
		s.Report(analyze.Hit{Rule: "JINJA-201", Message: "the template is not valid UTF-8, which Jinja refuses; it was scanned token by token",
			Evidence: clip(string(b), 120)})
	}
	Report(s, string(b), s.Artifact().Name, Offset(0))
	if n, _ := io.CopyN(io.Discard, r, 1); n > 0 {
		return fmt.Errorf("template longer than %d bytes was analysed only in part", 4*MaxTemplate)
	}
	return nil
}

// Offset adapts analyze.Offset to Report's position callback.
func Offset(base int64) func(int) string {
	return func(pos int) string { return analyze.Offset(base + int64(pos)) }
}
