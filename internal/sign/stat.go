package sign

import "os"

// fileStat is what incremental hashing compares to decide that a file is
// unchanged. Besides size and modification time it records, where the
// system has them, the inode and the status-change time: a process can set a
// file's mtime back after rewriting it, but not its ctime.
type fileStat struct {
	Size  int64  `json:"size"`
	Mtime int64  `json:"mtime_ns"`
	Ctime int64  `json:"ctime_ns,omitempty"`
	Inode uint64 `json:"inode,omitempty"`
	Dev   uint64 `json:"dev,omitempty"`
}

func statOf(info os.FileInfo) fileStat {
	s := fileStat{Size: info.Size(), Mtime: info.ModTime().UnixNano()}
	addSysStat(&s, info)
	return s
}
