package slurm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/executor"
)

// Options configure a Runner.
type Options struct {
	// Pools give the Slurm settings (partition, account, qos, sbatch_args)
	// of each task's pool, found by dag.Task.Pool. A pool not listed has
	// none.
	Pools []*dag.Pool
	// Env is the environment the Slurm commands are found and run with;
	// only a few variables of it are used (see NewClient). nil is the
	// engine's environment.
	Env []string
	// CommandTimeout bounds each Slurm command; 0 is 30 s.
	CommandTimeout time.Duration
	// PollInterval is the longest time between two squeue calls while jobs
	// are watched; 0 is 1 s. Polling is adaptive: right after a submission
	// or a change of some job's state the next poll comes after
	// MinPollInterval (0 is 200 ms), and the interval doubles up to
	// PollInterval while nothing changes.
	PollInterval, MinPollInterval time.Duration
	// LostAfter is how long squeue may fail without a break before every
	// watched job is reported lost; 0 is 10 minutes.
	LostAfter time.Duration
	// TimeLimitOnly leaves a task's timeout to Slurm's --time alone: whole
	// minutes, checked about every 30 s, ending TIMEOUT. By default the
	// runner also stops a job itself when its timeout has passed since it
	// started (as for local processes), and --time is the backstop that
	// holds while no engine watches.
	TimeLimitOnly bool
	// ArrayWindow, when above 0, submits the attempts of one for_each
	// stage that start within this time of each other with the same
	// resources as one job array (see array.go): one sbatch for up to
	// MaxArraySize of them. Each such start waits up to the window before
	// its sbatch.
	ArrayWindow time.Duration
	// MaxArraySize bounds the elements of one array below the cluster's
	// own MaxArraySize (read from scontrol show config, as every limit
	// the runner keeps to); 0 is the cluster's.
	MaxArraySize int
	// MaxSubmitJobs bounds this runner's jobs pending or running at once,
	// as the MaxSubmitJobs of a user's association or QOS does (with
	// accounting, the associations' is read and the smaller one holds);
	// 0 is no bound of its own. Submissions past it wait for jobs to end.
	MaxSubmitJobs int
	// Notify receives the runner's notes for the user: that submissions
	// wait for a Slurm limit, and that they go on. nil discards them.
	Notify func(string)
}

// Runner starts attempts as Slurm batch jobs and watches all of them with
// one poller: one squeue call per interval, however many jobs there are.
type Runner struct {
	opts   Options
	client *Client
	pools  map[string]*dag.Pool

	mu     sync.Mutex
	jobs   map[string]*handle // watched, by job id
	closed bool
	kick   chan struct{} // a job was added or stopped: poll soon
	quit   chan struct{}
	bg     sync.WaitGroup // the poller and scancel goroutines
	pollWG sync.WaitGroup

	batchMu sync.Mutex
	batches map[string]*batch // open job arrays, by arrayKey

	submitted atomic.Uint64 // attempts submitted, for Summary

	cancelMu    sync.Mutex
	toCancel    map[string][]*handle // pending array elements to cancel, by array (cancel.go)
	cancelArmed bool

	gateMu    sync.Mutex
	gate      *gate // made from the cluster's limits at the first Start
	arraySize int   // elements of one array at most; 1 or less: no arrays
}

var _ executor.Runner = (*Runner)(nil)

// New returns a Runner and starts its poller; Close stops it. proc.Init
// must have run: the Slurm commands are children of the engine.
func New(o Options) *Runner {
	if o.Env == nil {
		o.Env = os.Environ()
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.MinPollInterval <= 0 {
		o.MinPollInterval = 200 * time.Millisecond
	}
	o.MinPollInterval = min(o.MinPollInterval, o.PollInterval)
	if o.Notify == nil {
		o.Notify = func(string) {}
	}
	if o.LostAfter <= 0 {
		o.LostAfter = 10 * time.Minute
	}
	r := &Runner{
		opts:    o,
		client:  NewClient(o.Env, o.CommandTimeout),
		pools:   make(map[string]*dag.Pool),
		jobs:    make(map[string]*handle),
		kick:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
		batches: make(map[string]*batch),
	}
	for _, p := range o.Pools {
		r.pools[p.Name] = p
	}
	r.pollWG.Add(1)
	go r.poll()
	return r
}

// Stats counts the Slurm commands the runner ran so far.
func (r *Runner) Stats() Stats { return r.client.Stats() }

// Client is the runner's Slurm client.
func (r *Runner) Client() *Client { return r.client }

// Close stops the poller and waits for every scancel the runner started.
// Attempts still watched end lost ("the runner was closed") without being
// cancelled: a later engine can reattach to their jobs. Call it after the
// last Wait.
func (r *Runner) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	close(r.quit)
	r.mu.Unlock()
	r.pollWG.Wait()
	r.mu.Lock()
	left := slices.Collect(maps.Values(r.jobs))
	r.mu.Unlock()
	for _, h := range left {
		h.finish(lostJob(h.id, "the runner was closed while the job was in Slurm"), time.Now())
	}
	r.bg.Wait()
}

