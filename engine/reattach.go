package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/slurm"
	"github.com/weirflow/weir/internal/units"
	"github.com/weirflow/weir/shm"
	"github.com/weirflow/weir/store"
)

// A resume re-attaches to the Slurm jobs its predecessor left in the
// cluster instead of submitting them again: a job still pending or running
// is watched, one that ended while no engine watched reports how. Such a
// job was submitted with the old run's paths in its script: it writes its
// logs, memory samples and outputs there. So for its attempt the new run
// looks there (runLayout), and moves the outputs it wrote into the new
// run's segment directory before committing them (reattachSegments).

// reattachment is how a run takes over the Slurm jobs of the run it
// resumes: their handle states, and the layout and segments that point
// those attempts at the files their jobs write.
type reattachment struct {
	states map[string][]byte
	layout executor.Layout
	segs   executor.Segments
}

// prepareReattach finds the jobs to re-attach to, if resume continues a
// run with Slurm pools, and links their logs into the new run.
func prepareReattach(st *store.Store, plan *dag.Plan, resume *Resumption, runDir string, segments *segmentRouter) (reattachment, error) {
	layout := newRunLayout(plan, runDir)
	ra := reattachment{layout: layout, segs: segments}
	if resume == nil || !usesSlurm(plan) {
		return ra, nil
	}
	states, olds, err := findReattach(st, plan, resume.From, resume.Keep)
	if err != nil || len(states) == 0 {
		return ra, err
	}
	if err := linkOldFiles(runDir, olds); err != nil {
		return ra, fmt.Errorf("cannot link the logs of the jobs to re-attach: %w", err)
	}
	ra.states = states
	layout.old = olds
	ra.layout = layout
	ra.segs = reattachSegments{segmentRouter: segments, old: olds}
	return ra, nil
}

// oldAttempt is an attempt of the resumed run that may still be in Slurm.
type oldAttempt struct {
	n      int
	layout store.DirLayout
	segs   *segmentRouter
}

// findReattach returns the handle state of every task of a Slurm pool
// whose last attempt in run from was running when its engine died.
func findReattach(st *store.Store, plan *dag.Plan, from store.RunRecord, keep *TaskSet) (map[string][]byte, map[string]oldAttempt, error) {
	slurmPool := map[string]bool{}
	for _, p := range plan.Pools {
		slurmPool[p.Name] = p.Executor == "slurm"
	}
	states := map[string][]byte{}
	olds := map[string]oldAttempt{}
	var oldSegs *segmentRouter
	for _, t := range plan.Tasks {
		if keep.Has(t.ID) || !slurmPool[t.Pool] {
			continue
		}
		rec, err := st.Task(from.ID, t.ID)
		if err != nil {
			continue
		}
		attempts, err := st.Attempts(from.ID, t.ID)
		if err != nil {
			continue
		}
		last, ok := lastSlurmAttempt(from.ID, t, rec, attempts)
		if !ok {
			continue
		}
		if _, err := checkJobHandle(from.ID, t.ID, last.N, last.Handle, false); err != nil {
			return nil, nil, fmt.Errorf("cannot re-attach to the Slurm jobs of run %s: %w", from.ID, err)
		}
		if oldSegs == nil {
			if oldSegs, err = openSegments(plan, from.ID); err != nil {
				return nil, nil, err
			}
		}
		states[t.ID] = last.Handle
		olds[t.ID] = oldAttempt{n: last.N, layout: store.DirLayout{Root: RunDir(plan, from.ID)}, segs: oldSegs}
	}
	return states, olds, nil
}

