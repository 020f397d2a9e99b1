package local

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/local/cgroup"
	"github.com/weirflow/weir/executor/local/proc"
)

// Options configure a Runner.
type Options struct {
	// Cgroups creates the attempts' cgroups; nil means no cgroup can be
	// made here and the watchdog enforces memory caps.
	Cgroups *cgroup.Manager
	// WatchdogInterval is how often the watchdog samples memory; 0 = 100ms.
	WatchdogInterval time.Duration
}

// Runner starts attempts as local processes.
type Runner struct {
	opts Options
	seq  atomic.Uint64 // makes cgroup names unique within the engine

	// Removing an ended attempt's cgroup (and a temporary directory it
	// left files in) takes a few hundred microseconds of filesystem work;
	// it happens after the attempt has reported its end, off the path
	// that frees its slot.
	cleaning sync.WaitGroup
	tmp      tmpDirs

	// idle holds the cgroups of ended attempts that can serve the next
	// (cgroup.Cgroup.Reusable), latest first.
	mu   sync.Mutex
	idle []*cgroup.Cgroup
}

var _ executor.Runner = (*Runner)(nil)

// New returns a Runner. proc.Init must have run: every child of the engine
// is reaped by its reaper.
func New(o Options) *Runner {
	if o.WatchdogInterval <= 0 {
		o.WatchdogInterval = 100 * time.Millisecond
	}
	return &Runner{opts: o}
}

// Close waits until every ended attempt's cgroup and temporary directory
// are removed, and removes the emptied temporary directories kept for
// later attempts. Call it after the last Wait.
func (r *Runner) Close() {
	r.cleaning.Wait()
	r.tmp.removeKept()
	r.mu.Lock()
	idle := r.idle
	r.idle = nil
	r.mu.Unlock()
	for _, cg := range idle {
		cg.Delete()
	}
}

// cgroup returns a cgroup for an attempt of s: an idle one made ready, or
// a new one.
func (r *Runner) cgroup(s *executor.Spec) (*cgroup.Cgroup, error) {
	for {
		r.mu.Lock()
		n := len(r.idle)
		if n == 0 {
			r.mu.Unlock()
			break
		}
		cg := r.idle[n-1]
		r.idle = r.idle[:n-1]
		r.mu.Unlock()
		if err := cg.Reuse(s.Memory); err == nil {
			return cg, nil
		}
		cg.Delete()
	}
	name := dag.Slug(s.Task.ID) + "." + strconv.Itoa(s.Attempt) + "." + strconv.FormatUint(r.seq.Add(1), 10)
	return r.opts.Cgroups.New(name, s.Memory)
}

// putCgroup takes back the cgroup of an ended attempt, nothing of which
// runs any more: kept for the next attempt if it holds next to nothing,
// removed otherwise (on v1 what it still holds moves to its parent).
func (r *Runner) putCgroup(cg *cgroup.Cgroup) {
	if !cg.Reusable() {
		cg.Delete()
		return
	}
	r.mu.Lock()
	r.idle = append(r.idle, cg)
	r.mu.Unlock()
}

// Enforcement says how this runner caps memory.
func (r *Runner) Enforcement() event.Enforcement {
	if r.opts.Cgroups == nil {
		return event.Watchdog
	}
	if r.opts.Cgroups.Mode() == cgroup.V2 {
		return event.CgroupV2
	}
	return event.CgroupV1
}

// Start implements executor.Runner.
func (r *Runner) Start(ctx context.Context, s *executor.Spec) (executor.Handle, error) {
	if err := r.tmp.take(s.TmpDir); err != nil {
		return nil, fmt.Errorf("local: temporary directory: %w", err)
	}
	w, relays, err := newRelays(s.Stdout, s.Stderr)
	if err != nil {
		r.tmp.put(s.TmpDir)
		return nil, err
	}
	// The child holds its own copies of the pipes' write ends; the
	// engine's are closed as soon as it has started, so that the relays
	// see the end of the output when the attempt's processes are gone.
	defer w[0].Close()
	defer w[1].Close()

	h := &handle{runner: r, spec: s, relays: relays, enforcement: r.Enforcement(), stopped: make(chan struct{}), done: make(chan struct{})}
	attr := proc.Attr{
		Argv:   s.Argv,
		Env:    s.Env,
		Dir:    s.Dir,
		Stdout: w[0],
		Stderr: w[1],
		CPUSet: s.CPUSet,
	}
	if r.opts.Cgroups != nil {
		cg, err := r.cgroup(s)
		if err != nil {
			abandon(relays)
			r.tmp.put(s.TmpDir)
			return nil, fmt.Errorf("local: %w", err)
		}
		h.cg = cg
		attr.Before = cg.Prepare
	}
	// Spec.Durable is not waited for: a local process dies with the
	// engine (parent-death signal; a later engine sweeps its cgroup), so
	// the journal's commit may run alongside it.
	h.start = time.Now()
	p, err := proc.Start(attr)
	if err != nil {
		abandon(relays)
		h.cleanup(r.tmp.put(s.TmpDir))
		return nil, err
	}
	h.proc = p
	if h.cg == nil {
		h.tree = newTree(p.Pid)
	}
	go h.supervise(r.opts.WatchdogInterval)
	return h, nil
}
