package engine

import (
	"fmt"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/shm"
	"github.com/weirflow/weir/store"
)

// Resumption is what a resume keeps of the run it resumes, and why the
// rest runs again.
type Resumption struct {
	From  store.RunRecord
	Tasks map[string]store.TaskRecord // what the chain of runs knows of each task (ChainTasks)
	Keep  map[string]bool             // reused tasks
	Why   map[string]string           // why a task runs again
	Order []string                    // tasks that run again, in plan order

	// dirs are the checked directories of the run each task's record came
	// from (chainTasks): an output is adopted only from there.
	dirs map[string]store.RunDirs
}

// Decide is what a resume of run from, with plan, would reuse.
func Decide(st *store.Store, plan *dag.Plan, from store.RunRecord) (*Resumption, error) {
	tasks, dirs, err := chainTasks(st, from)
	if err != nil {
		return nil, fmt.Errorf("cannot resume run %s: %w", from.ID, err)
	}
	r := DecideReuse(plan, from, tasks)
	r.dirs = dirs
	return r, nil
}

// ChainTasks is what the run from and the runs it resumed, in turn, know of
// each task: for each task the newest record that succeeded (or reused),
// else the newest record. A resume killed before it recorded what it
// reused knows nothing of those tasks, but the run it resumed does.
//
// A copied state dir is not trusted: every run of the chain must pass
// store.CheckRun, and every output kept here store.CheckOutput, before
// anything hashes, links or releases them.
func ChainTasks(st *store.Store, from store.RunRecord) (map[string]store.TaskRecord, error) {
	tasks, _, err := chainTasks(st, from)
	return tasks, err
}

// chainTasks is ChainTasks, with the checked directories of the run each
// task's record came from.
func chainTasks(st *store.Store, from store.RunRecord) (map[string]store.TaskRecord, map[string]store.RunDirs, error) {
	merged := map[string]store.TaskRecord{}
	dirsOf := map[string]store.RunDirs{}
	done := func(r store.TaskRecord) bool {
		return r.State == event.TaskSucceeded || r.State == event.Reused
	}
	for r, seen := from, map[string]bool{}; !seen[r.ID]; {
		seen[r.ID] = true
		dirs, err := store.CheckRun(st.Dir(), r)
		if err != nil {
			return nil, nil, err
		}
		tasks, err := st.Tasks(r.ID)
		if err != nil {
			return nil, nil, err
		}
		for id, rec := range tasks {
			if cur, ok := merged[id]; !ok || !done(cur) && done(rec) {
				merged[id] = rec
				dirsOf[id] = dirs
			}
		}
		if r.Resumes == "" {
			break
		}
		next, err := st.Run(r.Resumes)
		if err != nil {
			break // an older run may have been removed; what is known suffices
		}
		r = next
	}
	for id, rec := range merged {
		for _, o := range rec.Outputs {
			if _, err := store.CheckOutput(dirsOf[id], id, o); err != nil {
				return nil, nil, err
			}
		}
	}
	return merged, dirsOf, nil
}

