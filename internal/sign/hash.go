package sign

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// readChunk is the size of each read. 1 MiB measured best on the project's
// 2-vCPU VM: large enough that syscalls cost nothing, small enough that the
// chunk is still in L2 when SHA-256 reads it back.
const readChunk = 1 << 20

// HashOptions control how a model is walked and hashed.
type HashOptions struct {
	// ShardSize > 0 selects the "shards" method with shards of that many
	// bytes; 0 selects the "files" method (one digest per file).
	ShardSize int64
	// AllowSymlinks follows symbolic links to files instead of refusing them.
	AllowSymlinks bool
	// IgnorePaths are relative to the model root ('/'-separated) or absolute
	// paths inside it; an ignored directory ignores its whole subtree. They
	// are recorded in the signature so that verifiers ignore them too.
	IgnorePaths []string
	// IgnoreGitPaths adds GitPaths to IgnorePaths.
	IgnoreGitPaths bool
	// Workers is how many files or shards are hashed at once (0: GOMAXPROCS).
	Workers int
	// Previous, when set, turns on incremental hashing.
	Previous *Previous
}

// Hash walks the model at root (a directory or a single file) and returns
// its manifest, hashing files or shards in parallel.
func Hash(ctx context.Context, root string, opts HashOptions) (*Manifest, error) {
	mdl, ser, err := prepare(root, opts)
	if err != nil {
		return nil, err
	}
	return hashModel(ctx, mdl, ser, opts)
}

// prepare walks the model and settles the serialization parameters.
func prepare(root string, opts HashOptions) (*model, Serialization, error) {
	ser := Serialization{Method: MethodFiles, HashType: HashSHA256, AllowSymlinks: opts.AllowSymlinks}
	if opts.ShardSize < 0 {
		return nil, ser, fmt.Errorf("shard size must be positive, not %d", opts.ShardSize)
	}
	if opts.ShardSize > 0 {
		ser.Method, ser.ShardSize = MethodShards, opts.ShardSize
	}
	ignore, err := IgnoreList(root, opts.IgnorePaths, opts.IgnoreGitPaths)
	if err != nil {
		return nil, ser, err
	}
	ser.IgnorePaths = append([]string{}, ignore...) // recorded even when empty
	mdl, err := walkModel(root, ignoreSet(ignore), opts.AllowSymlinks)
	return mdl, ser, err
}

// job is one read: a whole file or one shard of it.
type job struct {
	file  *fileEntry
	res   *Resource
	whole bool // read to end of file and check the size did not change
}

// maxResources bounds a manifest's length before anything is allocated: a
// shard size read from a signature could otherwise ask for one resource per
// byte. The reference's 1 MiB-shard manifest of falcon-7b has 7.8 million.
const maxResources = 1 << 24

// hashModel builds the resources of every file, reuses what it can from a
// previous manifest, and hashes the rest.
func hashModel(ctx context.Context, mdl *model, ser Serialization, opts HashOptions) (*Manifest, error) {
	if n := countResources(mdl, ser); n > maxResources {
		return nil, fmt.Errorf("the model would have %d resources (more than %d): use a larger shard size", n, maxResources)
	}
	m := &Manifest{ModelName: mdl.name, Serialization: ser, stats: make(map[string]fileStat, len(mdl.files))}
	reuse := newReuser(opts.Previous, ser)
	var owner []int // owner[i] is the index in mdl.files of m.Resources[i]
	for i := range mdl.files {
		f := &mdl.files[i]
		if ser.Method == MethodShards && strings.Contains(f.rel, ":") {
			return nil, fmt.Errorf("%s: a ':' in a file name cannot be represented in a shard name", f.rel)
		}
		m.stats[f.rel] = f.stat
		rs := resourcesOf(f, ser)
		reuse.apply(f, rs)
		m.Resources = append(m.Resources, rs...)
		for range rs {
			owner = append(owner, i)
		}
	}
	var jobs []job
	for i := range m.Resources {
		if !m.Resources[i].Reused {
			jobs = append(jobs, job{file: &mdl.files[owner[i]], res: &m.Resources[i], whole: ser.Method == MethodFiles})
		}
	}
	if err := runJobs(ctx, jobs, opts.Workers); err != nil {
		return nil, err
	}
	sortResources(m.Resources)
	return m, nil
}

