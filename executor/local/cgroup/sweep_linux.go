package cgroup

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Sweep kills and removes what engines that are gone left below the
// engine's own cgroup: parents weir-<pid>-<start> whose engine no longer
// runs (no such pid, or a process with another start time: the pid was
// reused), with every task cgroup in them and every process in those; and
// v2 engine leaves of gone engines. It returns the directories it removed.
//
// A resumed run that means to reattach to tasks of the crashed engine must
// Open them before it sweeps.
func (m *Manager) Sweep() ([]string, error) {
	ents, err := os.ReadDir(m.own)
	if err != nil {
		return nil, fmt.Errorf("cgroup: sweep: %w", err)
	}
	var removed []string
	var errs []error
	for _, e := range ents {
		dir := m.own + "/" + e.Name()
		if !e.IsDir() || dir == m.dir {
			continue
		}
		pid, start, ok := parseEngineDir(e.Name())
		if !ok || engineAlive(pid, start) {
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
