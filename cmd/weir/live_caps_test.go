package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/executortest"
)

// TestLiveCapsMatchTheScheduler runs random workflows through the real
// scheduler and replays its journal into the live view: the cap the view
// shows a ready task waiting for must be the cap the scheduler then starts
// it with, whatever mix of pool memory, budget and declared caps.
func TestLiveCapsMatchTheScheduler(t *testing.T) {
	const MiB = int64(1) << 20
	rng := rand.New(rand.NewPCG(19, 40))
	for i := range 40 {
		pools, budget := randomPools(rng, 0)
		var tasks []*dag.Task
		for n := range 2 + rng.IntN(12) {
			task := &dag.Task{ID: fmt.Sprintf("t%d", n), Stage: "s", Argv: []string{"true"}}
			pool := pools[rng.IntN(len(pools))]
			task.Pool = pool.Name
			if rng.IntN(3) == 0 {
				limit := pool.Memory
				if limit == 0 || (budget > 0 && budget < limit) {
					limit = budget
				}
				if limit == 0 {
					limit = 1024 * MiB
				}
				task.Memory = 1 + rng.Int64N(limit)
			}
			if n > 0 && rng.IntN(2) == 0 {
				task.Deps = []string{fmt.Sprintf("t%d", rng.IntN(n))}
			}
			tasks = append(tasks, task)
		}
		g, err := dag.New(tasks)
		if err != nil {
			t.Fatal(err)
		}
		plan := &dag.Plan{Name: "caps", Pools: pools, Tasks: tasks, Graph: g}

		journal := &executortest.Journal{}
		fake := &executortest.Fake{Local: true, Behave: func(*executor.Spec) executortest.Behavior { return executortest.Behavior{} }}
		_, err = executor.Run(context.Background(), plan, executor.Options{
			RunID:    "r",
			Runners:  map[string]executor.Runner{"local": fake},
			Budget:   budget,
			Journal:  journal,
			Layout:   executortest.Layout{Dir: t.TempDir()},
			Segments: &executortest.Segments{},
			After:    func(time.Duration) <-chan time.Time { return time.After(0) },
		})
		if err != nil {
			t.Fatalf("workflow %d: %v", i, err)
		}

		live := newLiveState(plan, t.TempDir(), budget)
		for _, e := range journal.Events() {
			if e.Kind == event.TaskChanged && e.State == event.Running {
				if shown := live.tasks[e.Task].cap; shown != e.Memory {
					t.Errorf("workflow %d, %s: the live view showed a cap of %d, the scheduler started it with %d (pool %+v, budget %d)",
						i, e.Task, shown, e.Memory, *pools[0], budget)
				}
			}
			live.apply(e)
		}
	}
}

// randomPools makes one to three local pools, some with a memory cap, and
// a memory budget or none; with slurmOneIn > 0, one pool in that many runs
// on Slurm, outside the budget.
func randomPools(rng *rand.Rand, slurmOneIn int) ([]*dag.Pool, int64) {
	const MiB = int64(1) << 20
	var pools []*dag.Pool
	for p := range 1 + rng.IntN(3) {
		pool := &dag.Pool{Name: fmt.Sprintf("p%d", p), Executor: "local", Processes: 1 + rng.IntN(4)}
		if slurmOneIn > 0 && rng.IntN(slurmOneIn) == 0 {
			pool.Executor = "slurm"
		}
		if rng.IntN(2) == 0 {
			pool.Memory = int64(64+rng.IntN(512)) * MiB
		}
		pools = append(pools, pool)
	}
	budget := int64(0)
	if rng.IntN(2) == 0 {
		budget = int64(600+rng.IntN(2048)) * MiB
	}
	return pools, budget
}
