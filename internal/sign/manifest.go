// Package sign signs and verifies models in the OpenSSF model-signing format
// (sigstore/model-transparency): a Sigstore bundle whose DSSE envelope carries
// an in-toto statement listing the digest of every file (or file shard) of
// the model, with one subject whose digest is the SHA-256 of all those
// digests. It also holds the hashing engine that builds that list, and the
// scan attestations modelgate issues over the same root digest.
//
// The package is a library; the command line only wires flags to it.
package sign

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Serialization methods of the model-signing format.
const (
	MethodFiles  = "files"
	MethodShards = "shards"
)

// HashSHA256 is the only hash_type modelgate computes; the format also names
// blake2 and blake3, which are refused with a clear error.
const HashSHA256 = "sha256"

// Serialization records how a manifest was computed, so that a verifier can
// recompute it the same way. It is the predicate's "serialization" object.
type Serialization struct {
	Method        string
	HashType      string
	AllowSymlinks bool
	// ShardSize is the shard length for MethodShards and 0 otherwise.
	ShardSize int64
	// IgnorePaths are '/'-separated paths relative to the model root whose
	// files (or subtrees) are not part of the manifest.
	IgnorePaths []string
}

// Resource is one item of a manifest: a whole file, or one shard of it.
type Resource struct {
	// Path is '/'-separated and relative to the model root; "." names the
	// model itself when the model is a single file.
	Path string
	// Sharded resources cover the bytes [Start, End) of Path.
	Sharded    bool
	Start, End int64
	// Algorithm is the digest algorithm as recorded ("sha256", or
	// "sha256-sharded-N" for shards written by the reference implementation).
	Algorithm string
	Digest    []byte
	// Reused is set when incremental hashing took the digest from a previous
	// manifest instead of reading the file.
	Reused bool
}

// Name is the resource's name in the predicate: the path, or
// "path:start:end" for a shard.
func (r Resource) Name() string {
	if !r.Sharded {
		return r.Path
	}
	return r.Path + ":" + strconv.FormatInt(r.Start, 10) + ":" + strconv.FormatInt(r.End, 10)
}

// Manifest is a model's list of resources and how they were computed.
type Manifest struct {
	// ModelName is informative only (the last element of the model path):
	// renaming a model never invalidates its signature.
	ModelName     string
	Serialization Serialization
	// Resources are in canonical order (see sortResources).
	Resources []Resource

	// stats holds each hashed file's size and change times, for incremental
	// hashing; it is never signed.
	stats map[string]fileStat
}

// RootDigest is the statement subject's digest: SHA-256 over the
// concatenated digest bytes of the resources, in manifest order.
func (m *Manifest) RootDigest() []byte {
	h := sha256.New()
	for _, r := range m.Resources {
		h.Write(r.Digest)
	}
	return h.Sum(nil)
}

// sortResources puts resources in the reference implementation's order: by
// path compared element by element (so "a/b" sorts before "a.txt"), then by
// shard offsets compared as numbers.
func sortResources(rs []Resource) {
	slices.SortFunc(rs, compareResources)
}

func compareResources(a, b Resource) int {
	if c := comparePaths(a.Path, b.Path); c != 0 {
		return c
	}
	if a.Start != b.Start {
		return cmpInt(a.Start, b.Start)
	}
	return cmpInt(a.End, b.End)
}

// comparePaths orders like Python's PurePosixPath: a list of components
// compared lexicographically, each component by code point (which is UTF-8
// byte order).
func comparePaths(a, b string) int {
	for {
		ea, resta, moreA := strings.Cut(a, "/")
		eb, restb, moreB := strings.Cut(b, "/")
		if c := strings.Compare(ea, eb); c != 0 {
			return c
		}
		switch {
		case !moreA && !moreB:
			return 0
		case !moreA:
			return -1
		case !moreB:
			return 1
		}
		a, b = resta, restb
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cleanRelPath validates a path read from a signature or given by a user:
// relative, '/'-separated, no "..". It returns the canonical spelling.
func cleanRelPath(p string) (string, error) {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "\x00") {
		return "", fmt.Errorf("invalid path %q: must be relative to the model root", p)
	}
	for _, e := range strings.Split(p, "/") {
		if e == ".." {
			return "", fmt.Errorf("invalid path %q: must not leave the model root", p)
		}
	}
	return path.Clean(p), nil
}

// parseResourceName splits a predicate resource name. Shard names end in
// ":start:end"; they are split from the right so that a path containing ':'
// still parses.
func parseResourceName(name string, sharded bool) (Resource, error) {
	r := Resource{Sharded: sharded}
	p := name
	if sharded {
		i := strings.LastIndexByte(name, ':')
		j := -1
		if i > 0 {
			j = strings.LastIndexByte(name[:i], ':')
		}
		if j <= 0 {
			return r, fmt.Errorf("invalid shard name %q: want path:start:end", name)
		}
		var err1, err2 error
		r.Start, err1 = strconv.ParseInt(name[j+1:i], 10, 64)
		r.End, err2 = strconv.ParseInt(name[i+1:], 10, 64)
		if err1 != nil || err2 != nil || r.Start < 0 || r.End < r.Start {
			return r, fmt.Errorf("invalid shard name %q: bad offsets", name)
		}
		p = name[:j]
	}
	var err error
	r.Path, err = cleanRelPath(p)
	return r, err
}

// Diff is how a model on disk differs from a signed manifest.
type Diff struct {
	// Missing resources are signed but absent from the model.
	Missing []string
	// Extra resources are in the model but not signed.
	Extra []string
	// Modified resources are in both with different digests.
	Modified []string
}

// Empty reports whether the model matches the manifest exactly.
func (d Diff) Empty() bool {
	return len(d.Missing) == 0 && len(d.Extra) == 0 && len(d.Modified) == 0
}

// Compare lists the differences between a signed manifest and one computed
// from the model. Digest algorithms must agree up to the equivalence of
// "sha256" and "sha256-sharded-N" (the same bytes under two names).
func Compare(signed, actual *Manifest) Diff {
	want := make(map[string]Resource, len(signed.Resources))
	for _, r := range signed.Resources {
		want[r.Name()] = r
	}
	var d Diff
	seen := make(map[string]bool, len(actual.Resources))
	for _, r := range actual.Resources {
		n := r.Name()
		seen[n] = true
		w, ok := want[n]
		switch {
		case !ok:
			d.Extra = append(d.Extra, n)
		case !bytes.Equal(w.Digest, r.Digest) || baseAlgorithm(w.Algorithm) != baseAlgorithm(r.Algorithm):
			d.Modified = append(d.Modified, n)
		}
	}
	for _, r := range signed.Resources {
		if !seen[r.Name()] {
			d.Missing = append(d.Missing, r.Name())
		}
	}
	return d
}

// baseAlgorithm maps "sha256-sharded-N" to "sha256".
func baseAlgorithm(a string) string {
	if i := strings.Index(a, "-sharded-"); i > 0 {
		return a[:i]
	}
	return a
}

// errNoFiles is returned when nothing is left to sign after exclusions.
var errNoFiles = refused("the model contains no regular files after applying the ignore paths")
