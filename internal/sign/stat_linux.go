package sign

import (
	"os"
	"syscall"
)

func addSysStat(s *fileStat, info os.FileInfo) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		s.Ctime = st.Ctim.Nano()
		s.Inode = st.Ino
		s.Dev = uint64(st.Dev)
	}
}
