package sign

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// GitPaths are ignored by default at the model root, as the reference
// implementation does: repository metadata is not part of a model.
var GitPaths = []string{".git", ".gitattributes", ".github", ".gitignore"}

// fileEntry is one regular file of the model.
type fileEntry struct {
	rel  string // '/'-separated, relative to the root; "." for a single-file model
	abs  string // path to open (through a followed symlink, if any)
	stat fileStat
}

// model is a walked model: its name and files in no particular order.
type model struct {
	name   string
	isFile bool
	files  []fileEntry
}

// ignoreSet matches '/'-separated relative paths against ignore entries; an
// entry ignores itself and everything below it.
type ignoreSet []string

func (s ignoreSet) match(rel string) bool {
	for _, p := range s {
		if p == "." || rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

// IgnoreList returns the canonical, sorted, de-duplicated ignore paths for a
// model: the given ones (relative to the root, or absolute paths inside it;
// paths outside the model are dropped since they cannot match) plus the git
// paths when asked.
func IgnoreList(root string, paths []string, gitPaths bool) ([]string, error) {
	var out []string
	if gitPaths {
		out = append(out, GitPaths...)
	}
	for _, p := range paths {
		rel, inside, err := relativeTo(root, p)
		if err != nil {
			return nil, err
		}
		if inside {
			out = append(out, rel)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// relativeTo turns p (relative to root, or absolute) into a clean
// root-relative '/'-separated path, reporting whether it is inside root.
func relativeTo(root, p string) (string, bool, error) {
	if filepath.IsAbs(p) {
		absRoot, err := filepath.Abs(root)
		if err != nil {
			return "", false, err
		}
		r, err := filepath.Rel(absRoot, p)
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return "", false, nil
		}
		p = r
	}
	rel, err := cleanRelPath(filepath.ToSlash(p))
	if err != nil {
		return "", false, fmt.Errorf("ignore path: %w", err)
	}
	return rel, true, nil
}

// walkModel lists the regular files of the model at root. Symbolic links are
// refused unless allowSymlinks; when allowed, a link to a file is hashed as
// its target's content, and a link to a directory is refused because the
// reference implementations disagree on whether files below it are covered.
func walkModel(root string, ignore ignoreSet, allowSymlinks bool) (*model, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	m := &model{name: filepath.Base(abs)}
	info, err := os.Lstat(root)
	if err != nil {
		return nil, err
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		if !allowSymlinks {
			return nil, symlinkError(root)
		}
		if info, err = os.Stat(root); err != nil {
			return nil, err
		}
	}
	switch {
	case info.Mode().IsRegular():
		m.isFile = true
		m.files = []fileEntry{{rel: ".", abs: root, stat: statOf(info)}}
		return m, nil
	case !info.IsDir():
		return nil, refused("%s: not a regular file or directory", root)
	}
	err = walkDir(root, "", ignore, allowSymlinks, &m.files)
	if err == nil && len(m.files) == 0 {
		err = errNoFiles
	}
	return m, err
}

func walkDir(dir, rel string, ignore ignoreSet, allowSymlinks bool, out *[]fileEntry) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		r := path.Join(rel, e.Name())
		if ignore.match(r) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := walkEntry(p, r, e, ignore, allowSymlinks, out); err != nil {
			return err
		}
	}
	return nil
}

func walkEntry(p, rel string, e fs.DirEntry, ignore ignoreSet, allowSymlinks bool, out *[]fileEntry) error {
	if e.IsDir() {
		return walkDir(p, rel, ignore, allowSymlinks, out)
	}
	info, err := e.Info()
	if err != nil {
		return err
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		if !allowSymlinks {
			return symlinkError(p)
		}
		if info, err = os.Stat(p); err != nil {
			return refused("%s: broken symbolic link: %v", p, err)
		}
		if info.IsDir() {
			return refused("%s: symbolic link to a directory: not supported (files below it would not be covered consistently)", p)
		}
	}
	if !info.Mode().IsRegular() {
		return refused("%s: not a regular file or directory", p)
	}
	if !utf8.ValidString(rel) {
		// JSON would replace the invalid bytes, and the signature would name
		// a file that does not exist.
		return refused("%q: file name is not valid UTF-8 and cannot be recorded in a signature", p)
	}
	*out = append(*out, fileEntry{rel: rel, abs: p, stat: statOf(info)})
	return nil
}

func symlinkError(p string) error {
	return refused("%s: symbolic link refused (sign with --allow-symlinks to follow links to files)", p)
}

// refusedError is a model the format cannot describe as it stands (a
// refused link, a special file, nothing left to sign...): when verifying,
// the model does not match its signature, rather than failing to be read.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

func refused(format string, a ...any) error {
	return &refusedError{msg: fmt.Sprintf(format, a...)}
}
