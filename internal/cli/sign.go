package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/modelgate/modelgate/internal/sign"
)

type signFlags struct {
	privateKey, certificate string
	chain                   []string
	signature               string
	hash                    hashFlags
	shardSize               int64
	allowSymlinks           bool
	incremental             bool
	verifyReused            bool
	state                   string
}

// hashFlags are shared by sign and verify.
type hashFlags struct {
	ignorePaths    []string
	ignoreGitPaths bool
	jobs           int
}

// register adds the flags; verify words them for signatures that already
// record their own ignore paths.
func (h *hashFlags) register(cmd *cobra.Command, verifying bool) {
	fl := cmd.Flags()
	ignored, git := "left out of the signature", "leave out .git, .gitattributes, .github and .gitignore at the model root"
	if verifying {
		ignored = "ignored besides those the signature records"
		git += " (for signatures that do not record their ignore paths)"
	}
	fl.StringSliceVar(&h.ignorePaths, "ignore-paths", nil, "`PATHS` (comma-separated, relative to MODEL) "+ignored)
	fl.BoolVar(&h.ignoreGitPaths, "ignore-git-paths", true, git)
	fl.IntVar(&h.jobs, "jobs", 0, "files or shards hashed in parallel (default: all cores)")
}

func signCommand(e *env) *cobra.Command {
	f := &signFlags{}
	cmd := &cobra.Command{
		Use:   "sign --private-key KEY.pem [flags] MODEL",
		Short: "Sign a model (directory or file) in the OpenSSF model-signing format",
		Long: "Sign MODEL, a directory or a single file, writing a Sigstore bundle (model.sig) whose DSSE envelope holds an\n" +
			"in-toto statement with the SHA-256 of every file (predicate https://model_signing/signature/v1.0).\n" +
			"The key is ECDSA (P-256, P-384, P-521) or Ed25519, in PEM; with --certificate the bundle carries the\n" +
			"certificate chain instead of the key's hint.\n\n" +
			"Exit status: 0 signed; 2 usage or input/output error.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runSign(cmd.Context(), e, f, args[0]) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.privateKey, "private-key", "", "PEM private key to sign with (required)")
	fl.StringVar(&f.certificate, "certificate", "", "PEM signing certificate for the key (certificate method)")
	fl.StringSliceVar(&f.chain, "certificate-chain", nil, "PEM intermediate certificates to include after --certificate")
	fl.StringVar(&f.signature, "signature", "", "where to write the signature (default MODEL/model.sig, or MODEL.sig for a file)")
	fl.Int64Var(&f.shardSize, "shard-size", 0, "hash files in shards of `BYTES` (\"shards\" method; default: one digest per file)")
	fl.BoolVar(&f.allowSymlinks, "allow-symlinks", false, "follow symbolic links to files instead of refusing them")
	fl.BoolVar(&f.incremental, "incremental", false, "reuse the digests of the previous signature for files whose size and times are unchanged")
	fl.BoolVar(&f.verifyReused, "verify-reused", false, "with --incremental: after writing the signature, re-read the reused files and re-sign if one changed")
	fl.StringVar(&f.state, "state", "", "with --incremental: file recording sizes and times (default: in the user cache directory)")
	f.hash.register(cmd, false)
	_ = cmd.MarkFlagRequired("private-key")
	return cmd
}

func runSign(ctx context.Context, e *env, f *signFlags, model string) error {
	if f.certificate == "" && len(f.chain) > 0 {
		return usage("--certificate-chain needs --certificate")
	}
	if f.verifyReused && !f.incremental {
		return usage("--verify-reused needs --incremental")
	}
	signer, err := loadSigner(f)
	if err != nil {
		return usage("%v", err)
	}
	sigPath := f.signature
	if sigPath == "" {
		sigPath = sign.DefaultSignaturePath(model)
	}
	opts := sign.HashOptions{
		ShardSize: f.shardSize, AllowSymlinks: f.allowSymlinks, Workers: f.hash.jobs,
		IgnorePaths: append(f.hash.ignorePaths, sign.OwnFiles(model, sigPath)...), IgnoreGitPaths: f.hash.ignoreGitPaths,
	}
	statePath := f.state
	if f.incremental && statePath == "" {
		if statePath = defaultStatePath(model, sigPath); statePath == "" {
			return usage("--incremental: no user cache directory for its state; give --state FILE")
		}
	}
	if f.incremental {
		opts.Previous = previous(ctx, e, signer, sigPath, statePath)
	}
	bundle, m, err := sign.SignModel(ctx, model, signer, opts)
	if err != nil {
		return usage("%v", err)
	}
	if err := sign.WriteFileAtomic(sigPath, bundle, 0o644); err != nil {
		return usage("writing the signature: %v", err)
	}
	summary := describeManifest(m)
	if f.verifyReused {
		if err := checkReused(ctx, e, signer, model, sigPath, m, f.hash.jobs); err != nil {
			return err
		}
	}
	if statePath != "" {
		if err := os.MkdirAll(filepath.Dir(statePath), 0o700); err == nil {
			err = m.State().Save(statePath)
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "modelgate: warning: incremental state not saved: %v\n", err)
		}
	}
	fmt.Fprintf(e.stdout, "signed %s: %s → %s\n", model, summary, sigPath)
	return nil
}

