package executor_test

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/executortest"
	"github.com/weirflow/weir/shm"
)

// producer writes output "out" of the given declared size.
func producer(id string, size int64, deps ...string) *dag.Task {
	t := task(id, deps...)
	t.Outputs = []dag.Output{{Name: "out", Size: size}}
	return t
}

// reader reads the "out" outputs of the given producers.
func reader(id string, from ...string) *dag.Task {
	t := task(id, from...)
	in := dag.Input{Name: "in"}
	for _, f := range from {
		in.From = append(in.From, dag.SegmentRef{Task: f, Output: "out"})
	}
	t.Inputs = []dag.Input{in}
	return t
}

func releases(calls []string) []string {
	var out []string
	for _, c := range calls {
		if strings.HasPrefix(c, "release ") {
			out = append(out, c)
		}
	}
	return out
}

// A segment is released as soon as its last reader has succeeded, not at
// the end of the run; kept and published ones, and unread ones, stay.
func TestSegmentReleasedAfterItsLastReader(t *testing.T) {
	kept := producer("kept", 0)
	kept.Outputs[0].Keep = true
	published := producer("published", 0)
	published.Outputs[0].Publish = "/out/p"
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)},
		producer("a", 0), reader("b", "a"), reader("c", "a"),
		task("late", "b", "c"), // runs after a's segment is gone
		kept, reader("kr", "kept"), published, reader("pr", "published"),
		producer("unread", 0),
	)
	h := newHarness(plan, sleepFor(0))
	h.mustRun(t)
	calls := h.segs.Calls()
	if got := releases(calls); !slices.Equal(got, []string{"release a.out"}) {
		t.Fatalf("releases %q", got)
	}
	at := slices.Index(calls, "release a.out")
	for _, before := range []string{"commit b", "commit c"} {
		if i := slices.Index(calls, before); i < 0 || i > at {
			t.Errorf("%s at %d, release at %d: %q", before, i, at, calls)
		}
	}
	if i := slices.Index(calls, "commit late"); i < at {
		t.Errorf("released after a later task: %q", calls)
	}
}

// A reader that fails keeps the segment for resume.
func TestSegmentKeptWhenAReaderFails(t *testing.T) {
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, producer("a", 0), reader("b", "a"), reader("c", "a"))
	h := newHarness(plan, exitOn("c", 1))
	h.opts.KeepGoing = true
	h.mustRun(t)
	if got := releases(h.segs.Calls()); len(got) != 0 {
		t.Errorf("released %q though c failed", got)
	}
}

// On tmpfs a live segment is memory: it counts against the budget until
// released, and a reader whose cap cannot fit beside it fails with a
// reason instead of waiting forever.
func TestSegmentsInRAMCountAgainstTheBudget(t *testing.T) {
	tests := []struct {
		name      string
		readerCap int64
		want      event.TaskState
	}{
		{"fits beside the segment", 300 * MiB, event.TaskSucceeded},
		{"cannot fit beside it", 600 * MiB, event.TaskFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := producer("a", 600*MiB)
			a.Memory = 700 * MiB
			b := reader("b", "a")
			b.Memory = tt.readerCap
			plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, a, b)
			h := newHarness(plan, sleepFor(0))
			h.opts.Budget = GiB
			h.segs.Room = shm.Space{Free: 10 * GiB, Total: 10 * GiB, InRAM: true}
			sum := h.mustRun(t)
			if got := states(sum)["b"]; got != tt.want {
				t.Fatalf("b %s, want %s", got, tt.want)
			}
			if tt.want == event.TaskFailed {
				r := sum.Task("b").Attempts[0]
				if r.Reason != event.StartFailed || !strings.Contains(r.Detail, "live segments in shm_dir") {
					t.Errorf("b ended %+v", r)
				}
			}
		})
	}
}

// The same segments on a disk take no budget.
func TestSegmentsOnDiskTakeNoBudget(t *testing.T) {
	a := producer("a", 600*MiB)
	a.Memory = 700 * MiB
	b := reader("b", "a")
	b.Memory = 600 * MiB
	h := newHarness(mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, a, b), sleepFor(0))
	h.opts.Budget = GiB
	if got := states(h.mustRun(t))["b"]; got != event.TaskSucceeded {
		t.Fatalf("b %s", got)
	}
}

