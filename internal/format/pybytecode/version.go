package pybytecode

import "strconv"

// Version is a CPython minor version whose bytecode this package decodes.
type Version uint8

// Supported versions. Unknown is the zero value.
const (
	Unknown Version = iota
	Py27
	Py36
	Py37
	Py38
	Py39
	Py310
	Py311
	Py312
	Py313
	Py314
)

// Versions lists every supported version, oldest first.
var Versions = []Version{Py27, Py36, Py37, Py38, Py39, Py310, Py311, Py312, Py313, Py314}

var versionNames = [...]string{"unknown", "2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"}

func (v Version) String() string {
	if int(v) < len(versionNames) {
		return versionNames[v]
	}
	return "version(" + strconv.Itoa(int(v)) + ")"
}

// ParseVersion accepts "3.11" or "2.7".
func ParseVersion(s string) (Version, bool) {
	for i, n := range versionNames[1:] {
		if n == s {
			return Version(i + 1), true
		}
	}
	return Unknown, false
}

// Wordcode reports whether instructions are two-byte units (3.6+).
func (v Version) Wordcode() bool { return v >= Py36 }

// Inline caches follow specialisable instructions from 3.11 on.
func (v Version) hasCaches() bool { return v >= Py311 }
