package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/rules"
)

// maxFindings caps the findings kept per top-level file; the rest are counted.
const maxFindings = 500

// maxListedArtifacts caps the nested artifacts listed per top-level file.
const maxListedArtifacts = 1000

// fileScan accumulates the results of one top-level file.
type fileScan struct {
	ctx      context.Context
	e        *Engine
	path     string
	budget   *budget
	findings []finding.Finding
	seen     map[finding.Finding]bool
	dropped  int
	errors   []string
	formats  []string
	// artifacts[i] is the artifact whose format is formats[i].
	artifacts []finding.Artifact
	temps     []func()
	// limitHit remembers which budget findings were already reported.
	limitHit map[string]bool

	// mu guards the results against an analysis abandoned after its time
	// budget, which may still be running when the report is assembled.
	mu        sync.Mutex
	abandoned bool
}

func newFileScan(ctx context.Context, e *Engine, path string) *fileScan {
	return &fileScan{ctx: ctx, e: e, path: path, budget: &budget{limits: e.opts.Limits}}
}

func (fs *fileScan) cleanup() {
	for _, f := range fs.temps {
		f()
	}
}

// run analyses the top-level source within the file's time budget. It
// returns true when a walked file turned out not to be a model.
func (fs *fileScan) run(src analyze.Source, walked bool, r *runner) bool {
	ctx, cancel := context.WithTimeout(fs.ctx, fs.e.opts.Limits.MaxTime)
	defer cancel()
	fs.ctx = ctx

	root := &analyze.Artifact{Location: fs.path, Name: path.Base(filepathToSlash(fs.path)), Size: src.Size()}
	done := make(chan bool, 1)
	r.start(func() { done <- fs.analyzeTop(root, src, walked) })
	select {
	case skip := <-done:
		return skip
	case <-ctx.Done():
		// The analyzer ignored cancellation; give it a moment, then report
		// the file as incomplete rather than hang the whole scan.
		select {
		case skip := <-done:
			return skip
		case <-time.After(grace(fs.e.opts.Limits.MaxTime)):
			r.abandon()
			fs.mu.Lock()
			fs.abandoned = true
			fs.errors = append(fs.errors, fmt.Sprintf("%s: analysis did not finish within %s", fs.path, fs.e.opts.Limits.MaxTime))
			fs.mu.Unlock()
			return false
		}
	}
}

// grace is how long a cancelled analysis may take to notice: a tenth of the
// budget, between 100 ms and 5 s.
func grace(budget time.Duration) time.Duration {
	return min(max(budget/10, 100*time.Millisecond), 5*time.Second)
}

func (fs *fileScan) analyzeTop(root *analyze.Artifact, src analyze.Source, walked bool) bool {
	matched, unread := fs.analyze(root, src, 0)
	if matched || unread {
		return false
	}
	if walked && !hasModelExtension(root.Name) {
		return true
	}
	fs.report(root, analyze.Hit{
		Rule:     "FILE-100",
		Message:  "not a recognised model format; it was not analysed in depth",
		Evidence: describeContent(root.Head, root.Size),
	})
	return false
}

// fill copies the results into the report entry.
func (fs *fileScan) fill(f *finding.File) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if errors.Is(fs.ctx.Err(), context.DeadlineExceeded) && !fs.hasTimeoutError() {
		fs.errors = append(fs.errors, fmt.Sprintf("%s: analysis stopped after %s (time budget)", fs.path, fs.e.opts.Limits.MaxTime))
	}
	incomplete := len(fs.errors) > 0
	f.Findings = append([]finding.Finding(nil), fs.findings...)
	f.Errors = append([]string(nil), fs.errors...)
	if fs.dropped > 0 {
		// A note, not an incompleteness: everything was analysed.
		f.Errors = append(f.Errors, fmt.Sprintf("%d more findings were not listed (limit %d per file)", fs.dropped, maxFindings))
	}
	seen := map[string]bool{}
	for _, name := range fs.formats {
		if !seen[name] {
			seen[name] = true
			f.Formats = append(f.Formats, name)
		}
	}
	for i, a := range fs.artifacts {
		if a.Location != fs.path && len(f.Artifacts) < maxListedArtifacts {
			a.Format = fs.formats[i]
			f.Artifacts = append(f.Artifacts, a)
		}
	}
	f.Verdict, f.Incomplete = finding.VerdictOf(fs.findings, incomplete), incomplete
}

