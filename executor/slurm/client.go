package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weirflow/weir/executor/local/proc"
)

// Client runs Slurm's commands for the runner and counts them, so that the
// load weir puts on slurmctld can be reported (see Stats).
type Client struct {
	env     []string
	timeout time.Duration

	sbatch, squeue, scontrol, scancel, sacct, jobcomp atomic.Uint64
	refused                                           atomic.Uint64 // sbatch calls told busyController

	// submits and cancels bound how many sbatch and scancel processes run
	// at once: a run starting or stopping a thousand jobs would otherwise
	// fork a thousand, which starve the engine's machine and make
	// slurmctld refuse connections.
	submits, cancels chan struct{}

	cfgMu sync.Mutex
	cfg   *config // from scontrol show config, read once when first needed
}

// Stats counts the commands a Client ran (and reads of the jobcomp log).
type Stats struct {
	Sbatch, Squeue, Scontrol, Scancel, Sacct, JobComp uint64
	// Refused counts sbatch calls that slurmctld turned away at first
	// (MaxJobCount reached), whether or not a retry of sbatch's then got in.
	Refused uint64
}

// NewClient returns a client whose commands run with a small environment
// taken from env (see commandEnv) and are killed after timeout (0 = 30 s).
func NewClient(env []string, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &Client{env: commandEnv(env), timeout: timeout,
		submits: make(chan struct{}, maxConcurrent), cancels: make(chan struct{}, maxConcurrent)}
}

// Stats returns the counts so far.
func (c *Client) Stats() Stats {
	return Stats{
		Sbatch: c.sbatch.Load(), Squeue: c.squeue.Load(), Scontrol: c.scontrol.Load(),
		Scancel: c.scancel.Load(), Sacct: c.sacct.Load(), JobComp: c.jobcomp.Load(),
		Refused: c.refused.Load(),
	}
}

// commandEnv keeps of env what the Slurm commands need and nothing that
// could be a secret (sbatch --export=ALL hands its environment to the job,
// and slurmctld stores it): the PATH to find them, who we are, SLURM_CONF,
// TZ (Slurm prints local times) and the user's SBATCH_* defaults. Times are
// printed in the standard layout whatever the user's SLURM_TIME_FORMAT.
func commandEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "PATH", k == "HOME", k == "USER", k == "LOGNAME", k == "SLURM_CONF", k == "TZ",
			strings.HasPrefix(k, "SBATCH_"):
			out = append(out, kv)
		}
	}
	return append(out, "SLURM_TIME_FORMAT=standard")
}

// maxConcurrent is how many sbatch (and how many scancel) commands run at
// once: a few overlap slurmctld's round trips; more only add forks.
const maxConcurrent = 4

// run runs one command under the client's timeout; sbatch and scancel
// first wait for one of maxConcurrent turns.
func (c *Client) run(ctx context.Context, counter *atomic.Uint64, argv []string, stdin []byte) ([]byte, []byte, error) {
	var limit chan struct{}
	switch counter {
	case &c.sbatch:
		limit = c.submits
	case &c.scancel:
		limit = c.cancels
	}
	if limit != nil {
		select {
		case limit <- struct{}{}:
			defer func() { <-limit }()
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("proc: %s: %w", argv[0], ctx.Err())
		}
	}
	counter.Add(1)
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var in io.Reader // a nil *bytes.Reader would not be a nil io.Reader
	if stdin != nil {
		in = bytes.NewReader(stdin)
	}
	stdout, stderr, err := proc.Output(ctx, argv, c.env, in)
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		err = fmt.Errorf("%w (no answer in %v: is slurmctld up?)", err, c.timeout)
	}
	return stdout, stderr, err
}

// invalidJobID is how squeue, scontrol and scancel say they know no such job.
const invalidJobID = "Invalid job id specified"

// busyController is what sbatch prints, and then retries for about two
// minutes, while slurmctld takes no more jobs: MaxJobCount is reached.
const busyController = "Slurm temporarily unable to accept job"

// refusals are what sbatch prints when slurmctld has no room for a job:
// while it retries, once it gives up (EAGAIN), and for a full job queue.
var refusals = [][]byte{[]byte(busyController), []byte("Resource temporarily unavailable"), []byte("Slurm job queue full")}

// ErrRefused is Submit's error when slurmctld had no room for the job (its
// MaxJobCount counts jobs that squeue does not list): nothing was
// submitted, and the same sbatch goes through once jobs age out.
var ErrRefused = errors.New("slurmctld has no room for more jobs")

