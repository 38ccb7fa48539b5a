package policy

import (
	"fmt"
	"path"
	"strings"
)

// Globs match slash-separated paths segment by segment: within a segment
// `*`, `?` and `[…]` work as in path.Match, and a whole segment `**` matches
// any number of segments, including none. There is no basename magic: a
// pattern without a slash matches only top-level names, so `**/*.pt` is
// "any .pt file". Dotted names (trusted_code) are matched the same way with
// dots as separators.

// validGlob reports a pattern path.Match cannot parse.
func validGlob(pattern string) error {
	if pattern == "" {
		return fmt.Errorf("empty pattern")
	}
	for _, seg := range strings.Split(pattern, "/") {
		if seg == "**" {
			continue
		}
		if strings.Contains(seg, "**") {
			return fmt.Errorf("%q: ** must be a whole segment", pattern)
		}
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("%q: %v", pattern, err)
		}
	}
	return nil
}

// globMatch matches name against a pattern checked by validGlob. It is the
// classic wildcard algorithm over segments, backtracking only to the last
// `**`, so its cost is at most segments(name) × segments(pattern) segment
// matches however many `**` the pattern holds.
func globMatch(pattern, name string) bool {
	pat := strings.Split(pattern, "/")
	seg := strings.Split(name, "/")
	p, s := 0, 0
	star, mark := -1, 0
	for s < len(seg) {
		switch {
		case p < len(pat) && pat[p] == "**":
			star, mark = p, s
			p++
		case p < len(pat) && segMatch(pat[p], seg[s]):
			p++
			s++
		case star >= 0:
			// Let the last ** swallow one more segment and retry.
			mark++
			p, s = star+1, mark
		default:
			return false
		}
	}
	for p < len(pat) && pat[p] == "**" {
		p++
	}
	return p == len(pat)
}

func segMatch(pattern, seg string) bool {
	ok, _ := path.Match(pattern, seg)
	return ok
}

// dotted turns a Python dotted name or a Keras registered name
// ("package>Name") into the slash form globMatch reads.
func dotted(name string) string {
	return strings.NewReplacer(".", "/", ">", "/").Replace(name)
}
