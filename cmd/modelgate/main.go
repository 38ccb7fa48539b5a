// Command modelgate decides whether machine-learning model files are safe to
// load, without executing them.
package main

import (
	"os"
	"runtime/debug"

	"github.com/modelgate/modelgate/internal/cli"
)

// gcPercent replaces Go's default of 100 unless GOGC is set. A scan is a
// short process whose live heap is small and bounded by the engine's
// budgets, but whose packages (sigstore-go's dependency tree above all)
// leave about 3 MB of tables on the heap at start: at 100 the collector runs
// almost at once and then marks those tables on every cycle. At 400 the
// first collection waits for a 16 MB heap, which a typical scan never
// reaches; peak RSS grows by a few MB only where a scan allocates a lot.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
