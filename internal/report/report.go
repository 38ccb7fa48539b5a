// Package report writes scan reports. Each format is one Writer; the
// registry maps the --format names to them.
package report

import (
	"fmt"
	"io"
	"sort"

	"github.com/modelgate/modelgate/internal/finding"
)

// Options carry what writers may need beyond the report.
type Options struct {
	// Color enables ANSI colours (text, on a terminal).
	Color bool
}

// Writer renders a report in one format.
type Writer func(w io.Writer, r *finding.Report, o Options) error

// writers is the registry of formats.
var writers = map[string]Writer{
	"json":      writeJSON,
	"text":      writeText,
	"sarif":     writeSARIF,
	"cyclonedx": writeCycloneDX,
}

// Get returns the writer for a format name.
func Get(name string) (Writer, error) {
	w, ok := writers[name]
	if !ok {
		return nil, fmt.Errorf("unknown format %q (want one of %v)", name, Formats())
	}
	return w, nil
}

// Formats lists the format names.
func Formats() []string {
	var out []string
	for k := range writers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
