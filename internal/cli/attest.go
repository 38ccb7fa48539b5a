package cli

import (
	"context"
	"fmt"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/sign"
)

// attestation is a scan attestation in the making: the model is hashed
// before the scan and re-checked after it, so the attested digest is the
// content that was scanned.
type attestation struct {
	model, path string
	signer      *sign.KeySigner
	manifest    *sign.Manifest
}

func prepareAttestation(ctx context.Context, f *scanFlags, paths []string) (*attestation, error) {
	if len(paths) != 1 || paths[0] == "-" {
		return nil, usage("--attest needs exactly one model (a directory or a file), not standard input")
	}
	key, err := sign.LoadPrivateKey(f.attest)
	if err != nil {
		return nil, usage("%v", err)
	}
	a := &attestation{model: paths[0], path: f.attestation}
	if a.signer, err = sign.NewKeySigner(key, nil); err != nil {
		return nil, usage("%v", err)
	}
	if a.path == "" {
		a.path = sign.DefaultAttestationPath(a.model)
	}
	a.manifest, err = sign.ManifestForAttestation(ctx, a.model, sign.DefaultSignaturePath(a.model), a.path, f.jobs)
	if err != nil {
		return nil, usage("hashing the model for its attestation: %v", err)
	}
	return a, nil
}

// finish signs the scan's outcome and writes the attestation.
func (a *attestation) finish(ctx context.Context, e *env, rep *finding.Report) error {
	if err := a.manifest.CheckUnchanged(a.model); err != nil {
		return usage("not attesting: %v", err)
	}
	p := sign.NewScanPredicate(rep, a.manifest.Serialization)
	b, err := sign.AttestScan(ctx, a.manifest, p, a.signer)
	if err == nil {
		err = sign.WriteFileAtomic(a.path, b, 0o644)
	}
	if err != nil {
		return usage("writing the attestation: %v", err)
	}
	fmt.Fprintf(e.stderr, "modelgate: scan attestation (decision %s, root sha256:%x) → %s\n", p.Policy.Decision, a.manifest.RootDigest(), a.path)
	return nil
}
