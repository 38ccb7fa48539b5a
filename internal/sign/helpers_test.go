package sign

import (
	"context"
	"testing"

	"github.com/modelgate/modelgate/internal/sign/signtest"
)

var (
	testKeys   = signtest.Keys
	newTestPKI = signtest.NewPKI
	makeModel  = signtest.Model
)

// signTo signs the model and writes the bundle to sig.
func signTo(t testing.TB, model, sig string, signer Signer, opts HashOptions) *Manifest {
	t.Helper()
	b, m, err := SignModel(context.Background(), model, signer, opts)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, sig, b)
	return m
}