// Producers wait for room in shm_dir while others that may still write
// run, and fail when nothing runs that could make room.
func TestProducersWaitForRoomInShmDir(t *testing.T) {
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, producer("a", 600*MiB), producer("b", 600*MiB), producer("huge", 2*GiB))
	h := newHarness(plan, sleepFor(10*time.Millisecond))
	h.segs.Room = shm.Space{Free: GiB, Total: 4 * GiB}
	sum := h.mustRun(t)
	events := h.journal.Events()
	// a and b each fit alone but not together: never running at once.
	running := map[string]bool{}
	for _, e := range events {
		if e.Kind != event.TaskChanged {
			continue
		}
		running[e.Task] = e.State == event.Running
		if running["a"] && running["b"] {
			t.Fatalf("a and b ran together in %d bytes of shm_dir", GiB)
		}
	}
	st := states(sum)
	if st["a"] != event.TaskSucceeded || st["b"] != event.TaskSucceeded {
		t.Errorf("states %v", st)
	}
	r := sum.Task("huge").Attempts[0]
	if st["huge"] != event.TaskFailed || r.Reason != event.StartFailed || !strings.Contains(r.Detail, "shm_dir has 1 GiB free") {
		t.Errorf("huge %s: %+v", st["huge"], r)
	}
}

// What can never fit is refused before anything starts: outputs larger
// than shm_dir, and on tmpfs a producer whose cap cannot hold its outputs.
func TestOutputRoomCheckedBeforeTheRun(t *testing.T) {
	tooBig := producer("too-big", 8*GiB)
	capped := producer("capped", 800*MiB)
	capped.Memory = 512 * MiB
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, tooBig, capped)
	h := newHarness(plan, sleepFor(0))
	h.segs.Room = shm.Space{Free: 4 * GiB, Total: 4 * GiB, InRAM: true}
	_, err := executor.Run(t.Context(), plan, h.opts)
	var capErr *executor.CapError
	if err == nil || !errors.As(err, &capErr) || capErr.Task != "capped" ||
		!strings.Contains(err.Error(), `task "too-big" could never start: its outputs declare 8 GiB, more than shm_dir holds in all (4 GiB)`) {
		t.Fatalf("Run: %v", err)
	}
	if n := len(h.fake.Specs()); n != 0 {
		t.Errorf("%d attempts started", n)
	}
}

// exitOn makes task id exit with code; every other task succeeds.
func exitOn(id string, code int) func(*executor.Spec) executortest.Behavior {
	return func(s *executor.Spec) executortest.Behavior {
		if s.Task.ID == id {
			return executortest.Behavior{Result: event.Result{Reason: event.Exit, ExitCode: code}}
		}
		return executortest.Behavior{}
	}
}

// A task that declares no memory gets a share of what live segments leave
// of the budget, instead of a share of the whole budget that could never
// fit beside them.
func TestShareCapShrinksBesideSegments(t *testing.T) {
	b := reader("b", "a")
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, producer("a", 100*MiB), b)
	h := newHarness(plan, sleepFor(0))
	h.opts.Budget = GiB
	h.segs.Room = shm.Space{Free: 10 * GiB, Total: 10 * GiB, InRAM: true}
	sum := h.mustRun(t)
	if st := states(sum); st["b"] != event.TaskSucceeded {
		t.Fatalf("states %v", st)
	}
	for _, sp := range h.fake.Specs() {
		want := GiB
		if sp.Task.ID == "b" {
			want = GiB - 100*MiB
		}
		if sp.Memory != want {
			t.Errorf("%s ran with a cap of %d MiB, want %d MiB", sp.Task.ID, sp.Memory/MiB, want/MiB)
		}
	}
}

// A segment larger than a hash chunk is hashed after its commit. When its
// readers finish first, the hashing stops and the release waits for it to
// let go of the file: a file still open elsewhere cannot be recycled, and
// would be removed instead of kept for reuse.
func TestReleaseWaitsForTheHash(t *testing.T) {
	shmDir, err := os.MkdirTemp("/dev/shm", "weir-executor-test-")
	if err != nil {
		t.Skipf("no /dev/shm: %v", err)
	}
	t.Cleanup(func() { shm.RemoveAll(shmDir) })
	const size = 256 << 20 // four hash chunks
	run, err := shm.OpenRun(shmDir, "r1")
	if err != nil {
		t.Fatal(err)
	}
	pages, err := shm.OpenPool(shmDir, "r1", size)
	if err != nil {
		t.Fatal(err)
	}
	run.Reuse(pages)
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, producer("a", size), reader("b", "a"))
	h := newHarness(plan, func(s *executor.Spec) executortest.Behavior {
		if s.Task.ID != "a" {
			return executortest.Behavior{}
		}
		return executortest.Behavior{OnWait: func() {
			path := run.Partial(dag.SegmentRef{Task: "a", Output: "out"})
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Error(err)
			}
			if err := os.Truncate(path, size); err != nil {
				t.Error(err)
			}
		}}
	})
	h.opts.Segments = run
	h.mustRun(t)
	if err := pages.Close(); err != nil {
		t.Fatal(err)
	}
	if got := pages.Held(); got != size {
		t.Errorf("the pool holds %d bytes, want the released segment's %d", got, size)
	}
}
