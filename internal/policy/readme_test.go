package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEExample keeps the README's example configuration valid.
func TestREADMEExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(data), "## Policies")
	_, block, _ := strings.Cut(section, "```yaml\n")
	block, _, ok := strings.Cut(block, "```")
	if !ok {
		t.Fatal("no yaml example in the README's Policies section")
	}
	c, err := Parse("README.md", []byte(block))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(c, Options{}); err != nil {
		t.Fatal(err)
	}
	if len(c.Policies) < 3 || len(c.Suppressions) == 0 || len(c.TrustedCode) == 0 {
		t.Fatalf("the example lost its settings: %+v", c)
	}
}
