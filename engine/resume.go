package engine

import (
	"fmt"
	"slices"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/shm"
	"github.com/weirflow/weir/store"
)

// Resumption is what a resume keeps of the run it resumes, and why the
// rest runs again.
type Resumption struct {
	From store.RunRecord
	// Tasks is what the chain of runs knows of the tasks the decision read
	// (runChain.records): every task when the workflow changed since run
	// From, else those that did not end done and those with outputs.
	Tasks map[string]store.TaskRecord
	// Every task decided is in Keep or in Why, never both: at a million
	// tasks Why, the small one, is where to look a task up.
	Keep  *TaskSet          // reused tasks
	Why   map[string]string // why a task runs again
	Order []string          // tasks that run again, in plan order

	// dirs are the checked directories of the run each task's record came
	// from (runChain.records): an output is adopted only from there.
	dirs map[string]store.RunDirs
	// planHash is the plan's PlanHash, which the new run records.
	planHash string
}

// Decide is what a resume of run from, with plan, would reuse.
//
// When the plan hashes as the run's did (PlanHash), a task the run ended
// done is unchanged, and its record is read only if it has outputs, to
// check them and make them the new run's. The tasks it did not end done
// are known from its stage counts and failed index (store.Stages,
// store.FailedIDs). Otherwise every record of the chain is read, to
// compare each task's definition.
func Decide(st *store.Store, plan *dag.Plan, from store.RunRecord) (*Resumption, error) {
	c, err := openChain(st, from)
	if err != nil {
		return nil, fmt.Errorf("cannot resume run %s: %w", from.ID, err)
	}
	// The plan is hashed while the records an unchanged plan needs are
	// read: at a million tasks each takes a few tenths of a second before
	// the first task can start. A plan that changed reads every record
	// instead, and those read here are read again; one with another number
	// of tasks has changed for sure and reads nothing here.
	hashed := make(chan string, 1)
	go func() { hashed <- PlanHash(plan) }()
	src := &recordSource{c: c, unchanged: true}
	var unfinishedErr error
	if from.PlanHash != "" && from.Tasks == len(plan.Tasks) {
		var ids []string
		if ids, unfinishedErr = c.unfinished(plan); unfinishedErr == nil {
			src.fetch(append(ids, withOutputs(plan)...))
		}
	}
	hash := <-hashed
	if from.PlanHash != "" && from.PlanHash == hash {
		if unfinishedErr != nil {
			return nil, fmt.Errorf("cannot resume run %s: %w", from.ID, unfinishedErr)
		}
	} else {
		src = &recordSource{c: c}
		src.tasks, src.dirs, src.err = c.all()
		src.c = nil // a task without a record never ran
	}
	r := decide(plan, plan.Graph.OrderAt(), from, src)
	if src.err != nil {
		return nil, fmt.Errorf("cannot resume run %s: %w", from.ID, src.err)
	}
	r.planHash = hash
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
	c, err := openChain(st, from)
	if err != nil {
		return nil, fmt.Errorf("cannot resume run %s: %w", from.ID, err)
	}
	tasks, _, err := c.all()
	return tasks, err
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
	return decide(plan, plan.Graph.OrderAt(), from, &recordSource{tasks: tasks})
}