// state is what Handle.State keeps for a later engine.
type state struct {
	JobID     string    `json:"job_id"`
	JobName   string    `json:"job_name"`
	Submitted time.Time `json:"submitted"`
}

// Start implements executor.Runner: it submits the attempt as a batch job,
// or as an element of a job array (Options.ArrayWindow).
func (r *Runner) Start(ctx context.Context, s *executor.Spec) (executor.Handle, error) {
	if _, _, err := commands(s); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.TmpDir, 0o700); err != nil {
		return nil, fmt.Errorf("slurm: temporary directory: %w", err)
	}
	if err := createLogs(s.Stdout, s.Stderr); err != nil {
		os.RemoveAll(s.TmpDir)
		return nil, err
	}
	g, arraySize, err := r.limits(ctx)
	if err != nil {
		os.RemoveAll(s.TmpDir)
		return nil, fmt.Errorf("slurm: %s attempt %d not submitted: %w", s.Task.ID, s.Attempt, err)
	}
	pool := r.pools[s.Task.Pool]
	if r.opts.ArrayWindow > 0 && s.Task.Keyed && arraySize > 1 {
		h, err := r.startInArray(ctx, s, resourceArgs(s, pool), arraySize)
		if err != nil {
			return nil, err
		}
		return h, nil
	}
	durable := false
	for {
		if _, err := g.take(ctx, 1); err != nil {
			os.RemoveAll(s.TmpDir)
			return nil, fmt.Errorf("slurm: %s attempt %d not submitted: %w", s.Task.ID, s.Attempt, err)
		}
		if s.Durable != nil && !durable {
			if err := s.Durable(); err != nil {
				g.put(1)
				os.RemoveAll(s.TmpDir)
				return nil, fmt.Errorf("slurm: not submitted: %w", err)
			}
			durable = true
		}
		h, err := r.submit(ctx, s, sbatchArgs(s, pool))
		if errors.Is(err, ErrRefused) {
			continue // the gate waits for room
		}
		if err != nil {
			return nil, err
		}
		return h, nil
	}
}

// limits returns the gate that keeps submissions within the cluster's
// limits, and how many elements an array may have, from scontrol show
// config: read at the first Start, and again until a read succeeds.
func (r *Runner) limits(ctx context.Context) (*gate, int, error) {
	r.gateMu.Lock()
	defer r.gateMu.Unlock()
	if r.gate != nil {
		return r.gate, r.arraySize, nil
	}
	cfg, err := r.client.config(ctx)
	if err != nil {
		return nil, 0, err
	}
	r.arraySize = cfg.MaxArraySize
	if o := r.opts.MaxArraySize; o > 0 {
		r.arraySize = min(r.arraySize, o)
	}
	maxMine := r.opts.MaxSubmitJobs
	if cfg.Accounting {
		// The association's limit counts the user's other jobs too; it is
		// the most this runner could have, not a share.
		n, err := r.client.MaxSubmit(ctx)
		switch {
		case err != nil:
			r.opts.Notify(fmt.Sprintf("Slurm: cannot read your MaxSubmitJobs (%v); keep the pool's processes under it", err))
		case n > 0 && (maxMine == 0 || n < maxMine):
			maxMine = n
		}
	}
	m := margin(cfg.MaxJobCount)
	r.gate = newGate(cfg.MaxJobCount-m, cfg.MaxJobCount, cfg.MinJobAge, maxMine,
		r.opts.PollInterval, r.client.Held, r.opts.Notify)
	return r.gate, r.arraySize, nil
}

// Waits says how many times submissions waited for a Slurm limit, and for
// how long in all.
func (r *Runner) Waits() (int, time.Duration) {
	r.gateMu.Lock()
	g := r.gate
	r.gateMu.Unlock()
	if g == nil {
		return 0, 0
	}
	return g.stats()
}