func (fs *fileScan) hasTimeoutError() bool {
	for _, e := range fs.errors {
		if strings.Contains(e, "time budget") || strings.Contains(e, "did not finish") {
			return true
		}
	}
	return false
}

// analyze detects the artifact's format and runs its analyzer. matched is
// false when no analyzer claimed it; unread is true when it could not even be
// read (already recorded as an error).
func (fs *fileScan) analyze(a *analyze.Artifact, src analyze.Source, stored int64) (matched, unread bool) {
	sc := &scope{fs: fs, art: a, src: src}
	defer sc.close()
	if err := sc.readHead(); err != nil {
		sc.Incomplete(fmt.Errorf("reading: %w", err))
		return false, true
	}
	an := fs.pick(a)
	if an == nil {
		return false, false
	}
	sc.formatIdx = len(fs.formats)
	fs.formats = append(fs.formats, an.Name())
	fs.artifacts = append(fs.artifacts, finding.Artifact{Location: a.Location, Size: max(a.Size, 0)})
	fs.runAnalyzer(an, sc)
	return true, false
}

// pick returns the analyzer with the highest confidence; ties go to the one
// registered first.
func (fs *fileScan) pick(a *analyze.Artifact) analyze.Analyzer {
	var best analyze.Analyzer
	bestC := analyze.No
	for _, an := range fs.e.opts.Analyzers {
		if c := an.Match(a); c > bestC {
			best, bestC = an, c
		}
	}
	return best
}

func (fs *fileScan) runAnalyzer(an analyze.Analyzer, sc *scope) {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprintf("internal error: the %s analyzer failed (%v); the file was not analysed completely", an.Name(), r)
			if os.Getenv("MODELGATE_DEBUG") != "" {
				msg += "\n" + string(debug.Stack())
			}
			sc.Incomplete(errors.New(msg))
		}
	}()
	if err := an.Analyze(sc); err != nil {
		sc.Incomplete(err)
	}
}

