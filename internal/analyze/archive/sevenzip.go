package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/format/sevenz"
)

// SevenZip analyses 7z archives (used to wrap pickles past scanners that
// only open zips, as in ReversingLabs' nullifAI models).
type SevenZip struct{}

// Name implements analyze.Analyzer.
func (SevenZip) Name() string { return "7z" }

// Match implements analyze.Analyzer.
func (SevenZip) Match(a *analyze.Artifact) analyze.Confidence {
	if bytes.HasPrefix(a.Head, sevenz.Magic) {
		return analyze.Magic
	}
	return analyze.No
}

// Analyze implements analyze.Analyzer.
func (SevenZip) Analyze(s analyze.Scope) error {
	ra, err := s.ReaderAt()
	if err != nil {
		return err
	}
	// Every decoded folder stream counts against the expansion budget,
	// including what is skipped to reach a member of a solid folder.
	arc, err := sevenz.Open(ra, s.Artifact().Size, sevenz.Options{Meter: s.Meter})
	if errors.Is(err, sevenz.ErrEncrypted) {
		s.Report(analyze.Hit{Rule: "ARCHIVE-204", Message: "the 7z archive's headers are encrypted; nothing in it could be analysed", Evidence: err.Error()})
		return nil
	}
	if err != nil {
		return fmt.Errorf("not a readable 7z archive: %w", err)
	}
	checks := newNameChecks()
	var members []analyze.Member
	var encrypted []string
	undecodable := map[string]int{}
	for i := range arc.Files {
		f := &arc.Files[i]
		link := ""
		if f.IsSymlink() {
			link = linkTarget(arc.Open(f))
		}
		checks.add(f.Name, link)
		if f.IsDir() || link != "" || f.Anti {
			continue
		}
		switch err := arc.Check(f); {
		case errors.Is(err, sevenz.ErrEncrypted):
			encrypted = append(encrypted, fmt.Sprintf("%q", clip(f.Name)))
			continue
		case err != nil:
			undecodable[err.Error()]++
			continue
		}
		members = append(members, analyze.Member{Name: f.Name, Size: f.Size, Src: analyze.StreamSource{N: f.Size, Func: func() (io.ReadCloser, error) {
			return arc.Open(f)
		}}})
	}
	checks.report(s, "7z")
	if len(encrypted) > 0 {
		s.Report(analyze.Hit{Rule: "ARCHIVE-204",
			Message:  fmt.Sprintf("%d 7z member(s) are encrypted and could not be analysed", len(encrypted)),
			Evidence: list(encrypted)})
	}
	for _, why := range slices.Sorted(maps.Keys(undecodable)) {
		s.Incomplete(fmt.Errorf("%d 7z member(s) could not be decoded: %s", undecodable[why], why))
	}
	return runLayouts(s, "7z", members)
}
