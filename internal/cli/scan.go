package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/modelgate/modelgate/internal/analyze/all"
	"github.com/modelgate/modelgate/internal/engine"
	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/report"
)

type scanFlags struct {
	format  string
	output  string
	failOn  string
	digest  bool
	jobs    int
	timeout time.Duration
	policyFlags
	// attest is a private key: sign a scan attestation for the model.
	attest, attestation string
}

func scanCommand(e *env) *cobra.Command {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "scan [flags] PATH...",
		Short: "Scan model files, directories (recursively) or standard input (-)",
		Long: "Scan model files without executing them. PATH is a file, a directory (walked recursively) or - for standard input.\n\n" +
			"The policy (modelgate.yaml in the working directory, or --config) decides for each file: block, warn or allow.\n\n" +
			"Exit status: 0 when no file is blocked and every file was analysed completely; 1 when a file is blocked;\n" +
			"2 for usage and configuration errors, or when a file could not be analysed completely (or nothing was scanned) and none is blocked.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runScan(cmd, e, f, args) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "text", "report format: "+strings.Join(report.Formats(), "|"))
	fl.StringVarP(&f.output, "output", "o", "", "write the report to `FILE` instead of standard output")
	fl.StringVar(&f.failOn, "fail-on", "suspicious", "lowest verdict or severity that blocks a file: malicious|suspicious|critical|high|medium|low|info|none (default: the config's fail_on, else suspicious)")
	fl.BoolVar(&f.digest, "digest", false, "add each file's SHA-256 (reads every byte)")
	fl.IntVar(&f.jobs, "jobs", 0, "files analysed in parallel (default: all cores)")
	fl.DurationVar(&f.timeout, "timeout", engine.DefaultLimits().MaxTime, "wall-time budget per file")
	fl.StringVar(&f.attest, "attest", "", "sign a scan attestation for the model with this PEM private `KEY`")
	fl.StringVar(&f.attestation, "attestation", "", "where --attest writes (default PATH/model.scan.sig, or PATH.scan.sig for a file)")
	f.policyFlags.register(fl)
	return cmd
}

func usage(format string, a ...any) error {
	return &exitError{code: ExitError, err: fmt.Errorf(format, a...)}
}

func runScan(cmd *cobra.Command, e *env, f *scanFlags, paths []string) error {
	write, err := report.Get(f.format)
	if err != nil {
		return usage("%v", err)
	}
	opts := report.Options{}
	failOn := ""
	if cmd.Flags().Changed("fail-on") {
		failOn = f.failOn
	}
	pol, err := f.policyFlags.load(failOn)
	if err != nil {
		return err
	}
	if f.jobs < 0 {
		return usage("--jobs must be positive")
	}
	if f.timeout <= 0 {
		return usage("--timeout must be positive")
	}
	var att *attestation
	if f.attest != "" {
		if att, err = prepareAttestation(cmd.Context(), f, paths); err != nil {
			return err
		}
	}

	limits := engine.DefaultLimits()
	limits.MaxTime = f.timeout
	eo := engine.Options{
		Analyzers: all.Analyzers(),
		Layouts:   all.Layouts(),
		Limits:    limits,
		Jobs:      f.jobs,
		// The AI-BOM lists hashes, and rules may read file.sha256.
		Digest: f.digest || f.format == "cyclonedx" || pol.NeedsDigest(),
		Stdin:  e.stdin,
	}
	progress := newProgress(e.stderr)
	if progress != nil {
		eo.Progress = progress.update
	}
	res := engine.New(eo).Scan(cmd.Context(), paths)
	if progress != nil {
		progress.done()
	}
	rep := &res.Report
	rep.Tool = finding.Tool{Name: "modelgate", Version: Version}
	if err := f.policyFlags.apply(pol, rep); err != nil {
		return err
	}
	for _, n := range rep.Policy.Notices {
		fmt.Fprintf(e.stderr, "modelgate: note: %s\n", n)
	}

	out := e.stdout
	var file *os.File
	if f.output != "" {
		file, err = os.Create(f.output)
		if err != nil {
			return usage("cannot write the report: %v", err)
		}
		defer file.Close()
		out = file
	} else {
		opts.Color = f.format == "text" && isTerminal(e.stdout)
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	if err := write(bw, rep, opts); err != nil {
		return usage("writing the report: %v", err)
	}
	if err := bw.Flush(); err != nil {
		return usage("writing the report: %v", err)
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return usage("writing the report: %v", err)
		}
	}
	if att != nil {
		if err := att.finish(cmd.Context(), e, rep); err != nil {
			return err
		}
	}
	return scanStatus(e, rep, res.Missing)
}

// scanStatus prints what went wrong on standard error and picks the exit
// status of CONTRACT.md, where a file "at or above --fail-on" is now a file
// the policy blocks.
func scanStatus(e *env, rep *finding.Report, missing []string) error {
	for _, p := range missing {
		fmt.Fprintf(e.stderr, "modelgate: %s: no such file or directory\n", p)
	}
	failing, incomplete := 0, 0
	for _, f := range rep.Files {
		if f.Verdict == finding.Error {
			incomplete++
			if len(f.Errors) > 0 && !isMissing(f.Path, missing) {
				msg := f.Errors[0]
				if !strings.HasPrefix(msg, f.Path) {
					msg = f.Path + ": " + msg
				}
				fmt.Fprintf(e.stderr, "modelgate: %s\n", msg)
			}
		}
		if f.Decision != nil && f.Decision.Action == finding.Block {
			failing++
		}
	}
	switch {
	case failing > 0:
		return &exitError{code: ExitFindings}
	case len(rep.Files) == 0:
		return &exitError{code: ExitError, err: fmt.Errorf("no model files found (%d file(s) skipped as not model files)", rep.Summary.Skipped)}
	case incomplete > 0:
		return &exitError{code: ExitError, err: fmt.Errorf("%d file(s) could not be analysed completely", incomplete)}
	}
	return nil
}

func isMissing(path string, missing []string) bool {
	for _, m := range missing {
		if m == path {
			return true
		}
	}
	return false
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress prints "scanned N/M" on a terminal's standard error.
type progress struct {
	mu   sync.Mutex
	w    io.Writer
	last time.Time
}

func newProgress(w io.Writer) *progress {
	if !isTerminal(w) {
		return nil
	}
	return &progress{w: w}
}

func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); now.Sub(p.last) > 100*time.Millisecond || done == total {
		p.last = now
		fmt.Fprintf(p.w, "\rmodelgate: scanned %d/%d files", done, total)
	}
}

func (p *progress) done() {
	fmt.Fprint(p.w, "\r\x1b[K")
}
