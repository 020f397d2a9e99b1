package slurm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/local/proc"
	"github.com/weirflow/weir/internal/testenv"
)

// These tests run real jobs on the cluster that scripts/slurm-cluster
// starts. They skip without one, and fail under WEIR_REQUIRE_ALL=1.

const install = "run scripts/slurm-cluster start (as root) to install and start a single-node cluster"

var clusterOnce struct {
	sync.Once
	err error
}

// cluster skips or fails t unless a Slurm node is up and accepts jobs.
func cluster(t *testing.T) {
	t.Helper()
	testenv.LookPath(t, "sinfo", install)
	clusterOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		out, _, err := proc.Output(ctx, []string{"sinfo", "-h", "-N", "-o", "%t"}, os.Environ(), nil)
		state := strings.TrimSpace(string(out))
		switch {
		case err != nil:
			clusterOnce.err = err
		case state != "idle" && state != "mix" && state != "alloc" && state != "comp":
			clusterOnce.err = fmt.Errorf("the node is %q", state)
		}
	})
	if clusterOnce.err != nil {
		testenv.Missing(t, "a running Slurm cluster ("+clusterOnce.err.Error()+")", install)
	}
}

// runID is unique per test process, so job names never meet stale jobs.
var runID = "test" + strconv.FormatInt(time.Now().UnixNano(), 36)

// helperSpec is an attempt that runs the test binary in a helper mode.
func helperSpec(t *testing.T, id, mode string, args ...string) *executor.Spec {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	return &executor.Spec{
		RunID:   runID,
		Task:    &dag.Task{ID: id, Stage: id, Pool: "slurm"},
		Attempt: 1,
		Argv:    append([]string{exe}, args...),
		Env:     []string{helperEnv + "=" + mode, "PATH=/usr/bin:/bin", "WEIR_TASK=" + id},
		Dir:     dir,
		Grace:   time.Second,
		TmpDir:  filepath.Join(dir, "tmp", "attempt"),
		Stdout:  filepath.Join(dir, "logs", "1.stdout"),
		Stderr:  filepath.Join(dir, "logs", "1.stderr"),
		Samples: filepath.Join(dir, "logs", "1.mem"),
	}
}

// startWide starts tasks wide[0] to wide[n-1] of one stage at once, as the
// scheduler does, each running mode; edit, when set, changes task i's spec
// first. A failed start is reported on t, and then the handles are nil.
func startWide(t *testing.T, r *Runner, n int, mode string, keyed bool, edit func(i int, s *executor.Spec)) []executor.Handle {
	t.Helper()
	handles := make([]executor.Handle, n)
	var wg sync.WaitGroup
	for i := range n {
		s := helperSpec(t, fmt.Sprintf("wide[%d]", i), mode)
		s.Task.Stage, s.Task.Key, s.Task.Keyed = "wide", strconv.Itoa(i), keyed
		if edit != nil {
			edit(i, s)
		}
		wg.Go(func() {
			h, err := r.Start(context.Background(), s)
			if err != nil {
				t.Error(err)
				return
			}
			handles[i] = h
		})
	}
	wg.Wait()
	if t.Failed() {
		return nil
	}
	return handles
}

func newRunner(t *testing.T, o Options) *Runner {
	t.Helper()
	if o.PollInterval == 0 {
		o.PollInterval = 500 * time.Millisecond
	}
	r := New(o)
	t.Cleanup(r.Close)
	return r
}

