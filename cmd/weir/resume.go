package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/shm"
	"github.com/weirflow/weir/store"
)

func newResumeCmd(o *options) *cobra.Command {
	var rf runFlags
	cmd := &cobra.Command{
		Use:   "resume [RUN]",
		Short: "Continue a run: reuse what it finished, run the rest (default: the latest run)",
		Long: `resume starts a new run of the workflow an earlier run ran (the latest in the
state dir unless RUN names one), with the same variables unless --var
overrides them. A task that succeeded in that run is reused, without
running, when its definition is unchanged, everything it reads is reused
too, and its outputs are intact (same size and hash); everything else,
and everything downstream of it, runs again. Editing one stage and
resuming reruns that stage and its descendants only.

Exit status as for run.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return resumeRun(o, &rf, args)
		},
	}
	rf.register(o, cmd)
	return cmd
}

// resumption is what a resume keeps from the run it resumes.
type resumption struct {
	from  store.RunRecord
	tasks map[string]store.TaskRecord
	keep  map[string]bool   // reused tasks
	why   map[string]string // why a task runs again
	order []string          // tasks that run again, in plan order
}

func resumeRun(o *options, rf *runFlags, args []string) error {
	if err := rf.checkEnforcement(); err != nil {
		return err
	}
	st, err := o.openStateStore(engineStoreOptions(o))
	if err != nil {
		return err
	}
	defer st.Close()
	from, err := findRun(st, args)
	if err != nil {
		return err
	}
	if _, err := os.Stat(from.Workflow); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("run %s ran %s, which no longer exists; resume needs the workflow file", from.ID, from.Workflow)
	}
	// The variables of the run, then any given now: later values win.
	rf.load.vars = append(append([]string(nil), from.Vars...), rf.load.vars...)
	rf.load.varFiles = append(append([]string(nil), from.VarFiles...), rf.load.varFiles...)
	plan, err := rf.load.load(o, from.Workflow)
	if err != nil {
		return invalid(err)
	}
	plan.Settings.StateDir = st.Dir()
	tasks, err := chainTasks(st, from)
	if err != nil {
		return err
	}
	return execute(o, rf, plan, st, decideReuse(plan, from, tasks))
}

// findRun is the run named by args (an id or a unique prefix), or the
// latest.
func findRun(st *store.Store, args []string) (store.RunRecord, error) {
	if len(args) == 0 {
		r, err := st.Latest()
		if errors.Is(err, store.ErrNotFound) {
			return r, fmt.Errorf("no run to resume in %s", st.Dir())
		}
		return r, err
	}
	runs, err := st.Runs()
	if err != nil {
		return store.RunRecord{}, err
	}
	return matchRun(runs, func(r store.RunRecord) string { return r.ID }, args[0], st.Dir())
}

// chainTasks is what the run from and the runs it resumed, in turn, know of
// each task: for each task the newest record that succeeded (or reused),
// else the newest record. A resume killed before it recorded what it
// reused knows nothing of those tasks, but the run it resumed does.
func chainTasks(st *store.Store, from store.RunRecord) (map[string]store.TaskRecord, error) {
	merged := map[string]store.TaskRecord{}
	done := func(r store.TaskRecord) bool {
		return r.State == event.TaskSucceeded || r.State == event.Reused
	}
	for r, seen := from, map[string]bool{}; !seen[r.ID]; {
		seen[r.ID] = true
		tasks, err := st.Tasks(r.ID)
		if err != nil {
			return nil, err
		}
		for id, rec := range tasks {
			if cur, ok := merged[id]; !ok || !done(cur) && done(rec) {
				merged[id] = rec
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
	return merged, nil
}

// decideReuse keeps a task when it succeeded (or was reused) in the earlier
// run, its definition hash is unchanged, every task it depends on is kept,
// and each of its outputs that is still needed is where that run left it
// with the same size and hash. An output is needed when it is kept or
// published, or when a task that reads it runs again; one released after
// all its readers succeeded is not. Tasks are decided in dependency order,
// so a change reaches everything downstream of it; since a reader decided
// later can make its producer's output needed again, the decision is
// repeated until nothing changes.
func decideReuse(plan *dag.Plan, from store.RunRecord, tasks map[string]store.TaskRecord) *resumption {
	r := &resumption{from: from, tasks: tasks, keep: map[string]bool{}, why: map[string]string{}}
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
		if why := reuseProblem(t, tasks, r.keep); why != "" {
			r.why[t.ID] = why
		} else {
			r.keep[t.ID] = true
		}
	}
	checked := map[dag.SegmentRef]string{} // outputProblem, hashed once
	for changed := true; changed; {
		changed = false
		for _, t := range order {
			if !r.keep[t.ID] {
				continue
			}
			why := ""
			for _, dep := range t.Deps {
				if !r.keep[dep] {
					why = "an input changed: " + dep + " runs again"
					break
				}
			}
			for _, out := range t.Outputs {
				if why != "" {
					break
				}
				ref := dag.SegmentRef{Task: t.ID, Output: out.Name}
				if !outputNeeded(out, readers[ref], r.keep) {
					continue
				}
				problem, ok := checked[ref]
				if !ok {
					problem = outputProblem(out.Name, tasks[t.ID].Outputs)
					checked[ref] = problem
				}
				why = problem
			}
			if why != "" {
				delete(r.keep, t.ID)
				r.why[t.ID] = why
				changed = true
			}
		}
	}
	for _, t := range order {
		if !r.keep[t.ID] {
			r.order = append(r.order, t.ID)
		}
	}
	return r
}

// outputNeeded reports whether a reused task's output must be there: it is
// kept or published at the end of the run, or a task reading it runs again.
func outputNeeded(out dag.Output, readers []string, keep map[string]bool) bool {
	if out.Keep || out.Publish != "" {
		return true
	}
	for _, id := range readers {
		if !keep[id] {
			return true
		}
	}
	// Nobody reads it: it lives to the end of a run, and is reused only
	// when it is still there.
	return len(readers) == 0
}

// reuseProblem says why t cannot be reused as far as its own record and
// its dependencies tell; decideReuse checks its outputs.
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

// print says what is reused and why the rest runs again.
func (r *resumption) print(w io.Writer) {
	fmt.Fprintf(w, "  reusing %s from run %s; running %d again\n", plural(len(r.keep), "task"), r.from.ID, len(r.order))
	const show = 10
	for i, id := range r.order {
		if i == show {
			fmt.Fprintf(w, "    ... and %d more\n", len(r.order)-show)
			break
		}
		fmt.Fprintf(w, "    %s: %s\n", id, r.why[id])
	}
}