// decide is DecideReuse over the tasks of order (places in plan.Graph, in
// a dependency order that holds every reader of what its tasks write),
// reading records from src.
func decide(plan *dag.Plan, order []int32, from store.RunRecord, src *recordSource) *Resumption {
	g := plan.Graph
	r := &Resumption{From: from, Keep: newTaskSet(g), Why: map[string]string{}}
	readers := map[dag.SegmentRef][]string{}
	for _, i := range order {
		t := g.TaskAt(int(i))
		for _, in := range t.Inputs {
			for _, ref := range in.From {
				readers[ref] = append(readers[ref], t.ID)
			}
		}
	}
	for _, i := range order {
		t := g.TaskAt(int(i))
		why := ""
		if rec, ok, known := src.peek(t.ID); known {
			why = recordProblem(t, rec, ok)
		}
		if why == "" {
			why = depProblem(g, int(i), r.Keep)
		}
		if why != "" {
			r.Why[t.ID] = why
		} else {
			r.Keep.set(int(i), true)
		}
	}
	checked := map[dag.SegmentRef]string{} // outputProblem, hashed once
	for changed := true; changed; {
		changed = false
		for _, i := range order {
			t := g.TaskAt(int(i))
			if len(t.Deps) == 0 && len(t.Outputs) == 0 {
				continue // nothing here can change what the first pass decided
			}
			if !r.Keep.hasAt(int(i)) {
				continue
			}
			why := depProblem(g, int(i), r.Keep)
			for _, out := range t.Outputs {
				if why != "" {
					break
				}
				ref := dag.SegmentRef{Task: t.ID, Output: out.Name}
				if !segmentNeeded(out, readers[ref], r.Keep) {
					if out.Publish == "" || publishedIntact(out, src.get(t.ID).Outputs) {
						continue
					}
					// The published copy is gone or changed: it is
					// published again from the segment, if that is intact.
				}
				problem, ok := checked[ref]
				if !ok {
					problem = outputProblem(out.Name, src.get(t.ID).Outputs)
					checked[ref] = problem
				}
				why = problem
			}
			if why != "" {
				r.Keep.set(int(i), false)
				r.Why[t.ID] = why
				changed = true
			}
		}
	}
	for _, i := range order {
		if !r.Keep.hasAt(int(i)) {
			r.Order = append(r.Order, g.TaskAt(int(i)).ID)
		}
	}
	r.Tasks, r.dirs = src.tasks, src.dirs
	return r
}

// segmentNeeded reports whether a reused task's output must still be in
// its segment: it is kept at the end of the run, or a task that reads it
// runs again. An output whose readers are all reused served its purpose:
// a successful run released it, and published it first where it says so
// (publishedIntact checks that copy).
func segmentNeeded(out dag.Output, readers []string, keep *TaskSet) bool {
	if out.Keep {
		return true
	}
	for _, id := range readers {
		if !keep.Has(id) {
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

// recordProblem says why t cannot be reused as far as its own record
// tells; ok is false when no run recorded it.
func recordProblem(t *dag.Task, rec store.TaskRecord, ok bool) string {
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
	return ""
}

// depProblem names the first task the task at place i depends on that
// runs again.
func depProblem(g *dag.Graph, i int, keep *TaskSet) string {
	for _, d := range g.PredecessorsAt(i) {
		if !keep.hasAt(int(d)) {
			return "an input changed: " + g.TaskAt(int(d)).ID + " runs again"
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

// Why is Decide for one task, as weir why asks: it decides only the tasks
// connected to task through what they depend on and who depends on them
// (a decision travels along those edges and no further), and reads only
// their records. The Resumption holds those tasks alone.
func Why(st *store.Store, plan *dag.Plan, from store.RunRecord, task string) (*Resumption, error) {
	c, err := openChain(st, from)
	if err != nil {
		return nil, fmt.Errorf("cannot compare with run %s: %w", from.ID, err)
	}
	order := connected(plan, task)
	ids := make([]string, len(order))
	for j, i := range order {
		ids[j] = plan.Graph.TaskAt(int(i)).ID
	}
	src := &recordSource{c: c}
	src.fetch(ids)
	r := decide(plan, order, from, src)
	if src.err != nil {
		return nil, fmt.Errorf("cannot compare with run %s: %w", from.ID, src.err)
	}
	return r, nil
}

// connected is the places of the tasks of plan linked to task by
// dependencies either way, in plan order.
func connected(plan *dag.Plan, task string) []int32 {
	in := map[string]bool{task: true}
	for todo := []string{task}; len(todo) > 0; {
		id := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		t := plan.Task(id)
		if t == nil {
			continue
		}
		for _, next := range append(slices.Clip(t.Deps), plan.Graph.Successors(id)...) {
			if !in[next] {
				in[next] = true
				todo = append(todo, next)
			}
		}
	}
	if len(in) == len(plan.Tasks) {
		return plan.Graph.OrderAt()
	}
	var order []int32
	for _, i := range plan.Graph.OrderAt() {
		if in[plan.Graph.TaskAt(int(i)).ID] {
			order = append(order, i)
		}
	}
	return order
}
