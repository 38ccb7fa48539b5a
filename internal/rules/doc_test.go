package rules

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/rules.md")

// TestRulesDoc keeps docs/rules.md (the page SARIF helpUri links point to)
// identical to the catalogue; run go test ./internal/rules -update after
// changing a rule.
func TestRulesDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString("# modelgate rule catalogue\n\nGenerated from `internal/rules` by `go test ./internal/rules -update`; " +
		"`modelgate rules explain RULE` prints the same pages.\n\n| rule | severity | class | title |\n|---|---|---|---|\n")
	for _, r := range All() {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s |\n", r.ID, strings.ToLower(r.ID), r.Severity, r.Class, r.Title)
	}
	for _, r := range All() {
		fmt.Fprintf(&b, "\n<a id=\"%s\"></a>\n## %s\n\n%s", strings.ToLower(r.ID), r.ID, r.Markdown())
		if len(r.Equivalents) > 0 {
			b.WriteString("\n### Equivalent checks in other scanners\n")
			for _, e := range r.Equivalents {
				fmt.Fprintf(&b, "- %s\n", e)
			}
		}
		if r.CodeOnLoad {
			b.WriteString("\n*Code on load: SafeMode blocks this construct even though it was judged harmless.*\n")
		}
	}
	path := filepath.Join("..", "..", "docs", "rules.md")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != b.String() {
		t.Fatalf("docs/rules.md is out of date with the catalogue; run go test ./internal/rules -update")
	}
}
