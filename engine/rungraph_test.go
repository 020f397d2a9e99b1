package engine

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/shmtest"
	"github.com/weirflow/weir/store"
)

// TestGraphAfterFirstStart: a run writes graph.json once its first task
// has started, not before (at a million tasks it took seconds the first
// task waited for), and before its end is recorded; a reader finds it
// whole whenever it is there. A run refused before any start still
// leaves it.
func TestGraphAfterFirstStart(t *testing.T) {
	for _, c := range []struct {
		name   string
		tasks  int
		memory int64 // each task's cap: above the pool's, the run is refused
		argv   string
	}{
		{name: "one task", tasks: 1},
		{name: "twenty tasks", tasks: 20},
		{name: "no task can start", tasks: 2, argv: "/nonexistent/weir-test-command"},
		{name: "refused before any start", tasks: 3, memory: 2 << 30},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := shmtest.TempDir(t)
			tasks := make([]*dag.Task, c.tasks)
			for i := range tasks {
				key := fmt.Sprint(i)
				tasks[i] = &dag.Task{ID: "work[" + key + "]", Stage: "work", Key: key, Keyed: true, Pool: "default",
					Argv: []string{cmp.Or(c.argv, "true")}, Memory: c.memory, Retry: dag.Retry{Attempts: 1}}
			}
			g, err := dag.New(tasks)
			if err != nil {
				t.Fatal(err)
			}
			plan := &dag.Plan{Name: "wide", Tasks: tasks, Graph: g,
				Pools:    []*dag.Pool{{Name: "default", Processes: 2, Memory: 1 << 30}},
				Settings: dag.Settings{StateDir: filepath.Join(root, "state"), ShmDir: filepath.Join(root, "shm")}}
			st, err := store.Open(plan.Settings.StateDir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			run, err := Prepare(Options{Plan: plan, Store: st, Enforcement: Watchdog})
			if err != nil {
				t.Fatal(err)
			}
			defer run.Close()
			path := filepath.Join(run.Dir, "graph.json")

			// Whenever graph.json is there, it is whole.
			var torn atomic.Value
			stop, polled := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(polled)
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := os.Stat(path); err == nil {
						if g, err := dag.ReadJSON(path); err != nil || len(g.Tasks) != c.tasks {
							torn.Store(fmt.Sprintf("read while there: %v", err))
						}
					}
					time.Sleep(time.Millisecond)
				}
			}()
			early, started, ended := "", false, false
			watch := event.JournalFunc(func(e event.Event) error {
				if e.Kind == event.RunEnded {
					// A run recorded as ended has its graph.
					_, err := os.Stat(path)
					ended = err == nil
				}
				if e.Kind == event.AttemptStarted || e.Kind == event.RunEnded {
					started = true
				}
				if started || early != "" {
					return nil
				}
				if _, err := os.Stat(path); err == nil {
					early = fmt.Sprintf("graph.json written by event %d (%s %s), before any task started", e.Seq, e.Kind, e.State)
				}
				return nil
			})
			_, err = run.Execute(t.Context(), nil, watch)
			refused := c.memory > 0
			if (err != nil) != refused {
				t.Fatalf("Execute: %v", err)
			}
			close(stop)
			<-polled
			if early != "" {
				t.Error(early)
			}
			if !ended && !refused {
				t.Error("the run's end was recorded before graph.json was written")
			}
			if s, ok := torn.Load().(string); ok {
				t.Error(s)
			}
			if g, err := dag.ReadJSON(path); err != nil || len(g.Tasks) != c.tasks {
				t.Errorf("after the run: %v", err)
			}
			if _, err := os.Stat(filepath.Join(run.Dir, "outline.json")); err != nil {
				t.Error(err)
			}
		})
	}
}
