package sign

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

func reused(m *Manifest) []string {
	var out []string
	for _, r := range m.Resources {
		if r.Reused {
			out = append(out, r.Name())
		}
	}
	return out
}

func TestIncrementalReusesUnchangedFiles(t *testing.T) {
	for _, shard := range []int64{0, 4} {
		model := makeModel(t, map[string]string{"a": "first file", "b": "second", "c/d": "third one"})
		prev := mustHash(t, model, HashOptions{ShardSize: shard})
		statePath := filepath.Join(t.TempDir(), "state.json")
		if err := prev.State().Save(statePath); err != nil {
			t.Fatal(err)
		}
		state, err := LoadState(statePath)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(model, "b"), []byte("changed!"))
		next := mustHash(t, model, HashOptions{ShardSize: shard, Previous: &Previous{Manifest: prev, State: state}})
		for _, r := range next.Resources {
			if r.Reused == (r.Path == "b") {
				t.Errorf("shard %d: %s reused=%v", shard, r.Name(), r.Reused)
			}
		}
		if d := Compare(mustHash(t, model, HashOptions{ShardSize: shard}), next); !d.Empty() {
			t.Fatalf("incremental manifest differs from a full one: %s", d)
		}
	}
}

// Setting the modification time back after a rewrite does not fool the
// check on Linux, where the status-change time is compared too.
func TestIncrementalSeesRewriteWithOldMtime(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ctime is only compared on Linux")
	}
	model := makeModel(t, map[string]string{"a": "original", "b": "other"})
	prev := mustHash(t, model, HashOptions{})
	a := filepath.Join(model, "a")
	info, _ := os.Stat(a)
	time.Sleep(10 * time.Millisecond)
	writeFile(t, a, []byte("REWRITTE"))
	if err := os.Chtimes(a, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	next := mustHash(t, model, HashOptions{Previous: &Previous{Manifest: prev, State: prev.State()}})
	if got := reused(next); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("reused %v, want only b", got)
	}
}

func TestIncrementalIgnoresMismatchedState(t *testing.T) {
	model := makeModel(t, map[string]string{"a": "1", "b": "2"})
	prev := mustHash(t, model, HashOptions{})
	other := mustHash(t, makeModel(t, map[string]string{"a": "x"}), HashOptions{})
	for name, p := range map[string]*Previous{
		"state of another manifest": {Manifest: prev, State: other.State()},
		"other method":              {Manifest: mustHash(t, model, HashOptions{ShardSize: 8}), State: prev.State()},
		"no state":                  {Manifest: prev},
	} {
		if got := reused(mustHash(t, model, HashOptions{Previous: p})); len(got) != 0 {
			t.Errorf("%s: reused %v", name, got)
		}
	}
}

// VerifyReused is the lazy check: a digest reused for a file that changed
// behind an unchanged stat is found and replaced.
func TestVerifyReused(t *testing.T) {
	model := makeModel(t, map[string]string{"a": "aaaa", "b": "a larger file, hashed first"})
	prev := mustHash(t, model, HashOptions{})
	prev.Resources[0].Digest = make([]byte, 32) // as if "a" had changed unseen
	prev.stats = mustHash(t, model, HashOptions{}).stats
	next := mustHash(t, model, HashOptions{Previous: &Previous{Manifest: prev, State: prev.State()}})
	if got := reused(next); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("reused %v", got)
	}
	changed, err := VerifyReused(context.Background(), model, next, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(changed, []string{"a"}) || len(reused(next)) != 0 {
		t.Fatalf("changed %v, still reused %v", changed, reused(next))
	}
	if d := Compare(mustHash(t, model, HashOptions{}), next); !d.Empty() {
		t.Fatalf("after VerifyReused: %s", d)
	}
}

func TestCheckUnchanged(t *testing.T) {
	model := makeModel(t, map[string]string{"a": "1"})
	m := mustHash(t, model, HashOptions{})
	if err := m.CheckUnchanged(model); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	writeFile(t, filepath.Join(model, "a"), []byte("2"))
	if err := m.CheckUnchanged(model); err == nil {
		t.Fatal("a rewritten file went unnoticed")
	}
}
