package local

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
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
// made: a task may have filled it, or changed its mode.
func reusable(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFDIR || st.Mode&0o7777 != 0o700 || int(st.Uid) != os.Geteuid() {
		return false
	}
	_, err = f.Readdirnames(1)
	return errors.Is(err, io.EOF)
}
