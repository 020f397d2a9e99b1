package executor_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/executortest"
)

// asyncJournal is an Appender whose events become durable only when
// commit is called, as a store's group commit would make them.
type asyncJournal struct {
	executortest.Journal
	mu      sync.Mutex
	durable uint64 // highest Seq made durable
	cond    *sync.Cond
	fail    error
	onWait  func(e event.Event) // called as a wait begins
	// waitsFail: fail only reaches waits, as when a commit fails while
	// the events are already queued; appends go on being accepted.
	waitsFail bool
}

func newAsyncJournal() *asyncJournal {
	j := &asyncJournal{}
	j.cond = sync.NewCond(&j.mu)
	return j
}

func (j *asyncJournal) Append(e event.Event) (func() error, error) {
	j.mu.Lock()
	err := j.fail
	j.mu.Unlock()
	if err != nil && !j.waitsFail {
		return nil, err // as a store whose commit failed refuses more
	}
	if err := j.Journal.Record(e); err != nil {
		return nil, err
	}
	return func() error {
		if j.onWait != nil {
			j.onWait(e)
		}
		j.mu.Lock()
		defer j.mu.Unlock()
		for j.durable < e.Seq && j.fail == nil {
			j.cond.Wait()
		}
		return j.fail
	}, nil
}

// commitAll makes everything appended so far durable.
func (j *asyncJournal) commitAll() {
	events := j.Events()
	j.mu.Lock()
	if len(events) > 0 {
		j.durable = events[len(events)-1].Seq
	}
	j.cond.Broadcast()
	j.mu.Unlock()
}

func (j *asyncJournal) failAll(err error) {
	j.mu.Lock()
	j.fail = err
	j.cond.Broadcast()
	j.mu.Unlock()
}

// TestAppenderStartsOnlyWhenDurable: with a journal that commits later, no
// attempt starts before its running transition (and all before it) is
// durable, and the run still completes.
func TestAppenderStartsOnlyWhenDurable(t *testing.T) {
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, task("a"), task("b", "a"), task("c", "a"))
	h := newHarness(plan, nil)
	j := newAsyncJournal()
	h.opts.Journal = j
	var mu sync.Mutex
	var violations []string
	h.fake.Behave = func(s *executor.Spec) executortest.Behavior {
		j.mu.Lock()
		durable := j.durable
		j.mu.Unlock()
		for _, e := range j.Events() {
			if e.Kind == event.TaskChanged && e.State == event.Running && e.Task == s.Task.ID && e.Attempt == s.Attempt && e.Seq > durable {
				mu.Lock()
				violations = append(violations, s.Task.ID)
				mu.Unlock()
			}
		}
		return executortest.Behavior{}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-done:
				return
			default:
				j.commitAll()
			}
		}
	}()
	sum, err := executor.Run(t.Context(), plan, h.opts)
	if err != nil || !sum.OK() {
		t.Fatalf("%v %+v", err, sum)
	}
	if len(violations) > 0 {
		t.Errorf("started before their running transition was durable: %v", violations)
	}
}

// TestAppenderFailureStopsTheRun: when the journal cannot make a start
// durable, that attempt never starts and Run returns the journal's error.
func TestAppenderFailureStopsTheRun(t *testing.T) {
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, task("a"), task("b", "a"))
	h := newHarness(plan, nil)
	j := newAsyncJournal()
	h.opts.Journal = j
	j.waitsFail = true
	j.failAll(errors.New("disk full"))
	sum, err := executor.Run(t.Context(), plan, h.opts)
	if err == nil || !strings.Contains(err.Error(), "recording a running: disk full") {
		t.Fatalf("err = %v", err)
	}
	if n := len(h.fake.Specs()); n != 0 {
		t.Errorf("%d attempts started without a durable record", n)
	}
	if sum != nil && sum.OK() {
		t.Errorf("summary says OK: %+v", sum)
	}
}

// TestAppenderLocalRunnerWaitsForNoCommit: a runner that does not wait for
// Durable (the local runner) runs a whole chain while the journal commits
// nothing; only the end of the run waits, and then everything is durable.
func TestAppenderLocalRunnerWaitsForNoCommit(t *testing.T) {
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, task("a"), task("b", "a"), task("c", "b"))
	h := newHarness(plan, nil)
	h.fake.Local = true
	j := newAsyncJournal()
	h.opts.Journal = j
	j.onWait = func(e event.Event) {
		if e.Kind != event.RunEnded {
			t.Errorf("waited for %s %s to be durable", e.Kind, e.Task)
		}
		j.commitAll()
	}
	sum, err := executor.Run(t.Context(), plan, h.opts)
	if err != nil || !sum.OK() {
		t.Fatalf("%v %+v", err, sum)
	}
	events := j.Events()
	if last := events[len(events)-1]; j.durable != last.Seq || last.Kind != event.RunEnded {
		t.Errorf("Run returned with events up to %d durable, the last is %d (%s)", j.durable, last.Seq, last.Kind)
	}
}

// TestAppenderFailureStopsLocalAttempts: when the journal fails while local
// attempts run, nothing more starts and Run returns the journal's error.
func TestAppenderFailureStopsLocalAttempts(t *testing.T) {
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, task("a"), task("b", "a"))
	h := newHarness(plan, nil)
	h.fake.Local = true
	j := newAsyncJournal()
	h.opts.Journal = j
	h.fake.Behave = func(*executor.Spec) executortest.Behavior {
		j.failAll(errors.New("disk full")) // while a runs
		return executortest.Behavior{}
	}
	sum, err := executor.Run(t.Context(), plan, h.opts)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
	if n := len(h.fake.Specs()); n != 1 {
		t.Errorf("%d attempts started, want only a's", n)
	}
	if sum != nil && sum.OK() {
		t.Errorf("summary says OK: %+v", sum)
	}
}
