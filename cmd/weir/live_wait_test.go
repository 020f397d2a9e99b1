package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
)

// The waiting panel replays admission only until every pool is settled,
// and counts the rest: on random pools, budgets, caps, retries and states,
// its counts and rows must be those of a replay of every ready task.
func TestLiveWaitingStopsEarlyExactly(t *testing.T) {
	const MiB = int64(1) << 20
	rng := rand.New(rand.NewPCG(21, 5))
	for i := range 300 {
		pools, budget := randomPools(rng, 4)
		var tasks []*dag.Task
		for n := range 5 + rng.IntN(60) {
			task := &dag.Task{ID: fmt.Sprintf("t%d", n), Stage: "s", Argv: []string{"true"},
				Retry: dag.Retry{Attempts: 3, Backoff: time.Duration(rng.IntN(3)) * time.Second}}
			task.Pool = pools[rng.IntN(len(pools))].Name
			if rng.IntN(2) == 0 {
				task.Memory = int64(1+rng.IntN(400)) * MiB
			}
			tasks = append(tasks, task)
		}
		g, err := dag.New(tasks)
		if err != nil {
			t.Fatal(err)
		}
		plan := &dag.Plan{Name: "wait", Pools: pools, Tasks: tasks, Graph: g}
		st := newLiveState(plan, t.TempDir(), budget)
		st.apply(event.Event{Kind: event.RunStarted, Time: scriptStart, RunID: "r"})
		for _, task := range tasks {
			at := scriptStart.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
			switch rng.IntN(5) {
			case 0: // still pending
			case 1:
				st.apply(event.Event{Kind: event.TaskChanged, Task: task.ID, State: event.Running, Attempt: 1, Memory: task.Memory, Time: at})
			case 2:
				st.apply(event.Event{Kind: event.TaskChanged, Task: task.ID, State: event.Ready, Attempt: 2, Time: at})
			default:
				st.apply(event.Event{Kind: event.TaskChanged, Task: task.ID, State: event.Ready, Attempt: 1, Time: at})
			}
		}
		now := scriptStart.Add(time.Duration(rng.IntN(4000)) * time.Millisecond)
		keep := rng.IntN(4)
		got, all := st.waiting(now, keep), st.waiting(now, math.MaxInt)
		if got.counts != all.counts || got.total != all.total {
			t.Errorf("case %d: counts %v of %d, replaying all %v of %d", i, got.counts, got.total, all.counts, all.total)
		}
		want := all.shown[:min(keep, len(all.shown))]
		if diff := cmp.Diff(want, got.shown, cmpopts.EquateEmpty(), cmp.AllowUnexported(liveWait{}, liveTask{}), cmp.Comparer(func(a, b *liveTask) bool { return a == b })); diff != "" {
			t.Errorf("case %d: rows differ (-all +got):\n%s", i, diff)
		}
	}
}
