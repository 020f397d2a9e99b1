package local

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// tmpDirs hands attempts their private temporary directories. The
// scheduler names one per pool slot (executor.Layout.TmpDir), so an
// attempt that leaves its directory empty, as most do, passes it on to the
// slot's next attempt as it is: making and removing a directory on an ext4
// disk costs a few hundred microseconds of kernel time, a third of a short
// task's whole start. A directory left with anything in it is moved aside
// at once and removed in the background.
//
// Whether a directory is still empty is read from its entries
// (reusable), or, once it has been empty for a while, from its change
// time alone (unchanged): one stat instead of an open, a stat and two
// reads of the directory.
type tmpDirs struct {
	mu    sync.Mutex
	kept  map[string]emptyDir // emptied, waiting for the slot's next attempt
	taken map[string]emptyDir // handed to a running attempt
	seq   uint64              // names what is moved aside
}

// emptyDir is what a directory looked like when it was last seen empty,
// and when it was next handed to an attempt.
type emptyDir struct {
	ino   uint64
	ctime unix.Timespec
	taken time.Time
}

// ctimeMargin is how much older than its attempt's start a directory's
// change time must be for unchanged to trust it: file times come from a
// clock that lags the one time.Now reads by up to a tick (10 ms at the
// lowest HZ), so a change made by the attempt could otherwise carry the
// same time as the one before it.
const ctimeMargin = 50 * time.Millisecond

// take readies dir for an attempt: private and empty.
func (d *tmpDirs) take(dir string) error {
	d.mu.Lock()
	e, kept := d.kept[dir]
	delete(d.kept, dir)
	if kept {
		e.taken = time.Now()
		if d.taken == nil {
			d.taken = map[string]emptyDir{}
		}
		d.taken[dir] = e
	}
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
	d.mu.Lock()
	e, seen := d.taken[dir]
	delete(d.taken, dir)
	d.mu.Unlock()
	if seen && unchanged(dir, e) {
		return d.keep(dir, e)
	}
	if e, ok := reusable(dir); ok {
		return d.keep(dir, e)
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

// keep holds dir, found empty as e says, for the slot's next attempt.
func (d *tmpDirs) keep(dir string, e emptyDir) (remove func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.kept == nil {
		d.kept = map[string]emptyDir{}
	}
	d.kept[dir] = e
	return nil
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

// euid is the engine's effective user, which owns the directories.
var euid = os.Geteuid()

// private reports whether st is of a directory only the engine can use.
func private(st *unix.Stat_t) bool {
	return st.Mode&unix.S_IFMT == unix.S_IFDIR && st.Mode&0o7777 == 0o700 && int(st.Uid) == euid
}

// unchanged reports whether dir is the directory e saw empty, untouched
// since: same inode, private, and the same change time, which any entry
// made or removed in it, and any change of its mode or owner, moves on
// (and no one can set). Only a change time older than the attempt by
// ctimeMargin is trusted (see ctimeMargin); otherwise, false, and the
// entries are read.
func unchanged(dir string, e emptyDir) bool {
	if e.ino == 0 || !time.Unix(e.ctime.Unix()).Before(e.taken.Add(-ctimeMargin)) {
		return false
	}
	var st unix.Stat_t
	if err := unix.Fstatat(unix.AT_FDCWD, dir, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return false
	}
	return private(&st) && st.Ino == e.ino && st.Ctim == e.ctime
}

// reusable reports whether dir is still the private, empty directory take
// made: a task may have filled it, or changed its mode; e is what it looks
// like then. It makes raw system calls: an os.File would try to register
// the directory with the runtime's poller, and Readdirnames allocates.
func reusable(dir string) (e emptyDir, ok bool) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return e, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || !private(&st) {
		return e, false
	}
	var buf [1024]byte
	var names [1]string
	for {
		n, err := unix.Getdents(fd, buf[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return e, false
		}
		if n <= 0 {
			// Only . and .. (the stat above came first: a change since
			// moves the change time on from what e keeps).
			return emptyDir{ino: st.Ino, ctime: st.Ctim}, true
		}
		// ParseDirent skips . and ..
		if _, found, _ := unix.ParseDirent(buf[:n], 1, names[:0]); found > 0 {
			return e, false
		}
	}
}
