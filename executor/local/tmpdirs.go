package local

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// tmpDirs hands attempts their private temporary directories. The
// scheduler names one per pool slot (executor.Layout.TmpDir), so an
// attempt that leaves its directory empty, as most do, passes it on to the
// slot's next attempt as it is: making and removing a directory on an ext4
// disk costs a few hundred microseconds of kernel time, a third of a short
// task's whole start. A directory left with anything in it is moved aside
// at once and removed in the background.
type tmpDirs struct {
	mu   sync.Mutex
	kept map[string]bool // emptied, waiting for the slot's next attempt
	seq  uint64          // names what is moved aside
}

// take readies dir for an attempt: private and empty.
func (d *tmpDirs) take(dir string) error {
	d.mu.Lock()
	kept := d.kept[dir]
	delete(d.kept, dir)
	d.mu.Unlock()
	if kept {
		return nil
	}
	err := os.Mkdir(dir, 0o700)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.MkdirAll(dir, 0o700)
	case errors.Is(err, fs.ErrExist):
		// Not one this runner kept (an engine that stopped before it
		// could clean up): start afresh.
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		return os.Mkdir(dir, 0o700)
	}
	return err
}

// put takes dir back after its attempt ended and nothing of it runs any
// more. It returns a function that removes what the attempt left, to run
// off the path that reports the end; nil when there is nothing to remove.
func (d *tmpDirs) put(dir string) (remove func()) {
	if reusable(dir) {
		d.mu.Lock()
		if d.kept == nil {
			d.kept = map[string]bool{}
		}
		d.kept[dir] = true
		d.mu.Unlock()
		return nil
	}
	d.mu.Lock()
	d.seq++
	aside := filepath.Join(filepath.Dir(dir), ".removing."+filepath.Base(dir)+"."+strconv.FormatUint(d.seq, 10))
	d.mu.Unlock()
	if err := os.Rename(dir, aside); err != nil {
		// Removed where it is, before the slot's next attempt can take it.
		os.RemoveAll(dir)
		return nil
	}
	return func() { os.RemoveAll(aside) }
}

// removeKept removes the emptied directories nobody will take any more.
func (d *tmpDirs) removeKept() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for dir := range d.kept {
		os.Remove(dir)
	}
	d.kept = nil
}

// reusable reports whether dir is still the private, empty directory take
// made: a task may have filled it, or changed its mode. It makes raw system
// calls, once a task: an os.File would try to register the directory with
// the runtime's poller, and Readdirnames allocates.
func reusable(dir string) bool {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR || st.Mode&0o7777 != 0o700 || int(st.Uid) != os.Geteuid() {
		return false
	}
	var buf [1024]byte
	var names [1]string
	for {
		n, err := unix.Getdents(fd, buf[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return false
		}
		if n <= 0 {
			return true // only . and ..
		}
		// ParseDirent skips . and ..
		if _, found, _ := unix.ParseDirent(buf[:n], 1, names[:0]); found > 0 {
			return false
		}
	}
}
