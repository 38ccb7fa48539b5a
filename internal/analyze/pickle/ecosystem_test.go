package pickle_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/modelgate/modelgate/internal/analyze/pickle"
	"github.com/modelgate/modelgate/internal/engine"
	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/scantest"
)

// The benign ecosystem corpus (testdata/ecosystem, written by
// testdata/gen/ecosystem.py): real files saved by torch, torchvision,
// scikit-learn, joblib, xgboost, gensim, pandas, scipy, statsmodels, nltk,
// numpy, dill, cloudpickle and CPython 2.7 and 3.6-3.13. Every file must
// come out with its expected verdict and no finding above info.

type manifestEntry struct {
	path, producer, what, verdict string
}

func ecosystemDir() string { return filepath.Join(scantest.Root(), "testdata", "ecosystem") }

func readManifest(t *testing.T) []manifestEntry {
	t.Helper()
	f, err := os.Open(filepath.Join(ecosystemDir(), "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []manifestEntry
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 4 {
			t.Fatalf("MANIFEST.tsv:%d: %d columns, want 4 (path, producer, what, verdict)", n, len(cols))
		}
		out = append(out, manifestEntry{cols[0], cols[1], cols[2], cols[3]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type corpusScan struct {
	report  finding.Report
	entries []manifestEntry
	// seen maps every global the corpus names ("module\tname") to the
	// allowlist entry that admitted it, or to its rule when not safe.
	seen map[string]pickle.Classification
}

var (
	corpusOnce   sync.Once
	corpusResult corpusScan
)

// scanCorpus scans every manifest entry once, in one engine run, recording
// every classification the pickle analyzer makes.
func scanCorpus(t *testing.T) *corpusScan {
	t.Helper()
	corpusOnce.Do(func() {
		entries := readManifest(t)
		var mu sync.Mutex
		seen := map[string]pickle.Classification{}
		pickle.Observe(func(c pickle.Classification) {
			mu.Lock()
			seen[c.Module+"\t"+c.Name] = c
			mu.Unlock()
		})
		defer pickle.Observe(nil)
		paths := make([]string, len(entries))
		for i, e := range entries {
			paths[i] = filepath.Join(ecosystemDir(), filepath.FromSlash(e.path))
		}
		res := scantest.Engine(engine.Limits{}).Scan(context.Background(), paths)
		corpusResult = corpusScan{report: res.Report, entries: entries, seen: seen}
	})
	if corpusResult.entries == nil {
		t.Fatal("the corpus scan failed")
	}
	return &corpusResult
}

// TestEcosystemManifest keeps MANIFEST.tsv and the directory in step.
func TestEcosystemManifest(t *testing.T) {
	entries := readManifest(t)
	listed := map[string]bool{}
	for _, e := range entries {
		if listed[e.path] {
			t.Errorf("%s is listed twice", e.path)
		}
		listed[e.path] = true
		if e.verdict != "safe" {
			t.Errorf("%s: expected verdict %q; the benign corpus holds only safe files", e.path, e.verdict)
		}
		if e.producer == "" || e.what == "" {
			t.Errorf("%s: producer and description are required", e.path)
		}
	}
	root := ecosystemDir()
	n := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == "MANIFEST.tsv" {
			return nil
		}
		n++
		if !listed[rel] {
			t.Errorf("%s is in testdata/ecosystem but not in MANIFEST.tsv", rel)
		}
		delete(listed, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for rel := range listed {
		t.Errorf("%s is in MANIFEST.tsv but missing", rel)
	}
	if n < 300 {
		t.Errorf("the corpus holds %d files; the issue asks for at least 300", n)
	}
}

// TestEcosystemCorpusIsSafe scans every file: each must have its expected
// verdict, no error and no finding above info.
func TestEcosystemCorpusIsSafe(t *testing.T) {
	cs := scanCorpus(t)
	byPath := map[string]finding.File{}
	for _, f := range cs.report.Files {
		rel, err := filepath.Rel(ecosystemDir(), f.Path)
		if err != nil {
			t.Fatal(err)
		}
		byPath[filepath.ToSlash(rel)] = f
	}
	for _, e := range cs.entries {
		f, ok := byPath[e.path]
		if !ok {
			t.Errorf("%s: not in the report", e.path)
			continue
		}
		if len(f.Formats) == 0 && !strings.Contains(e.what, "not a pickle") {
			t.Errorf("%s: no format was recognised, so nothing was analysed", e.path)
		}
		if f.Verdict.String() != e.verdict {
			t.Errorf("%s (%s): verdict %s, want %s", e.path, e.what, f.Verdict, e.verdict)
		}
		for _, x := range f.Findings {
			if x.Severity != finding.Info {
				t.Errorf("%s: %s %s: %s [%s]", e.path, x.Rule, x.Severity, x.Message, x.Evidence)
			}
		}
		for _, msg := range f.Errors {
			t.Errorf("%s: error: %s", e.path, msg)
		}
	}
}

// TestEcosystemInventory writes the globals the corpus names, and what
// admitted each, when ECOSYSTEM_INVENTORY names a file (a review aid).
func TestEcosystemInventory(t *testing.T) {
	out := os.Getenv("ECOSYSTEM_INVENTORY")
	if out == "" {
		t.Skip("set ECOSYSTEM_INVENTORY=FILE to write the inventory")
	}
	cs := scanCorpus(t)
	var lines []string
	for k, c := range cs.seen {
		cat := c.Category
		if c.Safe {
			cat = "safe"
		}
		lines = append(lines, fmt.Sprintf("%s\t%s\t%s", k, cat, c.Via))
	}
	sort.Strings(lines)
	if err := os.WriteFile(out, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestAllowlistGrounded checks that the allowlist is grounded in the
// corpus: every exact name is referenced by some corpus file unless its
// entry says why not (Unseen), an entry that says so has at least one name
// the corpus does not reference, and every class wildcard admits at least
// one global of the corpus. Every entry states versions and a reason.
func TestAllowlistGrounded(t *testing.T) {
	cs := scanCorpus(t)
	seen := map[string]bool{} // canonical module.name
	vias := map[string]bool{} // allowlist keys that admitted something
	for _, c := range cs.seen {
		full := pickle.FoldModule(c.Module)
		if c.Name != "" {
			full += "." + c.Name
		}
		seen[full] = true
		if c.Safe {
			vias[c.Via] = true
		}
	}
	for _, a := range pickle.Allowlist() {
		if a.Why == "" || a.Versions == "" {
			t.Errorf("%s %v: every entry needs Versions and Why", a.Module, a.Names)
		}
		if a.Classes {
			if !vias[a.Module+".*"] && a.Unseen == "" {
				t.Errorf("the class wildcard %s.* admits nothing the corpus references; ground it or say why (Unseen)", a.Module)
			}
			continue
		}
		var unseen []string
		for _, n := range a.Names {
			if !seen[a.Module+"."+n] {
				unseen = append(unseen, n)
			}
		}
		switch {
		case len(unseen) > 0 && a.Unseen == "":
			t.Errorf("%s: %v are referenced by no corpus file; add them to the corpus or say why they are allowed (Unseen)", a.Module, unseen)
		case len(unseen) == 0 && a.Unseen != "":
			t.Errorf("%s %v: the corpus references every name, so Unseen (%q) is stale", a.Module, a.Names, a.Unseen)
		}
	}
}

// TestAllowlistSize logs the allowlist's size per library (go test -v):
// exact names, how many of them the corpus references, and class
// wildcards with the number of distinct corpus globals they admit.
func TestAllowlistSize(t *testing.T) {
	cs := scanCorpus(t)
	seen := map[string]bool{}
	admitted := map[string]int{}
	for _, c := range cs.seen {
		full := pickle.FoldModule(c.Module)
		if c.Name != "" {
			full += "." + c.Name
		}
		seen[full] = true
		if c.Safe && strings.HasSuffix(c.Via, ".*") {
			admitted[c.Via]++
		}
	}
	known := map[string]bool{"numpy": true, "torch": true, "torchvision": true, "sklearn": true, "pandas": true, "scipy": true,
		"statsmodels": true, "gensim": true, "nltk": true, "xgboost": true, "joblib": true, "dill": true}
	type count struct{ names, inCorpus, wildcards, wildcardHits int }
	per := map[string]*count{}
	var libs []string
	for _, a := range pickle.Allowlist() {
		lib, _, _ := strings.Cut(a.Module, ".")
		if !known[lib] {
			lib = "python stdlib, pytz, dateutil"
		}
		c := per[lib]
		if c == nil {
			c = &count{}
			per[lib] = c
			libs = append(libs, lib)
		}
		if a.Classes {
			c.wildcards++
			c.wildcardHits += admitted[a.Module+".*"]
			continue
		}
		for _, n := range a.Names {
			c.names++
			if seen[a.Module+"."+n] {
				c.inCorpus++
			}
		}
	}
	sort.Strings(libs)
	var total count
	line := func(lib string, c count) {
		t.Logf("| %-30s | %4d | %4d | %2d | %4d |", lib, c.names, c.inCorpus, c.wildcards, c.wildcardHits)
	}
	t.Logf("| %-30s | %4s | %4s | %2s | %4s |", "library", "names", "in corpus", "wildcards", "globals they admit")
	for _, l := range libs {
		c := per[l]
		line(l, *c)
		total.names += c.names
		total.inCorpus += c.inCorpus
		total.wildcards += c.wildcards
		total.wildcardHits += c.wildcardHits
	}
	line("total", total)
}
