package report

import (
	"encoding/json"
	"io"

	"github.com/modelgate/modelgate/internal/finding"
)

func writeJSON(w io.Writer, r *finding.Report, _ Options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