func countResources(mdl *model, ser Serialization) int64 {
	if ser.Method == MethodFiles {
		return int64(len(mdl.files))
	}
	var n int64
	for _, f := range mdl.files {
		n += max(1, (f.stat.Size+ser.ShardSize-1)/ser.ShardSize)
	}
	return n
}

// resourcesOf lists a file's resources (digests still empty): one for the
// "files" method, one per shard otherwise. An empty file has one empty shard
// so that it is still covered by the signature.
func resourcesOf(f *fileEntry, ser Serialization) []Resource {
	if ser.Method == MethodFiles {
		return []Resource{{Path: f.rel, Algorithm: HashSHA256}}
	}
	alg := shardAlgorithm(ser.ShardSize)
	var rs []Resource
	for start := int64(0); ; start += ser.ShardSize {
		end := min(start+ser.ShardSize, f.stat.Size)
		rs = append(rs, Resource{Path: f.rel, Sharded: true, Start: start, End: end, Algorithm: alg})
		if end >= f.stat.Size {
			return rs
		}
	}
}

// shardAlgorithm is the digest name the reference implementation records for
// shards, and compares when it verifies.
func shardAlgorithm(shardSize int64) string {
	return HashSHA256 + "-sharded-" + strconv.FormatInt(shardSize, 10)
}

// runJobs hashes the jobs on a pool of workers, largest reads first so that
// one big file does not start last and leave the other cores idle.
func runJobs(ctx context.Context, jobs []job, workers int) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	order := make([]*job, len(jobs))
	for i := range jobs {
		order[i] = &jobs[i]
	}
	slices.SortStableFunc(order, func(a, b *job) int { return cmp.Compare(b.length(), a.length()) })
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	queue := make(chan *job)
	var wg sync.WaitGroup
	for range min(workers, len(jobs)) {
		wg.Go(func() {
			buf := make([]byte, readChunk)
			for j := range queue {
				if err := j.run(ctx, buf); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for _, j := range order {
		select {
		case queue <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	return context.Cause(ctx)
}

func (j *job) length() int64 {
	if j.whole {
		return j.file.stat.Size
	}
	return j.res.End - j.res.Start
}

// run hashes the job's byte range into its resource.
func (j *job) run(ctx context.Context, buf []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.Open(j.file.abs)
	if err != nil {
		return err
	}
	defer f.Close()
	start, n := j.res.Start, j.res.End-j.res.Start
	if j.whole {
		start, n = 0, j.file.stat.Size
	}
	adviseSequential(f, start, n)
	h := sha256.New()
	got, err := copyChunks(ctx, h, io.NewSectionReader(f, start, n), buf)
	if err != nil {
		return fmt.Errorf("%s: %w", j.file.abs, err)
	}
	if got != n || (j.whole && !atEOF(f, start+n)) {
		return fmt.Errorf("%s: %w", j.file.abs, errChanged)
	}
	j.res.Digest = h.Sum(nil)
	return nil
}

var errChanged = refused("file changed while it was being hashed")

// copyChunks is io.CopyBuffer with a cancellation check between reads, so a
// large model stops promptly on an interrupt.
func copyChunks(ctx context.Context, w io.Writer, r io.Reader, buf []byte) (int64, error) {
	var total int64
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			w.Write(buf[:n])
			total += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// atEOF reports whether a whole-file read of n bytes really reached the end:
// a file that grew while it was read would otherwise be signed truncated.
func atEOF(f *os.File, n int64) bool {
	var b [1]byte
	k, _ := f.ReadAt(b[:], n)
	return k == 0
}

// rootPath is the file to open for a resource path of the model at root.
func rootPath(root, rel string) string {
	if rel == "." {
		return root
	}
	return filepath.Join(root, filepath.FromSlash(rel))
}
