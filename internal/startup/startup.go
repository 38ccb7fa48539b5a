// Package startup sets the garbage collector's pace before most of the
// packages that fill the heap at start are initialised: imported by main,
// it depends on nothing but os and runtime/debug, so Go's initialisation
// order (dependencies first, then import path) runs it as soon as those
// are ready, ahead of sigstore-go's tree (SetGCPercent in main came too
// late: the first collection had already started during initialisation).
//
// modelgate runs the collector at GOGC=400 unless GOGC is set. A scan is a
// short process whose live heap is small and bounded by the engine's
// budgets, but the packages linked for signing (sigstore-go's dependency
// tree above all) put about 3 MB of tables on the heap during
// initialisation: at 100 the first collection started before main did,
// and every cycle marked those tables again. At 400 the first collection
// waits for a 16 MB heap, which a typical scan never reaches; peak RSS
// grows by a few MB only where a scan allocates a lot.
package startup

import (
	"os"
	"runtime/debug"
)

const gcPercent = 400

func init() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
