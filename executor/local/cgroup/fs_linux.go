package cgroup

import (
	"bytes"
	"errors"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Raw cgroupfs access: one open, one read or write, one close, with no
// os.File (whose finalizer and poller registration we don't need). Every
// descriptor is opened O_CLOEXEC so none leaks into a task.

// writeFile writes data to an existing cgroupfs file in one write(2): the
// kernel parses each write on its own.
func writeFile(path string, data []byte) error {
	fd, err := open(path, unix.O_WRONLY)
	if err != nil {
		return err
	}
	err = writeFD(fd, path, data)
	unix.Close(fd)
	return err
}

func writeFD(fd int, path string, data []byte) error {
	for {
		_, err := unix.Pwrite(fd, data, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "write", Path: path, Err: err}
		}
		return nil
	}
}

func open(path string, flags int) (int, error) {
	for {
		fd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return fd, nil
	}
}

// readFile reads a whole cgroupfs file. buf is a starting buffer (pass a
// small stack array to avoid an allocation for one-line files); the result
// may alias it.
func readFile(path string, buf []byte) ([]byte, error) {
	fd, err := open(path, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	b, err := readFD(fd, buf)
	if err != nil {
		return nil, &os.PathError{Op: "read", Path: path, Err: err}
	}
	return b, nil
}

// readFD reads all of the cgroupfs file open at fd, from its start, with
// preads (kernfs makes the content afresh for a read at offset 0, so an fd
// kept open reads what is there now). A removed cgroup's descriptor reads
// ENODEV: reported as the ENOENT a fresh open would have met. The error is
// the bare errno: the caller names the file.
func readFD(fd int, buf []byte) ([]byte, error) { return readAt0(fd, buf, false) }

// readRecord is readFD for a file whose content one show call of the
// kernel makes (a value, or the "key value" lines of memory.oom_control
// and memory.events): a read that leaves room in buf has met the end, so
// such a file takes one pread, not a second that returns 0 (three
// syscalls fewer at each attempt's end, about 1 us each on this VM). Not
// for a list like cgroup.procs: a seq_file returns a list a page at a
// time, and a short read there is not the end.
func readRecord(fd int, buf []byte) ([]byte, error) { return readAt0(fd, buf, true) }

func readAt0(fd int, buf []byte, oneRecord bool) ([]byte, error) {
	if cap(buf) == 0 {
		buf = make([]byte, 0, 512)
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		room := cap(buf) - len(buf)
		n, err := pread(fd, buf[len(buf):cap(buf)], int64(len(buf)))
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.ENODEV:
			return nil, unix.ENOENT
		case err != nil:
			return nil, err
		case n == 0:
			return buf, nil
		}
		buf = buf[:len(buf)+n]
		if oneRecord && n < room {
			return buf, nil
		}
	}
}

// pread is unix.Pread; a test counts the calls through it.
var pread = unix.Pread

// parseInt parses the content of a file holding one integer ("max" is -1).
func parseInt(b []byte, path string) (int64, error) {
	b = bytes.TrimSpace(b)
	if string(b) == "max" {
		return -1, nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, &os.PathError{Op: "parse", Path: path, Err: err}
	}
	return v, nil
}

// keyValue finds "key N" in a flat-keyed file (memory.events,
// memory.oom_control, cgroup.events).
func keyValue(data []byte, key string) (int64, bool) {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		k, v, ok := bytes.Cut(line, []byte{' '})
		if !ok || string(k) != key {
			continue
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
		if err != nil {
			return 0, false
		}
		return n, true
	}
	return 0, false
}

// parsePids parses cgroup.procs: one decimal id a line.
func parsePids(data []byte) ([]int, error) {
	var pids []int
	for _, f := range bytes.Fields(data) {
		pid, err := strconv.Atoi(string(f))
		if err != nil {
			return nil, errors.New("bad pid " + strconv.Quote(string(f)))
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

func exists(path string) bool {
	return unix.Access(path, unix.F_OK) == nil
}
