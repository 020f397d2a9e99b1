package executor_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/executortest"
)

// reattaching is a fake cluster runner: jobs named in known can be found
// again; Start submits new ones.
type reattaching struct {
	*executortest.Fake
	known map[string]event.Result // state -> how that job ends

	mu       sync.Mutex
	attached []string
}

func (r *reattaching) Reattach(_ context.Context, s *executor.Spec, state []byte) (executor.Handle, error) {
	res, ok := r.known[string(state)]
	if !ok {
		return nil, errors.New("no such job")
	}
	r.mu.Lock()
	r.attached = append(r.attached, s.Task.ID)
	r.mu.Unlock()
	return executortest.NewHandle(s, executortest.Behavior{Result: res}), nil
}

// A resumed run finds the attempts an earlier engine left running instead
// of starting them again; one the runner lost is started anew.
func TestReattach(t *testing.T) {
	plan := mkPlan(t, []*dag.Pool{pool("p", 4, 0)}, task("running"), task("ended"), task("gone"), task("fresh"))
	h := newHarness(plan, sleepFor(0))
	r := &reattaching{Fake: h.fake, known: map[string]event.Result{
		`{"job":"1"}`: {},
		`{"job":"2"}`: {Reason: event.Exit, ExitCode: 3},
	}}
	h.opts.Runners = map[string]executor.Runner{"local": r}
	h.opts.Reattach = map[string][]byte{
		"running": []byte(`{"job":"1"}`),
		"ended":   []byte(`{"job":"2"}`),
		"gone":    []byte(`{"job":"3"}`),
	}
	sum := h.mustRun(t)
	st := states(sum)
	if st["running"] != event.TaskSucceeded || st["ended"] != event.TaskFailed || st["gone"] != event.TaskSucceeded || st["fresh"] != event.TaskSucceeded {
		t.Errorf("states %v", st)
	}
	var started []string
	for _, sp := range h.fake.Specs() {
		started = append(started, sp.Task.ID)
	}
	if len(started) != 2 || !contains(started, "gone") || !contains(started, "fresh") {
		t.Errorf("Start called for %v, want gone and fresh", started)
	}
	if len(r.attached) != 2 {
		t.Errorf("reattached %v", r.attached)
	}
	if len(h.opts.Reattach) != 3 {
		t.Error("Run changed the caller's Reattach map")
	}
	recorded := false
	for _, e := range h.journal.Events() {
		if e.Kind == event.AttemptStarted && e.Task == "running" {
			recorded = string(e.Handle) == `{"fake":"running","attempt":1}`
		}
	}
	if !recorded {
		t.Error("the reattached attempt was not recorded started with its handle")
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
