package executor_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/internal/units"
)

func TestCapNeverFits(t *testing.T) {
	tests := []struct {
		name   string
		pool   *dag.Pool
		memory int64
		budget int64
		limit  int64
		what   string
	}{
		{"bigger than its pool", pool("p", 2, 4*GiB), 5 * GiB, 0, 4 * GiB, `pool "p" memory`},
		{"bigger than the budget", pool("p", 2, 0), 5 * GiB, 4 * GiB, 4 * GiB, "the memory budget"},
		{"pool fits, budget doesn't", pool("p", 2, 8*GiB), 5 * GiB, 4 * GiB, 4 * GiB, "the memory budget"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			big := task("big")
			big.Memory = tt.memory
			plan := mkPlan(t, []*dag.Pool{tt.pool}, task("small"), big)
			h := newHarness(plan, nil)
			h.opts.Budget = tt.budget
			sum, err := executor.Run(context.Background(), plan, h.opts)
			var ce *executor.CapError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *CapError", err)
			}
			if ce.Task != "big" || ce.Cap != tt.memory || ce.Limit != tt.limit || ce.What != tt.what {
				t.Errorf("CapError %+v", ce)
			}
			for _, part := range []string{`"big"`, units.Size(tt.memory), units.Size(tt.limit), tt.what} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("message %q lacks %q", err, part)
				}
			}
			if sum != nil || len(h.fake.Specs()) != 0 || len(h.journal.Events()) != 0 {
				t.Error("something ran or was recorded before the cap check")
			}
		})
	}
}

func TestCapNeverFitsNamesEveryTask(t *testing.T) {
	a, b := task("a"), task("b")
	a.Memory, b.Memory = 3*GiB, 5*GiB
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 2*GiB)}, a, b)
	_, err := executor.Run(context.Background(), plan, newHarness(plan, nil).opts)
	if err == nil || !strings.Contains(err.Error(), `"a"`) || !strings.Contains(err.Error(), `"b"`) {
		t.Fatalf("err = %v, want both tasks named", err)
	}
}

func TestFairShareCaps(t *testing.T) {
	slurm := pool("p", 4, 0)
	slurm.Executor = "slurm"
	tests := []struct {
		name     string
		pool     *dag.Pool
		budget   int64
		declared int64
		want     int64
	}{
		{"declared cap", pool("p", 2, 4*GiB), 0, 700 * MiB, 700 * MiB},
		{"share of the pool", pool("p", 2, 4*GiB), 0, 0, 2 * GiB},
		{"share of the pool, within the budget", pool("p", 2, 4*GiB), 16 * GiB, 0, 2 * GiB},
		{"pool share clamped to the budget", pool("p", 1, 8*GiB), 4 * GiB, 0, 4 * GiB},
		{"share of the budget", pool("p", 3, 0), 3 * GiB, 0, GiB},
		{"no pool memory, no budget: no cap", pool("p", 2, 0), 0, 0, 0},
		{"slurm pools are outside the budget", slurm, 4 * GiB, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := task("a")
			tk.Memory = tt.declared
			plan := mkPlan(t, []*dag.Pool{tt.pool}, tk)
			h := newHarness(plan, nil)
			h.opts.Budget = tt.budget
			sum := h.mustRun(t)
			specs := h.fake.Specs()
			if len(specs) != 1 || specs[0].Memory != tt.want {
				t.Fatalf("spec caps %v, want %d", specs, tt.want)
			}
			if got := h.journal.Await(t, "attempt", isTask(event.AttemptStarted, "a", "")).Memory; got != tt.want {
				t.Errorf("journal cap %d, want %d", got, tt.want)
			}
			if sum.Task("a").Memory != tt.want {
				t.Errorf("summary cap %d, want %d", sum.Task("a").Memory, tt.want)
			}
		})
	}
}

// TestFairShareFillsPool: tasks without a cap in a pool with memory run
// Processes at a time, each with an equal share.
func TestFairShareFillsPool(t *testing.T) {
	var tasks []*dag.Task
	for i := range 9 {
		tasks = append(tasks, task(fmt.Sprintf("t%d", i)))
	}
	plan := mkPlan(t, []*dag.Pool{pool("p", 3, 3*GiB)}, tasks...)
	h := newHarness(plan, sleepFor(20*time.Millisecond)) // every slot fills, even under load
	h.mustRun(t)
	if peak := maxRunning(plan, h.journal.Events())["p"]; peak != 3 {
		t.Errorf("peak %d running, want 3", peak)
	}
}
