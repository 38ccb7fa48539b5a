// Package hf analyses Hugging Face JSON configs: the chat templates of
// tokenizer_config.json, chat_template.json and processor configs (rendered
// through Jinja by transformers, vLLM, TGI and llama-cpp-python), and the
// auto_map entries of config.json and tokenizer_config.json, which load
// Python modules from the repository when trust_remote_code=True.
package hf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/jinja"
	"github.com/modelgate/modelgate/internal/format/jsonx"
)

// Analyzer is the Hugging Face config analyzer.
type Analyzer struct{}

// Name implements analyze.Analyzer.
func (Analyzer) Name() string { return "hf-config" }

// markers are top-level keys that only Hugging Face configs have; real
// files write their keys sorted, so one of them is near the start.
var markers = []string{`"chat_template"`, `"auto_map"`, `"added_tokens_decoder"`, `"tokenizer_class"`,
	`"model_type"`, `"architectures"`, `"transformers_version"`, `"processor_class"`, `"_name_or_path"`}

var configNames = map[string]bool{"tokenizer_config.json": true, "chat_template.json": true, "config.json": true,
	"processor_config.json": true, "preprocessor_config.json": true}

// Match implements analyze.Analyzer.
func (Analyzer) Match(a *analyze.Artifact) analyze.Confidence {
	h := bytes.TrimLeft(a.Head, " \t\r\n\ufeff")
	if len(h) == 0 || h[0] != '{' {
		return analyze.No
	}
	for _, m := range markers {
		if bytes.Contains(h, []byte(m)) {
			return analyze.Structure
		}
	}
	if configNames[strings.ToLower(a.Name)] {
		return analyze.Name
	}
	return analyze.No
}

// maxDepth bounds nesting; configs are a few levels deep.
const maxDepth = 256

// Analyze implements analyze.Analyzer.
func (Analyzer) Analyze(s analyze.Scope) error {
	r, err := s.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	w := &walker{s: s, dec: jsonx.NewDecoder(skipBOM(r), maxDepth)}
	err = w.document()
	var se *jsonx.SyntaxError
	if errors.As(err, &se) || errors.Is(err, jsonx.ErrDepth) || errors.Is(err, io.ErrUnexpectedEOF) {
		w.fallback(err)
		return nil
	}
	return err
}

func skipBOM(r io.Reader) io.Reader {
	var bom [3]byte
	n, _ := io.ReadFull(r, bom[:])
	if n == 3 && string(bom[:]) == "\ufeff" {
		return r
	}
	return io.MultiReader(bytes.NewReader(bom[:n]), r)
}

type walker struct {
	s   analyze.Scope
	dec *jsonx.Decoder
}

func (w *walker) document() error {
	t, err := w.dec.Next()
	if err != nil {
		return err
	}
	if t.Kind != jsonx.ObjectStart {
		return w.dec.Skip(t)
	}
	for {
		k, err := w.dec.Next()
		if err != nil {
			return err
		}
		if k.Kind == jsonx.ObjectEnd {
			_, err = w.dec.Next()
			if err == io.EOF {
				return nil
			}
			return err
		}
		if k.Dup {
			w.s.Report(analyze.Hit{Rule: "HF-201", At: analyze.Pointer("/" + pointerEscape(k.Text)),
				Message:  fmt.Sprintf("the key %q appears more than once; Python's json keeps the last occurrence, other readers the first", k.Text),
				Evidence: k.Text})
		}
		switch k.Text {
		case "chat_template":
			err = w.chatTemplate()
		case "auto_map":
			err = w.autoMap()
		default:
			var v jsonx.Token
			if v, err = w.dec.Next(); err == nil {
				err = w.dec.Skip(v)
			}
		}
		if err != nil {
			return err
		}
	}
}

// chatTemplate reads a template string or a list of {name, template}.
func (w *walker) chatTemplate() error {
	v, err := w.dec.Next()
	if err != nil {
		return err
	}
	switch v.Kind {
	case jsonx.String:
		jinja.Report(w.s, v.Text, "chat_template", pointer("/chat_template"))
		return nil
	case jsonx.ArrayStart:
		for i := 0; ; i++ {
			e, err := w.dec.Next()
			if err != nil || e.Kind == jsonx.ArrayEnd {
				return err
			}
			if err := w.namedTemplate(e, i); err != nil {
				return err
			}
		}
	}
	return w.dec.Skip(v)
}

