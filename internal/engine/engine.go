// Package engine walks inputs, detects each artifact's format from its bytes,
// dispatches it to the best-matching analyzer, analyses child artifacts
// through the same path, enforces the per-file budgets, turns analyzer
// panics into `error` verdicts and assembles a deterministic report.
package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/finding"
)

// Options configure an Engine.
type Options struct {
	Analyzers []analyze.Analyzer
	Layouts   []analyze.Layout
	Limits    Limits
	// Jobs is the number of files analysed in parallel (0: all cores).
	Jobs int
	// Digest adds each top-level file's SHA-256 to the report.
	Digest bool
	// Progress, when set, is called after each file with the count done.
	Progress func(done, total int)
	// Stdin is read for the path "-" (defaults to os.Stdin).
	Stdin io.Reader
}

// Engine scans inputs. It is safe for concurrent use.
type Engine struct {
	opts Options
}

// New returns an engine; zero limits get the defaults.
func New(opts Options) *Engine {
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits()
	}
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.NumCPU()
	}
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	return &Engine{opts: opts}
}

// input is one top-level file to scan.
type input struct {
	path string
	// walked is true for files reached by walking a directory: they are
	// skipped when neither their content nor their name looks like a model.
	walked bool
	// err is set when the path could not even be listed.
	err error
}

// Result is a finished scan.
type Result struct {
	Report finding.Report
	// Missing lists command-line paths that do not exist.
	Missing []string
}

// Scan analyses every path (files, directories walked recursively, "-" for
// standard input) and returns the report with files sorted by path.
func (e *Engine) Scan(ctx context.Context, paths []string) Result {
	start := time.Now()
	inputs, missing := collect(paths)
	files := make([]*finding.File, len(inputs))
	skipped := make([]bool, len(inputs))
	// Workers claim inputs through one atomic counter rather than a channel:
	// on many small files the hand-off was a measurable share of the time.
	var next atomic.Int64
	var progress sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for w := 0; w < min(e.opts.Jobs, len(inputs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := newRunner()
			defer r.stop()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(inputs) {
					return
				}
				files[i], skipped[i] = e.scanInput(ctx, inputs[i], r)
				if e.opts.Progress != nil {
					progress.Lock()
					done++
					e.opts.Progress(done, len(inputs))
					progress.Unlock()
				}
			}
		}()
	}
	wg.Wait()

	rep := finding.Report{Schema: finding.SchemaV1}
	for _, f := range files {
		if f != nil {
			rep.Files = append(rep.Files, *f)
		}
	}
	sort.SliceStable(rep.Files, func(i, j int) bool { return rep.Files[i].Path < rep.Files[j].Path })
	rep.Tally()
	for _, skip := range skipped {
		if skip {
			rep.Summary.Skipped++
		}
	}
	rep.Summary.DurationMS = time.Since(start).Milliseconds()
	return Result{Report: rep, Missing: missing}
}

// vcsDirs are never walked: they hold repository metadata, not models.
var vcsDirs = map[string]bool{".git": true, ".hg": true, ".svn": true}

// collect expands the command-line paths into inputs, walking directories in
// lexical order. Symbolic links are followed only to regular files that stay
// inside the directory being walked.
func collect(paths []string) ([]input, []string) {
	var out []input
	var missing []string
	seen := map[string]bool{}
	add := func(in input) {
		if !seen[in.path] {
			seen[in.path] = true
			out = append(out, in)
		}
	}
	for _, p := range paths {
		if p == "-" {
			add(input{path: "-"})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				missing = append(missing, p)
			}
			add(input{path: p, err: err})
			continue
		}
		if !st.IsDir() {
			add(input{path: p})
			continue
		}
		root, rerr := filepath.EvalSymlinks(p)
		if rerr != nil {
			root = p
		}
		walkErr := filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				add(input{path: path, err: err})
				return nil
			}
			if d.IsDir() {
				if path != p && vcsDirs[d.Name()] {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type()&os.ModeSymlink != 0 {
				target, err := filepath.EvalSymlinks(path)
				if err != nil || !within(root, target) {
					return nil
				}
				if st, err := os.Stat(target); err != nil || !st.Mode().IsRegular() {
					return nil
				}
			} else if !d.Type().IsRegular() {
				return nil
			}
			add(input{path: path, walked: true})
			return nil
		})
		if walkErr != nil {
			add(input{path: p, err: walkErr})
		}
	}
	return out, missing
}

func within(root, target string) bool {
	rel, err := filepath.Rel(root, target)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// scanInput analyses one top-level file. skip reports a walked file that is
// not a model.
func (e *Engine) scanInput(ctx context.Context, in input, r *runner) (*finding.File, bool) {
	f := &finding.File{Path: in.path}
	if in.err != nil {
		f.Errors = []string{describeOpenError(in.err)}
		f.Verdict, f.Incomplete = finding.Error, true
		return f, false
	}
	src, closeFn, err := e.openInput(in.path)
	if err != nil {
		f.Errors = []string{describeOpenError(err)}
		f.Verdict, f.Incomplete = finding.Error, true
		return f, false
	}
	defer closeFn()
	f.Size = src.Size()

	fs := newFileScan(ctx, e, in.path)
	defer fs.cleanup()
	skip := fs.run(src, in.walked, r)
	if skip {
		return nil, true
	}
	fs.fill(f)
	if e.opts.Digest {
		if sum, err := digest(src); err == nil {
			f.SHA256 = sum
		} else {
			f.Errors = append(f.Errors, "sha256: "+err.Error())
		}
	}
	return f, false
}

func describeOpenError(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "no such file or directory"
	case errors.Is(err, os.ErrPermission):
		return "permission denied: the file could not be read"
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// fileSource is a top-level file opened for random access.
type fileSource struct {
	f    io.ReaderAt
	size int64
}

func (s fileSource) Size() int64 { return s.size }
func (s fileSource) Open() (io.ReadCloser, error) {
	return io.NopCloser(io.NewSectionReader(s.f, 0, s.size)), nil
}
func (s fileSource) ReaderAt() io.ReaderAt { return s.f }

func (e *Engine) openInput(path string) (analyze.Source, func(), error) {
	if path == "-" {
		sp, err := spool(e.opts.Stdin, e.opts.Limits.SpoolMemory, -1)
		if err != nil {
			return nil, nil, fmt.Errorf("reading standard input: %w", err)
		}
		return sp, sp.release, nil
	}
	f, size, err := openRegular(path)
	if err != nil {
		return nil, nil, err
	}
	return fileSource{f, size}, func() { f.Close() }, nil
}

func digest(src analyze.Source) (string, error) {
	r, err := src.Open()
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, r, make([]byte, 1<<20)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
