package gguf_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/analyze/gguf"
	"github.com/modelgate/modelgate/internal/engine"
	"github.com/modelgate/modelgate/internal/format/gguf/ggufwrite"
	"github.com/modelgate/modelgate/internal/scantest"
)

// ggml type ids used below.
const (
	f32  = 0
	q4k  = 12
	q6k  = 14
	size = 144 // Q4_K bytes per 256 elements
)

// llama7B writes the header of a Llama-2-7B Q4_K_M GGUF: 19 metadata keys
// (20 with merges) with a vocabulary of vocab tokens and a chat template,
// 291 tensor infos. It returns the header and the size of the whole file
// (about 4 GB).
func llama7B(template string, vocabSize, merges int) ([]byte, int64) {
	type tensor struct {
		name string
		dims []uint64
		typ  uint32
	}
	ts := []tensor{{"token_embd.weight", []uint64{4096, 32000}, q4k}}
	for i := 0; i < 32; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		ts = append(ts, tensor{p + "attn_norm.weight", []uint64{4096}, f32})
		for _, n := range []string{"attn_q", "attn_k", "attn_v", "attn_output"} {
			ts = append(ts, tensor{p + n + ".weight", []uint64{4096, 4096}, q4k})
		}
		ts = append(ts, tensor{p + "ffn_norm.weight", []uint64{4096}, f32},
			tensor{p + "ffn_gate.weight", []uint64{4096, 11008}, q4k},
			tensor{p + "ffn_up.weight", []uint64{4096, 11008}, q4k},
			tensor{p + "ffn_down.weight", []uint64{11008, 4096}, q6k})
	}
	ts = append(ts, tensor{"output_norm.weight", []uint64{4096}, f32}, tensor{"output.weight", []uint64{4096, 32000}, q6k})

	vocab := make([]string, vocabSize)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("\u2581tok%d", i)
	}
	w := ggufwrite.New(3, binary.LittleEndian)
	kvs := uint64(19)
	if merges > 0 {
		kvs++
	}
	w.Header(uint64(len(ts)), kvs)
	for _, kv := range [][2]string{{"general.architecture", "llama"}, {"general.name", "LLaMA v2"}, {"tokenizer.ggml.model", "llama"}} {
		w.KVString(kv[0], kv[1])
	}
	for _, kv := range []struct {
		k string
		v uint32
	}{{"llama.context_length", 4096}, {"llama.embedding_length", 4096}, {"llama.block_count", 32}, {"llama.feed_forward_length", 11008},
		{"llama.rope.dimension_count", 128}, {"llama.attention.head_count", 32}, {"llama.attention.head_count_kv", 32},
		{"general.file_type", 15}, {"tokenizer.ggml.bos_token_id", 1}, {"tokenizer.ggml.eos_token_id", 2},
		{"tokenizer.ggml.unknown_token_id", 0}, {"general.quantization_version", 2}} {
		w.KVU32(kv.k, kv.v)
	}
	w.KVStrings("tokenizer.ggml.tokens", vocab)
	w.KVFloats("tokenizer.ggml.scores", vocabSize)
	w.KVFloats("tokenizer.ggml.token_type", vocabSize)
	if merges > 0 {
		pairs := make([]string, merges)
		for i := range pairs {
			pairs[i] = fmt.Sprintf("\u0120t%d o%d", i%977, i)
		}
		w.KVStrings("tokenizer.ggml.merges", pairs)
	}
	w.KVString("tokenizer.chat_template", template)
	var off uint64
	for _, t := range ts {
		w.Tensor(t.name, t.dims, t.typ, off)
		n := t.dims[0]
		if len(t.dims) > 1 {
			n *= t.dims[1]
		}
		switch t.typ {
		case f32:
			n *= 4
		case q4k:
			n = n / 256 * size
		case q6k:
			n = n / 256 * 210
		}
		off += (n + 31) / 32 * 32
	}
	w.Pad(32)
	return w.Bytes(), int64(w.Len()) + int64(off)
}

const llama2Template = `{% for message in messages %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}{% else %}{{ ' ' + message['content'] + eos_token }}{% endif %}{% endfor %}`

