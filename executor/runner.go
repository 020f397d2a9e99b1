package executor

import (
	"context"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
)

// Runner starts attempts of tasks. The scheduler never knows whether a
// task is a local process or a cluster job.
type Runner interface {
	// Start launches one attempt. When it returns without error the attempt
	// is running and Handle.Wait will report how it ended. ctx bounds the
	// start only: the scheduler cancels it to abandon a start in progress,
	// while a started attempt ends by itself or through Handle.Stop, never
	// because ctx is done (so a cancel gets its grace period).
	Start(ctx context.Context, s *Spec) (Handle, error)
}

// Reattacher is a Runner whose attempts outlive the engine (cluster jobs):
// a later engine finds one again from the State of its handle. A job that
// ended meanwhile gives a Handle whose Wait reports how it ended; one the
// runner has no record of is an error, and the attempt is started anew.
type Reattacher interface {
	Reattach(ctx context.Context, s *Spec, state []byte) (Handle, error)
}

// Handle is one running attempt.
type Handle interface {
	// Wait blocks until the attempt has ended and nothing of it is left
	// running, and reports how it ended. It may be called once.
	Wait() event.Result
	// Stop ends the attempt: SIGTERM to all of it, SIGKILL to whatever is
	// left after grace. cause is the reason Wait reports (cancelled or
	// timeout). Stop may be called many times and from any goroutine; a
	// shorter grace than an earlier call's takes effect.
	Stop(cause event.Reason, grace time.Duration)
	// State identifies the attempt for a later engine that must find it
	// again (pid and start time, cgroup, or job id), for the journal: a
	// JSON value.
	State() []byte
}

// Notifier is a Handle that reports the end of its attempt by calling f,
// instead of the scheduler keeping a goroutine blocked in Wait for each
// running attempt: one goroutine and one hand-over less between a task's
// exit and the next start. f is called once, never on the goroutine that
// called Notify, and may block until the scheduler takes the result; the
// handle must not hold a lock Stop needs meanwhile.
type Notifier interface {
	Notify(f func(event.Result))
}

// Spec is everything a runner needs to start one attempt; the scheduler has
// resolved it all.
type Spec struct {
	RunID   string
	Task    *dag.Task
	Attempt int      // 1-based
	Argv    []string // segment placeholders expanded
	Env     []string // the complete environment, KEY=VALUE
	Dir     string
	Memory  int64 // the cap of this attempt in bytes (grown after an oom); 0 = none
	CPUSet  []int // affinity; empty = any CPU
	Timeout time.Duration
	Grace   time.Duration
	// TmpDir is the attempt's private temporary directory: the runner
	// makes sure it exists, empty, 0700, before the start, and empties or
	// removes it after the end (Layout.TmpDir names one per pool slot).
	TmpDir string
	// Stdout and Stderr are the log files of the attempt (0600); a
	// runner may leave one uncreated while nothing was written to it.
	Stdout, Stderr string
	// Samples is where the runner appends the attempt's memory use while
	// it runs, a few times a second: one line "<unix ms> <bytes>" each, the
	// memory its cap counts. Readers (the terminal view, the UI, reports)
	// tail it; empty means no samples are kept.
	Samples string
	// Durable, when set, returns once the attempt is durably recorded
	// running. A runner whose attempts outlive the engine (cluster jobs)
	// calls it right before it submits, after its own preparations, so
	// that a later engine knows to look for the job; an error means the
	// attempt must not start, and Start returns it. It is called within
	// Start or not at all. A runner whose attempts die with the engine
	// (local processes) need not call it.
	Durable func() error
}