// lastSlurmAttempt is the attempt of t that run runID began last, when it
// may still be in Slurm: recorded started and not ended (or ended lost when
// its engine died). An attempt recorded running whose job id never reached
// the journal (the engine died right after sbatch) is found by its job's
// name, unique per run, task and attempt.
func lastSlurmAttempt(runID string, t *dag.Task, rec store.TaskRecord, attempts []store.AttemptRecord) (store.AttemptRecord, bool) {
	if rec.Attempts == 0 {
		return store.AttemptRecord{}, false
	}
	var last store.AttemptRecord
	for _, a := range attempts {
		if a.N == rec.Attempts {
			last = a
		}
	}
	if last.Result != nil && last.Result.Reason != event.Lost {
		return last, false // it ended while its engine watched
	}
	if len(last.Handle) == 0 {
		name := slurm.JobName(&executor.Spec{RunID: runID, Task: t, Attempt: rec.Attempts})
		last.N = rec.Attempts
		last.Handle, _ = json.Marshal(map[string]string{"job_name": name})
	}
	return last, true
}

// runLayout places a run's files. A task of a Slurm pool gets a temporary
// directory per attempt instead of its slot's (the runner removes it after
// each job anyway), so that a later engine that re-attaches to the job can
// name it; a re-attached task's first attempt gets the directory its job
// was given (the runner removes it after the end). Its logs are reached
// through links (linkOldFiles).
type runLayout struct {
	store.DirLayout
	slurm map[string]bool // pools by name: true for Slurm's
	old   map[string]oldAttempt
}

func newRunLayout(plan *dag.Plan, runDir string) runLayout {
	l := runLayout{DirLayout: store.DirLayout{Root: runDir}, slurm: map[string]bool{}}
	for _, p := range plan.Pools {
		l.slurm[p.Name] = p.Executor == "slurm"
	}
	return l
}

// AttemptTmpDir implements executor.AttemptTmpDirs.
func (l runLayout) AttemptTmpDir(task, pool string, attempt int) (string, bool) {
	if o, ok := l.old[task]; ok && attempt == 1 {
		return o.layout.TaskTmpDir(task, o.n), true
	}
	if l.slurm[pool] {
		return l.TaskTmpDir(task, attempt), true
	}
	return "", false
}

// linkOldFiles gives the new run's log and sample files of a re-attached
// attempt a second name for the files its job writes, so that weir logs,
// the live view and the UI read them in the new run as in any other. Hard
// links, not symbolic ones: readers of a state dir follow no link. A file
// the job has not made yet is made empty first; Slurm opens it for
// writing, which keeps the same inode.
func linkOldFiles(runDir string, old map[string]oldAttempt) error {
	now := store.DirLayout{Root: runDir}
	for task, o := range old {
		stdout, stderr := now.Logs(task, 1)
		oldOut, oldErr := o.layout.Logs(task, o.n)
		for _, l := range [][2]string{{oldOut, stdout}, {oldErr, stderr}, {o.layout.Samples(task, o.n), now.Samples(task, 1)}} {
			// The old run's directory may be a copy: no link on the way,
			// nothing of another user's.
			if _, err := store.CheckBelow(o.layout.Root, l[0]); err != nil {
				return fmt.Errorf("task %s: %s %w", task, l[0], err)
			}
			if err := hardLink(l[0], l[1]); err != nil {
				return err
			}
		}
	}
	return nil
}

