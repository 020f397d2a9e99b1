package storetest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Sentinel is a tree beside a state dir that nothing weir does with that
// state dir may touch: Check fails the test when any of its files or
// directories was removed, renamed, created, changed or opened.
type Sentinel struct {
	Dir    string
	before map[string]string
	fd     int
}

// NewSentinel makes the tree in dir: files and directories named like
// runs and segments, so that a crafted record finds something there. Arm
// starts watching it.
func NewSentinel(t testing.TB, dir string, names ...string) *Sentinel {
	t.Helper()
	s := &Sentinel{Dir: dir, fd: -1}
	for _, n := range append([]string{"file", "dir/file", "tmp/file", "r1/a/out"}, names...) {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("precious "+n), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// Arm records the tree as it is and starts watching it: from now on
// nothing may touch it.
func (s *Sentinel) Arm(t testing.TB) {
	t.Helper()
	var err error
	if s.before, err = snapshot(s.Dir); err != nil {
		t.Fatal(err)
	}
	s.fd, err = unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(s.fd) })
	const mask = unix.IN_OPEN | unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_CLOSE_WRITE | unix.IN_CREATE |
		unix.IN_DELETE | unix.IN_DELETE_SELF | unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_MOVE_SELF
	for p := range s.before {
		if strings.HasSuffix(p, "/") {
			if _, err := unix.InotifyAddWatch(s.fd, filepath.Join(s.Dir, p), mask); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Check fails t when the tree changed, or anything in it was opened, since
// NewSentinel or the last Check.
func (s *Sentinel) Check(t testing.TB, what string) {
	t.Helper()
	buf := make([]byte, 64<<10)
	if n, _ := unix.Read(s.fd, buf); n > 0 {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[0]))
		name := ""
		if ev.Len > 0 {
			name = strings.TrimRight(string(buf[unix.SizeofInotifyEvent:unix.SizeofInotifyEvent+ev.Len]), "\x00")
		}
		t.Fatalf("%s: the sentinel tree %s saw event %#x on %q", what, s.Dir, ev.Mask, name)
	}
	after, err := snapshot(s.Dir)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for p, st := range s.before {
		if after[p] != st {
			t.Fatalf("%s: sentinel %s changed: %q, was %q", what, filepath.Join(s.Dir, p), after[p], st)
		}
	}
	for p := range after {
		if _, ok := s.before[p]; !ok {
			t.Fatalf("%s: sentinel tree gained %s", what, filepath.Join(s.Dir, p))
		}
	}
	// The snapshot opened the directories: not weir's doing.
	for n, _ := unix.Read(s.fd, buf); n > 0; n, _ = unix.Read(s.fd, buf) {
	}
}

// snapshot is every entry below dir with what a change, rename or open
// for write would alter, read with lstat only: reading would open.
func snapshot(dir string) (map[string]string, error) {
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			rel += "/"
		}
		m[rel] = fmt.Sprintf("ino %d mode %o size %d mtime %d.%d ctime %d.%d nlink %d",
			st.Ino, st.Mode, st.Size, st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec, st.Nlink)
		return nil
	})
	return m, err
}
