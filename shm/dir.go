package shm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// ensureDir makes shmDir, 0700, when it is missing, and checks it when it
// is not: a shm_dir lives in a directory every user writes (/dev/shm), so
// another user may have made it first. It must be a directory, not a
// link; when another user owns it, it must be sticky (as /dev/shm is), or
// that user could replace the run directories weir puts in it.
func ensureDir(shmDir string) error {
	if err := os.MkdirAll(shmDir, 0o700); err != nil {
		return fmt.Errorf("shm: create shm_dir %s: %w", shmDir, err)
	}
	fi, err := os.Lstat(shmDir)
	if err != nil {
		return fmt.Errorf("shm: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		if ok && st.Uid == 0 {
			return nil // a system link, as /dev/shm -> /run/shm
		}
		return fmt.Errorf("shm: shm_dir %s is a symbolic link; weir follows none there: set shm_dir to the directory itself", shmDir)
	case !fi.IsDir():
		return fmt.Errorf("shm: shm_dir %s is not a directory; remove it or set shm_dir elsewhere", shmDir)
	case !ok:
		return errors.New("shm: cannot tell the owner of " + shmDir)
	case int(st.Uid) != os.Geteuid() && fi.Mode()&fs.ModeSticky == 0:
		return fmt.Errorf("shm: shm_dir %s belongs to uid %d and is not sticky, so that user could replace your segments: set shm_dir to a directory of yours (the default is /dev/shm/weir-<your uid>)", shmDir, st.Uid)
	}
	return nil
}
