package local

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// A task's stdout and stderr reach their log files through pipes that the
// engine relays, so that a log file exists only for a task that writes to
// it: most tasks of a large fan-out print nothing, and creating two files
// on an ext4 disk costs about half a millisecond of kernel time a task,
// more than everything else the engine does for it. Bytes move from the
// pipe to the file with splice(2), without passing through the engine's
// memory, and a task that prints gigabytes costs the engine no more
// memory than one that prints a line.

// relay copies one stream of an attempt into its log file.
type relay struct {
	r    *os.File // the pipe's read end, owned by run
	path string
	done chan struct{}
	err  error // set by run before done is closed
}

// drainGrace is how long the relays wait, after everything of an attempt
// was killed, for the last writer of a pipe to go away. Only a process
// that escaped the attempt (possible under the watchdog alone) can hold
// it that long; the relay then closes its end, and the escapee's next
// write fails.
const drainGrace = time.Second

// newRelays makes the pipes of an attempt's stdout and stderr and starts
// relaying them. The caller gives w to the child, closes its copies once
// the child has started, and calls wait after the attempt ended.
func newRelays(stdoutPath, stderrPath string) (w [2]*os.File, relays [2]*relay, err error) {
	for i, path := range []string{stdoutPath, stderrPath} {
		r, pw, err := outputPipe()
		if err != nil {
			for _, f := range w[:i] {
				f.Close()
			}
			for _, l := range relays[:i] {
				l.r.Close()
			}
			return w, relays, fmt.Errorf("local: output pipe: %w", err)
		}
		w[i] = pw
		relays[i] = &relay{r: r, path: path, done: make(chan struct{})}
	}
	for _, l := range relays {
		go l.run()
	}
	return w, relays, nil
}

// outputPipe makes a pipe whose read end the engine polls and whose write
// end stays blocking and out of the runtime's poller: the child's stdout
// must be blocking, and os.Pipe would register both ends with the poller
// only for the write end to be made blocking again when it is handed over
// (four epoll_ctl calls and two fcntls a pipe, 5% of the engine's CPU on
// short tasks). Both ends are made non-blocking and the write end's only
// status flag cleared in one F_SETFL: one fcntl a pipe instead of the
// F_GETFL and F_SETFL of unix.SetNonblock.
func outputPipe() (r, w *os.File, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, nil, err
	}
	if _, err := unix.FcntlInt(uintptr(p[1]), unix.F_SETFL, 0); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, nil, err
	}
	return os.NewFile(uintptr(p[0]), "|0"), os.NewFile(uintptr(p[1]), "|1"), nil
}

// waitRelays returns once both streams are in their files (the attempt's
// processes are gone), or drainGrace after it was called. The error is
// the first that lost output.
func waitRelays(relays [2]*relay) error {
	deadline := time.Now().Add(drainGrace)
	var errs []error
	for _, l := range relays {
		l.r.SetReadDeadline(deadline) // ignored once run has closed it
		<-l.done
		errs = append(errs, l.err)
	}
	return errors.Join(errs...)
}

// abandon stops relays whose attempt never started.
func abandon(relays [2]*relay) {
	for _, l := range relays {
		l.r.SetReadDeadline(time.Now())
		<-l.done
	}
}

func (l *relay) run() {
	defer close(l.done)
	defer l.r.Close()
	first := make([]byte, 4096)
	n, err := l.r.Read(first)
	if n == 0 {
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrDeadlineExceeded) {
			l.err = fmt.Errorf("reading %s: %w", filepath.Base(l.path), err)
		}
		return
	}
	f, err := createLog(l.path)
	if err != nil {
		// The task must not block on a full pipe: its output goes nowhere,
		// and the attempt's result says so.
		l.err = err
		io.Copy(io.Discard, l.r)
		return
	}
	defer f.Close()
	if _, err := f.Write(first[:n]); err != nil {
		l.err = fmt.Errorf("writing %s: %w", l.path, err)
		io.Copy(io.Discard, l.r)
		return
	}
	if err := splice(f, l.r); err != nil {
		l.err = fmt.Errorf("writing %s: %w", l.path, err)
		io.Copy(io.Discard, l.r)
	}
}

// splice moves everything from the pipe r into f until r's writers are
// gone (or its read deadline passes).
func splice(f, r *os.File) error {
	rc, err := r.SyscallConn()
	if err != nil {
		return err
	}
	dst := int(f.Fd())
	for {
		var n int64
		var serr error
		err := rc.Read(func(fd uintptr) bool {
			n, serr = unix.Splice(int(fd), nil, dst, nil, 1<<20, unix.SPLICE_F_MOVE|unix.SPLICE_F_NONBLOCK)
			return !errors.Is(serr, unix.EAGAIN)
		})
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			return nil
		case err != nil:
			return err
		case errors.Is(serr, unix.EINTR):
			continue
		case serr != nil:
			return serr
		case n == 0:
			return nil
		}
	}
}

// createLog creates a log file 0600, and its directory 0700 if need be.
func createLog(path string) (*os.File, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("log directory: %w", err)
		}
		f, err = os.OpenFile(path, flags, 0o600)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}
