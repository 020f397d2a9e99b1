package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// startTime returns field 22 of /proc/<pid>/stat (clock ticks since boot)
// and whether the process is a zombie. With the pid it tells a process from
// a later one that reuses the number. executor/local/proc reads the same
// field for task processes; the store keeps its own copy to stay a leaf.
func startTime(pid int) (ticks uint64, zombie bool, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false, err
	}
	// Field 2 is the command in parentheses and may hold spaces and ')':
	// count fields from the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false, errors.New("malformed /proc stat: no ')'")
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3, the state
	const startField = 22 - 3
	if len(f) <= startField || len(f[0]) != 1 {
		return 0, false, errors.New("malformed /proc stat: too few fields")
	}
	ticks, err = strconv.ParseUint(string(f[startField]), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("malformed /proc stat: %w", err)
	}
	return ticks, f[0][0] == 'Z' || f[0][0] == 'X', nil
}

// alive reports whether the process that was pid with the given start time
// still runs (a zombie does not count). startTime 0 means unknown: then
// any live process with that pid counts.
func alive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st, zombie, err := startTime(pid)
	if err != nil || zombie {
		return false
	}
	return start == 0 || st == start
}