// report completes a hit from the catalogue and records it once.
func (fs *fileScan) report(a *analyze.Artifact, h analyze.Hit) {
	r := rules.MustLookup(h.Rule)
	sev := r.Severity
	if h.Severity != finding.Info {
		sev = h.Severity
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.abandoned {
		return
	}
	f := finding.Finding{
		Rule:     r.ID,
		Severity: sev,
		Class:    r.Class,
		Title:    r.Title,
		Message:  printable(h.Message),
		Location: a.Location + h.At,
		Evidence: clip(printable(h.Evidence), 400),
		Symbol:   h.Symbol,
	}
	if fs.seen[f] {
		return
	}
	if fs.seen == nil {
		fs.seen = map[finding.Finding]bool{}
	}
	if len(fs.findings) >= maxFindings {
		// Never let the cap hide the worst finding: keep malicious ones.
		if f.Class != finding.Malicious {
			fs.dropped++
			return
		}
	}
	fs.seen[f] = true
	fs.findings = append(fs.findings, f)
}

// budgetHit reports a budget finding once per kind and records the error.
func (fs *fileScan) budgetHit(a *analyze.Artifact, kind, msg string) {
	if !fs.limitHit[kind] {
		if fs.limitHit == nil {
			fs.limitHit = map[string]bool{}
		}
		fs.limitHit[kind] = true
		fs.report(a, analyze.Hit{Rule: "ARCHIVE-205", Message: msg, Evidence: kind})
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && cut > n-4 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// printable escapes control characters and invalid UTF-8 in text taken from
// the file (node names, paths), so a finding cannot rewrite the terminal
// that displays it.
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case unicode.IsControl(r):
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func filepathToSlash(p string) string { return strings.ReplaceAll(p, "\\", "/") }

// scope is the engine's analyze.Scope for one artifact.
type scope struct {
	fs        *fileScan
	art       *analyze.Artifact
	src       analyze.Source
	pending   io.ReadCloser // the stream the head was read from, not yet handed out
	ra        io.ReaderAt
	formatIdx int
}

func (s *scope) readHead() error {
	size := s.src.Size()
	s.art.Size = size
	want := int64(analyze.HeadSize)
	if size >= 0 && size < want {
		want = size
	}
	if ra := s.src.ReaderAt(); ra != nil {
		if p, ok := ra.(analyze.Prefixer); ok {
			if head, ok := p.Prefix(int(want)); ok {
				s.art.Head = head
				return nil
			}
		}
		buf := make([]byte, want)
		n, err := ra.ReadAt(buf, 0)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		s.art.Head = buf[:n]
		if _, plain := s.src.(fileSource); plain && int64(n) == size {
			// The head is the whole file: analysers read it from memory
			// instead of issuing the same read again. Only plain files:
			// a member's own Open may check what it reads (zip CRC-32).
			s.ra = bytes.NewReader(s.art.Head)
		}
		return nil
	}
	rc, err := s.src.Open()
	if err != nil {
		return err
	}
	buf := make([]byte, want)
	n, err := io.ReadFull(rc, buf)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		rc.Close()
		return err
	}
	s.art.Head = buf[:n]
	s.pending = &stitched{Reader: io.MultiReader(bytesReader(buf[:n]), rc), c: rc}
	return nil
}

func (s *scope) close() {
	if s.pending != nil {
		s.pending.Close()
		s.pending = nil
	}
}

func (s *scope) Context() context.Context    { return s.fs.ctx }
func (s *scope) Artifact() *analyze.Artifact { return s.art }
func (s *scope) Layouts() []analyze.Layout   { return s.fs.e.opts.Layouts }

func (s *scope) Open() (io.ReadCloser, error) {
	if s.pending != nil {
		p := s.pending
		s.pending = nil
		return p, nil
	}
	if s.ra != nil {
		return io.NopCloser(io.NewSectionReader(s.ra, 0, s.art.Size)), nil
	}
	return s.src.Open()
}

func (s *scope) ReaderAt() (io.ReaderAt, error) {
	if s.ra != nil {
		return s.ra, nil
	}
	if ra := s.src.ReaderAt(); ra != nil {
		s.ra = ra
		return ra, nil
	}
	rc, err := s.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	sp, err := spool(rc, s.fs.e.opts.Limits.SpoolMemory, s.art.Size)
	if err != nil {
		return nil, err
	}
	s.fs.temps = append(s.fs.temps, sp.release)
	s.ra = sp.ReaderAt()
	s.art.Size = sp.Size()
	return s.ra, nil
}

func (s *scope) Report(h analyze.Hit) { s.fs.report(s.art, h) }

func (s *scope) Incomplete(err error) {
	if err == nil {
		return
	}
	var bomb *analyze.BombError
	if errors.As(err, &bomb) {
		s.fs.budgetHit(s.art, "expansion", fmt.Sprintf("decompression stopped: %s", bomb.Reason))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("analysis stopped after %s (time budget)", s.fs.e.opts.Limits.MaxTime)
	}
	s.fs.mu.Lock()
	defer s.fs.mu.Unlock()
	if !s.fs.abandoned {
		s.fs.errors = append(s.fs.errors, s.art.Location+": "+err.Error())
	}
}

func (s *scope) SetFormat(name string) {
	if s.formatIdx < len(s.fs.formats) {
		s.fs.formats[s.formatIdx] = name
	}
}

func (s *scope) Meter(r io.Reader, stored int64) io.Reader {
	return &meteredReader{ctx: s.fs.ctx, r: r, b: s.fs.budget, stored: stored}
}

func (s *scope) Scan(c analyze.Child) {
	fs := s.fs
	if fs.ctx.Err() != nil {
		return
	}
	child := &analyze.Artifact{
		Location: s.art.Location + "!" + c.Name,
		Name:     path.Base(c.Name),
		Hint:     c.Hint,
		Depth:    s.art.Depth + 1,
	}
	l := fs.e.opts.Limits
	if child.Depth > l.MaxDepth {
		fs.budgetHit(child, "depth", fmt.Sprintf("content is nested more than %d levels deep; deeper levels were not analysed", l.MaxDepth))
		s.Incomplete(fmt.Errorf("nesting deeper than %d levels was not analysed", l.MaxDepth))
		return
	}
	if n := fs.budget.artifacts.Add(1); n > int64(l.MaxArtifacts) {
		if n == int64(l.MaxArtifacts)+1 {
			fs.budgetHit(s.art, "members", fmt.Sprintf("more than %d nested artifacts; the rest were not analysed", l.MaxArtifacts))
			s.Incomplete(fmt.Errorf("more than %d nested artifacts were not analysed", l.MaxArtifacts))
		}
		return
	}
	fs.analyze(child, c.Src, c.Stored)
}

// stitched re-attaches the head bytes to the rest of a stream.
type stitched struct {
	io.Reader
	c io.Closer
}

func (s *stitched) Close() error { return s.c.Close() }
