package main

import (
	"io"
	"strings"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/engine"
	"github.com/weirflow/weir/internal/shmtest"
	"github.com/weirflow/weir/store"
	"github.com/weirflow/weir/store/storetest"
)

// FuzzStateDir crafts a state dir's store records from the input (run ids,
// shm_dir, pool_shm_dirs, output paths, job and process handles, engines:
// store/storetest.Craft) and runs gc, gc --dry-run, status, runs, cancel
// and the resume decision of every run on it. Nothing may panic, nothing
// in a sentinel tree beside the state dir may be removed, renamed,
// created, changed or opened, and a process the records name may not be
// signalled. Seeds are in testdata/fuzz/FuzzStateDir; `go test` runs them.
func FuzzStateDir(f *testing.F) {
	for _, seed := range []string{"", "\x00", "\x02\x01\x05\x03\x00\x02\x01\x01\x02\x00", "\x01\x04\x06\x01\x00\x00\x00\x01\x01\x00\x01"} {
		f.Add([]byte(seed))
	}
	bystander := storetest.NewBystander(f)
	plan := fuzzPlan(f)
	defs := map[string]string{}
	for _, t := range plan.Tasks {
		defs[t.ID] = t.DefHash()
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := storetest.NewPlace(shmtest.TempDir(t), bystander)
		p.DefHash = defs
		sentinel, ok := storetest.Plant(t, data, p)
		if !ok {
			return
		}
		for _, args := range [][]string{{"gc", "--all", "--dry-run"}, {"gc", "--dry-run"}, {"status"}, {"runs"}, {"cancel"}, {"gc"}, {"gc", "--all"}} {
			realMain(append(args, "--state-dir", p.State), io.Discard, io.Discard)
			what := "weir " + strings.Join(args, " ")
			sentinel.Check(t, what)
			bystander.Check(t, what)
		}
		st, err := store.Open(p.State, store.Options{})
		if err != nil {
			return
		}
		defer st.Close()
		runs, _ := st.Runs()
		for _, r := range runs {
			engine.Decide(st, plan, r)
			sentinel.Check(t, "the resume decision of run "+r.ID)
		}
	})
}

// fuzzPlan has the tasks crafted records name, each with an output "out"
// it keeps, so that a resume decision hashes what the records name.
func fuzzPlan(tb testing.TB) *dag.Plan {
	tb.Helper()
	var tasks []*dag.Task
	for _, id := range []string{"a", "b", "shard[0]"} {
		tasks = append(tasks, &dag.Task{ID: id, Stage: id, Pool: "default", Argv: []string{"true"}, Outputs: []dag.Output{{Name: "out", Keep: true}}})
	}
	g, err := dag.New(tasks)
	if err != nil {
		tb.Fatal(err)
	}
	return &dag.Plan{Name: "fuzz", Tasks: tasks, Graph: g}
}
