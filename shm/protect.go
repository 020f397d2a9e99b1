package shm

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// A committed segment must not change under its readers, and mode 0444
// alone stops no stage that runs as root. So a committed segment also gets
// the immutable attribute (chattr +i) where the engine may set it (root, or
// CAP_LINUX_IMMUTABLE) and the filesystem has it (tmpfs since Linux 6.0,
// ext4, xfs, btrfs): then a write, truncate, rename, unlink or hard link by
// anyone, root included, fails with EPERM, and a shared writable mapping
// cannot be made. Where the attribute cannot be set the segment is 0444
// only, and its hash still catches a change before a resume reuses it.
//
// Removing such a file takes the attribute off first: remove, RemoveAll
// and Unprotect do.

// immutableFlag is FS_IMMUTABLE_FL of linux/fs.h, which x/sys/unix does
// not name.
const immutableFlag = 0x00000010

// protect sets the immutable attribute of path and reports whether it did.
func protect(path string) bool {
	return setImmutable(path, true) == nil
}

// Protected reports whether path has the immutable attribute.
func Protected(path string) bool {
	flags, err := attrFlags(path)
	return err == nil && flags&immutableFlag != 0
}

func attrFlags(path string) (uint32, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	return unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
}

func setImmutable(path string, on bool) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return setImmutableFD(fd, on)
}

func setImmutableFD(fd int, on bool) error {
	flags, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	if err != nil {
		return err
	}
	want := flags &^ immutableFlag
	if on {
		want = flags | immutableFlag
	}
	if want == flags {
		return nil
	}
	return unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, int(want))
}

// remove deletes one segment file. A protected one loses its attribute
// first; when the file has another name (a resume adopted it by hard
// link), the attribute is put back, so the other name stays protected.
func remove(path string) error {
	fd, _, _, err := unlink(path)
	if fd >= 0 {
		unix.Close(fd)
	}
	return err
}

// unlink removes the file at path as remove does, and returns a descriptor
// still open on it (-1 for a path it could not open, such as a symbolic
// link, which is removed plainly), its size, and whether path was its last
// name: then its pages are freed when the descriptor is closed.
func unlink(path string) (fd int, size int64, last bool, err error) {
	fd, err = unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, 0, false, os.Remove(path) // it says why, if it cannot either
	}
	flags, ferr := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	protected := ferr == nil && flags&immutableFlag != 0
	if protected {
		setImmutableFD(fd, false)
	}
	if err := os.Remove(path); err != nil {
		if protected {
			setImmutableFD(fd, true)
		}
		unix.Close(fd)
		return -1, 0, false, err
	}
	var st unix.Stat_t
	if unix.Fstat(fd, &st) == nil && st.Nlink > 0 {
		if protected {
			setImmutableFD(fd, true)
		}
		return fd, st.Size, false, nil
	}
	return fd, st.Size, true, nil
}

// Unprotect takes the immutable attribute off every regular file under
// dir, so that it can be removed or written again. Errors are ignored:
// what stays protected, a later remove reports.
func Unprotect(dir string) {
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			setImmutable(path, false)
		}
		return nil
	})
}

// RemoveAll removes dir and everything under it, protected segments too
// (each as remove does: other names of a file stay protected).
func RemoveAll(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil || !errors.Is(err, fs.ErrPermission) {
		return err
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			remove(path)
		}
		return nil
	})
	return os.RemoveAll(dir)
}