func start(t *testing.T, r *Runner, s *executor.Spec) executor.Handle {
	t.Helper()
	h, err := r.Start(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func jobID(t *testing.T, h executor.Handle) string {
	t.Helper()
	var st state
	if err := json.Unmarshal(h.State(), &st); err != nil || st.JobID == "" {
		t.Fatalf("handle state %s: %v", h.State(), err)
	}
	return st.JobID
}

// waitRunning waits until squeue says the job runs.
func waitRunning(t *testing.T, c *Client, id string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		jobs, err := c.Queue(context.Background(), []string{id})
		if err != nil {
			t.Fatal(err)
		}
		if j := jobs[id]; j != nil && j.State == "RUNNING" {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("job %s did not start in 60 s", id)
}

// notQueued fails t if Slurm still has job id pending or running.
func notQueued(t *testing.T, c *Client, id string) {
	t.Helper()
	jobs, err := c.Queue(context.Background(), []string{id})
	if err != nil {
		t.Fatal(err)
	}
	if j := jobs[id]; j != nil && !j.Final() {
		t.Errorf("job %s is still %s", id, j.State)
	}
}

func TestSuccessCarriesEnvDirArgs(t *testing.T) {
	cluster(t)
	t.Parallel()
	r := newRunner(t, Options{})
	s := helperSpec(t, "dump[1]", "dump", awkward...)
	s.Env = append(s.Env, "SPACES=a b  c", "QUOTES='\"", "NEWLINE=x\ny")
	s.Memory = 256 << 20
	s.Task.CPUs = 1
	h := start(t, r, s)
	if _, err := os.Stat(s.TmpDir); err != nil {
		t.Errorf("temporary directory not made before the job: %v", err)
	}
	res := h.Wait()
	if res.Reason != event.Succeeded || res.Enforcement != event.Cluster || res.Start.IsZero() || res.End.Before(res.Start) {
		t.Fatalf("result %+v", res)
	}
	out, err := os.ReadFile(s.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	var d dump
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	var env []string
	for _, kv := range d.Env {
		if !strings.HasPrefix(kv, "SLURM_") {
			env = append(env, kv)
		}
	}
	want := slices.Clone(s.Env)
	slices.Sort(want)
	slices.Sort(env)
	if diff := cmp.Diff(want, env); diff != "" {
		t.Errorf("environment besides SLURM_* (-want +got):\n%s", diff)
	}
	if !slices.Contains(d.Env, "SLURM_JOB_ID="+jobID(t, h)) {
		t.Errorf("no SLURM_JOB_ID=%s in %q", jobID(t, h), d.Env)
	}
	if diff := cmp.Diff(awkward, d.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if d.Dir != s.Dir {
		t.Errorf("dir %q, want %q", d.Dir, s.Dir)
	}
	if _, err := os.Stat(s.TmpDir); !os.IsNotExist(err) {
		t.Errorf("temporary directory left after the end: %v", err)
	}
	if fi, err := os.Stat(s.Stderr); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("stderr log: %v %v", fi, err)
	}
}

func TestOutcomes(t *testing.T) {
	cluster(t)
	t.Parallel()
	r := newRunner(t, Options{})
	tests := []struct {
		name   string
		mode   string
		memory int64
		want   event.Result
	}{
		{"exit3", "exit 3", 0, event.Result{Reason: event.Exit, ExitCode: 3}},
		{"oom", "alloc 300", 64 << 20, event.Result{Reason: event.OOM}},
		{"stderr", "stderr oops", 0, event.Result{Reason: event.Succeeded}},
		{"alloc", "alloc 50", 256 << 20, event.Result{Reason: event.Succeeded}},
	}
	handles := make([]executor.Handle, len(tests))
	specs := make([]*executor.Spec, len(tests))
	for i, tt := range tests {
		specs[i] = helperSpec(t, tt.name, tt.mode)
		specs[i].Memory = tt.memory
		handles[i] = start(t, r, specs[i])
	}
	for i, tt := range tests {
		res := handles[i].Wait()
		if res.Reason != tt.want.Reason || res.ExitCode != tt.want.ExitCode {
			t.Errorf("%s: %+v, want %s", tt.name, res, tt.want)
		}
		if tt.want.Reason == event.OOM && !strings.Contains(res.Detail, "64 MiB") {
			t.Errorf("%s: detail %q does not name the cap", tt.name, res.Detail)
		}
	}
	if b, _ := os.ReadFile(specs[2].Stderr); string(b) != "oops" {
		t.Errorf("stderr log %q, want %q", b, "oops")
	}
	// The job's cgroup is on this machine: its memory is sampled while it
	// runs, and its peak reported.
	res := handles[3].Wait()
	if res.PeakMemory < 50<<20 || res.PeakMemory > 256<<20 {
		t.Errorf("alloc 50 MiB: peak %d", res.PeakMemory)
	}
	// Any sample may be the last: one taken while the job exits sees its
	// memory gone already.
	var most int64
	for _, smp := range res.Samples {
		most = max(most, smp.Bytes)
	}
	if len(res.Samples) < 2 || most < 50<<20 {
		t.Errorf("alloc 50 MiB: result samples %v", res.Samples)
	}
	b, err := os.ReadFile(specs[3].Samples)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, l := range lines {
		ms, bytes, ok := strings.Cut(l, " ")
		if _, err := strconv.ParseInt(ms, 10, 64); err != nil || !ok {
			t.Errorf("sample %q", l)
		}
		if _, err := strconv.ParseInt(bytes, 10, 64); err != nil {
			t.Errorf("sample %q", l)
		}
	}
	if len(lines) < 2 {
		t.Errorf("samples %q, want one per poll while it ran", b)
	}
}

// One squeue per poll, however many jobs are watched, and no scontrol for
// jobs that end while watched: their outcome comes with the poll.
func TestOnePollForAllJobs(t *testing.T) {
	cluster(t)
	t.Parallel()
	const interval = 300 * time.Millisecond
	r := newRunner(t, Options{PollInterval: interval, MinPollInterval: interval})
	const jobs = 8
	var hs []executor.Handle
	for i := range jobs {
		hs = append(hs, start(t, r, helperSpec(t, fmt.Sprintf("sleep[%d]", i), "sleep 3s")))
	}
	begin, before := time.Now(), r.Stats()
	for _, h := range hs {
		if res := h.Wait(); !res.OK() {
			t.Errorf("%+v", res)
		}
	}
	elapsed, after := time.Since(begin), r.Stats()
	polls := after.Squeue - before.Squeue
	// At most one poll per interval (plus the one in flight at each end);
	// a poll per job would be about jobs times as many.
	if most := uint64(elapsed/interval) + 2; polls > most || polls == 0 {
		t.Errorf("%d squeue calls in %v with %d jobs at a %v interval, want 1..%d", polls, elapsed, jobs, interval, most)
	}
	// One scontrol reads the cluster's limits for all the submissions.
	if after.Sbatch != jobs || after.Scontrol != 1 {
		t.Errorf("stats %+v: want %d sbatch and one scontrol (show config)", after, jobs)
	}
}

func TestStopCancelsAndLeavesNothingQueued(t *testing.T) {
	cluster(t)
	t.Parallel()
	r := newRunner(t, Options{})
	running := helperSpec(t, "running", "sleep 300s")
	pending := helperSpec(t, "pending", "sleep 1s")
	r.pools["slurm-later"] = &dag.Pool{Name: "slurm-later", SbatchArgs: []string{"--begin=now+3600"}}
	pending.Task.Pool = "slurm-later"
	hr, hp := start(t, r, running), start(t, r, pending)
	waitRunning(t, r.client, jobID(t, hr))
	time.Sleep(time.Second) // the poller has seen it running
	hr.Stop(event.Cancelled, 2*time.Second)
	hp.Stop(event.Timeout, 2*time.Second)
	if res := hr.Wait(); res.Reason != event.Cancelled {
		t.Errorf("running job: %+v", res)
	}
	if res := hp.Wait(); res.Reason != event.Timeout || res.Detail == "" {
		t.Errorf("pending job: %+v", res)
	}
	notQueued(t, r.client, jobID(t, hr))
	notQueued(t, r.client, jobID(t, hp))
}

// A job that ignores SIGTERM is killed after the grace period.
func TestStopKillsAfterGrace(t *testing.T) {
	cluster(t)
	t.Parallel()
	r := newRunner(t, Options{})
	s := helperSpec(t, "stubborn", "")
	s.Argv = []string{"/bin/sh", "-c", "trap '' TERM; sleep 300 & wait; sleep 300"}
	h := start(t, r, s)
	waitRunning(t, r.client, jobID(t, h))
	begin := time.Now()
	h.Stop(event.Cancelled, time.Second)
	res := h.Wait()
	if res.Reason != event.Cancelled {
		t.Errorf("%+v", res)
	}
	notQueued(t, r.client, jobID(t, h))
	t.Logf("ended %v after Stop", time.Since(begin))
}

func TestReattach(t *testing.T) {
	cluster(t)
	t.Parallel()
	first := New(Options{PollInterval: 500 * time.Millisecond})
	running := helperSpec(t, "reattach-running", "sleep 3s")
	timed := helperSpec(t, "reattach-timeout", "sleep 300s")
	timed.Timeout = 4 * time.Second
	finished := helperSpec(t, "reattach-finished", "exit 5")
	byName := helperSpec(t, "reattach-by-name", "sleep 2s")
	hr, hf, hn, ht := start(t, first, running), start(t, first, finished), start(t, first, byName), start(t, first, timed)
	if res := hf.Wait(); res.Reason != event.Exit || res.ExitCode != 5 {
		t.Fatalf("finished job: %+v", res)
	}
	stRunning, stFinished, stTimed := hr.State(), hf.State(), ht.State()
	// The engine goes away; its jobs keep running.
	first.Close()
	if res := hr.Wait(); res.Reason != event.Lost {
		t.Errorf("after Close: %+v", res)
	}

	second := newRunner(t, Options{})
	ctx := context.Background()
	h, err := second.Reattach(ctx, running, stRunning)
	if err != nil {
		t.Fatal(err)
	}
	if res := h.Wait(); !res.OK() {
		t.Errorf("reattached running job: %+v", res)
	}
	// Its timeout counts from the job's start, not from the reattach.
	h, err = second.Reattach(ctx, timed, stTimed)
	if err != nil {
		t.Fatal(err)
	}
	if res := h.Wait(); res.Reason != event.Timeout {
		t.Errorf("reattached job past its timeout: %+v", res)
	}
	notQueued(t, second.client, jobID(t, h))
	h, err = second.Reattach(ctx, finished, stFinished)
	if err != nil {
		t.Fatal(err)
	}
	if res := h.Wait(); res.Reason != event.Exit || res.ExitCode != 5 {
		t.Errorf("reattached finished job: %+v", res)
	}
	// No state at all: the engine died between sbatch and its journal.
	h, err = second.Reattach(ctx, byName, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res := h.Wait(); !res.OK() {
		t.Errorf("reattached by name: %+v", res)
	}
	if jobID(t, h) != jobID(t, hn) {
		t.Errorf("found job %s by name, want %s", jobID(t, h), jobID(t, hn))
	}
	if _, err := second.Reattach(ctx, running, []byte(`{"job_id":"4000000000"}`)); !errors.Is(err, ErrUnknownJob) {
		t.Errorf("reattach to an unknown job: %v, want ErrUnknownJob", err)
	}
	if _, err := second.Reattach(ctx, helperSpec(t, "never-submitted", ""), nil); !errors.Is(err, ErrUnknownJob) {
		t.Errorf("reattach by name to no job: %v, want ErrUnknownJob", err)
	}
	if _, err := os.Stat(running.TmpDir); !os.IsNotExist(err) {
		t.Errorf("temporary directory left: %v", err)
	}
}

// squeue fails when asked about one job it does not know, instead of
// listing nothing; the client lists nothing.
func TestQueueUnknownJob(t *testing.T) {
	cluster(t)
	t.Parallel()
	c := NewClient(os.Environ(), 0)
	for _, ids := range [][]string{{"99999999"}, {"99999998", "99999999"}} {
		jobs, err := c.Queue(context.Background(), ids)
		if err != nil || len(jobs) != 0 {
			t.Errorf("Queue(%v) = %v, %v; want nothing", ids, jobs, err)
		}
	}
	if _, err := c.Job(context.Background(), "99999999"); !errors.Is(err, ErrUnknownJob) {
		t.Errorf("Job: %v, want ErrUnknownJob", err)
	}
	// More ids than one argument holds take one squeue per chunk.
	many := make([]string, queueChunk+1)
	for i := range many {
		many[i] = strconv.Itoa(90000000 + i)
	}
	before := c.Stats().Squeue
	if _, err := c.Queue(context.Background(), many); err != nil {
		t.Fatal(err)
	}
	if n := c.Stats().Squeue - before; n != 2 {
		t.Errorf("%d squeue calls for %d ids, want 2", n, len(many))
	}
}

// A job that slurmctld forgot is found in the jobcomp log.
func TestLookupFromJobComp(t *testing.T) {
	cluster(t)
	t.Parallel()
	r := newRunner(t, Options{})
	cfg, err := r.client.config(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.JobCompType != "jobcomp/filetxt" {
		t.Skipf("the cluster keeps no jobcomp/filetxt log (%s)", cfg.JobCompType)
	}
	h := start(t, r, helperSpec(t, "jobcomp", "exit 4"))
	h.Wait()
	j, err := r.client.History(context.Background(), jobID(t, h))
	if err != nil {
		t.Fatal(err)
	}
	if j.State != "FAILED" || j.ExitCode != 4 || j.Source != "jobcomp" {
		t.Errorf("%+v", j)
	}
}

// Slurm ends a job past --time; a minute is the least it allows, and the
// limit is checked about every 30 s.
func TestTimeLimit(t *testing.T) {
	cluster(t)
	t.Parallel()
	r := newRunner(t, Options{PollInterval: 2 * time.Second, TimeLimitOnly: true})
	s := helperSpec(t, "timeout", "sleep 300s")
	s.Timeout = time.Minute
	res := start(t, r, s).Wait()
	if res.Reason != event.Timeout || !strings.Contains(res.Detail, "time limit") {
		t.Errorf("%+v", res)
	}
}

// The runner stops a job at its timeout itself, to the second.
func TestTimeoutExact(t *testing.T) {
	cluster(t)
	t.Parallel()
	r := newRunner(t, Options{})
	s := helperSpec(t, "timeout-exact", "sleep 300s")
	s.Timeout = 2 * time.Second
	h := start(t, r, s)
	res := h.Wait()
	if res.Reason != event.Timeout || res.Detail != "ran past its timeout of 2s" {
		t.Errorf("%+v", res)
	}
	notQueued(t, r.client, jobID(t, h))
}

func TestSubmitErrorsSayWhy(t *testing.T) {
	cluster(t)
	t.Parallel()
	r := newRunner(t, Options{Pools: []*dag.Pool{{Name: "slurm", Partition: "no-such-partition"}}})
	s := helperSpec(t, "bad-partition", "")
	_, err := r.Start(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "Invalid partition name specified") {
		t.Errorf("Start: %v", err)
	}
	if _, serr := os.Stat(s.TmpDir); !os.IsNotExist(serr) {
		t.Errorf("temporary directory left: %v", serr)
	}
}

// Not parallel: nothing else runs, so counts of goroutines, descriptors and
// children are this test's.
func TestNothingLeaks(t *testing.T) {
	cluster(t)
	goroutines, fds := runtime.NumGoroutine(), testenv.OpenFDs(t)
	r := New(Options{PollInterval: 200 * time.Millisecond})
	a := start(t, r, helperSpec(t, "leak-a", "exit 0"))
	b := start(t, r, helperSpec(t, "leak-b", "sleep 60s"))
	waitRunning(t, r.client, jobID(t, b))
	b.Stop(event.Cancelled, 0)
	a.Wait()
	b.Wait()
	r.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, goroutines, buf[:runtime.Stack(buf, true)])
	}
	if n := testenv.OpenFDs(t); n > fds {
		t.Errorf("%d open descriptors after Close, %d before", n, fds)
	}
	if kids := children(t); len(kids) > 0 {
		t.Errorf("child processes left: %v", kids)
	}
}

// children lists the pids whose parent is this process.
func children(t *testing.T) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var kids []int
	self := os.Getpid()
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The parent is the second field after the parenthesised command.
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		if f := strings.Fields(rest); len(f) > 1 && f[1] == strconv.Itoa(self) {
			kids = append(kids, pid)
		}
	}
	return kids
}

// Attempts of one for_each stage that start together go to Slurm as one
// job array; each element behaves as a job of its own: its logs, its
// outcome, Stop, Reattach.
func TestArray(t *testing.T) {
	cluster(t)
	t.Parallel()
	first := New(Options{PollInterval: 500 * time.Millisecond, ArrayWindow: 100 * time.Millisecond})
	keyed := func(key, mode string, args ...string) *executor.Spec {
		s := helperSpec(t, "fan["+key+"]", mode, args...)
		s.Task.Stage, s.Task.Key, s.Task.Keyed = "fan", key, true
		return s
	}
	specs := []*executor.Spec{
		keyed("dump", "dump", awkward...),
		keyed("exit", "exit 3"),
		keyed("stderr", "stderr oops"),
		keyed("sleep", "sleep 300s"),
		keyed("big", "exit 0"), // other resources: a job of its own
	}
	specs[4].Memory = 128 << 20
	handles := make([]executor.Handle, len(specs))
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Go(func() {
			h, err := first.Start(context.Background(), s)
			if err != nil {
				t.Error(err)
				return
			}
			handles[i] = h
		})
	}
	wg.Wait()
	if t.Failed() {
		first.Close()
		return
	}
	if n := first.Stats().Sbatch; n != 2 {
		t.Errorf("%d sbatch calls for an array of 4 and a job, want 2", n)
	}
	array, elements := "", map[string]bool{}
	for _, h := range handles[:4] {
		a, i, ok := strings.Cut(jobID(t, h), "_")
		if array == "" {
			array = a
		}
		if !ok || a != array {
			t.Errorf("element %s, want one of array %s", jobID(t, h), array)
		}
		elements[i] = true
	}
	if len(elements) != 4 || !elements["0"] || !elements["3"] {
		t.Errorf("elements %v, want 0 to 3", elements)
	}
	for i, want := range []event.Result{{Reason: event.Succeeded}, {Reason: event.Exit, ExitCode: 3}, {Reason: event.Succeeded}} {
		if res := handles[i].Wait(); res.Reason != want.Reason || res.ExitCode != want.ExitCode {
			t.Errorf("element %d: %+v, want %s", i, res, want)
		}
	}
	if res := handles[4].Wait(); !res.OK() || strings.Contains(jobID(t, handles[4]), "_") {
		t.Errorf("the job of its own: %s %+v", jobID(t, handles[4]), res)
	}
	var d dump
	if out, err := os.ReadFile(specs[0].Stdout); err != nil || json.Unmarshal(out, &d) != nil {
		t.Errorf("element 0's stdout %q: %v", out, err)
	} else if diff := cmp.Diff(awkward, d.Args); diff != "" || d.Dir != specs[0].Dir {
		t.Errorf("element 0 in %q, args (-want +got):\n%s", d.Dir, diff)
	}
	if b, _ := os.ReadFile(specs[2].Stderr); string(b) != "oops" {
		t.Errorf("element 2's stderr %q", b)
	}
	// A new engine finds a finished element and a running one.
	stExit, stSleep := handles[1].State(), handles[3].State()
	first.Close()
	second := newRunner(t, Options{})
	h, err := second.Reattach(context.Background(), specs[1], stExit)
	if err != nil {
		t.Fatal(err)
	}
	if res := h.Wait(); res.Reason != event.Exit || res.ExitCode != 3 {
		t.Errorf("reattached finished element: %+v", res)
	}
	h, err = second.Reattach(context.Background(), specs[3], stSleep)
	if err != nil {
		t.Fatal(err)
	}
	waitRunning(t, second.client, jobID(t, h))
	h.Stop(event.Cancelled, time.Second)
	if res := h.Wait(); res.Reason != event.Cancelled {
		t.Errorf("stopped element: %+v", res)
	}
	notQueued(t, second.client, jobID(t, h))
}

// While slurmctld cannot be reached, sbatch and squeue block about 9 s and
// fail: a start fails after the command timeout saying so, and watched
// jobs end lost once squeue has failed for LostAfter.
func TestControllerDown(t *testing.T) {
	testenv.LookPath(t, "squeue", install)
	t.Parallel()
	conf := filepath.Join(t.TempDir(), "slurm.conf")
	// Nothing listens on port 9 here: every command fails to connect.
	err := os.WriteFile(conf, []byte("ClusterName=down\nSlurmctldHost=down(127.0.0.1)\nSlurmctldPort=9\nAuthType=auth/munge\nNodeName=down CPUs=1\nPartitionName=p Nodes=down Default=YES\n"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	r := newRunner(t, Options{Env: append(os.Environ(), "SLURM_CONF="+conf), CommandTimeout: time.Second,
		PollInterval: 200 * time.Millisecond, LostAfter: time.Second})
	s := helperSpec(t, "unreachable", "exit 0")
	if _, err := r.Start(context.Background(), s); err == nil || !strings.Contains(err.Error(), "is slurmctld up?") {
		t.Errorf("Start: %v", err)
	}
	if _, err := os.Stat(s.TmpDir); !os.IsNotExist(err) {
		t.Errorf("temporary directory left: %v", err)
	}
	h := r.newHandle(s, state{JobID: "12345"})
	if err := r.watch(h); err != nil {
		t.Fatal(err)
	}
	if res := h.Wait(); res.Reason != event.Lost || !strings.Contains(res.Detail, "squeue failed for 1s") {
		t.Errorf("%+v", res)
	}
}

// A stage wider than an array may be and than the jobs the runner may
// keep in Slurm goes in windows: arrays of at most MaxArraySize elements,
// submitted as earlier jobs end, and the user is told it waits.
func TestArrayWindows(t *testing.T) {
	cluster(t)
	t.Parallel()
	const tasks, arraySize, maxSubmit = 12, 5, 7
	var mu sync.Mutex
	var notes []string
	r := newRunner(t, Options{ArrayWindow: 100 * time.Millisecond, MaxArraySize: arraySize, MaxSubmitJobs: maxSubmit,
		PollInterval: 200 * time.Millisecond, Notify: func(s string) { mu.Lock(); notes = append(notes, s); mu.Unlock() }})
	handles := startWide(t, r, tasks, "sleep 1s", true, nil)
	if handles == nil {
		return
	}
	arrays := map[string]int{}
	for i, h := range handles {
		if res := h.Wait(); !res.OK() {
			t.Errorf("task %d: %+v", i, res)
		}
		a, _, _ := strings.Cut(jobID(t, h), "_")
		arrays[a]++
	}
	for a, n := range arrays {
		if n > arraySize {
			t.Errorf("array %s has %d elements, more than %d", a, n, arraySize)
		}
	}
	// 5 + 2 fit at first; the other 5 wait for those to end.
	if n := r.Stats().Sbatch; n < 3 {
		t.Errorf("%d sbatch calls for %d tasks in arrays of %d, at most %d in Slurm: want 3 or more", n, tasks, arraySize, maxSubmit)
	}
	if waits, _ := r.Waits(); waits == 0 {
		t.Errorf("no submission waited for room")
	}
	mu.Lock()
	defer mu.Unlock()
	// On a cluster that others fill, a wait for MaxJobCount may come first.
	if !strings.Contains(strings.Join(notes, "\n"), "tasks wait to be submitted: 7 jobs of this run are pending or running") {
		t.Errorf("notes %q, want one saying that tasks wait for this run's 7 jobs", notes)
	}
}
