package sign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Default file names beside (or inside) a model.
const (
	SignatureName   = "model.sig"
	AttestationName = "model.scan.sig"
)

// maxBundleSize bounds what is read of a signature file; a manifest of a
// very large model with small shards stays far below it.
const maxBundleSize = 256 << 20

// DefaultSignaturePath is MODEL/model.sig for a directory and MODEL.sig for
// a single-file model.
func DefaultSignaturePath(model string) string {
	return defaultBeside(model, SignatureName, ".sig")
}

// DefaultAttestationPath is MODEL/model.scan.sig for a directory and
// MODEL.scan.sig for a single-file model.
func DefaultAttestationPath(model string) string {
	return defaultBeside(model, AttestationName, ".scan.sig")
}

func defaultBeside(model, inside, suffix string) string {
	if info, err := os.Stat(model); err == nil && !info.IsDir() {
		return filepath.Clean(model) + suffix
	}
	return filepath.Join(model, inside)
}

// SignModel hashes the model and signs its manifest, returning the bundle to
// write and the manifest (whose State makes the next signing incremental).
func SignModel(ctx context.Context, root string, signer Signer, opts HashOptions) ([]byte, *Manifest, error) {
	m, err := Hash(ctx, root, opts)
	if err != nil {
		return nil, nil, err
	}
	b, err := SignManifest(ctx, m, signer)
	return b, m, err
}

// SignManifest signs an already computed manifest.
func SignManifest(ctx context.Context, m *Manifest, signer Signer) ([]byte, error) {
	st, err := StatementFor(m)
	if err != nil {
		return nil, err
	}
	return signer.SignStatement(ctx, st)
}

// VerifyOptions control VerifyModel.
type VerifyOptions struct {
	Verifier Verifier
	// IgnorePaths are added to those the signature records (relative to the
	// model root, or absolute paths inside it). The signature file itself is
	// always ignored.
	IgnorePaths []string
	// IgnoreGitPaths adds GitPaths for signatures that do not record their
	// ignore paths (before model_signing 1.1); a signature that records them
	// says itself whether git files were signed.
	IgnoreGitPaths bool
	// IgnoreUnsigned accepts files the signature does not list (they are
	// reported in Result.Unsigned) instead of failing.
	IgnoreUnsigned bool
	Workers        int
}

// Result describes a verified model.
type Result struct {
	// Signed is the manifest from the signature; Local the one computed from
	// the model (its resources in canonical order).
	Signed, Local *Manifest
	Signer        string
	// Unsigned lists files present but not signed, accepted by policy.
	Unsigned []string
}

// VerifyModel checks that the signature at sigPath is valid for opts.Verifier
// and that the model at root is exactly what it signs. Errors that mean "not
// verified" wrap ErrNotVerified; others are input/output or usage problems.
func VerifyModel(ctx context.Context, root, sigPath string, opts VerifyOptions) (*Result, error) {
	signed, signer, err := SignedManifest(ctx, sigPath, opts.Verifier)
	if err != nil {
		return nil, err
	}
	res := &Result{Signed: signed, Signer: signer}
	if res.Local, res.Unsigned, err = hashLike(ctx, root, sigPath, signed, opts); err != nil {
		return nil, err
	}
	if d := Compare(signed, res.Local); !d.Empty() {
		return nil, notVerified("the model does not match its signature:%s", d)
	}
	return res, nil
}

// SignedManifest reads the signature at path, has v authenticate it, and
// returns the manifest it signs and who signed it.
func SignedManifest(ctx context.Context, path string, v Verifier) (*Manifest, string, error) {
	b, err := ReadBundle(path)
	if err != nil {
		return nil, "", err
	}
	payload, signer, err := v.Verify(ctx, b)
	if err != nil {
		return nil, "", err
	}
	m, err := payloadManifest(payload)
	if err != nil {
		return nil, "", notVerified("%v", err)
	}
	return m, signer, nil
}

// payloadManifest decodes a model-signing statement into its manifest.
func payloadManifest(payload []byte) (*Manifest, error) {
	st, err := ParseStatement(payload)
	if err != nil {
		return nil, err
	}
	return ManifestFromStatement(st)
}

// ReadBundle reads and parses a signature file.
func ReadBundle(path string) (*Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBundleSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxBundleSize {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, maxBundleSize>>20)
	}
	return ParseBundle(data)
}