// hardLink makes to a second name of from, making from empty first when
// it is not there yet.
func hardLink(from, to string) error {
	for _, dir := range []string{filepath.Dir(from), filepath.Dir(to)} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(from, os.O_CREATE|os.O_EXCL|os.O_WRONLY|syscall.O_NOFOLLOW, 0o600)
	switch {
	case err == nil:
		f.Close()
	case !errors.Is(err, fs.ErrExist):
		return err
	}
	if err := os.Link(from, to); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// reattachSegments moves what a re-attached job wrote into the new run.
// Prepare runs only for an attempt that starts afresh (a job Slurm no
// longer knew): it removes the old job's partial outputs, so that they can
// never be mistaken for the new attempt's.
type reattachSegments struct {
	*segmentRouter
	old map[string]oldAttempt
}

func (s reattachSegments) Prepare(t *dag.Task) error {
	if o, ok := s.old[t.ID]; ok {
		delete(s.old, t.ID)
		if err := checkPartials(o.segs, t); err != nil {
			return err
		}
		o.segs.Discard(t)
	}
	return s.segmentRouter.Prepare(t)
}

// checkPartials checks the partial outputs of t in the old run's segment
// directory before they are removed or moved: no link on the way, nothing
// of another user's.
func checkPartials(old *segmentRouter, t *dag.Task) error {
	root := old.of(t.ID).Dir()
	for _, out := range t.Outputs {
		p := old.Partial(dag.SegmentRef{Task: t.ID, Output: out.Name})
		if _, err := store.CheckBelow(root, p); err != nil {
			return fmt.Errorf("task %s: the output its Slurm job wrote, %s, %w; remove it by hand if it is yours", t.ID, p, err)
		}
	}
	return nil
}

func (s reattachSegments) Commit(t *dag.Task) ([]event.Committed, []string, error) {
	if o, ok := s.old[t.ID]; ok {
		delete(s.old, t.ID)
		if err := checkPartials(o.segs, t); err != nil {
			return nil, nil, err
		}
		if err := s.segmentRouter.Prepare(t); err != nil {
			return nil, nil, err
		}
		for _, out := range t.Outputs {
			ref := dag.SegmentRef{Task: t.ID, Output: out.Name}
			if err := movePartial(o.segs.Partial(ref), s.Partial(ref)); err != nil {
				return nil, nil, err
			}
		}
	}
	return s.segmentRouter.Commit(t)
}

// movePartial renames an output the old job wrote to where the new run
// commits it from; a missing one stays missing (Commit says so).
func movePartial(from, to string) error {
	err := os.Rename(from, to)
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	// Another filesystem: copy, as a resume adopts segments.
	if err := shm.Publish(from, to); err != nil {
		return err
	}
	return os.Remove(from)
}

// endLostJobs cancels the Slurm jobs that runs whose engine died left in
// the cluster, as the local runner ends the processes they left: a new run
// starts from nothing of theirs. The run a resume continues is spared: its
// jobs are re-attached instead. It warns rather than fails: a job it could
// not cancel only wastes the cluster's time.
func endLostJobs(log io.Writer, env []string, lost map[string][]store.AttemptRecord, spare string) {
	type job struct{ run, id, name string }
	var jobs []job
	for run, attempts := range lost {
		if run == spare {
			continue
		}
		for _, a := range attempts {
			var h jobHandle
			if json.Unmarshal(a.Handle, &h) != nil || h.JobID == "" && h.JobName == "" {
				continue // a local attempt's
			}
			h, err := checkJobHandle(run, a.Task, a.N, a.Handle, false)
			if err != nil {
				fmt.Fprintf(log, "weir: warning: not cancelling a job a dead engine left in Slurm: %v\n", err)
				continue
			}
			jobs = append(jobs, job{run, h.JobID, h.JobName})
		}
	}
	if len(jobs) == 0 {
		return
	}
	if !onPath(env, "scancel") {
		fmt.Fprintf(log, "weir: warning: %s that dead engines left in Slurm may still run: scancel is not on PATH\n", units.Plural(len(jobs), "job"))
		return
	}
	client := slurm.NewClient(env, 0)
	ended := 0
	for _, j := range jobs {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		// By name, which scancel restricts to the user's own jobs: a job
		// id alone reaches any user's job when weir runs as root.
		err := client.CancelByName(ctx, j.name)
		cancel()
		if err != nil {
			fmt.Fprintf(log, "weir: warning: cancelling job %s of run %s: %v\n", j.id+j.name, j.run, err)
			continue
		}
		ended++
	}
	fmt.Fprintf(log, "weir: cancelled %s that engines killed earlier left in Slurm\n", units.Plural(ended, "job"))
}
