// Command modelgate decides whether machine-learning model files are safe to
// load, without executing them.
package main

import (
	"os"

	"github.com/modelgate/modelgate/internal/cli"
	_ "github.com/modelgate/modelgate/internal/startup" // before the other packages initialise
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
