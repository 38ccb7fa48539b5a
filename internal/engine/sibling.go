package engine

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
)

// Sibling implements analyze.Siblings for top-level files: it lstats every
// component of rel below the artifact's directory, so a symbolic link
// anywhere on the way is seen, and never opens the file.
func (s *scope) Sibling(rel string) (analyze.SiblingInfo, bool) {
	if s.art.Depth != 0 || s.fs.path == "-" || !filepath.IsLocal(filepath.FromSlash(rel)) {
		return analyze.SiblingInfo{}, false
	}
	p := filepath.Dir(s.fs.path)
	var info analyze.SiblingInfo
	for _, part := range strings.Split(filepath.ToSlash(filepath.Clean(filepath.FromSlash(rel))), "/") {
		p = filepath.Join(p, part)
		st, err := os.Lstat(p)
		if err != nil {
			return analyze.SiblingInfo{}, true
		}
		if st.Mode()&os.ModeSymlink != 0 && info.Link == "" {
			info.Link = p
		}
		info.Exists, info.Regular, info.Size = true, st.Mode().IsRegular(), st.Size()
		info.Links = linkCount(st)
	}
	return info, true
}
