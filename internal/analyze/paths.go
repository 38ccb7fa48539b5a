package analyze

import "strings"

// UnsafePath says why a relative name taken from a file (an archive member,
// an external-data location, an asset) would resolve outside the directory
// it is meant for, or returns "". Backslashes count as separators, as they
// do for Windows loaders.
func UnsafePath(name string) string {
	n := strings.ReplaceAll(name, "\\", "/")
	switch {
	case strings.HasPrefix(n, "//"):
		return "UNC path"
	case strings.HasPrefix(n, "/"):
		return "absolute path"
	case len(n) >= 2 && n[1] == ':' && (n[0]|0x20 >= 'a' && n[0]|0x20 <= 'z'):
		return "drive-letter path"
	case strings.IndexByte(name, 0) >= 0:
		return "NUL byte in name"
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "'..' component"
		}
	}
	return ""
}
