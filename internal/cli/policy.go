package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/modelgate/modelgate/internal/baseline"
	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/policy"
)

// policyFlags are the scan flags that turn findings into decisions.
type policyFlags struct {
	config        string
	safeMode      bool
	baseline      string
	writeBaseline string
	// configFile is the configuration actually used ("" for defaults).
	configFile string
}

func (p *policyFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&p.config, "config", "", "policy configuration `FILE` (default: "+policy.FileName+" in the working directory, if there is one)")
	fl.BoolVar(&p.safeMode, "safe-mode", false, "strict preset for untrusted sources: block anything that can run code on load and every non-inert format")
	fl.StringVar(&p.baseline, "baseline", "", "report only findings not recorded in this baseline `FILE`")
	fl.StringVar(&p.writeBaseline, "write-baseline", "", "record the current findings in this baseline `FILE`")
}

// load reads and compiles the policy before anything is scanned, so that
// a configuration error costs nothing and exits 2. failOn is the
// --fail-on value when it was given.
func (p *policyFlags) load(failOn string) (*policy.Policy, error) {
	if p.baseline != "" && p.writeBaseline != "" {
		return nil, usage("use --baseline or --write-baseline, not both")
	}
	if failOn != "" {
		if err := policy.CheckFailOn(failOn); err != nil {
			return nil, usage("--fail-on: %v", err)
		}
	}
	cfg := &policy.Config{}
	p.configFile = p.config
	if p.configFile == "" {
		p.configFile = policy.Find(".")
	}
	if p.configFile != "" {
		var err error
		if cfg, err = policy.Load(p.configFile); err != nil {
			return nil, configError(err)
		}
	}
	pol, err := policy.New(cfg, policy.Options{FailOn: failOn, SafeMode: p.safeMode})
	if err != nil {
		return nil, configError(err)
	}
	return pol, nil
}

// configError reports every problem of a configuration, one per line.
func configError(err error) error {
	var lines []string
	for _, e := range flatten(err) {
		lines = append(lines, e.Error())
	}
	return usage("invalid configuration:\n  %s", strings.Join(lines, "\n  "))
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// apply runs the policy over a finished scan: the configuration's filters,
// then the baseline (written first when asked, so a run that writes one
// passes on what it recorded), then the decisions.
func (p *policyFlags) apply(pol *policy.Policy, rep *finding.Report) error {
	pol.Filter(rep)
	baseline.Stamp(rep)
	var b *baseline.Baseline
	path := p.baseline
	switch {
	case p.writeBaseline != "":
		path = p.writeBaseline
		b = baseline.FromReport(rep, dirOf(path))
		if err := b.Write(path); err != nil {
			return usage("writing the baseline: %v", err)
		}
	case p.baseline != "":
		var err error
		if b, err = baseline.Load(p.baseline); err != nil {
			return usage("%v", err)
		}
	}
	if b != nil {
		if pol.SafeMode() {
			rep.Policy.Notices = append(rep.Policy.Notices, "safe mode does not apply baselines: every finding is reported")
		} else {
			b.Apply(rep, dirOf(path))
			rep.Policy.Baseline = path
		}
	}
	pol.Decide(rep)
	return nil
}

// dirOf is the absolute directory of a file, which baseline paths are
// relative to.
func dirOf(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return filepath.Dir(file)
	}
	return filepath.Dir(abs)
}

func initCommand(e *env) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a commented starter " + policy.FileName,
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := policy.FileName
			if len(args) == 1 {
				path = args[0]
			}
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			f, err := os.OpenFile(path, flags, 0o644)
			if errors.Is(err, os.ErrExist) {
				return usage("%s already exists (use --force to overwrite it)", path)
			}
			if err != nil {
				return usage("%v", err)
			}
			if _, err := f.Write(policy.Starter); err != nil {
				f.Close()
				return usage("%v", err)
			}
			if err := f.Close(); err != nil {
				return usage("%v", err)
			}
			fmt.Fprintf(e.stdout, "wrote %s; `modelgate scan` reads it from this directory\n", path)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return cmd
}
