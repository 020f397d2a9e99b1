package history

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// fakeRun writes what an engine leaves for a run: run.json, graph.json and
// events.jsonl, with one attempt per entry of ends (task -> results).
func fakeRun(t *testing.T, dir, id, name string, start time.Time, tasks []dag.Task, attempts []Attempt) {
	t.Helper()
	rd := filepath.Join(dir, "runs", id)
	if err := os.MkdirAll(rd, 0o700); err != nil {
		t.Fatal(err)
	}
	writeJSON(t, filepath.Join(rd, "run.json"), store.RunRecord{ID: id, Name: name, Started: start, State: store.RunSucceeded, Ended: start.Add(time.Hour)})
	writeJSON(t, filepath.Join(rd, "graph.json"), map[string]any{"tasks": tasks})
	var b bytes.Buffer
	seq := uint64(0)
	emit := func(e event.Event) {
		seq++
		e.Seq, e.RunID = seq, id
		line, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(line, '\n'))
	}
	emit(event.Event{Kind: event.RunStarted, Time: start})
	for _, a := range attempts {
		emit(event.Event{Kind: event.AttemptStarted, Time: a.Started, Task: a.Task, Attempt: a.N, Memory: a.Cap})
		if a.Result != nil {
			emit(event.Event{Kind: event.AttemptEnded, Time: a.Result.End, Task: a.Task, Attempt: a.N, Memory: a.Cap, Result: a.Result})
		}
	}
	emit(event.Event{Kind: event.RunEnded, Time: start.Add(time.Hour), Message: "succeeded"})
	if err := os.WriteFile(filepath.Join(rd, "events.jsonl"), b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func ended(start time.Time, d time.Duration, reason event.Reason, peak int64) *event.Result {
	return &event.Result{Reason: reason, Start: start, End: start.Add(d), PeakMemory: peak, CPUTime: d / 2, Enforcement: event.CgroupV1}
}

func TestTraceGolden(t *testing.T) {
	dir := t.TempDir()
	tasks := []dag.Task{
		{ID: "extract", Stage: "extract", Pool: "io"},
		{ID: "shard[a]", Stage: "shard", Key: "a", Pool: "cpu", Timeout: time.Minute},
		{ID: "shard[b\tc]", Stage: "shard", Key: "b\tc", Pool: "cpu", Timeout: time.Minute},
	}
	oom := ended(t0.Add(2*time.Second), 3*time.Second, event.OOM, 300<<20)
	oom.Detail = "exceeded its memory cap of 256 MiB (peak 300 MiB)"
	exit := ended(t0.Add(2*time.Second), time.Second, event.Exit, 10<<20)
	exit.ExitCode = 3
	fakeRun(t, dir, "r1", "etl", t0, tasks, []Attempt{
		{Task: "extract", N: 1, Started: t0, Cap: 1 << 30, Result: ended(t0, 2*time.Second, event.Succeeded, 200<<20)},
		{Task: "shard[a]", N: 1, Started: t0.Add(2 * time.Second), Cap: 256 << 20, Result: oom},
		{Task: "shard[b\tc]", N: 1, Started: t0.Add(2 * time.Second), Cap: 256 << 20, Result: exit},
		{Task: "shard[a]", N: 2, Started: t0.Add(6 * time.Second), Cap: 512 << 20}, // still running
	})
	attempts, err := Attempts(dir, "r1")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteTrace(&b, attempts); err != nil {
		t.Fatal(err)
	}
	golden(t, "trace.golden", b.Bytes())
	for i, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if n := strings.Count(line, "\t"); n != len(TraceColumns)-1 {
			t.Errorf("line %d has %d tabs, want %d: %q", i+1, n, len(TraceColumns)-1, line)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update after checking):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestLearnAcrossRuns(t *testing.T) {
	dir := t.TempDir()
	tasks := []dag.Task{{ID: "join", Stage: "join", Pool: "default"}}
	// Four runs of etl, newest last, and one of another workflow.
	peaks := []int64{900 << 20, 1000 << 20, 1100 << 20, 950 << 20}
	for i, p := range peaks {
		start := t0.Add(time.Duration(i) * time.Hour)
		fakeRun(t, dir, "r"+string(rune('1'+i)), "etl", start, tasks, []Attempt{
			{Task: "join", N: 1, Started: start, Cap: 8 << 30, Result: ended(start, time.Duration(60+i)*time.Second, event.Succeeded, p)},
		})
	}
	fakeRun(t, dir, "other", "not-etl", t0.Add(10*time.Hour), tasks, []Attempt{
		{Task: "join", N: 1, Started: t0, Cap: 8 << 30, Result: ended(t0, time.Hour, event.Succeeded, 7<<30)},
	})

	hist, used, err := Learn(dir, "etl", 3)
	if err != nil {
		t.Fatal(err)
	}
	h := hist["join"]
	if used != 3 || h == nil || h.Runs != 3 || h.Successes != 3 {
		t.Fatalf("used %d runs, history %+v", used, h)
	}
	// The three newest runs: r4, r3, r2.
	if h.PeakMin != 950<<20 || h.PeakMax != 1100<<20 || h.DurMin != 61*time.Second || h.DurMax != 63*time.Second {
		t.Errorf("history %+v", h)
	}
	advice := Advise(h, 8<<30, 6*time.Hour)
	want := []Advice{
		{Stage: "join", Attribute: "memory", Suggested: `"1.5GiB"`,
			Why: `memory = "8GiB", peaks 950 MiB-1.1 GiB over 3 successful attempts: "1.5GiB" would admit 5x more tasks at once`},
		{Stage: "join", Attribute: "timeout", Suggested: `"5m"`,
			Why: `timeout = "6h", runs take 1m1s-1m3s: "5m" would catch a hung task sooner`},
	}
	if len(advice) != len(want) {
		t.Fatalf("advice %+v", advice)
	}
	for i := range want {
		if advice[i] != want[i] {
			t.Errorf("advice %d:\n got %+v\nwant %+v", i, advice[i], want[i])
		}
	}

	empty, used, err := Learn(t.TempDir(), "etl", 3)
	if err != nil || used != 0 || len(empty) != 0 {
		t.Errorf("empty state dir: %v %d %v", empty, used, err)
	}
}

func TestAdvise(t *testing.T) {
	const MiB = 1 << 20
	ok := func(n int, lo, hi int64, dlo, dhi time.Duration) *StageHistory {
		return &StageHistory{Stage: "s", Runs: n, Successes: n, PeakMin: lo, PeakMax: hi, DurMin: dlo, DurMax: dhi}
	}
	tests := []struct {
		name    string
		h       *StageHistory
		memory  int64
		timeout time.Duration
		want    []string // "attribute suggested"
	}{
		{"well sized", ok(5, 700*MiB, 800*MiB, time.Minute, 2*time.Minute), 1 << 30, 10 * time.Minute, nil},
		{"too few runs to lower", ok(2, 100*MiB, 100*MiB, time.Minute, time.Minute), 8 << 30, 0, nil},
		{"loose cap", ok(3, 100*MiB, 120*MiB, 0, 0), 1 << 30, 0, []string{`memory "192MiB"`}},
		{"tight cap", ok(1, 950*MiB, 950*MiB, 0, 0), 1 << 30, 0, []string{`memory "1.5GiB"`}},
		{"no cap", ok(4, 100*MiB, 400*MiB, 0, 0), 0, 0, []string{`memory "768MiB"`}},
		{"no cap, tiny", ok(4, 10*MiB, 40*MiB, 0, 0), 0, 0, nil},
		{"oom", &StageHistory{Stage: "s", OOMs: 2}, 256 * MiB, 0, []string{`memory "384MiB"`}},
		{"no timeout", ok(3, 0, 0, 20*time.Second, 40*time.Second), 0, 0, []string{`timeout "2m"`}},
		{"tight timeout", ok(3, 0, 0, 50*time.Second, 55*time.Second), 0, time.Minute, []string{`timeout "5m"`}},
		{"timed out", &StageHistory{Stage: "s", Timeouts: 1}, 0, time.Hour, []string{`timeout "2h"`}},
		{"sub-second tasks need no timeout", ok(9, 0, 0, time.Millisecond, 10*time.Millisecond), 0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, a := range Advise(tt.h, tt.memory, tt.timeout) {
				got = append(got, a.Attribute+" "+a.Suggested)
				if a.Why == "" {
					t.Errorf("%s: no reason given", a.Attribute)
				}
			}
			if strings.Join(got, ", ") != strings.Join(tt.want, ", ") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNiceSize(t *testing.T) {
	for in, want := range map[int64]int64{0: 16 << 20, 16 << 20: 16 << 20, 17 << 20: 24 << 20, 25 << 20: 32 << 20, 1430 << 20: 1536 << 20, 2 << 30: 2 << 30} {
		if got := niceSize(in); got != want {
			t.Errorf("niceSize(%d) = %d, want %d", in, got, want)
		}
	}
}

// TestLearnStartFailure checks that the newest start failure of a stage is
// kept, and that reading the run files alone learns what Learn does.
func TestLearnStartFailure(t *testing.T) {
	dir := t.TempDir()
	tasks := []dag.Task{{ID: "fetch", Stage: "fetch", Pool: "default"}}
	for i, detail := range []string{`program "old" not found`, `program "curl" not found in the task's PATH (/usr/bin:/bin)`} {
		start := t0.Add(time.Duration(i) * time.Hour)
		fakeRun(t, dir, "r"+string(rune('1'+i)), "etl", start, tasks, []Attempt{
			{Task: "fetch", N: 1, Started: start, Result: &event.Result{Reason: event.StartFailed, Detail: detail, Start: start, End: start}},
		})
	}
	learners := []struct {
		name  string
		learn func(dir, name string, maxRuns int) (map[string]*StageHistory, int, error)
	}{
		{"Learn", Learn},
		{"LearnFromFiles", LearnFromFiles},
	}
	for _, l := range learners {
		t.Run(l.name, func(t *testing.T) {
			hist, used, err := l.learn(dir, "etl", 5)
			if err != nil || used != 2 || hist["fetch"] == nil {
				t.Fatalf("used %d runs, history %v, err %v", used, hist, err)
			}
			if got, want := hist["fetch"].StartFailure, `program "curl" not found in the task's PATH (/usr/bin:/bin)`; got != want {
				t.Errorf("StartFailure = %q, want the newest run's %q", got, want)
			}
		})
	}
}
