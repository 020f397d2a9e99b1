package ui

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// wideRun writes a finished run of a wide fan-out, as users meet them:
// "prep", then "noop[0]".."noop[n-1]" each reading prep. The tasks in
// failed fail twice (exit 1 then exit 2, with a log on stderr only), the
// rest of the fan-out is cancelled, and the run has failed. prep's log is
// on stdout only.
func wideRun(t *testing.T, stateDir, id string, n int, failed ...int) {
	t.Helper()
	tasks := []*dag.Task{task("prep")}
	for i := range n {
		tk := task("noop["+strconv.Itoa(i)+"]", "prep")
		tk.Key = strconv.Itoa(i)
		tk.Memory = 64 << 20
		tk.Retry = dag.Retry{Attempts: 2}
		tasks = append(tasks, tk)
	}
	r := newFakeRun(t, stateDir, id, tasks...)
	at := func(d time.Duration) time.Time { return r.start.Add(d) }
	es := []event.Event{
		{Kind: event.RunStarted},
		{Kind: event.TaskChanged, Task: "prep", State: event.Running},
		{Kind: event.AttemptStarted, Task: "prep", Attempt: 1},
		{Kind: event.AttemptEnded, Task: "prep", Attempt: 1, Result: &event.Result{Reason: event.Succeeded, Start: at(0), End: at(time.Second)}},
		{Kind: event.TaskChanged, Task: "prep", State: event.TaskSucceeded},
	}
	// prep writes to stdout only, as many programs do.
	out, errp := store.DirLayout{Root: filepath.Join(stateDir, "runs", r.id)}.Logs("prep", 1)
	if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, []byte("split the input into "+strconv.Itoa(n)+" shards\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(errp, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	bad := map[int]bool{}
	for _, i := range failed {
		bad[i] = true
		id := "noop[" + strconv.Itoa(i) + "]"
		es = append(es, event.Event{Kind: event.TaskChanged, Task: id, State: event.Running})
		for a := 1; a <= 2; a++ {
			es = append(es,
				event.Event{Kind: event.AttemptStarted, Task: id, Attempt: a, Memory: 64 << 20},
				event.Event{Kind: event.AttemptEnded, Task: id, Attempt: a, Memory: 64 << 20, Result: &event.Result{
					Reason: event.Exit, ExitCode: a, PeakMemory: 60 << 20, Start: at(time.Second), End: at(3 * time.Second)}})
			out, errp := store.DirLayout{Root: filepath.Join(stateDir, "runs", r.id)}.Logs(id, a)
			if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(out, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			text := "reading shard " + strconv.Itoa(i) + "\nshard " + strconv.Itoa(i) + " is corrupt (attempt " + strconv.Itoa(a) + ")\n"
			if err := os.WriteFile(errp, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		es = append(es, event.Event{Kind: event.TaskChanged, Task: id, State: event.TaskFailed, Message: "exit 2 after 2 attempts"})
	}
	for i := range n {
		if !bad[i] {
			es = append(es, event.Event{Kind: event.TaskChanged, Task: "noop[" + strconv.Itoa(i) + "]", State: event.TaskCancelled})
		}
	}
	es = append(es, event.Event{Kind: event.RunEnded, Message: "2 tasks failed"})
	r.add(es...)
}