// Submit runs sbatch with args and the batch script on stdin, and returns
// the job id. An sbatch that slurmctld refused fails with ErrRefused, also
// when it was killed while retrying; the caller, which cannot know whether
// a killed sbatch got in at the last moment, cancels by name.
func (c *Client) Submit(ctx context.Context, args []string, script []byte) (string, error) {
	argv := append([]string{"sbatch", "--parsable"}, args...)
	out, stderr, err := c.run(ctx, &c.sbatch, argv, script)
	full := refused(stderr)
	if full {
		c.refused.Add(1) // also when a retry of sbatch's own got in
	}
	if err != nil {
		if full {
			return "", fmt.Errorf("slurm: sbatch: %w (MaxJobCount is reached, or it is overloaded): %w", ErrRefused, err)
		}
		return "", fmt.Errorf("slurm: sbatch: %w", err)
	}
	return parseSbatch(out)
}

func refused(stderr []byte) bool {
	for _, r := range refusals {
		if bytes.Contains(stderr, r) {
			return true
		}
	}
	return false
}

// parseSbatch parses what sbatch --parsable prints: "ID" or "ID;CLUSTER".
func parseSbatch(out []byte) (string, error) {
	s := strings.TrimSpace(string(out))
	id, _, _ := strings.Cut(s, ";")
	if _, err := parseJobID(id); err != nil || strings.ContainsAny(s, "\n") {
		return "", fmt.Errorf("slurm: sbatch --parsable printed %q, not a job id", s)
	}
	return id, nil
}

// Queue returns what squeue says about the given jobs, in one call (one
// per queueChunk jobs). A job slurmctld no longer knows is missing from
// the map.
func (c *Client) Queue(ctx context.Context, ids []string) (map[string]*Job, error) {
	jobs := make(map[string]*Job, len(ids))
	for chunk := range slices.Chunk(ids, queueChunk) {
		argv := []string{"squeue", "-h", "-r", "-t", "all", "-j", strings.Join(chunk, ","), "-O", squeueFormat}
		out, stderr, err := c.run(ctx, &c.squeue, argv, nil)
		if err != nil {
			// With a single unknown id squeue fails instead of listing nothing.
			if len(chunk) == 1 && bytes.Contains(stderr, []byte(invalidJobID)) {
				continue
			}
			return nil, fmt.Errorf("slurm: squeue: %w", err)
		}
		got, err := parseSqueue(out)
		if err != nil {
			return nil, err
		}
		maps.Copy(jobs, got)
	}
	return jobs, nil
}

// queueChunk is how many job ids one squeue gets: a single argument may not
// exceed 128 KiB, and 4,000 ids take about 32 KiB.
const queueChunk = 4000

// Held counts the jobs slurmctld holds, as MaxJobCount counts them: every
// user's, each array element one, finished ones included (squeue lists
// them until MinJobAge has passed). One squeue call.
func (c *Client) Held(ctx context.Context) (int, error) {
	out, _, err := c.run(ctx, &c.squeue, []string{"squeue", "-h", "-r", "-a", "-t", "all", "-o", "%i"}, nil)
	if err != nil {
		return 0, fmt.Errorf("slurm: squeue: %w", err)
	}
	return countJobs(out)
}

// countJobs counts the job ids of `squeue -h -r -o %i`, one a line; a line
// that is not one is an error, not a job.
func countJobs(out []byte) (int, error) {
	n := 0
	for i, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if _, err := parseJobID(line); err != nil {
			return 0, fmt.Errorf("slurm: squeue -o %%i line %d: %w", i+1, err)
		}
		n++
	}
	return n, nil
}

// FindByName returns the jobs named name that slurmctld knows, in one
// squeue call.
func (c *Client) FindByName(ctx context.Context, name string) (map[string]*Job, error) {
	argv := []string{"squeue", "-h", "-r", "-t", "all", "-n", name, "-O", squeueFormat}
	out, _, err := c.run(ctx, &c.squeue, argv, nil)
	if err != nil {
		return nil, fmt.Errorf("slurm: squeue: %w", err)
	}
	return parseSqueue(out)
}

