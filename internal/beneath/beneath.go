// Package beneath opens the files of a state dir without following
// symbolic links: a state dir may have been copied from someone else, or a
// task may have replaced its log with a link to another file of the user's,
// and weir must not serve, print or copy that file.
package beneath

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// ErrNotRegular is wrapped by Open's refusal of a link, a directory, a
// FIFO or a device.
var ErrNotRegular = errors.New("not a regular file")

// noOpenat2 is set once the kernel said it has no openat2 (before 5.6) or
// a seccomp filter refused it.
var noOpenat2 atomic.Bool

// Open opens path, a file below root, for reading. No component below
// root may be a symbolic link, and the file must be a regular one. root
// itself is the caller's choice and is opened as given. A missing file
// gives an error that wraps fs.ErrNotExist, as os.Open's does.
func Open(root, path string) (*os.File, error) {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") || filepath.IsAbs(rel) {
		return nil, fmt.Errorf("%s is not below %s", path, root)
	}
	dirfd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: root, Err: err}
	}
	defer unix.Close(dirfd)
	fd, err := openBeneath(dirfd, rel)
	if err != nil {
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.EXDEV) || errors.Is(err, unix.ENOTDIR) {
			err = fmt.Errorf("%w: a symbolic link is on the way; weir follows none in a state dir: remove it", ErrNotRegular)
		}
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return nil, &os.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w; weir reads only regular files in a state dir: remove it", ErrNotRegular)}
	}
	// O_NONBLOCK kept a FIFO from blocking the open; reads of a regular
	// file ignore it, but clear it anyway so the file behaves as usual.
	unix.SetNonblock(fd, false)
	return os.NewFile(uintptr(fd), path), nil
}

const openFlags = unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOFOLLOW

// openBeneath opens rel below dirfd: with openat2, which refuses every
// link and every escape in one call; else one component at a time, each
// with O_NOFOLLOW.
func openBeneath(dirfd int, rel string) (int, error) {
	if !noOpenat2.Load() {
		fd, err := unix.Openat2(dirfd, rel, &unix.OpenHow{
			Flags:   openFlags,
			Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
		})
		if !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EPERM) {
			return fd, err
		}
		noOpenat2.Store(true)
	}
	return openEach(dirfd, rel)
}

// openEach is openBeneath without openat2.
func openEach(dirfd int, rel string) (int, error) {
	parts := strings.Split(rel, "/")
	fd := dirfd
	for i, p := range parts {
		if p == ".." || p == "" || p == "." {
			if fd != dirfd {
				unix.Close(fd)
			}
			return -1, unix.EXDEV
		}
		flags := openFlags
		if i < len(parts)-1 {
			flags |= unix.O_DIRECTORY
		}
		next, err := unix.Openat(fd, p, flags, 0)
		if fd != dirfd {
			unix.Close(fd)
		}
		if err != nil {
			return -1, err
		}
		fd = next
	}
	return fd, nil
}
