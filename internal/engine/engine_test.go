package engine_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/all"
	"github.com/modelgate/modelgate/internal/engine"
	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/scantest"
)

func scanWith(t *testing.T, opts engine.Options, paths ...string) finding.Report {
	t.Helper()
	if opts.Analyzers == nil {
		opts.Analyzers, opts.Layouts = all.Analyzers(), all.Layouts()
	}
	return engine.New(opts).Scan(context.Background(), paths).Report
}

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var osSystem = []byte("\x80\x02cos\nsystem\n\x8c\x02id\x85R.")

func TestDeterministicOrder(t *testing.T) {
	report := func(jobs int) string {
		r := scanWith(t, engine.Options{Jobs: jobs}, scantest.Samples(), "../../examples")
		r.Summary.DurationMS = 0
		b, _ := json.Marshal(r)
		return string(b)
	}
	one := report(1)
	for i := 0; i < 3; i++ {
		if report(8) != one {
			t.Fatal("reports differ between --jobs 1 and --jobs 8")
		}
	}
	var r finding.Report
	json.Unmarshal([]byte(one), &r)
	for i := 1; i < len(r.Files); i++ {
		if r.Files[i-1].Path >= r.Files[i].Path {
			t.Fatalf("files not sorted: %s before %s", r.Files[i-1].Path, r.Files[i].Path)
		}
	}
}

// panicky claims everything and panics.
type panicky struct{}

func (panicky) Name() string                               { return "panicky" }
func (panicky) Match(*analyze.Artifact) analyze.Confidence { return analyze.Magic }
func (panicky) Analyze(analyze.Scope) error                { panic("boom") }

func TestPanicBecomesErrorVerdict(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "x.pkl", osSystem)
	r := scanWith(t, engine.Options{Analyzers: []analyze.Analyzer{panicky{}}}, p)
	f := r.Files[0]
	if f.Verdict != finding.Error || len(f.Errors) != 1 || !strings.Contains(f.Errors[0], "panicky analyzer failed (boom)") {
		t.Fatalf("verdict %s errors %v", f.Verdict, f.Errors)
	}
}

// sleeper ignores cancellation.
type sleeper struct{}

func (sleeper) Name() string                               { return "sleeper" }
func (sleeper) Match(*analyze.Artifact) analyze.Confidence { return analyze.Magic }
func (sleeper) Analyze(analyze.Scope) error                { time.Sleep(10 * time.Second); return nil }

// TestTimeBudget also checks that an abandoned analysis does not hold up the
// next file on the same worker.
func TestTimeBudget(t *testing.T) {
	dir := t.TempDir()
	paths := []string{write(t, dir, "a.pkl", osSystem), write(t, dir, "b.pkl", osSystem), write(t, dir, "c.pkl", osSystem)}
	lim := engine.DefaultLimits()
	lim.MaxTime = 100 * time.Millisecond
	start := time.Now()
	r := scanWith(t, engine.Options{Analyzers: []analyze.Analyzer{sleeper{}}, Limits: lim, Jobs: 1}, paths...)
	if time.Since(start) > 3*time.Second {
		t.Fatalf("a stuck analyzer held the scan for %s", time.Since(start))
	}
	for _, f := range r.Files {
		if f.Verdict != finding.Error || !strings.Contains(strings.Join(f.Errors, " "), "did not finish") {
			t.Fatalf("%s: verdict %s errors %v", f.Path, f.Verdict, f.Errors)
		}
	}
}

// nestedZip wraps data in depth levels of zip.
func nestedZip(t *testing.T, data []byte, depth int) []byte {
	for i := 0; i < depth; i++ {
		var buf bytes.Buffer
		z := zip.NewWriter(&buf)
		w, _ := z.CreateHeader(&zip.FileHeader{Name: "inner.zip", Method: zip.Store})
		w.Write(data)
		z.Close()
		data = buf.Bytes()
	}
	return data
}

func TestDepthBudget(t *testing.T) {
	dir := t.TempDir()
	ok := write(t, dir, "ok.zip", nestedZip(t, osSystem, 10))
	deep := write(t, dir, "deep.zip", nestedZip(t, osSystem, 40))
	r := scanWith(t, engine.Options{}, ok, deep)
	byName := map[string]finding.File{}
	for _, f := range r.Files {
		byName[filepath.Base(f.Path)] = f
	}
	if f := byName["ok.zip"]; f.Verdict != finding.MaliciousVerdict {
		t.Errorf("10 levels: verdict %s", f.Verdict)
	}
	f := byName["deep.zip"]
	if _, hit := scantest.Has(f, "ARCHIVE-205"); !hit || len(f.Errors) == 0 {
		t.Errorf("40 levels: findings %v errors %v", scantest.Rules(f), f.Errors)
	}
}

