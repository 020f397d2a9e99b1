package procstat

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Alive reports whether pid is a live process (not a zombie) that started
// at start (clock ticks since boot), i.e. still the process recorded and
// not a later one under the same number. start 0 means unknown: any live
// process with the pid counts.
func Alive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	state, st, err := Read(pid)
	return err == nil && state != 'Z' && state != 'X' && (start == 0 || st == start)
}

// Read returns the state (field 3) and start time (field 22) of
// /proc/<pid>/stat. It reads into a stack buffer: the engine calls it for
// every child it starts.
func Read(pid int) (state byte, start uint64, err error) {
	var buf [1024]byte
	b, err := readStat(pid, buf[:])
	if err != nil {
		return 0, 0, err
	}
	state, start, err = Parse(b)
	if err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return state, start, nil
}

// Group returns the process group (field 5 of /proc/<pid>/stat) of pid.
func Group(pid int) (int, error) {
	var buf [1024]byte
	b, err := readStat(pid, buf[:])
	if err != nil {
		return 0, err
	}
	f, err := fields(b)
	const groupField = 5 - 3
	if err == nil && len(f) <= groupField {
		err = errors.New("malformed: too few fields")
	}
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	g, err := strconv.Atoi(string(f[groupField]))
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: malformed process group: %w", pid, err)
	}
	return g, nil
}

// readStat reads /proc/<pid>/stat into buf.
func readStat(pid int, buf []byte) ([]byte, error) {
	var pathBuf [32]byte
	path := strconv.AppendInt(append(pathBuf[:0], "/proc/"...), int64(pid), 10)
	path = append(path, "/stat"...)
	fd, err := syscall.Open(string(path), syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("read /proc/%d/stat: %w", pid, err)
	}
	n, err := readFull(fd, buf)
	syscall.Close(fd)
	if err != nil {
		return nil, fmt.Errorf("read /proc/%d/stat: %w", pid, err)
	}
	return buf[:n], nil
}

func readFull(fd int, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			return n, nil
		}
		n += m
	}
	return n, errors.New("longer than expected")
}

// Parse extracts fields 3 and 22 of a /proc/<pid>/stat line. Field 2 is
// the command name in parentheses and may itself hold spaces and ')', so
// fields are counted from the last ')'.
func Parse(b []byte) (state byte, start uint64, err error) {
	f, err := fields(b)
	if err != nil {
		return 0, 0, err
	}
	const startField = 22 - 3
	if len(f) <= startField || len(f[0]) != 1 {
		return 0, 0, errors.New("malformed: too few fields")
	}
	start, err = strconv.ParseUint(string(f[startField]), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("malformed start time: %w", err)
	}
	return f[0][0], start, nil
}

// ParseCPU extracts the CPU time of a /proc/<pid>/stat line: fields 14
// and 15, user and system, the process's own without its children's.
func ParseCPU(b []byte) (time.Duration, error) {
	f, err := fields(b)
	if err != nil {
		return 0, err
	}
	const utime = 14 - 3
	if len(f) <= utime+1 {
		return 0, errors.New("malformed: too few fields")
	}
	var ticks uint64
	for _, s := range f[utime : utime+2] {
		n, err := strconv.ParseUint(string(s), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("malformed CPU time: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// fields splits a stat line after the command name: f[0] is field 3.
func fields(b []byte) ([][]byte, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, errors.New("malformed: no ')'")
	}
	return bytes.Fields(b[i+1:]), nil
}

// userHZ is the unit of /proc/<pid>/stat's times: USER_HZ, 100 a
// second on every architecture Go supports on Linux.
const userHZ = 100

// BootTicks is the boot clock now, in the unit of the start times Read
// returns: a process forked between two calls that return the same value
// has that start time, with no read of /proc (which costs 10-25 us while
// the process execs). false when the clock cannot be read.
func BootTicks() (uint64, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return 0, false
	}
	return uint64(ts.Nano()) / (1e9 / userHZ), true
}
