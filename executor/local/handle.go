package local

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/local/cgroup"
	"github.com/weirflow/weir/executor/local/proc"
	"github.com/weirflow/weir/internal/units"
)

// handle is one running attempt. supervise owns the attempt's life: it
// waits for the main process, enforces the timeout and (without a cgroup)
// the memory cap, kills what is left, and collects the result.
type handle struct {
	runner      *Runner
	spec        *executor.Spec
	cg          *cgroup.Cgroup // nil under the watchdog
	relays      [2]*relay      // stdout and stderr into their log files
	proc        *proc.Process
	enforcement event.Enforcement
	start       time.Time

	mu        sync.Mutex
	cause     event.Reason // the first Stop's cause
	killTimer *time.Timer
	killBy    time.Time
	stopped   chan struct{} // closed by the first Stop
	// ended is set once the main process was reaped and what it left
	// killed: signals from then on could reach the next attempt in a
	// reused cgroup.
	ended bool

	tree *tree // the watchdog's view of the process tree

	// reported is set, with result, once the attempt's end is known;
	// notify is then called with it (executor.Notifier).
	reported bool
	notify   func(event.Result)

	result event.Result
	done   chan struct{}
}

var _ executor.Notifier = (*handle)(nil)

// Notify implements executor.Notifier.
func (h *handle) Notify(f func(event.Result)) {
	h.mu.Lock()
	if !h.reported {
		h.notify = f
		h.mu.Unlock()
		return
	}
	h.mu.Unlock()
	go f(h.result)
}

// handleState is what the journal keeps to find the attempt again.
type handleState struct {
	Pid       int    `json:"pid"`
	StartTime uint64 `json:"start_time"` // clock ticks since boot, from /proc/PID/stat
	Cgroup    string `json:"cgroup,omitempty"`
}

// State implements executor.Handle.
func (h *handle) State() []byte {
	st := handleState{Pid: h.proc.Pid, StartTime: h.proc.StartTime}
	if h.cg != nil {
		st.Cgroup = h.cg.Path()
	}
	b, _ := json.Marshal(st)
	return b
}

// Wait implements executor.Handle.
func (h *handle) Wait() event.Result {
	<-h.done
	return h.result
}

// Stop implements executor.Handle.
func (h *handle) Stop(cause event.Reason, grace time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended {
		return
	}
	first := h.cause == ""
	if first {
		h.cause = cause
		close(h.stopped)
		h.signalAll(syscall.SIGTERM)
	}
	by := time.Now().Add(grace)
	if !first && !by.Before(h.killBy) {
		return
	}
	h.killBy = by
	if h.killTimer != nil {
		h.killTimer.Stop()
	}
	if grace <= 0 {
		h.killAll()
		return
	}
	h.killTimer = time.AfterFunc(grace, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if !h.ended {
			h.killAll()
		}
	})
}

// signalAll signals the main process group and, with a cgroup, everything
// in the cgroup: a child that started its own session has left the
// process group but not the cgroup.
func (h *handle) signalAll(sig syscall.Signal) {
	h.proc.SignalGroup(sig)
	if h.cg != nil {
		h.cg.Signal(sig)
	} else if h.tree != nil {
		h.tree.signal(sig)
	}
}

// killAll sends SIGKILL to all of the attempt.
func (h *handle) killAll() {
	h.proc.SignalGroup(syscall.SIGKILL)
	if h.cg != nil {
		h.cg.Kill()
	} else if h.tree != nil {
		h.tree.signal(syscall.SIGKILL)
	}
}

