package executor_test

import (
	"os"
	"strings"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/executortest"
	"github.com/weirflow/weir/shm"
)

// TestShortOutputFailsProducer: with real segments, a producer that exits
// 0 having written less than its output's min_size fails with
// output_missing naming both sizes, its partial file is discarded, and its
// reader never starts; written in full, the reader runs.
func TestShortOutputFailsProducer(t *testing.T) {
	const want = 64 << 10
	tests := []struct {
		name    string
		write   int
		reason  event.Reason
		detail  string
		readers int
	}{
		{"short", want - 1, event.OutputMissing, "wrote 64 KiB (65535 bytes), less than its min_size of 64 KiB (65536 bytes)", 0},
		{"in full", want, event.Succeeded, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, err := shm.OpenRun(t.TempDir(), "r1")
			if err != nil {
				t.Fatal(err)
			}
			p := producer("a", want)
			p.Outputs[0].MinSize = want
			plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, p, reader("b", "a"))
			readers := 0
			h := newHarness(plan, func(s *executor.Spec) executortest.Behavior {
				if s.Task.ID != "a" {
					readers++
					return executortest.Behavior{}
				}
				return executortest.Behavior{OnWait: func() {
					if err := os.WriteFile(run.Partial(dag.SegmentRef{Task: "a", Output: "out"}), make([]byte, tt.write), 0o600); err != nil {
						t.Error(err)
					}
				}}
			})
			h.opts.Segments = run
			sum := h.mustRun(t)
			a := sum.Task("a")
			if len(a.Attempts) != 1 || a.Attempts[0].Reason != tt.reason || !strings.Contains(a.Attempts[0].Detail, tt.detail) {
				t.Fatalf("a: %+v, want %s with %q", a.Attempts, tt.reason, tt.detail)
			}
			if readers != tt.readers {
				t.Errorf("the reader started %d times, want %d", readers, tt.readers)
			}
			if tt.reason != event.Succeeded {
				if _, err := os.Stat(run.Partial(dag.SegmentRef{Task: "a", Output: "out"})); err == nil {
					t.Error("the short output was not discarded")
				}
			}
		})
	}
}
