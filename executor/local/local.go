package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weirflow/weir/dag"
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

	// Removing an ended attempt's cgroup and temporary directory takes a
	// few hundred microseconds of filesystem work; it happens after the
	// attempt has reported its end, off the path that frees its slot.
	cleaning sync.WaitGroup
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
// are removed. Call it after the last Wait.
func (r *Runner) Close() { r.cleaning.Wait() }

// Enforcement says how this runner caps memory.
func (r *Runner) Enforcement() executor.Enforcement {
	if r.opts.Cgroups == nil {
		return executor.Watchdog
	}
	if r.opts.Cgroups.Mode() == cgroup.V2 {
		return executor.CgroupV2
	}
	return executor.CgroupV1
}

// Start implements executor.Runner.
func (r *Runner) Start(ctx context.Context, s *executor.Spec) (executor.Handle, error) {
	if err := os.MkdirAll(s.TmpDir, 0o700); err != nil {
		return nil, fmt.Errorf("local: temporary directory: %w", err)
	}
	stdout, stderr, err := openLogs(s.Stdout, s.Stderr)
	if err != nil {
		os.RemoveAll(s.TmpDir)
		return nil, err
	}
	// The child holds its own copies of the log descriptors; the engine's
	// are closed as soon as it has started, so no attempt costs the engine
	// a descriptor while it runs.
	defer stdout.Close()
	defer stderr.Close()

	h := &handle{runner: r, spec: s, enforcement: r.Enforcement(), stopped: make(chan struct{}), done: make(chan struct{})}
	attr := proc.Attr{
		Argv:   s.Argv,
		Env:    s.Env,
		Dir:    s.Dir,
		Stdout: stdout,
		Stderr: stderr,
		CPUSet: s.CPUSet,
	}
	if r.opts.Cgroups != nil {
		name := dag.Slug(s.Task.ID) + "." + strconv.Itoa(s.Attempt) + "." + strconv.FormatUint(r.seq.Add(1), 10)
		cg, err := r.opts.Cgroups.New(name, s.Memory)
		if err != nil {
			os.RemoveAll(s.TmpDir)
			return nil, fmt.Errorf("local: %w", err)
		}
		h.cg = cg
		attr.Before = cg.Prepare
	}
	if s.Durable != nil {
		if err := s.Durable(); err != nil {
			h.cleanup()
			return nil, fmt.Errorf("local: not started: %w", err)
		}
	}
	h.start = time.Now()
	p, err := proc.Start(attr)
	if err != nil {
		h.cleanup()
		return nil, err
	}
	h.proc = p
	if h.cg == nil {
		h.tree = newTree(p.Pid)
	}
	go h.supervise(r.opts.WatchdogInterval)
	return h, nil
}

func openLogs(stdoutPath, stderrPath string) (*os.File, *os.File, error) {
	for _, dir := range slices.Compact([]string{filepath.Dir(stdoutPath), filepath.Dir(stderrPath)}) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, nil, fmt.Errorf("local: log directory: %w", err)
		}
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	out, err := os.OpenFile(stdoutPath, flags, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("local: %w", err)
	}
	errf, err := os.OpenFile(stderrPath, flags, 0o600)
	if err != nil {
		out.Close()
		return nil, nil, fmt.Errorf("local: %w", err)
	}
	return out, errf, nil
}
