package engine

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// widePlan is one stage of n independent tasks, work[0] to work[n-1].
func widePlan(t *testing.T, n int) *dag.Plan {
	t.Helper()
	tasks := make([]*dag.Task, n)
	for i := range tasks {
		key := fmt.Sprint(i)
		tasks[i] = &dag.Task{ID: "work[" + key + "]", Stage: "work", Key: key, Keyed: true, Pool: "default", Argv: []string{"true", key}}
	}
	g, err := dag.New(tasks)
	if err != nil {
		t.Fatal(err)
	}
	return &dag.Plan{Name: "wide", Tasks: tasks, Graph: g}
}

// runOf is a run to record: how its tasks ended (succeeded unless named),
// and which it reused from the run it resumes.
type runOf struct {
	id, resumes, planHash string
	ended                 map[string]event.TaskState
	reused                map[string]bool
	// defHash is how the run hashed its definitions; nil: DefHash.
	defHash func(*dag.Task) string
}

// journal records r of plan in st as an engine does: the definitions of
// the tasks that run, then a reuse or an end state per task.
func journal(t *testing.T, st *store.Store, plan *dag.Plan, r runOf) store.RunRecord {
	t.Helper()
	j, err := st.Journal(store.RunRecord{ID: r.id, Resumes: r.resumes, PlanHash: r.planHash, Name: plan.Name,
		Workflow: "/w/wide.hcl", Tasks: len(plan.Tasks)})
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range plan.Tasks {
		if !r.reused[task.ID] {
			def := task.DefHash()
			if r.defHash != nil {
				def = r.defHash(task)
			}
			if err := st.SetDefinition(r.id, task.ID, def, DefParts(task)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var seq uint64
	for _, task := range plan.Tasks {
		state := event.TaskSucceeded
		if r.reused[task.ID] {
			state = event.Reused
		} else if s, ok := r.ended[task.ID]; ok {
			state = s
		}
		if state == event.Pending {
			continue
		}
		seq++
		if _, err := j.Append(event.Event{Kind: event.TaskChanged, Seq: seq, Task: task.ID, State: state}); err != nil {
			t.Fatal(err)
		}
	}
	seq++
	if err := j.Record(event.Event{Kind: event.RunEnded, Seq: seq, Message: "failed"}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err := st.Run(r.id)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestResumeReadsWhatItNeeds: on a run of many tasks with a few left, a
// resume decodes the records of those few, not of every task (the store
// counts what it decodes), and decides as a resume that reads them all.
// A workflow that changed since, or a run that left tasks it never ran,
// is read in full.
func TestResumeReadsWhatItNeeds(t *testing.T) {
	const n = 500
	plan := widePlan(t, n)
	hash := PlanHash(plan)
	failed := map[string]event.TaskState{"work[7]": event.TaskFailed, "work[9]": event.TaskFailed}
	allBut := func(ids ...string) map[string]bool {
		m := map[string]bool{}
		for _, task := range plan.Tasks {
			m[task.ID] = !slices.Contains(ids, task.ID)
		}
		return m
	}
	cases := []struct {
		name      string
		runs      []runOf // oldest first; the last is resumed
		wantOrder []string
		maxReads  uint64
	}{
		{"two failed, the workflow unchanged", []runOf{{id: "r1", planHash: hash, ended: failed}},
			[]string{"work[7]", "work[9]"}, 2},
		// Every record, and the two an unchanged plan would need, read
		// while the plan is hashed.
		{"the workflow changed since", []runOf{{id: "r1", planHash: "another plan", ended: failed}},
			[]string{"work[7]", "work[9]"}, n + 2},
		{"a run that recorded no plan hash", []runOf{{id: "r1", ended: failed}},
			[]string{"work[7]", "work[9]"}, n},
		{"a task never ran: its stage is read", []runOf{{id: "r1", planHash: hash,
			ended: map[string]event.TaskState{"work[3]": event.Pending, "work[7]": event.TaskFailed}}},
			[]string{"work[3]", "work[7]"}, n},
		{"a resume of a resume that reused the rest", []runOf{
			{id: "r1", planHash: hash, ended: failed},
			{id: "r2", resumes: "r1", planHash: hash, ended: map[string]event.TaskState{"work[9]": event.TaskFailed},
				reused: allBut("work[7]", "work[9]")}},
			// work[9] in both runs.
			[]string{"work[9]"}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := store.Open(filepath.Join(t.TempDir(), "state"), store.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var from store.RunRecord
			for _, r := range c.runs {
				from = journal(t, st, plan, r)
			}

			before := st.TaskReads()
			r, err := Decide(st, plan, from)
			if err != nil {
				t.Fatal(err)
			}
			if reads := st.TaskReads() - before; reads > c.maxReads {
				t.Errorf("Decide decoded %d task records, want at most %d", reads, c.maxReads)
			}
			if !slices.Equal(r.Order, c.wantOrder) {
				t.Errorf("runs again %v, want %v", r.Order, c.wantOrder)
			}
			tasks, err := ChainTasks(st, from)
			if err != nil {
				t.Fatal(err)
			}
			full := DecideReuse(plan, from, tasks)
			if !slices.Equal(r.Order, full.Order) || !slices.Equal(r.Keep.IDs(), full.Keep.IDs()) || !maps.Equal(r.Why, full.Why) {
				t.Errorf("Decide runs again %v (%v), a decision on every record %v (%v)", r.Order, r.Why, full.Order, full.Why)
			}

			before = st.TaskReads()
			w, err := Why(st, plan, from, c.wantOrder[0])
			if err != nil {
				t.Fatal(err)
			}
			if reads := st.TaskReads() - before; reads > uint64(len(c.runs)) {
				t.Errorf("Why of an independent task decoded %d task records, want at most %d", reads, len(c.runs))
			}
			if id := c.wantOrder[0]; w.Why[id] != full.Why[id] || w.Keep.Has(id) {
				t.Errorf("Why says %q, a decision on every record %q", w.Why[id], full.Why[id])
			}
		})
	}
}
