package proc

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// errStolen is what Wait reports for a child whose status someone else
// collected.
var errStolen = errors.New("proc: child was reaped outside package proc (os/exec or os.StartProcess used after proc.Init?)")

var (
	initOnce sync.Once
	initErr  error
	global   atomic.Pointer[reaper] // set by Init
)

// Init prepares weir to start children; call it once, early in main, before
// any child is started. It is idempotent and safe for concurrent use.
//
// It makes weir a child subreaper (orphaned grandchildren of tasks reparent
// to weir instead of escaping to init), raises the soft RLIMIT_NOFILE to the
// hard limit so children inherit it, and starts the single reaper
// goroutine. From then on, os/exec must not be used: see the package doc.
func Init() error {
	initOnce.Do(func() {
		r, err := newReaper()
		global.Store(r)
		initErr = err
	})
	return initErr
}

// reaper owns every child of the process.
type reaper struct {
	// spawnMu is held for reading by each Start from before its fork until
	// its pid is registered (and its start time read), and for writing by
	// the reaper around its wait4 loop. So a status the reaper collects is
	// never that of a child whose Start has not registered it yet (it would
	// be taken for an orphan and dropped), and a child cannot be reaped
	// before its /proc/<pid>/stat is read.
	spawnMu sync.RWMutex
	mu      sync.Mutex // guards waiters among concurrent Starts
	waiters map[int]*Process

	devNull *os.File // stdin/stdout/stderr of children given none; kept open for the engine's life
	// pid is weir's own, read once: every Start compares it with the
	// forking thread's id, and getpid is a syscall.
	pid int
	// closeRange is whether close_range(CLOSE_RANGE_CLOEXEC) works (Linux 5.11+).
	closeRange bool
	// pidfds is whether children come with a pidfd (Linux 5.3+): then
	// each child's waiter reaps (see WaitUntil), and the reaper only
	// sweeps now and then for orphans; without, SIGCHLD wakes it.
	pidfds bool
	sigc   chan os.Signal
	// orphans is /proc/<pid>/task/<pid>/children, kept open for the
	// engine's life (see EndOrphansOf), its offset guarded by orphansMu;
	// -1 where the kernel has no such file.
	orphans   int
	orphansMu sync.Mutex
}

// orphanSweep is how often the reaper collects, when children come with
// pidfds, the orphans reparented to weir (each waiter reaps only its own
// child). An orphan that has exited stays a zombie (a pid, no memory) at
// most this long.
const orphanSweep = 100 * time.Millisecond

func newReaper() (*reaper, error) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("proc: init: become child subreaper: %w", err)
	}
	// Go raises the soft NOFILE limit to the hard one at startup but puts
	// the original back in every child it starts, unless the program calls
	// syscall.Setrlimit itself (only the syscall package's Setrlimit clears
	// that restore). Tasks should get the high limit.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil, fmt.Errorf("proc: init: get RLIMIT_NOFILE: %w", err)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil, fmt.Errorf("proc: init: raise RLIMIT_NOFILE to %d: %w", lim.Max, err)
	}
	devNull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("proc: init: %w", err)
	}
	r := &reaper{
		pid:     os.Getpid(),
		waiters: make(map[int]*Process),
		devNull: devNull,
		// One slot is enough: SIGCHLDs coalesce, and each wakeup reaps
		// every child that has exited by then.
		sigc:    make(chan os.Signal, 1),
		orphans: -1,
	}
	self := strconv.Itoa(r.pid)
	if fd, err := unix.Open("/proc/"+self+"/task/"+self+"/children", unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
		r.orphans = fd
	}
	// Descriptors weir inherited without close-on-exec (from a shell or a
	// test harness) must not reach tasks; Go opens its own with O_CLOEXEC.
	r.closeRange = unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC) == nil
	if !r.closeRange {
		if err := cloexecAll(); err != nil {
			devNull.Close()
			return nil, fmt.Errorf("proc: init: %w", err)
		}
	}
	if fd, err := unix.PidfdOpen(os.Getpid(), 0); err == nil {
		unix.Close(fd)
		r.pidfds = true
	} else {
		signal.Notify(r.sigc, syscall.SIGCHLD)
	}
	go r.loop()
	r.reap() // children that exited before Notify
	return r, nil
}

// cloexecAll marks every descriptor above 2 close-on-exec, for kernels
// without close_range(CLOSE_RANGE_CLOEXEC).
func cloexecAll() error {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return fmt.Errorf("list descriptors: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("list descriptors: %w", err)
	}
	for _, n := range names {
		fd, err := strconv.Atoi(n)
		if err != nil || fd <= 2 || fd == int(d.Fd()) {
			continue
		}
		syscall.CloseOnExec(fd)
	}
	return nil
}

func (r *reaper) loop() {
	// Without pidfds SIGCHLD drives reaping, and the slow tick is
	// insurance in case the notification is ever lost (signal.Reset
	// elsewhere in the program).
	every := time.Second
	if r.pidfds {
		every = orphanSweep
	}
	tick := time.NewTicker(every)
	for {
		select {
		case <-r.sigc:
		case <-tick.C:
		}
		r.reap()
	}
}

// reap collects every child that has exited and wakes the waiters of those
// started by Start; other statuses (orphans reparented to weir) are
// dropped, which is what reaps them.
func (r *reaper) reap() {
	var done []*Process
	r.spawnMu.Lock()
	for {
		var ws syscall.WaitStatus
		var ru syscall.Rusage
		// __WALL: also children whose exit signal is not SIGCHLD.
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG|unix.WALL, &ru)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.ECHILD {
			// No child at all, yet some are registered (no Start is in
			// flight while spawnMu is held): someone else took them.
			r.mu.Lock()
			for pid, p := range r.waiters {
				p.err = errStolen
				done = append(done, p)
				delete(r.waiters, pid)
			}
			r.mu.Unlock()
			break
		}
		if err != nil || pid <= 0 {
			break
		}
		r.mu.Lock()
		p := r.waiters[pid]
		delete(r.waiters, pid)
		r.mu.Unlock()
		if p == nil {
			continue
		}
		p.exit = exitOf(ws, ru.Utime.Nano(), ru.Stime.Nano(), ru.Maxrss)
		done = append(done, p)
	}
	r.spawnMu.Unlock()
	for _, p := range done {
		p.delivered()
	}
}

// exitOf is a child's Exit from its wait status and rusage (CPU times in
// nanoseconds, peak RSS in KiB, as Linux reports it).
func exitOf(ws syscall.WaitStatus, user, system, maxRSSKiB int64) Exit {
	return Exit{Status: ws, Rusage: Rusage{
		User:   time.Duration(user),
		System: time.Duration(system),
		MaxRSS: maxRSSKiB * 1024,
	}}
}

// delivered wakes p's waiters once p.exit (or p.err) is set, and closes
// its pidfd.
func (p *Process) delivered() {
	close(p.done)
	if p.exited != nil {
		p.exited.Close()
		if p.blocking {
			blocked.Add(-1)
		}
	}
}

// register makes p's exit deliverable; the caller holds spawnMu for reading.
func (r *reaper) register(p *Process) {
	r.mu.Lock()
	r.waiters[p.Pid] = p
	r.mu.Unlock()
}
