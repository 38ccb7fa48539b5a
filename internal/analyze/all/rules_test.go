package all_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/rules"
	"github.com/modelgate/modelgate/internal/scantest"
)

// TestRuleSamples runs every rule's positive and negative samples through
// the real analyzers: each positive must raise the rule, no negative may.
func TestRuleSamples(t *testing.T) {
	for _, r := range rules.All() {
		t.Run(r.ID, func(t *testing.T) {
			if len(r.Positive) == 0 || len(r.Negative) == 0 {
				t.Fatalf("%s needs at least one positive and one negative sample", r.ID)
			}
			for _, p := range r.Positive {
				f := scantest.Sample(t, p)
				if !scantest.Rules(f)[r.ID] {
					t.Errorf("positive sample %s did not raise %s; got %v (errors %v)", p, r.ID, keys(scantest.Rules(f)), f.Errors)
				}
			}
			for _, p := range r.Negative {
				f := scantest.Sample(t, p)
				if scantest.Rules(f)[r.ID] {
					t.Errorf("negative sample %s raised %s", p, r.ID)
				}
			}
		})
	}
}

// TestSamplesAreUsed keeps the samples directory and the catalogue in step:
// every sample file belongs to some rule.
func TestSamplesAreUsed(t *testing.T) {
	used := map[string]bool{}
	for _, r := range rules.All() {
		for _, p := range append(append([]string(nil), r.Positive...), r.Negative...) {
			used[filepath.ToSlash(p)] = true
		}
	}
	root := scantest.Samples()
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") || strings.HasSuffix(p, ".md") {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if !used[filepath.ToSlash(rel)] {
			t.Errorf("sample %s is not referenced by any rule", rel)
		}
		return nil
	})
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