// DecideReuse keeps a task when it succeeded (or was reused) in the earlier
// run, its definition hash is unchanged, every task it depends on is kept,
// and each of its outputs that is still needed is where that run left it
// with the same size and hash. An output is needed when it is kept, or
// when a task that reads it runs again; one released after all its
// readers succeeded is not, and a published one is not while its
// published copy is intact. Tasks are decided in dependency order,
// so a change reaches everything downstream of it; since a reader decided
// later can make its producer's output needed again, the decision is
// repeated until nothing changes.
func DecideReuse(plan *dag.Plan, from store.RunRecord, tasks map[string]store.TaskRecord) *Resumption {
	r := &Resumption{From: from, Tasks: tasks, Keep: map[string]bool{}, Why: map[string]string{}}
	order := plan.Graph.Order()
	readers := map[dag.SegmentRef][]string{}
	for _, t := range order {
		for _, in := range t.Inputs {
			for _, ref := range in.From {
				readers[ref] = append(readers[ref], t.ID)
			}
		}
	}
	for _, t := range order {
		if why := reuseProblem(t, tasks, r.Keep); why != "" {
			r.Why[t.ID] = why
		} else {
			r.Keep[t.ID] = true
		}
	}
	checked := map[dag.SegmentRef]string{} // outputProblem, hashed once
	for changed := true; changed; {
		changed = false
		for _, t := range order {
			if !r.Keep[t.ID] {
				continue
			}
			why := ""
			for _, dep := range t.Deps {
				if !r.Keep[dep] {
					why = "an input changed: " + dep + " runs again"
					break
				}
			}
			for _, out := range t.Outputs {
				if why != "" {
					break
				}
				ref := dag.SegmentRef{Task: t.ID, Output: out.Name}
				if !segmentNeeded(out, readers[ref], r.Keep) {
					if out.Publish == "" || publishedIntact(out, tasks[t.ID].Outputs) {
						continue
					}
					// The published copy is gone or changed: it is
					// published again from the segment, if that is intact.
				}
				problem, ok := checked[ref]
				if !ok {
					problem = outputProblem(out.Name, tasks[t.ID].Outputs)
					checked[ref] = problem
				}
				why = problem
			}
			if why != "" {
				delete(r.Keep, t.ID)
				r.Why[t.ID] = why
				changed = true
			}
		}
	}
	for _, t := range order {
		if !r.Keep[t.ID] {
			r.Order = append(r.Order, t.ID)
		}
	}
	return r
}

// segmentNeeded reports whether a reused task's output must still be in
// its segment: it is kept at the end of the run, or a task that reads it
// runs again. An output whose readers are all reused served its purpose:
// a successful run released it, and published it first where it says so
// (publishedIntact checks that copy).
func segmentNeeded(out dag.Output, readers []string, keep map[string]bool) bool {
	if out.Keep {
		return true
	}
	for _, id := range readers {
		if !keep[id] {
			return true
		}
	}
	return false
}

// publishedIntact reports whether out's published copy is what the earlier
// run committed: same size and hash.
func publishedIntact(out dag.Output, outputs []store.OutputRecord) bool {
	for _, o := range outputs {
		if o.Name == out.Name && o.Hash != "" {
			ok, err := shm.Matches(out.Publish, o.Size, o.Hash)
			return err == nil && ok
		}
	}
	return false
}

// reuseProblem says why t cannot be reused as far as its own record and
// its dependencies tell; DecideReuse checks its outputs.
func reuseProblem(t *dag.Task, tasks map[string]store.TaskRecord, keep map[string]bool) string {
	rec, ok := tasks[t.ID]
	switch {
	case !ok || rec.State == event.Pending || rec.State == "":
		return "never ran"
	case rec.State == event.Running || rec.State == event.Ready:
		return "did not finish: the engine stopped"
	case rec.State == event.TaskFailed && rec.Last != nil && rec.Last.Reason == event.Lost:
		return "lost last time: its engine stopped while it ran"
	case rec.State == event.TaskFailed:
		if rec.Last != nil {
			return "failed last time (" + rec.Last.String() + ")"
		}
		return "failed last time"
	case rec.State == event.Skipped || rec.State == event.TaskCancelled:
		return string(rec.State) + " last time"
	case rec.State != event.TaskSucceeded && rec.State != event.Reused:
		return "ended " + string(rec.State) + " last time"
	case rec.DefHash != t.DefHash():
		return "its definition changed"
	}
	for _, dep := range t.Deps {
		if !keep[dep] {
			return "an input changed: " + dep + " runs again"
		}
	}
	return ""
}

// outputProblem checks that the output named is where the earlier run
// committed it, with the same size and hash.
func outputProblem(name string, outputs []store.OutputRecord) string {
	for _, o := range outputs {
		if o.Name != name {
			continue
		}
		if o.Hash == "" {
			// Committed, but its engine stopped before it was hashed: its
			// bytes cannot be checked.
			return "output " + name + " was never verified: its engine stopped while hashing it"
		}
		ok, err := shm.Matches(o.Path, o.Size, o.Hash)
		switch {
		case err != nil:
			return "output " + name + " is gone"
		case !ok:
			return "output " + name + " changed since it was committed"
		}
		return ""
	}
	return "output " + name + " was never committed"
}
