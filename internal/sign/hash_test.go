package sign

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func names(m *Manifest) []string {
	var out []string
	for _, r := range m.Resources {
		out = append(out, r.Name())
	}
	return out
}

func mustHash(t *testing.T, root string, opts HashOptions) *Manifest {
	t.Helper()
	m, err := Hash(context.Background(), root, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestHashIgnorePaths(t *testing.T) {
	model := makeModel(t, map[string]string{
		"a": "1", ".git/HEAD": "ref", ".gitignore": "x", ".github/ci.yml": "y", ".gitattributes": "z",
		"sub/.git/kept": "2", "sub/b": "3", "skip/c": "4", "skip.txt": "5", "model.sig": "old",
	})
	m := mustHash(t, model, HashOptions{IgnoreGitPaths: true, IgnorePaths: []string{"skip", filepath.Join(model, "model.sig")}})
	want := []string{"a", "skip.txt", "sub/.git/kept", "sub/b"}
	if got := names(m); !slices.Equal(got, want) {
		t.Fatalf("resources %v, want %v", got, want)
	}
	wantIgnored := []string{".git", ".gitattributes", ".github", ".gitignore", "model.sig", "skip"}
	if !slices.Equal(m.Serialization.IgnorePaths, wantIgnored) {
		t.Fatalf("recorded ignore paths %v, want %v", m.Serialization.IgnorePaths, wantIgnored)
	}
	all := mustHash(t, model, HashOptions{})
	if len(all.Resources) != 10 {
		t.Fatalf("without ignores: %v", names(all))
	}
	if _, err := Hash(context.Background(), model, HashOptions{IgnorePaths: []string{"."}}); !errors.Is(err, errNoFiles) {
		t.Fatalf("everything ignored: %v", err)
	}
	if _, err := Hash(context.Background(), model, HashOptions{IgnorePaths: []string{"../x"}}); err == nil {
		t.Fatal("an ignore path leaving the model was accepted")
	}
}

// Paths sort by element, like Python's PurePosixPath; shards by offset.
func TestHashOrder(t *testing.T) {
	model := makeModel(t, map[string]string{"a/b": "1", "a.txt": "2", "b": strings.Repeat("x", 25)})
	if got, want := names(mustHash(t, model, HashOptions{})), []string{"a/b", "a.txt", "b"}; !slices.Equal(got, want) {
		t.Fatalf("files order %v, want %v", got, want)
	}
	got := names(mustHash(t, model, HashOptions{ShardSize: 3}))
	want := []string{"a/b:0:1", "a.txt:0:1", "b:0:3", "b:3:6", "b:6:9", "b:9:12", "b:12:15", "b:15:18", "b:18:21", "b:21:24", "b:24:25"}
	if !slices.Equal(got, want) {
		t.Fatalf("shards order %v, want %v", got, want)
	}
}

func TestHashDigestsAndRoot(t *testing.T) {
	model := makeModel(t, map[string]string{"f": "hello world", "empty": ""})
	m := mustHash(t, model, HashOptions{ShardSize: 4})
	if got, want := names(m), []string{"empty:0:0", "f:0:4", "f:4:8", "f:8:11"}; !slices.Equal(got, want) {
		t.Fatalf("resources %v, want %v", got, want)
	}
	root := sha256.New()
	for i, part := range []string{"", "hell", "o wo", "rld"} {
		d := sha256.Sum256([]byte(part))
		if hex.EncodeToString(m.Resources[i].Digest) != hex.EncodeToString(d[:]) {
			t.Fatalf("%s: wrong digest", m.Resources[i].Name())
		}
		if m.Resources[i].Algorithm != "sha256-sharded-4" {
			t.Fatalf("%s: algorithm %q", m.Resources[i].Name(), m.Resources[i].Algorithm)
		}
		root.Write(d[:])
	}
	if hex.EncodeToString(m.RootDigest()) != hex.EncodeToString(root.Sum(nil)) {
		t.Fatal("root digest is not SHA-256 over the concatenated digests")
	}
	single := mustHash(t, filepath.Join(model, "f"), HashOptions{ShardSize: 8})
	if got, want := names(single), []string{".:0:8", ".:8:11"}; !slices.Equal(got, want) || single.ModelName != "f" {
		t.Fatalf("single file: %v (%s)", got, single.ModelName)
	}
}

func TestHashWorkersDoNotChangeTheManifest(t *testing.T) {
	files := map[string]string{}
	for i := range 40 {
		files[filepath.ToSlash(filepath.Join("d", string(rune('a'+i%26)), strings.Repeat("n", i+1)))] = strings.Repeat("z", i*37)
	}
	model := makeModel(t, files)
	for _, shard := range []int64{0, 16} {
		one := mustHash(t, model, HashOptions{ShardSize: shard, Workers: 1})
		many := mustHash(t, model, HashOptions{ShardSize: shard, Workers: 7})
		if d := Compare(one, many); !d.Empty() || hex.EncodeToString(one.RootDigest()) != hex.EncodeToString(many.RootDigest()) {
			t.Fatalf("shard %d: workers change the manifest: %s", shard, d)
		}
	}
}

func TestHashSymlinks(t *testing.T) {
	model := makeModel(t, map[string]string{"real": "content", "dir/x": "1"})
	outside := makeModel(t, map[string]string{"target": "content"})
	link := filepath.Join(model, "link")
	if err := os.Symlink(filepath.Join(outside, "target"), link); err != nil {
		t.Skip(err)
	}
	if _, err := Hash(context.Background(), model, HashOptions{}); err == nil || !strings.Contains(err.Error(), "symbolic link refused") {
		t.Fatalf("symlink without --allow-symlinks: %v", err)
	}
	if _, err := Hash(context.Background(), model, HashOptions{IgnorePaths: []string{"link"}}); err != nil {
		t.Fatalf("an ignored symlink must not matter: %v", err)
	}
	m := mustHash(t, model, HashOptions{AllowSymlinks: true})
	if got, want := names(m), []string{"dir/x", "link", "real"}; !slices.Equal(got, want) {
		t.Fatalf("resources %v, want %v", got, want)
	}
	if hex.EncodeToString(m.Resources[1].Digest) != hex.EncodeToString(m.Resources[2].Digest) {
		t.Fatal("a followed link must hash as its target's content")
	}
	if err := os.Symlink(filepath.Join(model, "dir"), filepath.Join(model, "dirlink")); err != nil {
		t.Fatal(err)
	}
	if _, err := Hash(context.Background(), model, HashOptions{AllowSymlinks: true}); err == nil || !strings.Contains(err.Error(), "symbolic link to a directory") {
		t.Fatalf("link to a directory: %v", err)
	}
}

func TestHashRefusesSpecialFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	model := makeModel(t, map[string]string{"a": "1"})
	if err := syscall.Mkfifo(filepath.Join(model, "fifo"), 0o644); err != nil {
		t.Skip(err)
	}
	if _, err := Hash(context.Background(), model, HashOptions{}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("FIFO: %v", err)
	}
}

func TestHashRefusesColonInShardNames(t *testing.T) {
	model := makeModel(t, map[string]string{"a:b": "1"})
	if _, err := Hash(context.Background(), model, HashOptions{ShardSize: 4}); err == nil {
		t.Fatal("a ':' in a shard path was accepted")
	}
	mustHash(t, model, HashOptions{})
}

func TestHashCancel(t *testing.T) {
	model := makeModel(t, map[string]string{"a": strings.Repeat("x", 3<<20)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Hash(ctx, model, HashOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled hash: %v", err)
	}
}

func TestParseResourceName(t *testing.T) {
	for _, c := range []struct {
		name    string
		sharded bool
		want    Resource
		bad     bool
	}{
		{name: "a/b", want: Resource{Path: "a/b"}},
		{name: "./a//b", want: Resource{Path: "a/b"}},
		{name: "x:y:0:10", sharded: true, want: Resource{Path: "x:y", Sharded: true, End: 10}},
		{name: "a:5:3", sharded: true, bad: true},
		{name: "a:0", sharded: true, bad: true},
		{name: "../a", bad: true},
		{name: "/etc/passwd", bad: true},
		{name: "", bad: true},
	} {
		got, err := parseResourceName(c.name, c.sharded)
		if (err != nil) != c.bad || (!c.bad && got.Name() != c.want.Name()) {
			t.Errorf("%q: got %+v, %v", c.name, got, err)
		}
	}
}

func TestHashRefusesNonUTF8Names(t *testing.T) {
	model := makeModel(t, map[string]string{"a": "1"})
	if err := os.WriteFile(filepath.Join(model, "bad\xffname"), []byte("x"), 0o644); err != nil {
		t.Skip(err)
	}
	if _, err := Hash(context.Background(), model, HashOptions{}); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("non-UTF-8 name: %v", err)
	}
}

func TestHashBoundsTheManifest(t *testing.T) {
	model := makeModel(t, map[string]string{"a": "1"})
	if err := os.Truncate(filepath.Join(model, "a"), maxResources+1); err != nil {
		t.Skip(err)
	}
	if _, err := Hash(context.Background(), model, HashOptions{ShardSize: 1}); err == nil || !strings.Contains(err.Error(), "larger shard size") {
		t.Fatalf("one resource per byte: %v", err)
	}
}
