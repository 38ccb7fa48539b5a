// Package gguf analyses GGUF model files (llama.cpp, Ollama, LM Studio,
// llama-cpp-python) from their header alone: counts and lengths against the
// file, tensor shapes and types, where tensor data lies, ambiguous metadata,
// and the chat templates in tokenizer.chat_template*, which Python renderers
// run through Jinja (CVE-2024-34359). Tensor data is never read.
package gguf

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/jinja"
	"github.com/modelgate/modelgate/internal/finding"
	gg "github.com/modelgate/modelgate/internal/format/gguf"
)

// Analyzer is the GGUF analyzer.
type Analyzer struct{}

// Name implements analyze.Analyzer.
func (Analyzer) Name() string { return "gguf" }

// Match implements analyze.Analyzer.
func (Analyzer) Match(a *analyze.Artifact) analyze.Confidence {
	if len(a.Head) >= 8 && string(a.Head[:4]) == gg.Magic {
		return analyze.Magic
	}
	return analyze.No
}

// maxPerRule bounds the findings one rule raises per file.
const maxPerRule = 10

// Analyze implements analyze.Analyzer.
func (Analyzer) Analyze(s analyze.Scope) error {
	ra, err := s.ReaderAt()
	if err != nil {
		return err
	}
	size := s.Artifact().Size
	lim := gg.DefaultLimits()
	lim.Keep = templateKey
	f, err := gg.Read(ra, size, lim)
	var ge *gg.Error
	switch {
	case errors.As(err, &ge):
		headerError(s, ge)
	case err != nil:
		return fmt.Errorf("reading the GGUF header: %w", err)
	}
	if f == nil {
		return nil
	}
	r := &analyze.Capped{Scope: s, Max: maxPerRule}
	defer r.Flush()
	problems(r, f)
	templates(s, f)
	if err == nil {
		tensors(r, f, size)
	}
	return nil
}

func headerError(s analyze.Scope, e *gg.Error) {
	h := analyze.Hit{Rule: "GGUF-201", At: analyze.Offset(e.Off), Evidence: e.Msg}
	switch e.Kind {
	case gg.Oversized:
		h.Message = "a header count or length claims more than the file holds: " + e.Msg +
			"; unchecked llama.cpp builds allocate or copy from such fields (heap overflow)"
	case gg.Truncated:
		h.Message = "the file ends inside its header: " + e.Msg
		h.Severity = finding.Medium
	default:
		h.Message = "the header cannot be parsed: " + e.Msg
		h.Severity = finding.Medium
	}
	s.Report(h)
}

func problems(r *analyze.Capped, f *gg.File) {
	for _, p := range f.Problems {
		rule := "GGUF-204"
		if p.Kind == gg.TooManyDims || p.Kind == gg.LongName {
			rule = "GGUF-202"
		}
		r.Report(analyze.Hit{Rule: rule, At: analyze.Offset(p.Off), Message: p.Detail, Evidence: p.Detail})
	}
}

// templates analyses every string tokenizer.chat_template and
// tokenizer.chat_template.<name>, the keys llama-cpp-python renders.
func templates(s analyze.Scope, f *gg.File) {
	for _, kv := range f.KVs {
		if !templateKey(kv.Key) || kv.Type != gg.String {
			continue
		}
		if kv.Truncated {
			s.Report(analyze.Hit{Rule: "JINJA-201", At: analyze.Offset(kv.ValueOff),
				Message:  fmt.Sprintf("%s is longer than the %d bytes kept for analysis and was not analysed", kv.Key, gg.DefaultLimits().MaxString),
				Evidence: kv.Key})
			continue
		}
		prefix := int64(8)
		if f.Version == 1 {
			prefix = 4
		}
		jinja.Report(s, kv.Str, kv.Key, jinja.Offset(kv.ValueOff+prefix))
	}
}

func templateKey(k string) bool {
	return k == "tokenizer.chat_template" || strings.HasPrefix(k, "tokenizer.chat_template.")
}

