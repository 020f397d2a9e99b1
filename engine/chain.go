package engine

import (
	"maps"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// runChain is the run a resume continues and the runs it resumed in turn,
// newest first, each checked (store.CheckRun) before anything of it is
// used. Records are read from it by task, never all at once unless asked
// (all): a resume of a run of a million tasks reads the few it needs.
type runChain struct {
	st   *store.Store
	runs []store.RunRecord
	dirs []store.RunDirs
}

// openChain checks from and the runs it resumed. An older run that was
// removed ends the chain: what is known suffices.
func openChain(st *store.Store, from store.RunRecord) (*runChain, error) {
	c := &runChain{st: st}
	for r, seen := from, map[string]bool{}; !seen[r.ID]; {
		seen[r.ID] = true
		dirs, err := store.CheckRun(st.Dir(), r)
		if err != nil {
			return nil, err
		}
		c.runs = append(c.runs, r)
		c.dirs = append(c.dirs, dirs)
		if r.Resumes == "" {
			break
		}
		next, err := st.Run(r.Resumes)
		if err != nil {
			break
		}
		r = next
	}
	return c, nil
}

// done reports whether a record says the task's work is there to reuse.
func done(r store.TaskRecord) bool {
	return r.State == event.TaskSucceeded || r.State == event.Reused
}

// carried reports whether r is a reuse recorded without what it reused:
// a resume records no definition for a task it reuses untouched, so its
// hash, outputs and definition are those of the record it reused, further
// down the chain.
func carried(r store.TaskRecord) bool {
	return r.State == event.Reused && r.DefHash == ""
}

// records reads what the chain knows of each task of ids: the newest record
// that succeeded (or reused), else the newest record; a carried reuse
// stands for the record it reused. A record without its definition gets
// the definition of an older record with the same hash, so that weir why
// can name the part that changed. Every output of a record returned is
// checked (store.CheckOutput) against the directories of its run, which
// dirs gives by task. A task no run recorded is left out.
func (c *runChain) records(ids []string) (map[string]store.TaskRecord, map[string]store.RunDirs, error) {
	type found struct {
		rec store.TaskRecord
		run int
	}
	got := make(map[string]*found, len(ids))
	left := ids
	for i, run := range c.runs {
		if len(left) == 0 {
			break
		}
		recs, err := c.st.TasksByID(run.ID, left)
		if err != nil {
			return nil, nil, err
		}
		var next []string
		for _, id := range left {
			f := got[id]
			rec, ok := recs[id]
			switch {
			case !ok:
			case f == nil:
				f = &found{rec: rec, run: i}
				got[id] = f
			case !done(f.rec) && done(rec), carried(f.rec) && !carried(rec):
				f.rec, f.run = rec, i
			case len(f.rec.Definition) == 0 && f.rec.DefHash != "" && rec.DefHash == f.rec.DefHash:
				f.rec.Definition = rec.Definition
			}
			if f == nil || !done(f.rec) || carried(f.rec) || len(f.rec.Definition) == 0 {
				next = append(next, id)
			}
		}
		left = next
	}
	tasks := make(map[string]store.TaskRecord, len(got))
	dirs := make(map[string]store.RunDirs, len(got))
	for id, f := range got {
		for _, o := range f.rec.Outputs {
			if _, err := store.CheckOutput(c.dirs[f.run], id, o); err != nil {
				return nil, nil, err
			}
		}
		tasks[id] = f.rec
		dirs[id] = c.dirs[f.run]
	}
	return tasks, dirs, nil
}

// all reads what the chain knows of every task it recorded, as records
// does: for a workflow that changed, where every task must be compared.
func (c *runChain) all() (map[string]store.TaskRecord, map[string]store.RunDirs, error) {
	seen := map[string]bool{}
	var ids []string
	for _, run := range c.runs {
		err := c.st.EachTaskID(run.ID, func(id string) error {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return c.records(ids)
}

// unfinished is the tasks of plan that run from (c's newest) did not end
// done, from its stage counts and failed index: in a stage whose counts
// say every task of it ended succeeded, reused or failed, the failed ones;
// in any other stage (some tasks never ran, were cancelled, or have no
// record), all of its tasks.
func (c *runChain) unfinished(plan *dag.Plan) ([]string, error) {
	from := c.runs[0].ID
	sums, err := c.st.Stages(from)
	if err != nil {
		return nil, err
	}
	failed, err := c.st.FailedIDs(from)
	if err != nil {
		return nil, err
	}
	planned := map[string]int{}
	for _, t := range plan.Tasks {
		planned[store.StageOf(t.ID)]++
	}
	settled := map[string]bool{}
	for _, s := range sums {
		n := s.Counts[event.TaskSucceeded] + s.Counts[event.Reused] + s.Counts[event.TaskFailed]
		settled[s.Stage] = s.Tasks == planned[s.Stage] && n == s.Tasks
	}
	var ids []string
	for _, id := range failed {
		if settled[store.StageOf(id)] {
			ids = append(ids, id)
		}
	}
	for _, t := range plan.Tasks {
		if !settled[store.StageOf(t.ID)] {
			ids = append(ids, t.ID)
		}
	}
	return ids, nil
}

// withOutputs is the tasks of plan that have outputs: a resume checks
// those it needs, and makes the rest of those it reuses the new run's
// (recordDefinitions), so that they outlive the run they came from (weir
// gc keeps the latest run's segments). Reading them with the others saves
// a read each later (recordSource.get).
func withOutputs(plan *dag.Plan) []string {
	var out []string
	for _, t := range plan.Tasks {
		if len(t.Outputs) > 0 {
			out = append(out, t.ID)
		}
	}
	return out
}

// recordSource is what a decision reads of the tasks' records: those in
// tasks, and with a chain, any other on demand.
type recordSource struct {
	c     *runChain // nil: tasks is all there is
	tasks map[string]store.TaskRecord
	dirs  map[string]store.RunDirs
	read  map[string]bool // looked up in c, with or without a record
	// unchanged says that a task not read ended done in the resumed run,
	// with the definition it has now (the plan hashes as the run's did).
	unchanged bool
	err       error // the first failed read
}

// fetch reads the records of ids not read yet.
func (s *recordSource) fetch(ids []string) {
	if s.c == nil || s.err != nil {
		return
	}
	if s.read == nil {
		s.read = map[string]bool{}
		s.tasks = map[string]store.TaskRecord{}
		s.dirs = map[string]store.RunDirs{}
	}
	var want []string
	for _, id := range ids {
		if !s.read[id] {
			s.read[id] = true
			want = append(want, id)
		}
	}
	if len(want) == 0 {
		return
	}
	tasks, dirs, err := s.c.records(want)
	if err != nil {
		s.err = err
		return
	}
	maps.Copy(s.tasks, tasks)
	maps.Copy(s.dirs, dirs)
}

// peek is task id's record without reading it: known is false when it was
// not read and is known to be unchanged and done.
func (s *recordSource) peek(id string) (rec store.TaskRecord, ok, known bool) {
	if s.unchanged && !s.read[id] {
		return store.TaskRecord{}, false, false
	}
	rec, ok = s.tasks[id]
	return rec, ok, true
}

// get is task id's record, read now if it was not.
func (s *recordSource) get(id string) store.TaskRecord {
	if s.c != nil && !s.read[id] {
		s.fetch([]string{id})
	}
	return s.tasks[id]
}
