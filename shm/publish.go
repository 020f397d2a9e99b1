package shm

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// PublishMode is the mode of a published copy: a result, for its owner's
// group and others to read as cp would leave it; the segment it copies
// stays private.
const PublishMode = 0o644

// Publish copies a committed segment to dest atomically: the copy is
// written beside dest and renamed over it, so a reader of dest never sees
// half a file and a failed copy leaves any earlier dest as it was. The
// copy is made with O_EXCL (0600 until it is complete, then PublishMode)
// and renamed over dest, so a link planted at dest is replaced, never
// written through; and no directory on the way to dest may be a link of
// another user's (in a shared /tmp, another user could plant one to make
// weir write where that user chooses).
func Publish(segment, dest string) error {
	dir := filepath.Dir(dest)
	if err := checkPublishDir(dir); err != nil {
		return fmt.Errorf("shm: publish %s: %w", dest, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("shm: publish %s: %w", dest, err)
	}
	// Again, now that it exists: a link may have been planted before
	// MkdirAll made the rest.
	if err := checkPublishDir(dir); err != nil {
		return fmt.Errorf("shm: publish %s: %w", dest, err)
	}
	src, err := os.OpenFile(segment, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return fmt.Errorf("shm: publish %s: %w", dest, err)
	}
	defer src.Close()
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dest)+".*")
	if err != nil {
		return fmt.Errorf("shm: publish %s: %w", dest, err)
	}
	_, err = io.Copy(tmp, src)
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Chmod(PublishMode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dest)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("shm: publish %s: %w", dest, err)
	}
	return nil
}

// checkPublishDir refuses a directory reached through a symbolic link that
// neither root nor the user owns, following the links it allows as the
// kernel would. Directories of other users are allowed (a group's project
// directory); a link of theirs is their choice of where weir writes.
func checkPublishDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	rest := strings.Split(abs, "/")
	p := "/"
	for hops := 0; len(rest) > 0; {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			p = filepath.Dir(p)
			continue
		}
		next := filepath.Join(p, c)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // MkdirAll makes the rest: directories, not links
		}
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			p = next
			continue
		}
		if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != 0 && int(uid) != os.Geteuid() {
			return fmt.Errorf("%s is a symbolic link of uid %d, not yours: remove it, or publish elsewhere", next, uid)
		}
		if hops++; hops > 40 {
			return fmt.Errorf("%s: too many levels of symbolic links", dir)
		}
		target, err := os.Readlink(next)
		if err != nil {
			return err
		}
		if filepath.IsAbs(target) {
			p = "/"
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return nil
}
