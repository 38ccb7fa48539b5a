package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/modelgate/modelgate/internal/sign"
)

// ExitNotVerified is verify's status when the model does not match a valid
// signature (or, with --require-scan, a passing scan attestation).
const ExitNotVerified = 1

type verifyFlags struct {
	signature       string
	publicKey       string
	chain           []string
	trustRoot       string
	identity        string
	issuer          string
	hash            hashFlags
	ignoreUnsigned  bool
	requireScan     bool
	scanKey         string
	scanAttestation string
}

func verifyCommand(e *env) *cobra.Command {
	f := &verifyFlags{}
	cmd := &cobra.Command{
		Use:   "verify (--public-key PUB.pem | --certificate-chain CA.pem | --trust-root trusted_root.json --identity ID --issuer URL) [flags] MODEL",
		Short: "Verify a model against its model-signing signature (and, optionally, a passing scan attestation)",
		Long: "Verify that MODEL (a directory or a single file) is exactly what its signature lists, and that the signature\n" +
			"is valid: made by the public key, by a certificate chaining to the given CA, or (keyless Sigstore) by the\n" +
			"identity and OIDC issuer, checked offline against a trusted root file. Reads predicates v1.0 and v0.1.\n\n" +
			"With --require-scan, also require a scan attestation (modelgate scan --attest) signed by --scan-public-key,\n" +
			"about this exact model, whose policy decision is \"pass\": the check to run before loading a model.\n\n" +
			"Exit status: 0 verified; 1 not verified; 2 usage or input/output error.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runVerify(cmd.Context(), e, f, args[0]) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.signature, "signature", "", "signature to verify (default MODEL/model.sig, or MODEL.sig for a file)")
	fl.StringVar(&f.publicKey, "public-key", "", "PEM public key the model was signed with (key method)")
	fl.StringSliceVar(&f.chain, "certificate-chain", nil, "PEM CA certificate(s) the signing certificate must chain to (certificate method)")
	fl.StringVar(&f.trustRoot, "trust-root", "", "Sigstore trusted_root.json (keyless method; needs --identity and --issuer)")
	fl.StringVar(&f.identity, "identity", "", "expected signer identity: the certificate's SAN, such as an e-mail address")
	fl.StringVar(&f.issuer, "issuer", "", "expected OIDC issuer URL of the identity")
	fl.BoolVar(&f.ignoreUnsigned, "ignore-unsigned-files", false, "accept files the signature does not list (default: fail)")
	fl.BoolVar(&f.requireScan, "require-scan", false, "also require a passing scan attestation")
	fl.StringVar(&f.scanKey, "scan-public-key", "", "PEM public key of the scanner that signed the attestation")
	fl.StringVar(&f.scanAttestation, "scan-attestation", "", "scan attestation (default MODEL/model.scan.sig, or MODEL.scan.sig for a file)")
	f.hash.register(cmd, true)
	return cmd
}

func runVerify(ctx context.Context, e *env, f *verifyFlags, model string) error {
	v, err := f.verifier()
	if err != nil {
		return usage("%v", err)
	}
	var scanV sign.Verifier
	if f.requireScan {
		if f.scanKey == "" {
			return usage("--require-scan needs --scan-public-key")
		}
		key, err := sign.LoadPublicKey(f.scanKey)
		if err != nil {
			return usage("%v", err)
		}
		scanV = sign.KeyVerifier{Key: key}
	}
	sigPath, attPath := f.signature, f.scanAttestation
	if sigPath == "" {
		sigPath = sign.DefaultSignaturePath(model)
	}
	if attPath == "" {
		attPath = sign.DefaultAttestationPath(model)
	}
	res, err := sign.VerifyModel(ctx, model, sigPath, sign.VerifyOptions{
		Verifier: v, IgnoreGitPaths: f.hash.ignoreGitPaths, IgnoreUnsigned: f.ignoreUnsigned, Workers: f.hash.jobs,
		IgnorePaths: append(f.hash.ignorePaths, sign.OwnFiles(model, sigPath, attPath)...),
	})
	if err != nil {
		return verifyFailure(err)
	}
	if len(res.Unsigned) > 0 {
		fmt.Fprintf(e.stderr, "modelgate: note: %d unsigned file(s) ignored: %s\n", len(res.Unsigned), strings.Join(res.Unsigned, ", "))
	}
	fmt.Fprintf(e.stdout, "verified %s: %s, signed by %s\n", model, describeManifest(res.Local), res.Signer)
	if scanV == nil {
		return nil
	}
	p, scanner, err := sign.VerifyScanAttestation(ctx, attPath, scanV, res.Local)
	if err != nil {
		return verifyFailure(err)
	}
	fmt.Fprintf(e.stdout, "scan passed: verdict %s under %s, scanned %s by %s %s, attested by %s\n",
		p.Verdict, describePolicy(p.Policy), p.ScannedAt.Format("2006-01-02T15:04:05Z"), p.Scanner.Name, p.Scanner.Version, scanner)
	if p.Policy.SetAside > 0 {
		fmt.Fprintf(e.stderr, "modelgate: note: the scan's configuration set aside %d finding(s) (suppressions, disabled rules, baseline)\n", p.Policy.SetAside)
	}
	return nil
}

// describePolicy names the policy a scan attestation was made under.
func describePolicy(d sign.PolicyDecision) string {
	s := "fail_on " + d.FailOn
	if d.SafeMode {
		s = "SafeMode, " + s
	}
	if d.Config != "" {
		s += " with " + d.Config
	}
	if d.Baseline {
		s += " and a baseline"
	}
	return s
}

// verifier builds the one verifier the flags ask for.
func (f *verifyFlags) verifier() (sign.Verifier, error) {
	n := 0
	for _, set := range []bool{f.publicKey != "", len(f.chain) > 0, f.trustRoot != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, errors.New("give exactly one of --public-key, --certificate-chain, or --trust-root with --identity and --issuer")
	}
	if (f.identity != "" || f.issuer != "") && f.trustRoot == "" {
		return nil, errors.New("--identity and --issuer go with --trust-root")
	}
	switch {
	case f.publicKey != "":
		key, err := sign.LoadPublicKey(f.publicKey)
		return sign.KeyVerifier{Key: key}, err
	case len(f.chain) > 0:
		certs, err := sign.LoadCertificates(f.chain...)
		if err != nil {
			return nil, err
		}
		return sign.NewChainVerifier(certs)
	}
	if f.identity == "" || f.issuer == "" {
		return nil, errors.New("--trust-root needs --identity and --issuer")
	}
	return sign.NewSigstoreVerifier(f.trustRoot, f.identity, f.issuer)
}

// verifyFailure maps "not verified" to status 1 and the rest to 2.
func verifyFailure(err error) error {
	if errors.Is(err, sign.ErrNotVerified) {
		return &exitError{code: ExitNotVerified, err: fmt.Errorf("not verified: %w", err)}
	}
	return &exitError{code: ExitError, err: err}
}
