package policy

import _ "embed"

// Starter is the commented configuration `modelgate init` writes.
//
//go:embed starter.yaml
var Starter []byte