// namedTemplate reads one {"name": …, "template": …} entry.
func (w *walker) namedTemplate(e jsonx.Token, i int) error {
	if e.Kind != jsonx.ObjectStart {
		return w.dec.Skip(e)
	}
	name, tmpl, found := strconv.Itoa(i), "", false
	for {
		k, err := w.dec.Next()
		if err != nil {
			return err
		}
		if k.Kind == jsonx.ObjectEnd {
			break
		}
		v, err := w.dec.Next()
		if err != nil {
			return err
		}
		switch {
		case k.Text == "name" && v.Kind == jsonx.String:
			name = v.Text
		case k.Text == "template" && v.Kind == jsonx.String:
			tmpl, found = v.Text, true
		default:
			if err := w.dec.Skip(v); err != nil {
				return err
			}
		}
	}
	if found {
		jinja.Report(w.s, tmpl, "chat_template["+name+"]", pointer(fmt.Sprintf("/chat_template/%d/template", i)))
	}
	return nil
}

// autoMap collects "AutoClass": "module.Class" entries (tokenizers map to a
// [slow, fast] pair).
func (w *walker) autoMap() error {
	v, err := w.dec.Next()
	if err != nil || v.Kind != jsonx.ObjectStart {
		if err == nil {
			err = w.dec.Skip(v)
		}
		return err
	}
	var entries, remote []string
	for {
		k, err := w.dec.Next()
		if err != nil {
			return err
		}
		if k.Kind == jsonx.ObjectEnd {
			break
		}
		refs, err := w.stringList()
		if err != nil {
			return err
		}
		for _, ref := range refs {
			entries = append(entries, k.Text+": "+ref)
			if repo, _, ok := strings.Cut(ref, "--"); ok {
				remote = append(remote, repo)
			}
		}
	}
	if len(entries) == 0 {
		return nil
	}
	msg := fmt.Sprintf("auto_map names %d classes whose Python code is downloaded and run when the model is loaded with trust_remote_code=True", len(entries))
	if len(remote) > 0 {
		msg += "; some come from other repositories: " + strings.Join(unique(remote), ", ")
	}
	w.s.Report(analyze.Hit{Rule: "HF-100", At: analyze.Pointer("/auto_map"), Message: msg, Evidence: strings.Join(entries, "; ")})
	return nil
}

// stringList reads a string, or the strings of an array (nulls skipped).
func (w *walker) stringList() ([]string, error) {
	v, err := w.dec.Next()
	if err != nil {
		return nil, err
	}
	switch v.Kind {
	case jsonx.String:
		return []string{v.Text}, nil
	case jsonx.ArrayStart:
		var out []string
		for {
			e, err := w.dec.Next()
			if err != nil || e.Kind == jsonx.ArrayEnd {
				return out, err
			}
			if e.Kind == jsonx.String {
				out = append(out, e.Text)
			} else if err := w.dec.Skip(e); err != nil {
				return out, err
			}
		}
	}
	return nil, w.dec.Skip(v)
}

// fallback handles JSON that strict parsing refuses but Python's json may
// accept (NaN, lone surrogates): the templates cannot be located reliably,
// so the whole text is scanned for escape names.
func (w *walker) fallback(cause error) {
	w.s.Report(analyze.Hit{Rule: "HF-201", At: analyze.Offset(w.dec.Offset()),
		Message:  "the file is not strictly valid JSON (" + cause.Error() + "); lenient readers such as Python's json may still load it, so its text was scanned as a whole",
		Evidence: cause.Error()})
	r, err := w.s.Open()
	if err != nil {
		w.s.Incomplete(err)
		return
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, 4*jinja.MaxTemplate))
	if err != nil {
		w.s.Incomplete(err)
		return
	}
	for _, f := range jinja.TokenScan(string(b)) {
		rule := "JINJA-102"
		if f.Kind == jinja.KindExec {
			rule = "JINJA-101"
		}
		w.s.Report(analyze.Hit{Rule: rule, At: analyze.Offset(int64(f.Pos)), Message: "in the file's text: " + f.Message, Evidence: f.Evidence})
	}
}

func pointer(p string) func(int) string {
	return func(int) string { return analyze.Pointer(p) }
}

// pointerEscape escapes a key for a JSON pointer (RFC 6901).
func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func unique(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
