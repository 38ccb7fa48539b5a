package pycode

import (
	"math"
	"regexp"
	"strings"

	"github.com/modelgate/modelgate/internal/format/pymarshal"
)

var (
	urlPattern  = regexp.MustCompile(`(?i)\b(https?|ftp|gs|s3|wss?|tcp|udp)://[^\s'"]+`)
	ipv4Pattern = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b`)
	b64Pattern  = regexp.MustCompile(`^[A-Za-z0-9+/_-]{32,}={0,2}$`)
)

// constant inspects a constant string (from co_consts, folded at run time,
// decoded, or from defaults and closure) once.
func (a *analysis) constant(o *pymarshal.Object, code string, offset int) {
	if o == nil || a.strDone[o] {
		return
	}
	a.strDone[o] = true
	var s string
	switch o.Kind {
	case pymarshal.Str:
		s = o.Str
	case pymarshal.Bytes:
		s = string(o.Bytes)
	default:
		return
	}
	q := pymarshal.Quote(s, o.Kind == pymarshal.Bytes)
	a.scanString(s, q, code, offset)
}

func (a *analysis) scanString(s, quoted, code string, offset int) {
	if dangerousNames[s] {
		a.dangerStr[s] = true
	}
	if kerasSabotage[s] {
		a.add(M8, "names a Keras safe-mode switch", code, quoted, offset)
	}
	if m := urlPattern.FindString(s); m != "" {
		a.add(S3, "carries a URL", code, quoted, offset)
	} else if m := ipv4Pattern.FindString(s); m != "" && validIPv4(m) {
		a.add(S3, "carries an IP address", code, quoted, offset)
	}
	switch {
	case len(s) > 256:
		a.add(S9, "carries a string constant of "+itoa(len(s))+" bytes", code, quoted, offset)
	case len(s) >= 64 && entropy(s) > 4.5:
		a.add(S9, "carries a high-entropy string constant", code, quoted, offset)
	case b64Pattern.MatchString(s):
		a.add(S9, "carries a base64-looking string constant", code, quoted, offset)
	}
}

func validIPv4(s string) bool {
	host, _, _ := strings.Cut(s, ":")
	for _, p := range strings.Split(host, ".") {
		if len(p) > 1 && p[0] == '0' || len(p) > 3 || atoi(p) > 255 {
			return false
		}
	}
	return true
}

// entropy is the Shannon entropy of s in bits per byte.
func entropy(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(len(s))
			h -= p * math.Log2(p)
		}
	}
	return h
}

// sensitive reports whether a path names a persistence or system location.
func sensitive(s string) bool {
	for _, p := range sensitivePaths {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
