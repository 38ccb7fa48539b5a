// Package archive analyses containers — zip (read as leniently as PyTorch
// reads it), tar, 7z and compressed streams — reporting the anomalies of the
// container itself and handing every member back to the engine, through a
// recognised layout (PyTorch checkpoint, npz...) when one matches.
package archive

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
)

// nameChecks reports traversal, duplicate and link members once each.
type nameChecks struct {
	seen       map[string]int
	traversal  []string
	duplicates []string
	links      []string
}

func newNameChecks() *nameChecks { return &nameChecks{seen: map[string]int{}} }

func (c *nameChecks) add(name string, link string) {
	if why := analyze.UnsafePath(name); why != "" {
		c.traversal = append(c.traversal, fmt.Sprintf("%q (%s)", clip(name), why))
	}
	c.seen[name]++
	if c.seen[name] == 2 {
		c.duplicates = append(c.duplicates, fmt.Sprintf("%q", clip(name)))
	}
	if link != "" {
		c.links = append(c.links, fmt.Sprintf("%q -> %q", clip(name), clip(link)))
	}
}

func (c *nameChecks) report(s analyze.Scope, kind string) {
	if len(c.traversal) > 0 {
		s.Report(analyze.Hit{Rule: "ARCHIVE-201",
			Message:  fmt.Sprintf("%d %s member name(s) would be extracted outside the target directory", len(c.traversal), kind),
			Evidence: list(c.traversal)})
	}
	if len(c.duplicates) > 0 {
		s.Report(analyze.Hit{Rule: "ARCHIVE-202",
			Message:  fmt.Sprintf("%d %s member name(s) appear more than once; readers disagree on which copy wins", len(c.duplicates), kind),
			Evidence: list(c.duplicates)})
	}
	if len(c.links) > 0 {
		s.Report(analyze.Hit{Rule: "ARCHIVE-203",
			Message:  fmt.Sprintf("%d %s member(s) are links; extracting them reaches outside the archive", len(c.links), kind),
			Evidence: list(c.links)})
	}
}

// linkTarget reads a link's target from the member's data, which is how
// zip and 7z store links; "?" when it cannot be read.
func linkTarget(rc io.ReadCloser, err error) string {
	if err != nil {
		return "?"
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 1024))
	if len(b) == 0 {
		return "?"
	}
	return string(b)
}

func list(items []string) string {
	sort.Strings(items)
	if len(items) > 5 {
		return strings.Join(items[:5], ", ") + fmt.Sprintf(" and %d more", len(items)-5)
	}
	return strings.Join(items, ", ")
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// runLayouts hands members to the first matching layout, or scans each.
func runLayouts(s analyze.Scope, container string, members []analyze.Member) error {
	for _, l := range s.Layouts() {
		if l.Match(container, members) {
			s.SetFormat(l.Name())
			return l.Analyze(s, members)
		}
	}
	analyze.ScanMembers(s, members, nil)
	return nil
}