// submit submits s as a job of its own and watches it; s is durably
// recorded running, its directories are made and the gate has given it
// room. On failure its temporary directory is removed and the room given
// back, except when slurmctld refused it for want of room (ErrRefused):
// the gate hears so, and s may go again.
func (r *Runner) submit(ctx context.Context, s *executor.Spec, args []string) (*handle, error) {
	script, err := Script(s)
	if err != nil {
		r.gate.put(1)
		os.RemoveAll(s.TmpDir)
		return nil, err
	}
	name := JobName(s)
	submitted := time.Now()
	id, err := r.client.Submit(ctx, args, script)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
			// sbatch may have created the job before it was killed.
			cctx, cancel := context.WithTimeout(context.Background(), r.client.timeout)
			r.client.CancelByName(cctx, name)
			cancel()
		}
		if errors.Is(err, ErrRefused) && ctx.Err() == nil {
			r.gate.refused(1)
			return nil, err
		}
		r.gate.put(1)
		os.RemoveAll(s.TmpDir)
		return nil, fmt.Errorf("submitting %s attempt %d to Slurm (pool %q): %w", s.Task.ID, s.Attempt, s.Task.Pool, err)
	}
	h := r.newHandle(s, state{JobID: id, JobName: name, Submitted: submitted})
	r.gate.sent(1)
	r.submitted.Add(1)
	h.counted = true
	if err := r.watch(h); err != nil {
		r.gate.ended()
		cctx, cancel := context.WithTimeout(context.Background(), r.client.timeout)
		r.client.Cancel(cctx, id)
		cancel()
		os.RemoveAll(s.TmpDir)
		return nil, err
	}
	return h, nil
}

// Reattach returns a handle for the job of an attempt that an earlier
// engine submitted, from the State of its handle. A job still pending or
// running is watched; one that ended reports its outcome from slurmctld,
// accounting or the jobcomp log. A state without a job id (the engine died
// between sbatch and its journal entry) is looked up by the attempt's job
// name. A job Slurm has no record of is an error wrapping ErrUnknownJob:
// the attempt is lost.
func (r *Runner) Reattach(ctx context.Context, s *executor.Spec, st []byte) (executor.Handle, error) {
	var saved state
	if len(st) > 0 {
		if err := json.Unmarshal(st, &saved); err != nil {
			return nil, fmt.Errorf("slurm: reattach %s attempt %d: handle state %q: %w", s.Task.ID, s.Attempt, st, err)
		}
	}
	if saved.JobName == "" {
		saved.JobName = JobName(s)
	}
	var job *Job
	if saved.JobID == "" {
		found, err := r.client.FindByName(ctx, saved.JobName)
		if err != nil {
			return nil, fmt.Errorf("slurm: reattach %s attempt %d: %w", s.Task.ID, s.Attempt, err)
		}
		if len(found) != 1 {
			return nil, fmt.Errorf("slurm: reattach %s attempt %d: %w named %s (%d jobs have that name)", s.Task.ID, s.Attempt, ErrUnknownJob, saved.JobName, len(found))
		}
		for _, j := range found {
			job = j
		}
		saved.JobID = job.ID
	} else {
		j, err := r.client.Lookup(ctx, saved.JobID)
		if err != nil {
			return nil, fmt.Errorf("slurm: reattach %s attempt %d: %w", s.Task.ID, s.Attempt, err)
		}
		job = j
	}
	h := r.newHandle(s, saved)
	if job.Final() {
		h.finish(job, time.Now())
		return h, nil
	}
	// The first poll sees it started, and starts the timeout's clock from
	// Slurm's start time, engine restart or not.
	if err := r.watch(h); err != nil {
		return nil, err
	}
	return h, nil
}

// watch hands h to the poller.
func (r *Runner) watch(h *handle) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errors.New("slurm: runner closed")
	}
	r.jobs[h.id] = h
	r.poke()
	return nil
}

// poke makes the poller poll soon; r.mu is not needed.
func (r *Runner) poke() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// background runs f on a goroutine that Close waits for, with a context
// that bounds one command; false if the runner is closed.
func (r *Runner) background(f func(ctx context.Context)) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.bg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), r.client.timeout)
		defer cancel()
		f(ctx)
	})
	return true
}

// createLogs creates (or empties) the attempt's log files, 0600, before the
// job exists, so they are there even for a job cancelled while pending.
func createLogs(paths ...string) error {
	for _, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("slurm: log directory: %w", err)
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("slurm: %w", err)
		}
		f.Close()
	}
	return nil
}
