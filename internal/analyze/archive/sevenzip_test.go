package archive_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/engine"
	"github.com/modelgate/modelgate/internal/scantest"
)

func TestSevenZipFindings(t *testing.T) {
	for _, tc := range []struct{ sample, rule, where string }{
		{"archive/symlink.7z", "ARCHIVE-203", `"link" -> "/etc/passwd"`},
		{"archive/traversal.7z", "ARCHIVE-201", `"../outside.txt"`},
		{"archive/encrypted_members.7z", "ARCHIVE-204", `"data.pkl"`},
		// The payload sits after a benign pickle in one solid folder.
		{"archive/solid_pickles.7z", "PICKLE-101", "solid_pickles.7z!a/data.pkl@"},
	} {
		f := scantest.Sample(t, tc.sample)
		x, ok := scantest.Has(f, tc.rule)
		if !ok || !strings.Contains(x.Evidence+x.Location, tc.where) {
			t.Errorf("%s: %s finding %+v, want one mentioning %s", tc.sample, tc.rule, x, tc.where)
		}
		if f.Incomplete {
			t.Errorf("%s: incomplete: %v", tc.sample, f.Errors)
		}
	}
}

func TestSevenZipUnsupportedCoderIsIncomplete(t *testing.T) {
	f := scantest.File(t, filepath.Join(scantest.Root(), "internal/format/sevenz/testdata/ppmd.7z"))
	if !f.Incomplete || len(f.Errors) != 1 || !strings.Contains(f.Errors[0], "1 7z member(s) could not be decoded: 7z coder PPMd is not supported") {
		t.Fatalf("incomplete %v, errors %q", f.Incomplete, f.Errors)
	}
}

// TestSevenZipDecodingIsMetered: what a solid folder decodes counts
// against the file's expansion budget.
func TestSevenZipDecodingIsMetered(t *testing.T) {
	lim := engine.DefaultLimits()
	lim.MaxExpanded = 20 << 10
	path := filepath.Join(scantest.Root(), "internal/format/sevenz/testdata/solid.7z")
	f := scantest.Engine(lim).Scan(context.Background(), []string{path}).Report.Files[0]
	if x, ok := scantest.Has(f, "ARCHIVE-205"); !ok || x.Evidence != "expansion" {
		t.Fatalf("no expansion budget finding: %+v %q", f.Findings, f.Errors)
	}
}
