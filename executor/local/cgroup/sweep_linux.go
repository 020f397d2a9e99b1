package cgroup

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Engine names a weir engine process by pid and start time (clock ticks
// since boot, /proc/<pid>/stat field 22), as its cgroup directories do.
type Engine struct {
	Pid   int
	Start uint64
}

// Sweep kills and removes what the engines named, once gone, left below
// the engine's own cgroup: parents weir-<pid>-<start> (with every task
// cgroup in them and every process in those) and v2 engine leaves. The
// caller names the engines of its own state dir's lost runs: an engine of
// another state dir, or another user's, may be resumed by its own user,
// who needs its cgroups (and what runs in them) as they are. Only
// directories of this process's user are touched, and never those of an
// engine still running (same pid and start time).
//
// Parents and leaves of other gone engines of the user's are removed only
// when empty (a plain rmdir, which the kernel refuses while a process or
// a child cgroup is in them): an engine killed before its first task
// leaves no run to name it. It returns the trees of named engines it
// removed.
//
// A resumed run that means to reattach to tasks of the crashed engine must
// Open them before it sweeps.
func (m *Manager) Sweep(engines []Engine) ([]string, error) {
	ents, err := os.ReadDir(m.own)
	if err != nil {
		return nil, fmt.Errorf("cgroup: sweep: %w", err)
	}
	named := map[Engine]bool{}
	for _, e := range engines {
		named[e] = true
	}
	var removed []string
	var errs []error
	for _, e := range ents {
		dir := m.own + "/" + e.Name()
		if !e.IsDir() || dir == m.dir {
			continue
		}
		pid, start, ok := parseEngineDir(e.Name())
		if !ok || !ownedBySelf(dir) || engineAlive(pid, start) {
			continue
		}
		if !named[Engine{pid, start}] {
			unix.Rmdir(dir)
			continue
		}
		if err := removeTree(m, dir, time.Now().Add(killWait)); err != nil {
			errs = append(errs, fmt.Errorf("cgroup: sweep: %w", err))
			continue
		}
		removed = append(removed, dir)
	}
	return removed, errors.Join(errs...)
}

// ownedBySelf reports whether dir is a directory of this process's user:
// with delegation, other users' engines make cgroups beside ours.
func ownedBySelf(dir string) bool {
	var st unix.Stat_t
	return unix.Lstat(dir, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR && int(st.Uid) == os.Geteuid()
}

// parseEngineDir reads weir-<pid>-<start> and weir-engine-<pid>-<start>.
func parseEngineDir(name string) (pid int, start uint64, ok bool) {
	rest, ok := strings.CutPrefix(name, engineLeafPrefix)
	if !ok {
		if rest, ok = strings.CutPrefix(name, parentPrefix); !ok {
			return 0, 0, false
		}
	}
	p, s, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, 0, false
	}
	pid, err := strconv.Atoi(p)
	if err != nil || pid <= 0 {
		return 0, 0, false
	}
	start, err = strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return pid, start, true
}

func engineAlive(pid int, start uint64) bool {
	st, err := startTime(pid)
	if err != nil {
		// Gone, or hidden from us (another pid namespace): only a
		// process we can't see at all counts as gone.
		return !errors.Is(err, os.ErrNotExist)
	}
	return st == start
}
