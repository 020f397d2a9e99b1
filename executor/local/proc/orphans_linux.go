package proc

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/weirflow/weir/internal/procstat"
	"golang.org/x/sys/unix"
)

// Orphan is a process a task left behind that the kernel reparented to
// weir (its child subreaper), or one below such a process.
type Orphan struct {
	Pid   int
	Comm  string
	State byte   // as in /proc/<pid>/stat: R, S, D (uninterruptible), Z, ...
	Task  string // WEIR_TASK in its environment: the task it came from, if it kept it
}

func (o Orphan) String() string {
	return fmt.Sprintf("pid %d (%s, state %c)", o.Pid, o.Comm, o.State)
}

// ReapOrphans ends and reaps every process that tasks left behind: every
// child of weir that Start did not start, and all below them. Call it
// once the attempts have ended, before weir exits: the reaper's sweep runs
// only every 100 ms, and an orphan weir leaves unreaped becomes a zombie
// of PID 1, which in a container may never reap it. Those still alive get
// SIGTERM, then SIGKILL once grace has passed; ReapOrphans returns once
// none is left, or after wait more with those still there (stuck in
// uninterruptible sleep, most likely): left. ended are those it found
// running and saw gone, by pid.
func ReapOrphans(grace, wait time.Duration) (ended, left []Orphan, err error) {
	r := global.Load()
	if r == nil {
		return nil, nil, nil // Init never ran: no child was ever started
	}
	start := time.Now()
	termed := map[int]bool{}
	running := map[int]Orphan{} // found alive, first as found
	pause := 50 * time.Microsecond
	for {
		r.reap()
		sig := syscall.SIGTERM
		elapsed := time.Since(start)
		if elapsed >= grace {
			sig = syscall.SIGKILL
		}
		left, err = r.endOrphans(sig, termed)
		for _, o := range left {
			if _, seen := running[o.Pid]; !seen && o.State != 'Z' && o.State != 'X' {
				running[o.Pid] = o
			}
		}
		if err != nil || len(left) == 0 || elapsed >= grace+wait {
			return gone(running, left), left, err
		}
		time.Sleep(pause)
		pause = min(2*pause, 10*time.Millisecond)
	}
}

// gone is the orphans of running not in left, by pid.
func gone(running map[int]Orphan, left []Orphan) []Orphan {
	for _, o := range left {
		delete(running, o.Pid)
	}
	out := make([]Orphan, 0, len(running))
	for _, o := range running {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b Orphan) int { return cmp.Compare(a.Pid, b.Pid) })
	return out
}

// endOrphans lists the orphans and those below them, and sends sig to
// those alive (SIGTERM only once to each).
func (r *reaper) endOrphans(sig syscall.Signal, termed map[int]bool) ([]Orphan, error) {
	// No Start may fork between the table's read and the check against
	// waiters (its child would pass for an orphan), and no reap may free
	// an orphan's pid before it is signalled (a new child could take it).
	r.spawnMu.Lock()
	defer r.spawnMu.Unlock()
	self := os.Getpid()
	// Most runs leave nothing behind: then a look at weir's own children
	// does, in a tenth of the time a read of the whole table takes. An
	// orphan's children are reparented to weir before it can be reaped, so
	// none of them can be missed here.
	if kids, ok := procstat.Children(self); ok && !r.anyUnregistered(kids) {
		return nil, nil
	}
	table, err := procstat.Table()
	if err != nil {
		return nil, fmt.Errorf("proc: find orphans: %w", err)
	}
	children := map[int][]procstat.Entry{}
	for _, e := range table {
		children[e.Ppid] = append(children[e.Ppid], e)
	}
	r.mu.Lock()
	var queue []procstat.Entry
	for _, e := range children[self] {
		if r.waiters[e.Pid] == nil {
			queue = append(queue, e)
		}
	}
	r.mu.Unlock()
	var found []Orphan
	for len(queue) > 0 {
		e := queue[0]
		queue = append(queue[1:], children[e.Pid]...)
		o := Orphan{Pid: e.Pid, Comm: e.Comm, State: e.State}
		if e.State == 'Z' || e.State == 'X' || (sig == syscall.SIGTERM && termed[e.Pid]) {
			found = append(found, o)
			continue
		}
		if !termed[e.Pid] {
			// Before the first signal: a process that is exiting has
			// no environment left to read.
			o.Task, _ = procstat.Env(e.Pid, "WEIR_TASK")
		}
		found = append(found, o)
		termed[e.Pid] = true
		syscall.Kill(e.Pid, sig)
	}
	return found, nil
}

