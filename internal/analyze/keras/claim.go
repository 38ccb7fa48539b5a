package keras

import (
	"fmt"
	"strconv"
	"strings"
)

// Claim is the Keras version a file says it was saved with (metadata.json's
// keras_version, an HDF5 root attribute). The attacker writes it, so it only
// ever adds a hint to a message (which advisory would apply to the claimed
// version); it never changes a severity or hides a finding.
type Claim struct {
	Source  string // where the claim was read: "metadata.json", "keras_version attribute"
	Version string
}

// advisory is a published vulnerability and the Keras 3 versions it affects
// (from inclusive, fixed exclusive; "" means unbounded).
type advisory struct {
	id          string
	from, fixed string
	also        string // other affected software, for the note
}

var (
	cve1550  = advisory{id: "CVE-2025-1550", from: "3.0.0", fixed: "3.9.0", also: "tf-keras imports any module in every version"}
	cve8747  = advisory{id: "CVE-2025-8747", from: "3.0.0", fixed: "3.11.0"}
	cve9906  = advisory{id: "CVE-2025-9906", from: "3.0.0", fixed: "3.11.0"}
	cve9905  = advisory{id: "CVE-2025-9905", from: "3.0.0", fixed: "3.11.3", also: "tf-keras never applies safe_mode to HDF5"}
	cve3660  = advisory{id: "CVE-2024-3660", fixed: "2.13.0"}
	cve49655 = advisory{id: "CVE-2025-49655", from: "3.11.0", fixed: "3.11.3"}
	cve12058 = advisory{id: "CVE-2025-12058", fixed: "3.12.0"}
	cve1462  = advisory{id: "CVE-2026-1462", fixed: "3.13.2"}
	cve12479 = advisory{id: "CVE-2026-12479", from: "3.14.0", fixed: "3.15.0"}
	cve12481 = advisory{id: "CVE-2026-12481", from: "3.14.0", fixed: "3.15.0"}
)

// note is the hint appended to a message: what the claimed version means
// for the first advisory that affects it (or the first one given), and
// that the claim proves nothing.
func (c Claim) note(advs ...advisory) string {
	if c.Version == "" {
		return ""
	}
	v, ok := parseVersion(c.Version)
	if !ok {
		return fmt.Sprintf("; %s claims Keras %q, not a version number", c.Source, clip(c.Version, 40))
	}
	a := advs[0]
	for _, x := range advs {
		if x.affects(v) {
			a = x
			break
		}
	}
	verdict := "outside the range " + a.id + " affects"
	if a.affects(v) {
		verdict = "affected by " + a.id
	}
	s := fmt.Sprintf("; %s claims Keras %s, %s (the claim is attacker data", c.Source, c.Version, verdict)
	if a.also != "" {
		s += "; " + a.also
	}
	return s + ")"
}

func (a advisory) affects(v [3]int) bool {
	if a.from != "" {
		if lo, _ := parseVersion(a.from); less(v, lo) {
			return false
		}
	}
	if a.fixed != "" {
		if hi, _ := parseVersion(a.fixed); !less(v, hi) {
			return false
		}
	}
	return true
}

// parseVersion reads "3.8.0", "2.12", "3.11.3.dev2" (the numeric prefix of
// up to three parts).
func parseVersion(s string) ([3]int, bool) {
	var v [3]int
	parts := strings.SplitN(s, ".", 4)
	for i := 0; i < len(parts) && i < 3; i++ {
		p := parts[i]
		end := 0
		for end < len(p) && p[end] >= '0' && p[end] <= '9' {
			end++
		}
		n, err := strconv.Atoi(p[:end])
		if err != nil {
			return v, i > 0
		}
		v[i] = n
		if end < len(p) {
			return v, true
		}
	}
	return v, true
}

func less(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
