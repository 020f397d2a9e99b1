package engine

import (
	"fmt"
	"io"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/shm"
)

// segmentRouter keeps each task's segments in the shm_dir of its pool: a
// Slurm pool names a directory every node shares, local pools use the
// workflow's. Readers find a segment where its producer's pool put it.
type segmentRouter struct {
	main   *shm.Run
	pool   *shm.Pool           // nil: shm_reuse is 0, or shm_dir is not RAM
	byPool map[string]*shm.Run // pools with their own shm_dir
	poolOf map[string]string   // task -> pool
}

var _ executor.Segments = (*segmentRouter)(nil)

// openSegments opens the run's segment directory in the workflow's
// shm_dir and in the shm_dir of every pool that has its own.
func openSegments(plan *dag.Plan, runID string) (*segmentRouter, error) {
	main, err := shm.OpenRun(plan.Settings.ShmDir, runID)
	if err != nil {
		return nil, err
	}
	r := &segmentRouter{main: main, byPool: map[string]*shm.Run{}, poolOf: map[string]string{}}
	for _, p := range plan.Pools {
		if p.ShmDir == "" || p.ShmDir == plan.Settings.ShmDir {
			continue
		}
		run, err := shm.OpenRun(p.ShmDir, runID)
		if err != nil {
			return nil, err
		}
		r.byPool[p.Name] = run
	}
	// Only the tasks of pools with a directory of their own: the others
	// use the workflow's, and a map of every task is 6 MB at 100,000.
	for _, t := range plan.Tasks {
		if _, ok := r.byPool[t.Pool]; ok {
			r.poolOf[t.ID] = t.Pool
		}
	}
	return r, nil
}

// reuse recycles the run's released segments when the workflow keeps
// some (shm_reuse) and shm_dir is RAM: on a disk the kernel allocates no
// page that a recycled file would save.
func (r *segmentRouter) reuse(log io.Writer, plan *dag.Plan, runID string) error {
	if plan.Settings.ShmReuse <= 0 {
		return nil
	}
	space, err := r.main.Space()
	if err != nil {
		return err
	}
	if !space.InRAM {
		fmt.Fprintf(log, "weir: note: shm_reuse does nothing here: shm_dir %s is not in memory (tmpfs), where fresh pages cost no more than reused ones\n", plan.Settings.ShmDir)
		return nil
	}
	pool, err := shm.OpenPool(plan.Settings.ShmDir, runID, plan.Settings.ShmReuse)
	if err != nil {
		return err
	}
	r.pool = pool
	r.main.Reuse(pool)
	return nil
}

// close waits until the released segments' pages are freed, removes the
// run's directories left empty (shm.Run.Prune), and stops zeroing the pages the run recycled: what is not zeroed yet the next run
// that opens the pool finishes, so the end of this one never waits for it.
func (r *segmentRouter) close(log io.Writer) {
	r.main.Wait()
	r.main.Prune()
	for _, run := range r.byPool {
		run.Wait()
		run.Prune()
	}
	if r.pool == nil {
		return
	}
	if err := r.pool.Close(); err != nil {
		fmt.Fprintf(log, "weir: warning: a released segment could not be kept for reuse: %v\n", err)
	}
}

func (r *segmentRouter) of(task string) *shm.Run {
	if run, ok := r.byPool[r.poolOf[task]]; ok {
		return run
	}
	return r.main
}

// Dirs are the run's segment directories, the workflow's first.
func (r *segmentRouter) Dirs() []string {
	dirs := []string{r.main.Dir()}
	for _, run := range r.byPool {
		dirs = append(dirs, run.Dir())
	}
	return dirs
}

func (r *segmentRouter) Path(ref dag.SegmentRef) string    { return r.of(ref.Task).Path(ref) }
func (r *segmentRouter) Partial(ref dag.SegmentRef) string { return r.of(ref.Task).Partial(ref) }
func (r *segmentRouter) Prepare(t *dag.Task) error         { return r.of(t.ID).Prepare(t) }
func (r *segmentRouter) Commit(t *dag.Task) ([]event.Committed, []string, error) {
	return r.of(t.ID).Commit(t)
}
func (r *segmentRouter) Discard(t *dag.Task)              { r.of(t.ID).Discard(t) }
func (r *segmentRouter) Release(ref dag.SegmentRef) error { return r.of(ref.Task).Release(ref) }
func (r *segmentRouter) Size(ref dag.SegmentRef) int64    { return r.of(ref.Task).Size(ref) }
func (r *segmentRouter) Adopt(ref dag.SegmentRef, p string) error {
	return r.of(ref.Task).Adopt(ref, p)
}

// Space is the room of the workflow's shm_dir, where local producers
// write; a cluster pool's shared directory is the cluster's to manage.
func (r *segmentRouter) Space() (shm.Space, error) { return r.main.Space() }

// Held is what the run's released segments still hold in memory.
func (r *segmentRouter) Held() int64 {
	n := r.main.Held()
	for _, run := range r.byPool {
		n += run.Held()
	}
	return n
}

// Remove removes every segment directory of the run except the paths in
// keep.
func (r *segmentRouter) Remove(keep map[string]bool) error {
	err := r.main.Remove(keep)
	for _, run := range r.byPool {
		if e := run.Remove(keep); err == nil {
			err = e
		}
	}
	return err
}
