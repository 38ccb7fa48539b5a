package keras

import (
	"regexp"
	"strings"
)

// Config values that reach a call as plain strings (a Lambda's arguments,
// the literal arguments of a functional node) are attacker data handed to
// whatever the layer calls. Tensor code takes numbers, axis names and
// padding modes; a URL, a path or a shell command is what a gadget
// (get_file, load_model, os.system) needs.

var (
	urlRE     = regexp.MustCompile(`(?i)^[a-z][a-z0-9+.-]{1,15}://`)
	driveRE   = regexp.MustCompile(`^[A-Za-z]:[\\/]`)
	commandRE = regexp.MustCompile(`^(curl|wget|bash|sh|zsh|nc|ncat|python[0-9.]*|perl|ruby|powershell|pwsh|cmd|rm|chmod|ls|id|whoami|uname|cat|echo|touch) +[^ ]`)
	shellRE   = regexp.MustCompile("(;|&&|\\|\\||\\||`|\\$\\(|>\\s*/)")
)

// fileExts are extensions of files a gadget would load or run.
var fileExts = []string{".keras", ".h5", ".hdf5", ".pb", ".pkl", ".pickle", ".pt", ".pth", ".bin", ".npy", ".npz",
	".joblib", ".zip", ".tar", ".gz", ".py", ".pyc", ".sh", ".so", ".dll", ".dylib", ".exe", ".bat", ".ps1"}

// target says why a string literal looks like something a gadget acts on,
// or "" when it looks like an ordinary tensor argument.
func target(s string) string {
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return ""
	case urlRE.MatchString(t):
		return "a URL"
	case strings.HasPrefix(t, "/") && len(t) > 1, strings.HasPrefix(t, "~/"), strings.HasPrefix(t, `\\`), driveRE.MatchString(t):
		return "an absolute path"
	case t == ".." || strings.Contains(t, "../") || strings.Contains(t, `..\`):
		return "a path leaving the current directory"
	case commandRE.MatchString(t), strings.Contains(t, " ") && shellRE.MatchString(t):
		return "a shell command"
	}
	low := strings.ToLower(t)
	for _, e := range fileExts {
		if strings.HasSuffix(low, e) && len(low) > len(e) {
			return "a file name"
		}
	}
	return ""
}

// unsafeLayerName says why a layer or model name could escape a directory
// when Keras builds asset and weight paths from it (CVE-2026-12479), or "".
// A plain '/' only nests directories (tf.keras applications name layers
// "conv1/conv"); escaping takes '..', an absolute path or a NUL.
func unsafeLayerName(name string) string {
	n := strings.ReplaceAll(name, `\`, "/")
	switch {
	case strings.IndexByte(name, 0) >= 0:
		return "NUL byte"
	case n == ".." || strings.HasPrefix(n, "../") || strings.HasSuffix(n, "/..") || strings.Contains(n, "/../"):
		return "'..' component"
	case strings.HasPrefix(n, "/") || driveRE.MatchString(name):
		return "absolute path"
	}
	return ""
}
