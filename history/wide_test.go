package history

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// wideStage is how many tasks an outline of the tests' runs draws one by
// one: a stage of more is a group, as one of more than dag.OutlineWide is
// in a real run.
const wideStage = 50

// journaledRun records through the store's journal, as an engine does, a
// finished run "prep" -> work[0..n-1] -> "sum", with graph.json and an
// outline grouping stages of more than wideStage tasks. The tasks of work
// in failed end oom, then exit 2; the others succeed.
func journaledRun(t *testing.T, dir, id string, n int, failed ...int) {
	t.Helper()
	prep := &dag.Task{ID: "prep", Stage: "prep", Pool: "default", Argv: []string{"true"}, Memory: 32 << 20, Timeout: time.Minute}
	tasks := []*dag.Task{prep}
	for i := range n {
		tasks = append(tasks, &dag.Task{ID: "work[" + strconv.Itoa(i) + "]", Stage: "work", Key: strconv.Itoa(i), Keyed: true, Pool: "cpu",
			Argv: []string{"true"}, Memory: 64 << 20, Timeout: time.Hour, Deps: []string{"prep"}})
	}
	sum := &dag.Task{ID: "sum", Stage: "sum", Pool: "default", Argv: []string{"true"}, Deps: []string{"work"}}
	for _, tk := range tasks[1:] {
		sum.Deps = append(sum.Deps, tk.ID)
	}
	sum.Deps = sum.Deps[1:]
	tasks = append(tasks, sum)
	plan := &dag.Plan{Name: "wide", Tasks: tasks}

	st, err := store.Open(dir, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	j, err := st.Journal(store.RunRecord{ID: id, Name: "wide", Tasks: len(tasks), Started: t0})
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]bool{}
	for _, i := range failed {
		bad["work["+strconv.Itoa(i)+"]"] = true
	}
	var seq uint64
	rec := func(e event.Event) {
		seq++
		e.Seq, e.RunID = seq, id
		if e.Time.IsZero() {
			e.Time = t0.Add(time.Duration(seq) * time.Millisecond)
		}
		if err := j.Record(e); err != nil {
			t.Fatal(err)
		}
	}
	rec(event.Event{Kind: event.RunStarted})
	for i, tk := range tasks {
		at := t0.Add(time.Duration(i) * time.Second)
		res := func(r event.Reason, code int, peak int64, took time.Duration) *event.Result {
			return &event.Result{Reason: r, ExitCode: code, PeakMemory: peak, CPUTime: took / 2, Start: at, End: at.Add(took), Enforcement: event.CgroupV1}
		}
		rec(event.Event{Kind: event.TaskChanged, Task: tk.ID, State: event.Running, Attempt: 1})
		if bad[tk.ID] {
			rec(event.Event{Kind: event.AttemptStarted, Task: tk.ID, Attempt: 1, Memory: tk.Memory})
			rec(event.Event{Kind: event.AttemptEnded, Task: tk.ID, Attempt: 1, Memory: tk.Memory, Result: res(event.OOM, 0, 10<<20, time.Second)})
			rec(event.Event{Kind: event.AttemptStarted, Task: tk.ID, Attempt: 2, Memory: tk.Memory})
			rec(event.Event{Kind: event.AttemptEnded, Task: tk.ID, Attempt: 2, Memory: tk.Memory, Result: res(event.Exit, 2, 10<<20, time.Second)})
			rec(event.Event{Kind: event.TaskChanged, Task: tk.ID, State: event.TaskFailed, Attempt: 2, Message: "exit 2 after 2 attempts"})
			continue
		}
		rec(event.Event{Kind: event.AttemptStarted, Task: tk.ID, Attempt: 1, Memory: tk.Memory})
		rec(event.Event{Kind: event.AttemptEnded, Task: tk.ID, Attempt: 1, Memory: tk.Memory,
			Result: res(event.Succeeded, 0, int64(20+i%7)<<20, time.Duration(2+i%5)*time.Second)})
		rec(event.Event{Kind: event.TaskChanged, Task: tk.ID, State: event.TaskSucceeded, Attempt: 1})
	}
	rec(event.Event{Kind: event.RunEnded, Message: "failed"})
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for name, write := range map[string]func(*os.File) error{
		"graph.json":   func(f *os.File) error { return dag.WriteJSON(f, plan, dag.ExportOptions{}) },
		"outline.json": func(f *os.File) error { return dag.WriteOutlineJSON(f, plan, wideStage) },
	} {
		f, err := os.Create(filepath.Join(dir, "runs", id, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := write(f); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// withoutOutline is run id of dir copied to a new state dir without its
// outline: what a reader must read whole.
func withoutOutline(t *testing.T, dir, id string) string {
	t.Helper()
	to := t.TempDir()
	from := filepath.Join(dir, "runs", id)
	if err := os.MkdirAll(filepath.Join(to, "runs", id), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"run.json", "events.jsonl", "graph.json", "summary.json"} {
		b, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, "runs", id, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

func TestReportAttemptsBounded(t *testing.T) {
	failed := []int{7, 21, 40}
	rows := map[int]int{}
	for _, n := range []int{60, 600} {
		dir := t.TempDir()
		journaledRun(t, dir, "r1", n, failed...)
		got, totals, err := ReportAttempts(dir, "r1")
		if err != nil {
			t.Fatal(err)
		}
		all, err := Attempts(withoutOutline(t, dir, "r1"), "r1")
		if err != nil {
			t.Fatal(err)
		}
		// The bounded read lists, as the whole read does, the attempts of
		// the narrow stages and of the failed tasks.
		var want []Attempt
		work := StageTotal{Stage: "work", Pool: "cpu", Tasks: n, Cap: 64 << 20,
			Counts: map[event.TaskState]int{event.TaskSucceeded: n - len(failed), event.TaskFailed: len(failed)}}
		for _, a := range all {
			if a.Stage != "work" || a.Result.Reason != event.Succeeded {
				want = append(want, a)
			}
			if a.Stage == "work" {
				took := a.Result.End.Sub(a.Result.Start)
				work.Ended++
				work.Took += took
				work.TookMax = max(work.TookMax, took)
				work.Peak = max(work.Peak, a.Result.PeakMemory)
			}
		}
		for i := range want {
			want[i].Timeout = 0 // the outline has no timeouts; the trace shows none
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("n=%d: bounded read\n%+v\nwant the whole read's\n%+v", n, got, want)
		}
		if !reflect.DeepEqual(totals, []StageTotal{work}) {
			t.Errorf("n=%d: totals %+v, want %+v", n, totals, work)
		}
		var b bytes.Buffer
		if err := WriteTraceTotals(&b, "r1", got, totals); err != nil {
			t.Fatal(err)
		}
		rows[n] = strings.Count(b.String(), "\n")
	}
	if rows[600] != rows[60] {
		t.Errorf("the trace has %d rows at 60 tasks and %d at 600: it grows with the run", rows[60], rows[600])
	}
}

func TestWideRunLearnsAsAWholeRead(t *testing.T) {
	dir := t.TempDir()
	journaledRun(t, dir, "r1", 200, 3, 150)
	whole := withoutOutline(t, dir, "r1")
	got, used, err := Learn(dir, "wide", 5)
	if err != nil || used != 1 {
		t.Fatalf("used %d runs, err %v", used, err)
	}
	want, _, err := Learn(whole, "wide", 5)
	if err != nil {
		t.Fatal(err)
	}
	// A group's total knows its largest peak and time, not its smallest.
	want["work"].PeakMin, want["work"].DurMin = 0, 0
	if !reflect.DeepEqual(got, want) {
		for s := range want {
			t.Errorf("stage %s: learned %+v from the outline and summary, %+v from every event", s, got[s], want[s])
		}
	}
	gotLimits, gotOrder, err := Declared(dir, "r1")
	if err != nil {
		t.Fatal(err)
	}
	wantLimits, wantOrder, err := Declared(whole, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotLimits, wantLimits) || !reflect.DeepEqual(gotOrder, wantOrder) {
		t.Errorf("Declared = %v %v from the outline, want %v %v", gotLimits, gotOrder, wantLimits, wantOrder)
	}
}
