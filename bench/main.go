// Command bench generates the benchmark inputs, runs the modelgate binary
// on them as a user would (process start included) and prints a table. Each
// throughput is also given as a fraction of crypto/sha256 over the same bytes
// measured in the same run, so the figures hold on a noisy machine.
//
//	go run ./bench [-bin bin/modelgate] [-dir /tmp/modelgate-bench] [-runs 7]
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/modelgate/modelgate/internal/benchgen"
)

type workload struct {
	name    string
	target  string
	args    func(dir string) []string
	bytes   func(dir string) int64
	units   float64 // files per run, for files/s
	sha     func(dir string) time.Duration
	prepare func(dir string) error
}

func main() {
	bin := flag.String("bin", "bin/modelgate", "modelgate binary")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "modelgate-bench"), "where inputs are generated (reused if present)")
	runs := flag.Int("runs", 7, "runs per workload (the median is reported)")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fail(err)
	}
	fmt.Printf("%-34s %10s %10s %14s %14s %7s %9s  %s\n", "workload", "bytes", "median", "throughput", "sha256", "ratio", "peak RSS", "target")
	for _, w := range workloads() {
		if err := w.prepare(*dir); err != nil {
			fail(err)
		}
		run(*bin, *dir, w) // warm the page cache and the binary
		var times []time.Duration
		var rss int64
		for i := 0; i < *runs; i++ {
			d, r := run(*bin, *dir, w)
			times = append(times, d)
			rss = max(rss, r)
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		med := times[len(times)/2]
		n := w.bytes(*dir)
		sha := w.sha(*dir)
		tp, shaTP := float64(n)/med.Seconds(), float64(n)/sha.Seconds()
		through := fmt.Sprintf("%.0f MB/s", tp/1e6)
		if w.units > 0 {
			through = fmt.Sprintf("%.0f files/s", w.units/med.Seconds())
		}
		fmt.Printf("%-34s %10d %10s %14s %11.0f MB/s %6.2fx %6d MB  %s\n", w.name, n, med.Round(100*time.Microsecond), through, shaTP/1e6, tp/shaTP, rss>>10, w.target)
	}
}

func workloads() []workload {
	dense := func(d string) string { return filepath.Join(d, "dense.pkl") }
	ckpt := func(d string) string { return filepath.Join(d, "checkpoint.pt") }
	small := func(d string) string { return filepath.Join(d, "small") }
	return []workload{
		{
			name: "dense pickle 64 MB, --jobs 1", target: ">= 500 MB/s, RSS <= 64 MB",
			args:  func(d string) []string { return []string{"scan", "--jobs", "1", "--fail-on", "none", dense(d)} },
			bytes: func(d string) int64 { return size(dense(d)) },
			sha:   func(d string) time.Duration { return hashFiles([]string{dense(d)}, 1) },
			prepare: func(d string) error {
				return generate(dense(d), func(w io.Writer) error { _, err := benchgen.DensePickle(w, 64<<20); return err })
			},
		},
		{
			name: "PyTorch zip 1 GiB, process start", target: "< 20 ms",
			args:  func(d string) []string { return []string{"scan", "--fail-on", "none", ckpt(d)} },
			bytes: func(d string) int64 { return size(ckpt(d)) },
			sha:   func(d string) time.Duration { return hashFiles([]string{ckpt(d)}, 1) },
			prepare: func(d string) error {
				return generate(ckpt(d), func(w io.Writer) error { return benchgen.TorchCheckpoint(w, 1<<30, 300) })
			},
		},
		{
			name: "10,000 small pickles, --jobs 2", target: ">= 40,000 files/s", units: 10000,
			args: func(d string) []string {
				return []string{"scan", "--jobs", "2", "--fail-on", "none", "--format", "json", small(d)}
			},
			bytes: func(d string) int64 { return dirSize(small(d)) },
			sha:   func(d string) time.Duration { return hashFiles(listDir(small(d)), 2) },
			prepare: func(d string) error {
				if _, err := os.Stat(small(d)); err == nil {
					return nil
				}
				return benchgen.SmallPickles(small(d), 10000)
			},
		},
	}
}

// run executes the binary once and returns its wall time and peak RSS (KB).
func run(bin, dir string, w workload) (time.Duration, int64) {
	cmd := exec.CommandContext(context.Background(), bin, w.args(dir)...)
	cmd.Stdout = io.Discard
	start := time.Now()
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			fail(err)
		}
	}
	d := time.Since(start)
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if ru == nil {
		return d, 0
	}
	return d, ru.Maxrss
}

// hashFiles is the baseline: read and SHA-256 the same files with the same
// parallelism, best of three.
func hashFiles(paths []string, jobs int) time.Duration {
	best := time.Duration(1 << 62)
	for i := 0; i < 3; i++ {
		start := time.Now()
		work := make(chan string)
		var wg sync.WaitGroup
		for j := 0; j < jobs; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 1<<20)
				for p := range work {
					f, err := os.Open(p)
					if err != nil {
						fail(err)
					}
					h := sha256.New()
					io.CopyBuffer(h, f, buf)
					f.Close()
				}
			}()
		}
		for _, p := range paths {
			work <- p
		}
		close(work)
		wg.Wait()
		best = min(best, time.Since(start))
	}
	return best
}

func generate(path string, write func(io.Writer) error) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

func size(p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		fail(err)
	}
	return st.Size()
}

func listDir(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		fail(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, filepath.Join(dir, e.Name()))
	}
	return out
}

func dirSize(dir string) int64 {
	var n int64
	for _, p := range listDir(dir) {
		n += size(p)
	}
	return n
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