// hashLike hashes the model the way the signed manifest was computed.
func hashLike(ctx context.Context, root, sigPath string, signed *Manifest, opts VerifyOptions) (*Manifest, []string, error) {
	absSig, err := filepath.Abs(sigPath)
	if err != nil {
		return nil, nil, err
	}
	ser := signed.Serialization
	hopts := HashOptions{
		ShardSize:      ser.ShardSize,
		AllowSymlinks:  ser.AllowSymlinks,
		IgnorePaths:    append(append([]string{absSig}, ser.IgnorePaths...), opts.IgnorePaths...),
		IgnoreGitPaths: opts.IgnoreGitPaths && ser.IgnorePaths == nil,
		Workers:        opts.Workers,
	}
	mdl, hser, err := prepare(root, hopts)
	if err != nil {
		return nil, nil, asNotVerified(err)
	}
	var unsigned []string
	if signed.Resources[0].Path == "." && !mdl.isFile {
		if mdl, unsigned, err = signedFileIn(mdl, signed, opts.IgnoreUnsigned); err != nil {
			return nil, nil, err
		}
	}
	if err := sameKind(mdl, signed); err != nil {
		return nil, nil, err
	}
	if opts.IgnoreUnsigned && !mdl.isFile {
		unsigned = keepSigned(mdl, signed)
	}
	local, err := hashModel(ctx, mdl, hser, hopts)
	return local, unsigned, asNotVerified(err)
}

// asNotVerified turns a refused model into "not verified".
func asNotVerified(err error) error {
	var r *refusedError
	if errors.As(err, &r) {
		return notVerified("%v", err)
	}
	return err
}

// signedFileIn turns a directory MODEL into the one file a single-file
// signature covers. The reference implementation names such a model after
// its file and writes model.sig beside it, so the directory holding both is
// what a user passes; it must hold nothing else unsigned (or the caller
// ignores unsigned files, which are returned).
func signedFileIn(dir *model, signed *Manifest, ignoreUnsigned bool) (*model, []string, error) {
	var file *fileEntry
	var others []string
	for i, f := range dir.files {
		if f.rel == signed.ModelName {
			file = &dir.files[i]
		} else {
			others = append(others, f.rel)
		}
	}
	if file == nil {
		return dir, nil, nil // sameKind explains
	}
	if len(others) > 0 && !ignoreUnsigned {
		slices.Sort(others)
		return nil, nil, notVerified("the model does not match its signature:%s", Diff{Extra: others})
	}
	one := fileEntry{rel: ".", abs: file.abs, stat: file.stat}
	return &model{name: signed.ModelName, isFile: true, files: []fileEntry{one}}, others, nil
}

// sameKind refuses to compare a single-file signature with a directory and
// the reverse, with a hint instead of a list of every file as a mismatch.
func sameKind(mdl *model, signed *Manifest) error {
	single := signed.Resources[0].Path == "."
	switch {
	case single && !mdl.isFile:
		return notVerified("the signature covers a single file (model %q), which MODEL, a directory, does not hold: pass that file as MODEL", signed.ModelName)
	case !single && mdl.isFile:
		return notVerified("the signature covers a directory (model %q), but MODEL is a single file", signed.ModelName)
	}
	return nil
}

// keepSigned drops from the walk the files the signature does not mention
// (they are not even read) and returns their names.
func keepSigned(mdl *model, signed *Manifest) []string {
	paths := make(map[string]bool, len(signed.Resources))
	for _, r := range signed.Resources {
		paths[r.Path] = true
	}
	var kept []fileEntry
	var dropped []string
	for _, f := range mdl.files {
		if paths[f.rel] {
			kept = append(kept, f)
		} else {
			dropped = append(dropped, f.rel)
		}
	}
	mdl.files = kept
	return dropped
}

// String renders the differences, a few names per kind.
func (d Diff) String() string {
	var b strings.Builder
	list := func(what string, names []string) {
		if len(names) == 0 {
			return
		}
		const show = 8
		fmt.Fprintf(&b, "\n  %s (%d): %s", what, len(names), strings.Join(names[:min(show, len(names))], ", "))
		if len(names) > show {
			fmt.Fprintf(&b, ", and %d more", len(names)-show)
		}
	}
	list("modified", d.Modified)
	list("missing", d.Missing)
	list("unsigned (extra)", d.Extra)
	return b.String()
}