// anyUnregistered reports whether a pid of pids is not one Start started.
func (r *reaper) anyUnregistered(pids []int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, pid := range pids {
		if r.waiters[pid] == nil {
			return true
		}
	}
	return false
}

// EndOrphansOf SIGKILLs the orphans weir holds now whose environment
// carries every one of kvs ("NAME=value", such as an attempt's WEIR_RUN_ID,
// WEIR_TASK and WEIR_ATTEMPT), and returns how many. An orphan is a child
// of weir's that Start did not start: the kernel gives orphans to the main
// thread of the subreaper, and no Start forks there, so one read of that
// thread's children (the file kept open: a seek and a read, not an open, a
// read and a close) finds them, most often none. It is how the end of an
// attempt without a cgroup ends what escaped its process group into a
// session of its own; what no longer says whose it is waits for
// ReapOrphans.
func EndOrphansOf(kvs ...string) int {
	r := global.Load()
	if r == nil || r.orphans < 0 {
		return 0
	}
	ended := 0
	// What a killed daemon forked becomes weir's orphan as it dies, and
	// is ended in the next look; the run's end must not find any still
	// dying, and take it for one it ended itself.
	for range 3 {
		killed := r.endOrphansOf(kvs)
		if len(killed) == 0 {
			break
		}
		ended += len(killed)
		awaitDeath(killed, orphanDeathWait)
	}
	return ended
}

// orphanDeathWait bounds EndOrphansOf's wait for each round of SIGKILLed
// orphans to die: they do within a millisecond unless stuck in the kernel.
const orphanDeathWait = 50 * time.Millisecond

// endOrphansOf SIGKILLs the orphans whose environment carries kvs, and
// their process groups where they lead one, and returns their pids.
func (r *reaper) endOrphansOf(kvs []string) []int {
	var buf [4096]byte
	r.orphansMu.Lock()
	// A seq_file starts over at a seek to 0 (a pread at 0 may go on from
	// where the last read ended).
	_, err := unix.Seek(r.orphans, 0, io.SeekStart)
	n := 0
	if err == nil {
		n, err = unix.Read(r.orphans, buf[:])
	}
	r.orphansMu.Unlock()
	if err != nil || n == 0 {
		return nil
	}
	b := buf[:n]
	if n == len(buf) {
		// Cut short: the last pid may be cut too. What is not read
		// waits for ReapOrphans.
		b = b[:bytes.LastIndexByte(b, ' ')+1]
	}
	kids := procstat.AppendPids(nil, b)
	// No reap may free a pid between the look and the signal (a new
	// child could take it), and no Start may fork meanwhile.
	r.spawnMu.Lock()
	defer r.spawnMu.Unlock()
	var killed []int
	for _, pid := range kids {
		r.mu.Lock()
		started := r.waiters[pid] != nil
		r.mu.Unlock()
		if started || !procstat.EnvHas(pid, kvs...) { // a zombie has no environment
			continue
		}
		// A daemon leads a group of its own, where what it forked is too:
		// those go with it (a group's members are in its leader's
		// session, below it).
		if g, err := procstat.Group(pid); err == nil && g == pid {
			syscall.Kill(-pid, syscall.SIGKILL)
		}
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			killed = append(killed, pid)
		}
	}
	return killed
}

// awaitDeath waits until each of pids is a zombie or gone, or wait has
// passed.
func awaitDeath(pids []int, wait time.Duration) {
	deadline := time.Now().Add(wait)
	pause := 20 * time.Microsecond
	for _, pid := range pids {
		for {
			state, _, err := procstat.Read(pid)
			if err != nil || state == 'Z' || state == 'X' || time.Now().After(deadline) {
				break
			}
			time.Sleep(pause)
			pause = min(2*pause, time.Millisecond)
		}
	}
}
