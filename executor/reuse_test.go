package executor_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
)

// reuseCase is a resume of reused tasks r0, r1, ... and tasks run again
// ("x" after r0, "y" after x), whose journal refuses the failAt-th reuse
// (0: none).
type reuseCase struct {
	name      string
	reused    int
	again     []string
	failAt    int
	wantStart []string
}

// TestReuseRecordedAfterStart: a resume's reused tasks are recorded after
// the first attempt's start, not before it (a million of them held the
// first start back by their commits), and all before the run ends, named
// by the tasks reused (Options.Reuse) or by those that run again
// (Options.RunAgain).
func TestReuseRecordedAfterStart(t *testing.T) {
	for _, c := range []reuseCase{
		{name: "one task again among many reused", reused: 5000, again: []string{"x"}, wantStart: []string{"x"}},
		{name: "a chain after the reused", reused: 3000, again: []string{"x", "y"}, wantStart: []string{"x", "y"}},
		{name: "everything reused", reused: 3000},
		{name: "the journal fails among the reuses", reused: 3000, again: []string{"x"}, failAt: 2000, wantStart: []string{"x"}},
	} {
		for _, byAgain := range []bool{false, true} {
			name := c.name
			if byAgain {
				name += ", named by what runs again"
			}
			t.Run(name, func(t *testing.T) { c.check(t, byAgain) })
		}
	}
}

func (c reuseCase) check(t *testing.T, byAgain bool) {
	const why = "unchanged since run r0"
	var tasks []*dag.Task
	reuse := map[string]string{}
	for i := range c.reused {
		id := fmt.Sprintf("r%d", i)
		tasks = append(tasks, task(id))
		reuse[id] = why
	}
	for i, id := range c.again {
		dep := "r0"
		if i > 0 {
			dep = c.again[i-1]
		}
		tasks = append(tasks, task(id, dep))
	}
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, tasks...)
	h := newHarness(plan, nil)
	h.opts.Reuse = reuse
	if byAgain {
		h.opts.Reuse, h.opts.RunAgain, h.opts.ReusedWhy = nil, map[string]bool{}, why
		for _, id := range c.again {
			h.opts.RunAgain[id] = true
		}
	}
	seen := 0
	h.journal.Fail = func(e event.Event) error {
		if e.State == event.Reused {
			if seen++; seen == c.failAt {
				return errors.New("disk full")
			}
		}
		return nil
	}
	sum, err := h.run(t, t.Context())
	if c.failAt > 0 {
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("err = %v, want the journal's", err)
		}
	} else if err != nil || !sum.OK() {
		t.Fatalf("err = %v, summary %+v", err, sum)
	}
	events := h.journal.Events()
	if got := startOrder(events); !slices.Equal(got, c.wantStart) {
		t.Errorf("started %v, want %v", got, c.wantStart)
	}
	firstStart, reusedBefore, reused := -1, 0, 0
	for i, e := range events {
		switch {
		case e.Kind == event.AttemptStarted && firstStart < 0:
			firstStart = i
		case e.State == event.Reused:
			reused++
			if firstStart < 0 {
				reusedBefore++
			}
		case e.Kind == event.RunEnded && i != len(events)-1:
			t.Errorf("RunEnded is event %d of %d", i+1, len(events))
		}
	}
	if firstStart >= 0 && reusedBefore > 0 {
		t.Errorf("%d reuses recorded before the first start", reusedBefore)
	}
	want := c.reused
	if c.failAt > 0 {
		want = c.failAt - 1
	}
	if reused != want {
		t.Errorf("%d reuses recorded, want %d", reused, want)
	}
	if r0 := sum.Task("r0"); r0.State != event.Reused || r0.Message != why {
		t.Errorf("r0: %+v", r0)
	}
}

// TestReuseRefused: a reuse the plan cannot honour is refused before
// anything starts.
func TestReuseRefused(t *testing.T) {
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, task("a"), task("b", "a"), task("c", "b"))
	for _, c := range []struct {
		reuse map[string]string
		again map[string]bool
		want  string
	}{
		{reuse: map[string]string{"a": "", "zz": ""}, want: `reuse of unknown task "zz"`},
		{reuse: map[string]string{"b": ""}, want: `"b" cannot be reused while "a"`},
		{reuse: map[string]string{"a": "", "c": ""}, want: `"c" cannot be reused while "b"`},
		{again: map[string]bool{"zz": true}, want: `unknown task "zz" to run again`},
		{again: map[string]bool{"a": true}, want: `"b" cannot be reused while "a"`},
		{again: map[string]bool{"b": true}, want: `"c" cannot be reused while "b"`},
		{reuse: map[string]string{"a": ""}, again: map[string]bool{}, want: "cannot both be set"},
	} {
		h := newHarness(plan, nil)
		h.opts.Reuse, h.opts.RunAgain = c.reuse, c.again
		if _, err := executor.Run(t.Context(), plan, h.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("reuse %v, again %v: err = %v, want %q", c.reuse, c.again, err, c.want)
		}
		if n := len(h.fake.Specs()); n != 0 {
			t.Errorf("reuse %v, again %v: %d attempts started", c.reuse, c.again, n)
		}
	}
}
