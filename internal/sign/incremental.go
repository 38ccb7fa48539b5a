package sign

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Previous is what incremental hashing starts from: the manifest of the last
// signature and the state recorded when it was computed. A file whose
// recorded size, modification time (and, on Linux, inode and status-change
// time) are all unchanged keeps its previous digest without being read.
type Previous struct {
	Manifest *Manifest
	State    *State
}

// stateVersion is bumped whenever State's meaning changes.
const stateVersion = 1

// State is the never-signed companion of a manifest: the stat of every file
// it hashed. It is only a cache; losing it costs a full re-hash.
type State struct {
	Version int `json:"version"`
	// Root is the hex root digest of the manifest the files belong to, so a
	// state is never paired with the wrong signature.
	Root  string              `json:"root"`
	Files map[string]fileStat `json:"files"`
}

// State returns the state to keep beside the manifest's signature.
func (m *Manifest) State() *State {
	return &State{Version: stateVersion, Root: hex.EncodeToString(m.RootDigest()), Files: m.stats}
}

// LoadState reads a state file.
func LoadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}

// Save writes the state atomically (a crash never leaves half a file that
// a later run would trust).
func (s *State) Save(path string) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, b, 0o600)
}

// reuser hands out previous digests for unchanged files.
type reuser struct {
	byName map[string]Resource
	stats  map[string]fileStat
}

// newReuser returns nil (reuse nothing) unless the previous manifest and
// state belong together and were computed the way ser computes.
func newReuser(p *Previous, ser Serialization) *reuser {
	if p == nil || p.Manifest == nil || p.State == nil || p.State.Version != stateVersion {
		return nil
	}
	pm := p.Manifest
	ps := pm.Serialization
	if p.State.Root != hex.EncodeToString(pm.RootDigest()) || ps.Method != ser.Method ||
		ps.HashType != ser.HashType || ps.ShardSize != ser.ShardSize || ps.AllowSymlinks != ser.AllowSymlinks {
		return nil
	}
	r := &reuser{byName: make(map[string]Resource, len(pm.Resources)), stats: p.State.Files}
	for _, res := range pm.Resources {
		r.byName[res.Name()] = res
	}
	return r
}

// apply fills rs (the resources of f) from the previous manifest when f is
// unchanged and every one of its resources is there.
func (r *reuser) apply(f *fileEntry, rs []Resource) {
	if r == nil {
		return
	}
	if st, ok := r.stats[f.rel]; !ok || st != f.stat {
		return
	}
	for _, res := range rs {
		if _, ok := r.byName[res.Name()]; !ok {
			return
		}
	}
	for i := range rs {
		prev := r.byName[rs[i].Name()]
		rs[i].Digest = bytes.Clone(prev.Digest)
		rs[i].Reused = true
	}
}

// VerifyReused is the lazy half of incremental hashing: it re-reads the files
// whose digests were reused, replaces those digests with fresh ones and
// returns the names of the resources that had changed behind an unchanged
// size and modification time. The manifest is then exact.
func VerifyReused(ctx context.Context, root string, m *Manifest, workers int) ([]string, error) {
	var jobs []job
	var old [][]byte
	for i := range m.Resources {
		r := &m.Resources[i]
		if !r.Reused {
			continue
		}
		f := &fileEntry{rel: r.Path, abs: rootPath(root, r.Path), stat: m.stats[r.Path]}
		jobs = append(jobs, job{file: f, res: r, whole: !r.Sharded})
		old = append(old, r.Digest)
	}
	if err := runJobs(ctx, jobs, workers); err != nil {
		return nil, err
	}
	var changed []string
	for i, j := range jobs {
		if !bytes.Equal(old[i], j.res.Digest) {
			changed = append(changed, j.res.Name())
		}
		j.res.Reused = false
	}
	return changed, nil
}

// WriteFileAtomic writes data to a temporary file beside path and renames it
// into place, so readers see the old content or the new, never a mix.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