func TestMemberBudget(t *testing.T) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for i := 0; i < 50; i++ {
		w, _ := z.Create(filepath.Join("m", string(rune('a'+i%26)), "x.pkl"))
		w.Write([]byte("\x80\x02N."))
	}
	z.Close()
	p := write(t, t.TempDir(), "many.zip", buf.Bytes())
	lim := engine.DefaultLimits()
	lim.MaxArtifacts = 10
	f := scanWith(t, engine.Options{Limits: lim}, p).Files[0]
	if _, hit := scantest.Has(f, "ARCHIVE-205"); !hit || f.Verdict != finding.SuspiciousVerdict {
		t.Fatalf("verdict %s findings %v errors %v", f.Verdict, scantest.Rules(f), f.Errors)
	}
}

func TestExpansionBudget(t *testing.T) {
	// A gzip stream of a pickle that claims a 200 MiB bytes argument of
	// zeros: it compresses a thousandfold, so the metered reader stops it.
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	hdr := make([]byte, 11)
	copy(hdr, "\x80\x04\x8e")
	binary.LittleEndian.PutUint64(hdr[3:], 200<<20)
	w.Write(hdr)
	zero := make([]byte, 1<<20)
	for i := 0; i < 200; i++ {
		w.Write(zero)
	}
	w.Write([]byte("."))
	w.Close()
	p := write(t, t.TempDir(), "bomb.pkl.gz", gz.Bytes())
	f := scanWith(t, engine.Options{}, p).Files[0]
	if _, hit := scantest.Has(f, "ARCHIVE-205"); !hit || len(f.Errors) == 0 {
		t.Fatalf("verdict %s findings %v errors %v", f.Verdict, scantest.Rules(f), f.Errors)
	}
}

func TestWalk(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "models/a.pkl", osSystem)
	write(t, dir, "models/renamed.txt", osSystem) // content decides
	write(t, dir, "README.md", []byte("# hello\n"))
	write(t, dir, "weights.bin", []byte("not a model at all"))
	write(t, dir, ".git/objects/x.pkl", osSystem)
	outside := write(t, t.TempDir(), "outside.pkl", osSystem)
	os.Symlink(outside, filepath.Join(dir, "link-out.pkl"))
	os.Symlink(filepath.Join(dir, "models", "a.pkl"), filepath.Join(dir, "link-in.pkl"))
	r := scanWith(t, engine.Options{}, dir)
	var got []string
	for _, f := range r.Files {
		rel, _ := filepath.Rel(dir, f.Path)
		got = append(got, rel+"="+f.Verdict.String())
	}
	want := "link-in.pkl=malicious models/a.pkl=malicious models/renamed.txt=malicious weights.bin=safe"
	if strings.Join(got, " ") != want {
		t.Errorf("walk got %v\nwant %s", got, want)
	}
	if r.Summary.Skipped != 1 {
		t.Errorf("skipped %d, want 1 (README.md)", r.Summary.Skipped)
	}
}

func TestMissingAndStdin(t *testing.T) {
	res := engine.New(engine.Options{Analyzers: all.Analyzers(), Layouts: all.Layouts(), Stdin: bytes.NewReader(osSystem)}).
		Scan(context.Background(), []string{"-", "no/such/file.pt"})
	if len(res.Missing) != 1 || res.Missing[0] != "no/such/file.pt" {
		t.Fatalf("missing %v", res.Missing)
	}
	got := map[string]finding.Verdict{}
	for _, f := range res.Report.Files {
		got[f.Path] = f.Verdict
	}
	if got["-"] != finding.MaliciousVerdict || got["no/such/file.pt"] != finding.Error {
		t.Fatalf("verdicts %v", got)
	}
}

func TestDigest(t *testing.T) {
	p := write(t, t.TempDir(), "x.pkl", osSystem)
	f := scanWith(t, engine.Options{Digest: true}, p).Files[0]
	if sum := sha256.Sum256(osSystem); f.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("sha256 %q", f.SHA256)
	}
	if g := scanWith(t, engine.Options{}, p).Files[0]; g.SHA256 != "" {
		t.Fatal("digest without --digest")
	}
}

func TestBombErrorUnwrapsToBudget(t *testing.T) {
	var err error = &analyze.BombError{Reason: "x"}
	if !errors.Is(err, analyze.ErrBudget) {
		t.Fatal("BombError must unwrap to ErrBudget")
	}
}
