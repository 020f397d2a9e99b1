package executortest

import (
	"errors"
	"fmt"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
)

// Check replays the events of one run of plan and reports every broken
// invariant: sequence numbers not increasing; a task change that
// CheckTransition refuses or names an unknown task; an attempt started while
// its task is not running; at any instant, more attempts running in a pool
// than its processes, or running caps adding up to more than its memory or
// (over the pools executor.Budgeted counts) more than budget (0 =
// unlimited); and, once RunEnded is recorded, a task not final or an attempt
// never ended. An attempt counts from its AttemptStarted to its
// AttemptEnded, with the memory AttemptStarted gives.
func Check(plan *dag.Plan, budget int64, events []event.Event) error {
	var errs []error
	bad := func(e event.Event, format string, a ...any) {
		errs = append(errs, fmt.Errorf("event %d (%s %s): %s", e.Seq, e.Kind, e.Task, fmt.Sprintf(format, a...)))
	}
	type attempt struct {
		pool   *dag.Pool
		memory int64
	}
	state := make(map[string]event.TaskState)
	pools := make(map[string]*dag.Pool)
	for _, t := range plan.Tasks {
		state[t.ID] = event.Pending
		pools[t.ID] = plan.Pool(t.Pool)
	}
	running := make(map[string]attempt) // by task: at most one attempt at a time
	slots := make(map[*dag.Pool]int)
	memory := make(map[*dag.Pool]int64)
	var used int64
	var last uint64
	ended := false
	for _, e := range events {
		if e.Seq <= last {
			bad(e, "sequence number not above the previous %d", last)
		}
		last = e.Seq
		if e.Task != "" {
			if _, ok := state[e.Task]; !ok {
				bad(e, "unknown task")
				continue
			}
		}
		switch e.Kind {
		case event.TaskChanged:
			if err := event.CheckTransition(state[e.Task], e.State); err != nil {
				bad(e, "%v", err)
			}
			state[e.Task] = e.State
		case event.AttemptStarted:
			if state[e.Task] != event.Running {
				bad(e, "attempt started while the task is %s", state[e.Task])
			}
			if _, dup := running[e.Task]; dup {
				bad(e, "attempt started while another runs")
			}
			p := pools[e.Task]
			running[e.Task] = attempt{p, e.Memory}
			slots[p]++
			memory[p] += e.Memory
			if executor.Budgeted(p) {
				used += e.Memory
			}
			if slots[p] > p.Processes {
				bad(e, "%d attempts running in pool %q of %d processes", slots[p], p.Name, p.Processes)
			}
			if p.Memory > 0 && memory[p] > p.Memory {
				bad(e, "caps of %d bytes running in pool %q of %d bytes", memory[p], p.Name, p.Memory)
			}
			if budget > 0 && used > budget {
				bad(e, "caps of %d bytes running against a budget of %d bytes", used, budget)
			}
		case event.AttemptEnded:
			a, ok := running[e.Task]
			if !ok {
				continue // never started: Start failed
			}
			delete(running, e.Task)
			slots[a.pool]--
			memory[a.pool] -= a.memory
			if executor.Budgeted(a.pool) {
				used -= a.memory
			}
		case event.RunEnded:
			ended = true
		}
	}
	if ended {
		for _, t := range plan.Tasks {
			if !state[t.ID].Final() {
				errs = append(errs, fmt.Errorf("task %s ended the run %s", t.ID, state[t.ID]))
			}
		}
		for id := range running {
			errs = append(errs, fmt.Errorf("task %s: an attempt never ended", id))
		}
	}
	return errors.Join(errs...)
}
