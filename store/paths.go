package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// A store, or a run.json, may have been copied from another machine or
// written by someone else: every path read back from one is checked here
// before anything is removed, renamed, opened or signalled. A record that
// fails is refused with an error naming it, and nothing is touched.

// ErrUnsafe is wrapped by every refusal of this file.
var ErrUnsafe = errors.New("unsafe path in a run record")

// CheckRunID refuses an id outside the grammar of run ids: one path
// component, so it cannot climb out of runs/ or a shm_dir. weir makes
// 20261126-071512-3fa9c1.
func CheckRunID(id string) error {
	if !isRunID(id) {
		return fmt.Errorf("store: run id %q is not a run id (letters, digits, '.', '_', '-'; no '..'): %w", id, ErrUnsafe)
	}
	return nil
}

// isRunID says whether id is 1-128 of letters, digits, '.', '_' and '-',
// starting with a letter or digit, with no "..". Written out rather than
// a regexp: the repetition's compiled program cost every weir command
// 0.3 ms at start.
func isRunID(id string) bool {
	if len(id) == 0 || len(id) > 128 || strings.Contains(id, "..") {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}

// RunDirs are the directories of one run that weir may remove, re-derived
// from the state dir and the run's shm_dirs, and checked by CheckRun.
type RunDirs struct {
	ID       string   // the run's id, checked
	Tmp      string   // <state>/runs/<id>/tmp
	Segments []string // <shm_dir>/<id>, one per shm_dir the run used
	ShmDirs  []string // those shm_dirs, parents of Segments
}

// CheckRun derives r's removable directories and checks them: the id by
// its grammar; each segment directory an absolute, clean <shm_dir>/<id>
// whose shm_dir is reached only through directories owned by root or the
// user; and, for those that exist, a directory (not a link) owned by the
// user. stateDir is the state dir the record was read from, never the
// record's own StateDir.
func CheckRun(stateDir string, r RunRecord) (RunDirs, error) {
	if err := CheckRunID(r.ID); err != nil {
		return RunDirs{}, fmt.Errorf("%w; remove the run's record, or the state dir, by hand", err)
	}
	refuse := func(what, path, why string) error {
		return fmt.Errorf("store: run %s in %s: %s %q %s: %w; the record was damaged or written elsewhere: check it, and remove the directory by hand if it is yours",
			r.ID, stateDir, what, path, why, ErrUnsafe)
	}
	d := RunDirs{ID: r.ID, Tmp: filepath.Join(runDir(stateDir, r.ID), "tmp")}
	for _, p := range []string{runDir(stateDir, r.ID), d.Tmp} {
		if _, err := CheckOwnedDir(p); err != nil {
			return RunDirs{}, refuse("directory", p, err.Error())
		}
	}
	seen := map[string]bool{}
	for _, seg := range r.SegmentDirs() {
		if seen[seg] {
			continue
		}
		seen[seg] = true
		switch {
		case !filepath.IsAbs(seg) || filepath.Clean(seg) != seg:
			return RunDirs{}, refuse("segment directory", seg, "is not an absolute, clean path")
		case filepath.Base(seg) != r.ID:
			return RunDirs{}, refuse("segment directory", seg, "is not <shm_dir>/"+r.ID)
		case filepath.Dir(seg) == "/":
			return RunDirs{}, refuse("segment directory", seg, "has / as its shm_dir")
		}
		shmDir := filepath.Dir(seg)
		if err := checkAncestors(shmDir); err != nil {
			return RunDirs{}, refuse("shm_dir", shmDir, err.Error())
		}
		if _, err := CheckOwnedDir(seg); err != nil {
			return RunDirs{}, refuse("segment directory", seg, err.Error())
		}
		d.Segments = append(d.Segments, seg)
		d.ShmDirs = append(d.ShmDirs, shmDir)
	}
	return d, nil
}

// CheckOwnedDir reports whether path exists, and refuses it unless it is a
// directory (not a symbolic link) owned by this process's user.
func CheckOwnedDir(path string) (exists bool, err error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return true, errors.New("is a symbolic link")
	}
	if !fi.IsDir() {
		return true, errors.New("is not a directory")
	}
	if uid := ownerOf(fi); uid != os.Geteuid() {
		return true, fmt.Errorf("is owned by uid %d, not by you (uid %d)", uid, os.Geteuid())
	}
	return true, nil
}

// checkAncestors refuses a directory that someone other than root or the
// user could redirect: every existing component of path must be owned by
// one of them, and a symbolic link among them only by root (as /dev/shm ->
// /run/shm is on some systems). This is ssh's StrictModes rule.
func checkAncestors(path string) error {
	p := "/"
	for _, c := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		p = filepath.Join(p, c)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // nothing below to remove
		}
		if err != nil {
			return err
		}
		uid := ownerOf(fi)
		if fi.Mode()&fs.ModeSymlink != 0 && uid != 0 {
			return fmt.Errorf("goes through %s, a symbolic link owned by uid %d", p, uid)
		}
		if uid != 0 && uid != os.Geteuid() {
			return fmt.Errorf("goes through %s, owned by uid %d", p, uid)
		}
	}
	return nil
}

func ownerOf(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}
