package procstat

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// Entry is one process of the process table.
type Entry struct {
	Pid, Ppid int
	State     byte   // field 3: R, S, D, Z, ...
	Comm      string // field 2, without its parentheses
}

// Table reads /proc/<pid>/stat of every process. A process that exits
// while the table is read is left out.
func Table() ([]Entry, error) {
	d, err := os.Open("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var buf [1024]byte
	entries := make([]Entry, 0, len(names))
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue // not a process
		}
		b, err := readStat(pid, buf[:])
		if err != nil {
			continue // gone
		}
		e, err := ParseEntry(b)
		if err != nil {
			return nil, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// ParseEntry reads pid, command name, state and parent pid from a
// /proc/<pid>/stat line.
func ParseEntry(b []byte) (Entry, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 1 || end < open {
		return Entry{}, errors.New("malformed: no command name")
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return Entry{}, fmt.Errorf("malformed pid: %w", err)
	}
	f := bytes.Fields(b[end+1:])
	if len(f) < 2 || len(f[0]) != 1 {
		return Entry{}, errors.New("malformed: too few fields")
	}
	ppid, err := strconv.Atoi(string(f[1]))
	if err != nil {
		return Entry{}, fmt.Errorf("malformed parent pid: %w", err)
	}
	return Entry{Pid: pid, Ppid: ppid, State: f[0][0], Comm: string(b[open+1 : end])}, nil
}

// Children lists the children of every thread of process pid, from
// /proc/<pid>/task/*/children: a few reads where Table reads the whole
// process table. ok is false where the kernel has no such files
// (CONFIG_PROC_CHILDREN off).
func Children(pid int) (children []int, ok bool) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	d, err := os.Open(dir)
	if err != nil {
		return nil, false
	}
	tids, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, false
	}
	for _, tid := range tids {
		b, err := os.ReadFile(dir + "/" + tid + "/children")
		if errors.Is(err, os.ErrNotExist) {
			if _, serr := os.Stat(dir + "/" + tid); serr != nil {
				continue // the thread is gone
			}
			return nil, false
		}
		if err != nil {
			return nil, false
		}
		children = AppendPids(children, b)
	}
	return children, true
}

// AppendPids appends the pids of a children file's content b to pids.
func AppendPids(pids []int, b []byte) []int {
	for _, f := range bytes.Fields(b) {
		if c, err := strconv.Atoi(string(f)); err == nil {
			pids = append(pids, c)
		}
	}
	return pids
}
