package safetensors_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/pickle"
	"github.com/modelgate/modelgate/internal/analyze/safetensors"
	"github.com/modelgate/modelgate/internal/engine"
	"github.com/modelgate/modelgate/internal/scantest"
)

// shard writes the header of a 4.3 GB Llama shard (BF16): the embeddings
// and ten decoder layers, offsets contiguous as the reference writer lays
// them out. It returns the header and the whole file size.
func shard() ([]byte, int64) {
	type entry struct {
		DType   string   `json:"dtype"`
		Shape   []uint64 `json:"shape"`
		Offsets []uint64 `json:"data_offsets"`
	}
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var off uint64
	add := func(name string, shape ...uint64) {
		n := uint64(2)
		for _, d := range shape {
			n *= d
		}
		header[name] = entry{"BF16", shape, []uint64{off, off + n}}
		off += n
	}
	add("model.embed_tokens.weight", 32000, 4096)
	for i := 0; i < 10; i++ {
		p := fmt.Sprintf("model.layers.%d.", i)
		add(p+"input_layernorm.weight", 4096)
		for _, m := range []string{"q_proj", "k_proj", "v_proj", "o_proj"} {
			add(p+"self_attn."+m+".weight", 4096, 4096)
		}
		for _, m := range []string{"gate_proj", "up_proj"} {
			add(p+"mlp."+m+".weight", 11008, 4096)
		}
		add(p+"mlp.down_proj.weight", 4096, 11008)
		add(p+"post_attention_layernorm.weight", 4096)
	}
	js, _ := json.Marshal(header)
	for len(js)%8 != 0 {
		js = append(js, ' ')
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(js)))
	b.Write(js)
	return b.Bytes(), int64(b.Len()) + int64(off)
}

func TestHeaderOnly(t *testing.T) {
	head, total := shard()
	f := &scantest.Sparse{Head: head, Size: total}
	s := scantest.NewScope("model-00001-of-00002.safetensors", f, total)
	if err := (safetensors.Analyzer{}).Analyze(s); err != nil {
		t.Fatal(err)
	}
	if total < 4e9 || len(s.Hits) != 0 || len(s.Children) != 0 {
		t.Fatalf("%d-byte file: hits %+v children %v", total, s.Hits, s.Children)
	}
	if f.Read > int64(len(head))+64<<10 {
		t.Errorf("read %d bytes of a %d-byte header", f.Read, len(head))
	}
}

// TestMatch: a pickle shaped to put '{"' at byte 8 under a plausible
// length must not be taken for safetensors (its payload would go unread).
func TestMatch(t *testing.T) {
	head, total := shard()
	crafted := []byte("\x80\x02X\x05\x00\x00\x00\x00{\"a\"\x94.")
	broken := []byte("\xff\xff\xff\xff\xff\xff\xff\xff{\"x\": 1}")
	// Float tensor bytes with '{' at offset 8 (one member in 256 of a
	// checkpoint) must not be claimed.
	tensor := []byte("\xc3\x5a\x1f\x3e\x00\x80\xa8\x3e{\x9c\x11\xbf\x02\xfa")
	for _, c := range []struct {
		name, file string
		head       []byte
		size       int64
		st, pickle analyze.Confidence
	}{
		{"llama shard", "model.bin", head[:analyze.HeadSize], total, analyze.Structure, analyze.No},
		{"crafted pickle", "model.bin", crafted, 95_000_000, analyze.No, analyze.Structure},
		{"broken header named safetensors", "model.safetensors", broken, 100, analyze.Name, analyze.No},
		{"broken header under another name", "model.bin", broken, 100, analyze.No, analyze.No},
		{"tensor bytes", "archive/data/7", tensor, 4096, analyze.No, analyze.No},
	} {
		a := &analyze.Artifact{Name: c.file, Head: c.head, Size: c.size}
		if got := (safetensors.Analyzer{}).Match(a); got != c.st {
			t.Errorf("%s: safetensors %v, want %v", c.name, got, c.st)
		}
		if got := (pickle.Analyzer{}).Match(a); got != c.pickle {
			t.Errorf("%s: pickle %v, want %v", c.name, got, c.pickle)
		}
	}
}

func TestFindingCap(t *testing.T) {
	var entries []string
	for i := 0; i < 300; i++ {
		entries = append(entries, fmt.Sprintf(`"t%d":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}`, i))
	}
	js := "{" + join(entries) + "}"
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(js)))
	b.WriteString(js)
	b.Write(make([]byte, 4))
	s := scantest.NewScope("x.safetensors", bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err := (safetensors.Analyzer{}).Analyze(s); err != nil {
		t.Fatal(err)
	}
	if len(s.Hits) != 11 || !s.Rules()["SAFETENSORS-204"] {
		t.Errorf("%d hits (want 10 and a summary): %v", len(s.Hits), s.Rules())
	}
}

func join(xs []string) string {
	var b bytes.Buffer
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(x)
	}
	return b.String()
}

func BenchmarkAnalyze4GB(b *testing.B) {
	head, total := shard()
	b.ReportMetric(float64(len(head)), "header-bytes")
	for b.Loop() {
		s := scantest.NewScope("m.safetensors", &scantest.Sparse{Head: head, Size: total}, total)
		if err := (safetensors.Analyzer{}).Analyze(s); err != nil || len(s.Hits) != 0 {
			b.Fatal(err, s.Hits)
		}
	}
}

// BenchmarkScan4GB scans a sparse 4 GB file through the whole engine.
func BenchmarkScan4GB(b *testing.B) {
	head, total := shard()
	path := filepath.Join(b.TempDir(), "model-00001-of-00002.safetensors")
	if err := os.WriteFile(path, head, 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.Truncate(path, total); err != nil {
		b.Fatal(err)
	}
	e := scantest.Engine(engine.Limits{})
	for b.Loop() {
		r := e.Scan(context.Background(), []string{path}).Report
		if r.Files[0].Verdict.String() != "safe" || len(r.Files[0].Findings) != 0 {
			b.Fatalf("%+v", r.Files[0])
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "samples", "safetensors", "*.safetensors"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := scantest.NewScope("f.safetensors", bytes.NewReader(data), int64(len(data)))
		if err := (safetensors.Analyzer{}).Analyze(s); err != nil {
			t.Fatalf("analysis of an in-memory file failed: %v", err)
		}
	})
}