func loadSigner(f *signFlags) (*sign.KeySigner, error) {
	key, err := sign.LoadPrivateKey(f.privateKey)
	if err != nil {
		return nil, err
	}
	if f.certificate == "" {
		return sign.NewKeySigner(key, nil)
	}
	chain, err := sign.LoadCertificates(append([]string{f.certificate}, f.chain...)...)
	if err != nil {
		return nil, err
	}
	return sign.NewKeySigner(key, chain)
}

// previous loads what incremental signing reuses: the manifest of the
// existing signature, trusted only if it verifies with the signer's own key,
// and the state saved with it. Anything missing means a full hash.
func previous(ctx context.Context, e *env, signer *sign.KeySigner, sigPath, statePath string) *sign.Previous {
	state, err := sign.LoadState(statePath)
	if err != nil {
		fmt.Fprintf(e.stderr, "modelgate: incremental: no saved state (%v); hashing every file\n", err)
		return nil
	}
	m, _, err := sign.SignedManifest(ctx, sigPath, sign.KeyVerifier{Key: signer.PublicKey()})
	if err != nil {
		fmt.Fprintf(e.stderr, "modelgate: incremental: previous signature unusable (%v); hashing every file\n", err)
		return nil
	}
	return &sign.Previous{Manifest: m, State: state}
}

// checkReused re-reads the files whose digests were reused and, if one of
// them changed behind an unchanged size and times, signs again.
func checkReused(ctx context.Context, e *env, signer sign.Signer, model, sigPath string, m *sign.Manifest, jobs int) error {
	changed, err := sign.VerifyReused(ctx, model, m, jobs)
	if err != nil {
		return usage("checking reused digests: %v", err)
	}
	if len(changed) == 0 {
		return nil
	}
	fmt.Fprintf(e.stderr, "modelgate: warning: %d reused digest(s) were stale (%v); signature rewritten\n", len(changed), changed)
	bundle, err := sign.SignManifest(ctx, m, signer)
	if err == nil {
		err = sign.WriteFileAtomic(sigPath, bundle, 0o644)
	}
	if err != nil {
		return usage("re-signing: %v", err)
	}
	return nil
}

// defaultStatePath keys the incremental state by model and signature path,
// in the user's cache directory: it is a cache, not part of the model.
func defaultStatePath(model, sigPath string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	am, _ := filepath.Abs(model)
	as, _ := filepath.Abs(sigPath)
	sum := sha256.Sum256([]byte(am + "\x00" + as))
	return filepath.Join(dir, "modelgate", "sign-state", hex.EncodeToString(sum[:16])+".json")
}

func describeManifest(m *sign.Manifest) string {
	reused := 0
	for _, r := range m.Resources {
		if r.Reused {
			reused++
		}
	}
	s := fmt.Sprintf("%d file(s)", len(m.Resources))
	if m.Serialization.Method == sign.MethodShards {
		s = fmt.Sprintf("%d shard(s) of up to %d bytes", len(m.Resources), m.Serialization.ShardSize)
	}
	s += fmt.Sprintf(", root sha256:%x", m.RootDigest())
	if reused > 0 {
		s += fmt.Sprintf(", %d reused", reused)
	}
	return s
}
