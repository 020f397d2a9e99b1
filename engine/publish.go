package engine

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/shm"
	"github.com/weirflow/weir/store"
)

// publish copies every output with a publish path out of the run, after the
// whole run succeeded, and then releases the run's segments except those
// marked keep.
func (r *Run) publish() error {
	keep := map[string]bool{}
	for _, t := range r.o.Plan.Tasks {
		for _, out := range t.Outputs {
			path := r.segments.Path(dag.SegmentRef{Task: t.ID, Output: out.Name})
			if out.Publish != "" {
				if r.reusedWithout(t.ID, path) {
					// Released by the run that made it, and published
					// then: Decide found the copy intact.
					continue
				}
				if err := shm.Publish(path, out.Publish); err != nil {
					return fmt.Errorf("task %s: %w", t.ID, err)
				}
			}
			if out.Keep {
				keep[path] = true
			}
		}
	}
	return r.segments.Remove(keep)
}

// reusedWithout reports whether task was reused from an earlier run whose
// segment at path was released.
func (r *Run) reusedWithout(task, path string) bool {
	if r.o.Resume == nil || !r.o.Resume.Keep.Has(task) {
		return false
	}
	_, err := os.Lstat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// releaseResumed removes the segment directories of the runs a successful
// resume superseded: the run it resumed and the runs that one resumed in
// turn. What this run reused it holds by hard link; the rest (outputs of
// tasks that ran again, partial files of killed attempts) is garbage.
func releaseResumed(log io.Writer, st *store.Store, from store.RunRecord) {
	for r, seen := from, map[string]bool{}; r.ID != "" && !seen[r.ID]; {
		seen[r.ID] = true
		dirs, err := store.CheckRun(st.Dir(), r)
		if err != nil {
			fmt.Fprintf(log, "weir: warning: not releasing the segments of run %s: %v\n", r.ID, err)
			break
		}
		for _, dir := range dirs.Segments {
			if err := shm.RemoveAll(dir); err != nil {
				fmt.Fprintf(log, "weir: warning: releasing the segments of run %s: %v\n", r.ID, err)
			}
		}
		if r.Resumes == "" {
			break
		}
		next, err := st.Run(r.Resumes)
		if err != nil {
			break
		}
		r = next
	}
}

// relocated is outputs with their paths in this run's segment directory.
func relocated(outputs []store.OutputRecord, segs *segmentRouter, task string) []store.OutputRecord {
	out := make([]store.OutputRecord, len(outputs))
	for i, o := range outputs {
		o.Path = segs.Path(dag.SegmentRef{Task: task, Output: o.Name})
		out[i] = o
	}
	return out
}