// Job returns what scontrol says about a job; ErrUnknownJob once slurmctld
// has forgotten it.
func (c *Client) Job(ctx context.Context, id string) (*Job, error) {
	out, stderr, err := c.run(ctx, &c.scontrol, []string{"scontrol", "show", "job", "-o", id}, nil)
	if err != nil {
		// An array element that never ran and was cancelled: "Job A_I not
		// found", on stdout.
		if bytes.Contains(stderr, []byte(invalidJobID)) || bytes.Equal(bytes.TrimSpace(out), []byte("Job "+id+" not found")) {
			return nil, fmt.Errorf("%w %s in slurmctld", ErrUnknownJob, id)
		}
		return nil, fmt.Errorf("slurm: scontrol: %w", err)
	}
	return parseScontrolJob(out)
}

// Lookup returns how a job is or ended, from slurmctld or else from
// history: accounting where it exists, else the jobcomp/filetxt log.
func (c *Client) Lookup(ctx context.Context, id string) (*Job, error) {
	j, err := c.Job(ctx, id)
	if !errors.Is(err, ErrUnknownJob) {
		return j, err
	}
	return c.History(ctx, id)
}

// History returns how a finished job ended from accounting (sacct) or the
// jobcomp/filetxt log; ErrUnknownJob if neither exists or knows it.
func (c *Client) History(ctx context.Context, id string) (*Job, error) {
	cfg, err := c.config(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.Accounting:
		argv := []string{"sacct", "-n", "-P", "-X", "-j", id, "-o", sacctFormat}
		out, _, err := c.run(ctx, &c.sacct, argv, nil)
		if err != nil {
			return nil, fmt.Errorf("slurm: sacct: %w", err)
		}
		return parseSacct(out, id)
	case cfg.JobCompType == "jobcomp/filetxt" && cfg.JobCompLoc != "":
		c.jobcomp.Add(1)
		f, err := os.Open(cfg.JobCompLoc)
		if err != nil {
			// On a real cluster the log lives on the controller's host.
			return nil, fmt.Errorf("%w %s (jobcomp log: %v)", ErrUnknownJob, id, err)
		}
		defer f.Close()
		return findJobComp(f, id)
	}
	return nil, fmt.Errorf("%w %s: slurmctld forgot it (MinJobAge %v) and there is no accounting or jobcomp/filetxt log", ErrUnknownJob, id, cfg.MinJobAge)
}

func (c *Client) config(ctx context.Context) (*config, error) {
	c.cfgMu.Lock()
	defer c.cfgMu.Unlock()
	if c.cfg != nil {
		return c.cfg, nil
	}
	out, _, err := c.run(ctx, &c.scontrol, []string{"scontrol", "show", "config"}, nil)
	if err != nil {
		return nil, fmt.Errorf("slurm: scontrol show config: %w", err)
	}
	cfg, err := parseConfig(out)
	if err != nil {
		return nil, err
	}
	c.cfg = cfg
	return cfg, nil
}

// Signal sends sig to every process of a running job, the batch script
// included (scancel --full); it fails for a pending job.
func (c *Client) Signal(ctx context.Context, id, sig string) error {
	_, _, err := c.run(ctx, &c.scancel, []string{"scancel", "--full", "--signal=" + sig, id}, nil)
	if err != nil {
		return fmt.Errorf("slurm: scancel: %w", err)
	}
	return nil
}

// Cancel cancels a job, pending or running; cancelling a job that has
// ended is not an error.
func (c *Client) Cancel(ctx context.Context, id string) error {
	_, _, err := c.run(ctx, &c.scancel, []string{"scancel", id}, nil)
	if err != nil {
		return fmt.Errorf("slurm: scancel: %w", err)
	}
	return nil
}

// CancelAll cancels the given jobs, or whole arrays by their ids, in one
// scancel.
func (c *Client) CancelAll(ctx context.Context, ids []string) error {
	_, _, err := c.run(ctx, &c.scancel, append([]string{"scancel"}, ids...), nil)
	if err != nil {
		return fmt.Errorf("slurm: scancel: %w", err)
	}
	return nil
}

// CancelByName cancels every job of ours named name: a submission whose
// sbatch timed out may have created the job all the same.
func (c *Client) CancelByName(ctx context.Context, name string) error {
	argv := []string{"scancel", "--name=" + name}
	if u := lookupEnv(c.env, "USER"); u != "" {
		argv = append(argv, "--user="+u)
	} else {
		argv = append(argv, "--user="+strconv.Itoa(os.Getuid()))
	}
	_, _, err := c.run(ctx, &c.scancel, argv, nil)
	if err != nil {
		return fmt.Errorf("slurm: scancel: %w", err)
	}
	return nil
}

func lookupEnv(env []string, name string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], name+"="); ok {
			return v
		}
	}
	return ""
}
