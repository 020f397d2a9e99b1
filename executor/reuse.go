package executor

import (
	"errors"
	"fmt"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
)

// reuseChunk is how many reuses the loop records between two looks at the
// attempts: a chunk takes a few milliseconds, so a start or an end waits
// at most that long behind them.
const reuseChunk = 1024

// markReused marks the tasks Options.Reuse or Options.RunAgain reuse, with
// why, looking each task up once, and counts them. It refuses a task the
// plan does not have, and a reused task that reads a task that runs again.
func (s *scheduler) markReused(g *dag.Graph) (int, error) {
	named, why := s.o.Reuse, s.o.ReusedWhy
	reused := true // what naming a task in named means
	switch {
	case s.o.RunAgain != nil && s.o.Reuse != nil:
		return 0, errors.New("executor: Options.Reuse and Options.RunAgain cannot both be set")
	case s.o.RunAgain != nil:
		named, reused = nil, false
		for id := range s.o.RunAgain {
			if _, ok := g.Task(id); !ok {
				return 0, fmt.Errorf("executor: unknown task %q to run again", id)
			}
		}
	case len(s.o.Reuse) == 0:
		return 0, nil
	}
	found, n := 0, 0
	for _, t := range s.tasks {
		var ok bool
		if reused {
			why, ok = named[t.t.ID]
		} else {
			ok = s.o.RunAgain[t.t.ID]
		}
		if ok {
			found++
		}
		if ok == reused {
			t.reused, t.message = true, why
			n++
		}
	}
	if reused && found < len(named) {
		for id := range named {
			if _, ok := g.Task(id); !ok {
				return 0, fmt.Errorf("executor: reuse of unknown task %q", id)
			}
		}
	}
	for i, t := range s.tasks {
		if !t.reused {
			continue
		}
		for _, d := range g.PredecessorsAt(i) {
			if dep := s.tasks[d]; !dep.reused {
				return 0, fmt.Errorf("executor: task %q cannot be reused while %q, which it reads, runs again", t.t.ID, dep.t.ID)
			}
		}
	}
	return n, nil
}

// settleReused ends at once, in memory, every task an earlier run finished
// and resume keeps (Options.Reuse), and counts it done for the tasks after
// it. Their events are recorded later (recordReused): a resume of a run of
// a million tasks would otherwise queue a million events in the store, and
// wait for their commits, before it started the one task it runs again.
// Declaration order is a topological order only for the reused set's own
// checks, so every reused task is settled before anything is made ready.
func (s *scheduler) settleReused() {
	if s.reusing == 0 {
		s.reusedAt = len(s.tasks)
		return
	}
	for _, t := range s.tasks {
		if !t.reused {
			continue
		}
		if err := event.CheckTransition(t.state, event.Reused); err != nil {
			s.fail(fmt.Errorf("executor: internal: task %q: %w", t.t.ID, err))
			return
		}
		t.state = event.Reused
		for _, d := range t.succ {
			d.deps--
		}
	}
}

// recordReused records the reuse of up to n tasks settleReused ended that
// are not recorded yet, in declaration order; n < 0 records them all. After
// a journal failure nothing more is recorded, as setState does.
func (s *scheduler) recordReused(n int) {
	for ; s.reusedAt < len(s.tasks) && n != 0 && !s.journalBroken; s.reusedAt++ {
		t := s.tasks[s.reusedAt]
		if t.state != event.Reused {
			continue
		}
		s.record(event.Event{Kind: event.TaskChanged, Task: t.t.ID, State: event.Reused, Message: t.message})
		n--
	}
}

// reuseLeft is a channel ready at once while reuses are left to record and
// no attempt is starting, else nil: the loop records a chunk between the
// other things it handles, and never before a starting attempt's start
// is recorded.
func (s *scheduler) reuseLeft() <-chan struct{} {
	if s.starting > 0 || s.reusedAt >= len(s.tasks) || s.journalBroken {
		return nil
	}
	return closed
}

// closed is a channel that is always ready.
var closed = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()