// TestHeaderOnly: a 4 GB model is judged from its header; the bytes read
// do not depend on the file size.
func TestHeaderOnly(t *testing.T) {
	head, total := llama7B(llama2Template, 32000, 0)
	f := &scantest.Sparse{Head: head, Size: total}
	s := scantest.NewScope("llama-2-7b.Q4_K_M.gguf", f, total)
	if err := (gguf.Analyzer{}).Analyze(s); err != nil {
		t.Fatal(err)
	}
	if total < 4e9 {
		t.Fatalf("the model is %d bytes, want about 4 GB", total)
	}
	for _, h := range s.Hits {
		if h.Rule != "JINJA-100" {
			t.Errorf("unexpected %s: %s", h.Rule, h.Message)
		}
	}
	if f.Read > int64(len(head))+64<<10 {
		t.Errorf("read %d bytes of a %d-byte header", f.Read, len(head))
	}
}

// TestTemplateLocation: a finding in the template points at the template's
// byte in the file.
func TestTemplateLocation(t *testing.T) {
	const payload = "{{ cycler.__init__.__globals__.os.popen('id') }}"
	for _, version := range []uint32{1, 3} {
		w := ggufwrite.New(version, binary.LittleEndian)
		w.Header(0, 1)
		w.KVString("tokenizer.chat_template.rag", "Hello "+payload)
		s := scantest.NewScope("t.gguf", bytes.NewReader(w.Bytes()), int64(w.Len()))
		if err := (gguf.Analyzer{}).Analyze(s); err != nil {
			t.Fatal(err)
		}
		if len(s.Hits) != 1 || s.Hits[0].Rule != "JINJA-101" {
			t.Fatalf("v%d: hits %+v", version, s.Hits)
		}
		var at int
		fmt.Sscanf(s.Hits[0].At, "@%d", &at)
		if got := string(w.Bytes()[at:]); !strings.HasPrefix(got, "cycler.__init__") {
			t.Errorf("v%d: location %s points at %.20q", version, s.Hits[0].At, got)
		}
	}
}

// TestFindingCap: a hostile file cannot flood the report.
func TestFindingCap(t *testing.T) {
	w := ggufwrite.New(3, binary.LittleEndian)
	w.Header(500, 0)
	for i := 0; i < 500; i++ {
		w.Tensor(fmt.Sprintf("t%d", i), []uint64{8}, f32, 1<<40)
	}
	s := scantest.NewScope("t.gguf", bytes.NewReader(w.Bytes()), int64(w.Len()))
	if err := (gguf.Analyzer{}).Analyze(s); err != nil {
		t.Fatal(err)
	}
	if len(s.Hits) > 25 || !s.Rules()["GGUF-203"] {
		t.Errorf("%d hits: %v", len(s.Hits), s.Rules())
	}
}

// BenchmarkAnalyze4GB: a Llama-2 header (32k vocabulary, 0.9 MB) and a
// Llama-3-sized one (128k vocabulary and 280k merges, 6 MB) on 4 GB models.
func BenchmarkAnalyze4GB(b *testing.B) {
	for _, c := range []struct {
		name          string
		vocab, merges int
	}{{"llama2-vocab", 32000, 0}, {"llama3-vocab", 128256, 280147}} {
		head, total := llama7B(llama2Template, c.vocab, c.merges)
		b.Run(c.name, func(b *testing.B) {
			b.ReportMetric(float64(len(head)), "header-bytes")
			for b.Loop() {
				s := scantest.NewScope("m.gguf", &scantest.Sparse{Head: head, Size: total}, total)
				if err := (gguf.Analyzer{}).Analyze(s); err != nil || len(s.Hits) != 1 {
					b.Fatal(err, s.Hits)
				}
			}
		})
	}
}

// BenchmarkScan4GB scans a sparse 4 GB file through the whole engine.
func BenchmarkScan4GB(b *testing.B) {
	head, total := llama7B(llama2Template, 32000, 0)
	path := filepath.Join(b.TempDir(), "llama-2-7b.Q4_K_M.gguf")
	if err := os.WriteFile(path, head, 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.Truncate(path, total); err != nil {
		b.Fatal(err)
	}
	e := scantest.Engine(engine.Limits{})
	for b.Loop() {
		r := e.Scan(context.Background(), []string{path}).Report
		if r.Files[0].Verdict.String() != "safe" {
			b.Fatalf("verdict %s: %+v", r.Files[0].Verdict, r.Files[0])
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "samples", "gguf", "*.gguf"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := scantest.NewScope("f.gguf", bytes.NewReader(data), int64(len(data)))
		if err := (gguf.Analyzer{}).Analyze(s); err != nil {
			t.Fatalf("analysis of an in-memory file failed: %v", err)
		}
	})
}
