// Package baseline records the findings of a scan so that later scans
// report only new ones.
//
// A finding's fingerprint is what the finding is, not where its file
// happens to be: the rule, the place inside the file (the archive members
// leading to it, without the byte offset) and the evidence. It holds no
// path, so it is the same on every machine, survives renames and moves,
// and survives re-saving a model that keeps the same content. Offsets are
// left out because re-saving shifts them without changing what is there.
//
// Each baseline entry also records its file's path relative to the
// baseline file's directory. Matching uses it only to pair findings with
// entries: first same fingerprint and same path, then same fingerprint
// anywhere among the entries left (a moved file). A copy of a known file
// next to the original is therefore new: the original claims the entry.
package baseline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/internal/finding"
)

// Schema identifies the baseline file format.
const Schema = "modelgate.baseline/v1"

// Baseline is the content of a baseline file.
type Baseline struct {
	Schema   string  `json:"schema"`
	Findings []Entry `json:"findings"`
}

// Entry is one recorded finding. Rule and Evidence repeat what the
// fingerprint covers so that people can review the file and its diffs.
type Entry struct {
	Fingerprint string `json:"fingerprint"`
	// Path is the file's path relative to the baseline file's directory,
	// slash-separated (or as scanned, for files outside that directory).
	Path     string `json:"path"`
	Rule     string `json:"rule"`
	Evidence string `json:"evidence,omitempty"`
}

var offset = regexp.MustCompile(`@[0-9]+$`)

// Fingerprint identifies a finding of the file at path (as the report
// names it): 32 hex digits of SHA-256 over the rule, the location inside
// the file without its byte offset, and the evidence.
func Fingerprint(path string, f finding.Finding) string {
	inner := offset.ReplaceAllString(strings.TrimPrefix(f.Location, path), "")
	sum := sha256.Sum256([]byte("modelgate-fingerprint/v1\x00" + f.Rule + "\x00" + inner + "\x00" + f.Evidence))
	return hex.EncodeToString(sum[:16])
}

// Stamp sets the fingerprint of every finding of a report, listed or
// suppressed.
func Stamp(rep *finding.Report) {
	for i := range rep.Files {
		f := &rep.Files[i]
		for j := range f.Findings {
			f.Findings[j].Fingerprint = Fingerprint(f.Path, f.Findings[j])
		}
		for j := range f.Suppressed {
			f.Suppressed[j].Fingerprint = Fingerprint(f.Path, f.Suppressed[j].Finding)
		}
	}
}

// FromReport records the listed findings of a report, for a baseline file
// to be written in dir.
func FromReport(rep *finding.Report, dir string) *Baseline {
	b := &Baseline{Schema: Schema, Findings: []Entry{}}
	for _, f := range rep.Files {
		rel := relTo(dir, f.Path)
		for _, x := range f.Findings {
			b.Findings = append(b.Findings, Entry{Fingerprint: Fingerprint(f.Path, x), Path: rel, Rule: x.Rule, Evidence: x.Evidence})
		}
	}
	sort.SliceStable(b.Findings, func(i, j int) bool {
		x, y := b.Findings[i], b.Findings[j]
		if x.Path != y.Path {
			return x.Path < y.Path
		}
		if x.Rule != y.Rule {
			return x.Rule < y.Rule
		}
		return x.Fingerprint < y.Fingerprint
	})
	return b
}

// relTo is path relative to dir when it lies under dir, else path cleaned;
// slash-separated either way.
func relTo(dir, path string) string {
	if path == "-" {
		return path
	}
	if abs, err := filepath.Abs(path); err == nil {
		if rel, err := filepath.Rel(dir, abs); err == nil && filepath.IsLocal(rel) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(filepath.Clean(path))
}

// Load reads a baseline file.
func Load(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var b Baseline
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("%s: not a baseline file: %v", path, err)
	}
	if b.Schema != Schema {
		return nil, fmt.Errorf("%s: schema %q is not %q", path, b.Schema, Schema)
	}
	return &b, nil
}

// Write saves the baseline: sorted, indented, without timestamps, so that
// writing it again for the same findings changes nothing.
func (b *Baseline) Write(path string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// Apply removes from the report the findings the baseline knows, counting
// them in each file's Baselined; dir is the baseline file's directory.
func (b *Baseline) Apply(rep *finding.Report, dir string) {
	exact := map[[2]string]int{}
	anywhere := map[string]int{}
	for _, e := range b.Findings {
		exact[[2]string{e.Fingerprint, e.Path}]++
		anywhere[e.Fingerprint]++
	}
	known := make([][]bool, len(rep.Files))
	// First the findings whose file is where the baseline saw it…
	for i, f := range rep.Files {
		known[i] = make([]bool, len(f.Findings))
		rel := relTo(dir, f.Path)
		for j, x := range f.Findings {
			k := [2]string{Fingerprint(f.Path, x), rel}
			if exact[k] > 0 {
				exact[k]--
				anywhere[k[0]]--
				known[i][j] = true
			}
		}
	}
	// …then those of moved files, from the entries left.
	for i, f := range rep.Files {
		for j, x := range f.Findings {
			if fp := Fingerprint(f.Path, x); !known[i][j] && anywhere[fp] > 0 {
				anywhere[fp]--
				known[i][j] = true
			}
		}
	}
	for i := range rep.Files {
		f := &rep.Files[i]
		kept := f.Findings[:0]
		for j, x := range f.Findings {
			if known[i][j] {
				f.Baselined++
			} else {
				kept = append(kept, x)
			}
		}
		f.Findings = kept
	}
}
