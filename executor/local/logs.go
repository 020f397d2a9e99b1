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

// relay copies one stream of an attempt into its log file. It starts
// relaying (a goroutine waiting on the pipe through the runtime's poller)
// only once the attempt has run relayDelay: most tasks of a large fan-out
// end sooner having printed nothing, and their pipes are read once, at the
// end (finish), with no goroutine, no poller registration and no wake-up.
type relay struct {
	fd      int      // the pipe's read end, non-blocking
	r       *os.File // fd, once relaying; owned by run
	path    string
	pending []byte // read before relaying began, not yet in the file
	started bool
	done    chan struct{}
	err     error // set before done is closed
}

// relayDelay is how long an attempt runs before its output is relayed as
// it comes. What it prints before waits in the pipe (64 KiB); a task that
// fills it waits at most this long.
const relayDelay = 10 * time.Millisecond

// drainGrace is how long the relays wait, after everything of an attempt
// was killed, for the last writer of a pipe to go away. Only a process
// that escaped the attempt (possible under the watchdog alone) can hold
// it that long; the relay then closes its end, and the escapee's next
// write fails.
const drainGrace = time.Second

// newRelays makes the pipes of an attempt's stdout and stderr. The caller
// gives w to the child and closes its copies once the child has started,
// calls start once the attempt has run relayDelay, and finish after the
// attempt ended (or abandon if it never started).
func newRelays(stdoutPath, stderrPath string) (w [2]*os.File, relays [2]*relay, err error) {
	for i, path := range []string{stdoutPath, stderrPath} {
		r, pw, err := outputPipe()
		if err != nil {
			for _, f := range w[:i] {
				f.Close()
			}
			for _, l := range relays[:i] {
				unix.Close(l.fd)
			}
			return w, relays, fmt.Errorf("local: output pipe: %w", err)
		}
		w[i] = pw
		relays[i] = &relay{fd: r, path: path, done: make(chan struct{})}
	}
	return w, relays, nil
}

// outputPipe makes a pipe whose read end (a bare descriptor until a relay
// wraps it) is non-blocking and whose write end stays blocking and out of
// the runtime's poller: the child's stdout must be blocking, and os.Pipe
// would register both ends with the poller only for the write end to be
// made blocking again when it is handed over. Both ends are made
// non-blocking and the write end's only status flag cleared in one
// F_SETFL.
func outputPipe() (r int, w *os.File, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return -1, nil, err
	}
	if _, err := unix.FcntlInt(uintptr(p[1]), unix.F_SETFL, 0); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return -1, nil, err
	}
	return p[0], os.NewFile(uintptr(p[1]), "|1"), nil
}

// startRelays begins relaying the streams of an attempt that is still
// running after relayDelay.
func startRelays(relays [2]*relay) {
	for _, l := range relays {
		l.start()
	}
}

func (l *relay) start() {
	if l.started {
		return
	}
	l.started = true
	l.r = os.NewFile(uintptr(l.fd), "|0")
	go l.run()
}

// finishRelays returns once both streams are in their files (the
// attempt's processes are gone), or drainGrace after it was called. The
// error is the first that lost output.
func finishRelays(relays [2]*relay) error {
	deadline := time.Now().Add(drainGrace)
	var errs []error
	for _, l := range relays {
		if !l.started && l.collect() {
			errs = append(errs, l.err)
			continue
		}
		l.start()
		l.r.SetReadDeadline(deadline) // ignored once run has closed it
		<-l.done
		errs = append(errs, l.err)
	}
	return errors.Join(errs...)
}

// collect reads the pipe of a relay that never started, once, without
// waiting: true when that settles it (nothing was written and no writer is
// left; or the pipe failed, in l.err), its descriptor closed. Otherwise
// what it read is pending, and the relay must run.
func (l *relay) collect() bool {
	var buf [512]byte // most tasks wrote nothing: allocate only for what is there
	for {
		n, err := unix.Read(l.fd, buf[:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return false // a writer is left (an escaped process)
		case err != nil:
			l.err = fmt.Errorf("reading %s: %w", filepath.Base(l.path), err)
		case n > 0:
			l.pending = append([]byte(nil), buf[:n]...)
			return false
		}
		unix.Close(l.fd)
		close(l.done)
		return true
	}
}

// abandon closes the pipes of an attempt that never started (its relays
// never did either).
func abandon(relays [2]*relay) {
	for _, l := range relays {
		unix.Close(l.fd)
		close(l.done)
	}
}

func (l *relay) run() {
	defer close(l.done)
	defer l.r.Close()
	first := l.pending
	if first == nil {
		first = make([]byte, 4096)
		n, err := l.r.Read(first)
		if n == 0 {
			if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrDeadlineExceeded) {
				l.err = fmt.Errorf("reading %s: %w", filepath.Base(l.path), err)
			}
			return
		}
		first = first[:n]
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
	if _, err := f.Write(first); err != nil {
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