// tensors checks shapes, types and the data layout llama.cpp requires: each
// tensor at the running offset, padded to the alignment, inside the file.
func tensors(r *analyze.Capped, f *gg.File, size int64) {
	var expected uint64
	sequential := true
	type span struct {
		t          *gg.Tensor
		start, end uint64
	}
	var spans []span
	for i := range f.Tensors {
		t := &f.Tensors[i]
		at := analyze.Offset(t.Off)
		desc := func() string {
			return fmt.Sprintf("%q %s dims %v offset %d", t.Name, gg.TypeName(t.Type), t.Dims, t.Offset)
		}
		if msg := t.ShapeError(); msg != "" {
			r.Report(analyze.Hit{Rule: "GGUF-202", At: at, Evidence: desc(),
				Message: fmt.Sprintf("tensor %q: %s; loaders that compute its size without checking overflow and corrupt the heap", t.Name, msg)})
			sequential = false
			continue
		}
		n, known := t.Bytes()
		if !known {
			typeProblem(r, t, at, desc)
			sequential = false
			continue
		}
		if t.Offset%f.Alignment != 0 {
			r.Report(analyze.Hit{Rule: "GGUF-203", At: at, Evidence: desc(),
				Message: fmt.Sprintf("tensor %q starts at data offset %d, not a multiple of the alignment %d; llama.cpp refuses the file", t.Name, t.Offset, f.Alignment)})
		} else if sequential && t.Offset != expected {
			r.Report(analyze.Hit{Rule: "GGUF-203", At: at, Evidence: desc(),
				Message: fmt.Sprintf("tensor %q starts at data offset %d where llama.cpp expects %d: tensors overlap or leave gaps", t.Name, t.Offset, expected)})
		}
		end := t.Offset + n
		if end < t.Offset || int64(end) < 0 || f.DataStart+int64(end) > size || f.DataStart+int64(end) < f.DataStart {
			r.Report(analyze.Hit{Rule: "GGUF-203", At: at, Evidence: desc(),
				Message: fmt.Sprintf("tensor %q's %d bytes of data end past the end of the %d-byte file; loaders that trust the header read out of bounds", t.Name, n, size)})
		}
		expected = alignUp(max(expected, end), f.Alignment)
		spans = append(spans, span{t, t.Offset, end})
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for i := 1; i < len(spans); i++ {
		if p, c := spans[i-1], spans[i]; c.start < p.end && c.end > c.start {
			r.Report(analyze.Hit{Rule: "GGUF-203", At: analyze.Offset(c.t.Off),
				Message:  fmt.Sprintf("tensors %q and %q share bytes", p.t.Name, c.t.Name),
				Evidence: fmt.Sprintf("%q [%d, %d) overlaps %q [%d, %d)", c.t.Name, c.start, c.end, p.t.Name, p.start, p.end)})
		}
	}
}

// typeProblem reports a tensor type this parser cannot size: removed ids
// and absurd ids are anomalies; unassigned ids below the plausible limit
// may be newer than this table and are left alone.
func typeProblem(r *analyze.Capped, t *gg.Tensor, at string, desc func() string) {
	switch {
	case t.Type > gg.MaxPlausibleType:
		r.Report(analyze.Hit{Rule: "GGUF-202", At: at, Evidence: desc(),
			Message: fmt.Sprintf("tensor %q has type id %d, far beyond every ggml type: loaders that index their type table with it read out of bounds", t.Name, t.Type)})
	case removedType(t.Type):
		r.Report(analyze.Hit{Rule: "GGUF-202", At: at, Evidence: desc(), Severity: finding.Medium,
			Message: fmt.Sprintf("tensor %q has type id %d, which ggml removed; llama.cpp refuses the file", t.Name, t.Type)})
	}
}

func removedType(id uint32) bool {
	return id == 4 || id == 5 || id >= 31 && id <= 33 || id >= 36 && id <= 38
}

func alignUp(n, a uint64) uint64 {
	if r := n % a; r != 0 {
		return n + a - r
	}
	return n
}
