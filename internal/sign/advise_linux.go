package sign

import (
	"os"

	"golang.org/x/sys/unix"
)

// adviseSequential tells the kernel the range will be read once, in order,
// which doubles its read-ahead window for files that are not cached yet.
func adviseSequential(f *os.File, off, n int64) {
	_ = unix.Fadvise(int(f.Fd()), off, n, unix.FADV_SEQUENTIAL)
}
