package engine

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/internal/shmtest"
	"github.com/weirflow/weir/store"
	"github.com/weirflow/weir/store/storetest"
)

// FuzzResumeRecords crafts a state dir's records from the input (as
// cmd/weir's FuzzStateDir does) and runs on every run what a resume and a
// new run do with them: the decision, the release of the runs it
// supersedes, finding the Slurm jobs to re-attach to and linking their
// files, and ending what lost runs left (process groups, Slurm jobs with
// no scancel on PATH). Nothing may panic, touch the sentinel tree or
// signal the bystander. Seeds are in testdata/fuzz/FuzzResumeRecords.
func FuzzResumeRecords(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x02\x01\x00\x00\x00\x00\x00"))
	bystander := storetest.NewBystander(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p := storetest.NewPlace(shmtest.TempDir(t), bystander)
		plan := fuzzSlurmPlan(t, p)
		p.DefHash = map[string]string{}
		for _, task := range plan.Tasks {
			p.DefHash[task.ID] = task.DefHash()
		}
		sentinel, ok := storetest.Plant(t, data, p)
		if !ok {
			return
		}
		st, err := store.Open(p.State, store.Options{})
		if err != nil {
			return
		}
		defer st.Close()
		lost := lostAttempts(st)
		endLostGroups(io.Discard, lost)
		endLostJobs(io.Discard, []string{"PATH="}, lost, "")
		sentinel.Check(t, "ending what lost runs left")
		bystander.Check(t, "ending what lost runs left")
		runs, _ := st.Runs()
		for _, r := range runs {
			if resume, err := Decide(st, plan, r); err == nil {
				if _, olds, err := findReattach(st, plan, r, resume.Keep); err == nil {
					linkOldFiles(filepath.Join(p.State, "runs", "new"), olds)
					sentinel.Check(t, "re-attaching to run "+r.ID)
				}
				releaseResumed(io.Discard, st, r)
			}
			sentinel.Check(t, "resuming run "+r.ID)
		}
	})
}

// fuzzSlurmPlan has the tasks crafted records name, in a Slurm pool, each
// with an output "out" it keeps.
func fuzzSlurmPlan(tb testing.TB, p storetest.Place) *dag.Plan {
	tb.Helper()
	var tasks []*dag.Task
	for _, id := range []string{"a", "b", "shard[0]"} {
		tasks = append(tasks, &dag.Task{ID: id, Stage: id, Pool: "hpc", Argv: []string{"true"}, Outputs: []dag.Output{{Name: "out", Keep: true}}})
	}
	g, err := dag.New(tasks)
	if err != nil {
		tb.Fatal(err)
	}
	return &dag.Plan{Name: "fuzz", Tasks: tasks, Graph: g, Pools: []*dag.Pool{{Name: "hpc", Executor: "slurm", Processes: 2}},
		Settings: dag.Settings{StateDir: p.State, ShmDir: p.Shm}}
}
