package executor_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/executortest"
)

func TestSpecAndEnv(t *testing.T) {
	shard0, shard1 := dag.SegmentRef{Task: "shard[0]", Output: "part"}, dag.SegmentRef{Task: "shard[1]", Output: "part"}
	rows := dag.SegmentRef{Task: "extract", Output: "rows"}
	self := dag.SegmentRef{Task: "reduce[eu]", Output: "report"}
	var tasks []*dag.Task
	for _, id := range []string{"extract", "shard[0]", "shard[1]"} {
		tasks = append(tasks, task(id))
	}
	reduce := task("reduce[eu]", "extract", "shard[0]", "shard[1]")
	reduce.Stage, reduce.Key, reduce.Keyed = "reduce", "eu", true
	reduce.Pool = "cpu"
	reduce.Argv = []string{"reduce", "--rows=" + dag.Placeholder(rows), dag.Placeholder(self)}
	reduce.Dir = "/work/flow"
	reduce.Env = map[string]string{"LC_ALL": "C", "ROWS": dag.Placeholder(rows), "HOME": "/declared"}
	reduce.EnvPassthrough = []string{"PATH", "HOME", "NOT_SET"}
	reduce.Inputs = []dag.Input{{Name: "parts", From: []dag.SegmentRef{shard0, shard1}}, {Name: "rows", From: []dag.SegmentRef{rows}}}
	reduce.Outputs = []dag.Output{{Name: "report"}}
	reduce.Memory = 3 * GiB
	reduce.Timeout, reduce.Grace = time.Minute, 2*time.Second
	tasks = append(tasks, reduce)
	cpu := pool("cpu", 1, 0)
	cpu.CPUSet = []int{0, 1}
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0), cpu}, tasks...)

	h := newHarness(plan, nil)
	h.opts.Env = []string{"PATH=/usr/bin:/bin", "HOME=/root", "AWS_SECRET_ACCESS_KEY=hunter2", "TMPDIR=/tmp", "PATH=/opt/bin"}
	var preparedFirst bool
	h.fake.Behave = func(s *executor.Spec) executortest.Behavior {
		if s.Task.ID == "reduce[eu]" {
			preparedFirst = slices.Contains(h.segs.Calls(), "prepare reduce[eu]")
		}
		return executortest.Behavior{}
	}
	h.mustRun(t)

	var s *executor.Spec
	for _, sp := range h.fake.Specs() {
		if sp.Task.ID == "reduce[eu]" {
			s = sp
		}
	}
	if !preparedFirst {
		t.Error("Segments.Prepare not called before Start")
	}
	wantEnv := []string{
		"HOME=/declared", // declared wins over passthrough
		"LC_ALL=C",
		"PATH=/opt/bin", // the engine's last PATH, as exec would see it
		"ROWS=/seg/extract/rows",
		"TMPDIR=/state/tmp/cpu.0",
		"WEIR_ATTEMPT=1",
		"WEIR_EACH_KEY=eu",
		"WEIR_INPUT_PARTS=/seg/shard[0]/part\n/seg/shard[1]/part",
		"WEIR_INPUT_ROWS=/seg/extract/rows",
		"WEIR_OUTPUT_REPORT=/seg/reduce[eu]/report.partial",
		"WEIR_RUN_ID=r1",
		"WEIR_STAGE=reduce",
		"WEIR_TASK=reduce[eu]",
		"WEIR_TMPDIR=/state/tmp/cpu.0",
	}
	if !slices.Equal(s.Env, wantEnv) {
		t.Errorf("env:\n%q\nwant:\n%q", s.Env, wantEnv)
	}
	wantArgv := []string{"reduce", "--rows=/seg/extract/rows", "/seg/reduce[eu]/report.partial"}
	if !slices.Equal(s.Argv, wantArgv) {
		t.Errorf("argv %q, want %q", s.Argv, wantArgv)
	}
	if s.RunID != "r1" || s.Attempt != 1 || s.Dir != "/work/flow" || s.Memory != 3*GiB ||
		!slices.Equal(s.CPUSet, []int{0, 1}) || s.Timeout != time.Minute || s.Grace != 2*time.Second ||
		s.TmpDir != "/state/tmp/cpu.0" || s.Stdout != "/state/logs/reduce[eu]/1.stdout" ||
		s.Stderr != "/state/logs/reduce[eu]/1.stderr" {
		t.Errorf("spec %+v", s)
	}
}

func TestEnvUnkeyedAndEmpty(t *testing.T) {
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, task("plain"))
	h := newHarness(plan, nil)
	h.opts.Env = []string{"SECRET=x", "PATH=/bin"}
	h.mustRun(t)
	want := []string{
		// The system's PATH, not the engine's: that one is passed only
		// when a stage asks for it.
		"PATH=" + executor.DefaultPath,
		"TMPDIR=/state/tmp/p.0",
		"WEIR_ATTEMPT=1",
		"WEIR_EACH_KEY=",
		"WEIR_RUN_ID=r1",
		"WEIR_STAGE=plain",
		"WEIR_TASK=plain",
		"WEIR_TMPDIR=/state/tmp/p.0",
	}
	if got := h.fake.Specs()[0].Env; !slices.Equal(got, want) {
		t.Errorf("env %q, want %q", got, want)
	}
}

// TestTmpDirPerSlot: attempts running at the same time never share a
// temporary directory, and a pool's directories are as many as its slots.
func TestTmpDirPerSlot(t *testing.T) {
	tasks := []*dag.Task{}
	for i := range 8 {
		tasks = append(tasks, task(fmt.Sprintf("t%d", i)))
	}
	plan := mkPlan(t, []*dag.Pool{pool("p", 3, 0)}, tasks...)
	h := newHarness(plan, nil)
	var mu sync.Mutex
	inUse := map[string]string{}
	var clashes []string
	h.fake.Behave = func(s *executor.Spec) executortest.Behavior {
		mu.Lock()
		defer mu.Unlock()
		if other, ok := inUse[s.TmpDir]; ok {
			clashes = append(clashes, s.Task.ID+" and "+other)
		}
		inUse[s.TmpDir] = s.Task.ID
		return executortest.Behavior{Duration: 20 * time.Millisecond, OnWait: func() {
			mu.Lock()
			delete(inUse, s.TmpDir)
			mu.Unlock()
		}}
	}
	h.mustRun(t)
	dirs := map[string]bool{}
	for _, s := range h.fake.Specs() {
		dirs[s.TmpDir] = true
	}
	if len(clashes) > 0 {
		t.Errorf("running attempts shared a temporary directory: %v", clashes)
	}
	if len(dirs) != 3 {
		t.Errorf("%d temporary directories for a pool of 3: %v", len(dirs), dirs)
	}
}