func (h *handle) supervise(interval time.Duration) {
	var timeout *time.Timer
	if h.spec.Timeout > 0 {
		timeout = time.AfterFunc(h.spec.Timeout, func() { h.Stop(event.Timeout, h.spec.Grace) })
	}
	// The watchdog samples at its own interval; under a cgroup the kernel
	// enforces the cap and a tick is needed only for the samples.
	if h.tree == nil {
		interval = SampleInterval
	}
	samples := newSampleFile(h.spec.Samples, h.start)
	overCap := false
	// The exit wakes this goroutine itself (proc.Process.WaitUntil), with
	// no goroutine between the kernel and the attempt's end. It wakes
	// sooner once, at relayDelay, to start relaying the output of an
	// attempt still running.
	relayAt := h.start.Add(relayDelay)
	relaying := false
	for next := h.start.Add(interval); ; {
		wake := next
		if !relaying && relayAt.Before(wake) {
			wake = relayAt
		}
		if h.proc.WaitUntil(wake) {
			break
		}
		now := time.Now()
		if !relaying && !now.Before(relayAt) {
			startRelays(h.relays)
			relaying = true
		}
		if now.Before(next) {
			continue
		}
		for !next.After(now) {
			next = next.Add(interval)
		}
		var used int64
		if h.tree != nil {
			used = h.tree.sample()
			if h.spec.Memory > 0 && used > h.spec.Memory && !overCap {
				overCap = true
				h.mu.Lock()
				h.killAll()
				h.mu.Unlock()
			}
		} else if u, err := h.cg.Usage(); err == nil {
			used = u
		}
		samples.add(now, used)
	}
	if timeout != nil {
		timeout.Stop()
	}
	exit, _ := h.proc.Wait()
	end := time.Now()

	// The main process is gone; whatever it left behind dies with it.
	leftovers := 0
	h.mu.Lock()
	h.ended = true
	if h.killTimer != nil {
		h.killTimer.Stop()
	}
	if h.cg != nil {
		procs, err := h.cg.Procs()
		leftovers = len(procs)
		if err != nil || leftovers > 0 {
			h.cg.Kill() // an empty cgroup has nothing that could fork
		}
	} else {
		leftovers = h.tree.alive()
		h.tree.signal(syscall.SIGKILL)
		// The watchdog knows only the processes it has sampled; one
		// started and left behind between samples (a task that ends at
		// once, with `helper &`) is still in the task's process group.
		// The group can hold its number only while it has members, so
		// this signal reaches no one else.
		if syscall.Kill(-h.proc.Pid, 0) == nil {
			h.proc.SignalGroup(syscall.SIGKILL)
			leftovers = max(leftovers, 1)
		}
		// One that left the group and the task's tree (setsid and a
		// double fork) is weir's orphan now, and its environment says
		// whose it is.
		leftovers += proc.EndOrphansOf("WEIR_RUN_ID="+h.spec.RunID, "WEIR_TASK="+h.spec.Task.ID, "WEIR_ATTEMPT="+strconv.Itoa(h.spec.Attempt))
	}
	cause := h.cause
	h.mu.Unlock()

	logErr := finishRelays(h.relays)

	r := event.Result{
		Start:       h.start,
		End:         end,
		Enforcement: h.enforcement,
		Leftovers:   leftovers,
		Samples:     samples.close(),
		CPUTime:     exit.Rusage.CPU(),
		PeakMemory:  exit.Rusage.MaxRSS,
	}
	oomKills := 0
	if h.cg != nil {
		if peak, err := h.cg.Peak(); err == nil && peak > 0 {
			r.PeakMemory = peak
		}
		oomKills, _ = h.cg.OOMKills()
	} else if p := h.tree.peakMemory(); p > r.PeakMemory {
		r.PeakMemory = p
	}
	if h.spec.Memory == 0 && h.cg != nil {
		r.Enforcement = event.NoCap
	}
	ws := exit.Status
	switch {
	case cause != "":
		r.Reason = cause
		if cause == event.Timeout {
			r.Detail = "ran past its timeout of " + h.spec.Timeout.String()
		}
	case oomKills > 0 || overCap:
		r.Reason = event.OOM
		r.Detail = fmt.Sprintf("exceeded its memory cap of %s (peak %s)", units.Size(h.spec.Memory), units.Size(r.PeakMemory))
	case ws.Signaled():
		r.Reason = event.Signal
		r.Signal = int(ws.Signal())
		r.Detail = "killed by signal " + ws.Signal().String()
	case ws.ExitStatus() != 0:
		r.Reason = event.Exit
		r.ExitCode = ws.ExitStatus()
	default:
		r.Reason = event.Succeeded
	}
	if logErr != nil {
		// Output the task wrote is gone: as loud as any other loss.
		if r.OK() {
			r.Reason = event.Lost
			r.Detail = "its output could not be kept"
		}
		r.Detail += fmt.Sprintf(" (log: %v)", logErr)
	}
	// Nothing of the attempt runs any more (its cgroup was emptied above);
	// what is left is files and directories. The temporary directory and
	// the cgroup are ready for the slot's next attempt before the end is
	// reported; what the attempt left in the directory is removed after,
	// registered first so that a Close after the last Wait waits for it.
	removeTmp := h.runner.tmp.put(h.spec.TmpDir)
	if h.cg != nil {
		h.runner.putCgroup(h.cg)
	}
	h.runner.cleaning.Add(1)
	h.mu.Lock()
	h.result, h.reported = r, true
	notify := h.notify
	h.mu.Unlock()
	close(h.done)
	if notify != nil {
		notify(r)
	}
	if removeTmp != nil {
		removeTmp()
	}
	h.runner.cleaning.Done()
}

// cleanup hands the attempt's cgroup back to the runner, and removes what
// the attempt left in its temporary directory (removeTmp, from
// tmpDirs.put).
func (h *handle) cleanup(removeTmp func()) {
	if h.cg != nil {
		h.runner.putCgroup(h.cg)
	}
	if removeTmp != nil {
		removeTmp()
	}
}
