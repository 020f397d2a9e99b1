package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// TestStatusFromSummary: status --failed of a finished run, and its
// summary by stage while an engine holds the database, print from
// summary.json what status prints from the database, for failures of
// every shape; with too many failures for the summary, both read the
// database or the event log.
func TestStatusFromSummary(t *testing.T) {
	defer func(n int) { statusRows = n }(statusRows)
	statusRows = 5
	res := func(r event.Reason, code int, peak int64) *event.Result {
		at := time.Unix(1700000000, 0)
		return &event.Result{Reason: r, ExitCode: code, PeakMemory: peak, Start: at, End: at.Add(1500 * time.Millisecond)}
	}
	shapes := map[string][]event.Event{
		"exit": {
			{Kind: event.TaskChanged, State: event.Running, Attempt: 1},
			{Kind: event.AttemptStarted, Attempt: 1, Memory: 64 << 20},
			{Kind: event.AttemptEnded, Attempt: 1, Memory: 64 << 20, Result: res(event.Exit, 3, 10<<20)},
			{Kind: event.TaskChanged, State: event.TaskFailed, Attempt: 1},
		},
		"oom then exit": {
			{Kind: event.TaskChanged, State: event.Running, Attempt: 1},
			{Kind: event.AttemptStarted, Attempt: 1, Memory: 64 << 20},
			{Kind: event.AttemptEnded, Attempt: 1, Memory: 64 << 20, Result: res(event.OOM, 0, 70<<20)},
			{Kind: event.TaskChanged, State: event.Running, Attempt: 2},
			{Kind: event.AttemptStarted, Attempt: 2, Memory: 128 << 20},
			{Kind: event.AttemptEnded, Attempt: 2, Memory: 128 << 20, Result: res(event.Exit, 1, 90<<20)},
			{Kind: event.TaskChanged, State: event.TaskFailed, Attempt: 2, Message: "exit 1 after 2 attempts"},
		},
		"failed as its retry began": {
			{Kind: event.TaskChanged, State: event.Running, Attempt: 1},
			{Kind: event.AttemptStarted, Attempt: 1},
			{Kind: event.AttemptEnded, Attempt: 1, Result: res(event.Exit, 2, 0)},
			{Kind: event.TaskChanged, State: event.Running, Attempt: 2},
			{Kind: event.TaskChanged, State: event.TaskFailed, Attempt: 2, Message: "the engine stopped"},
		},
		"did not start": {
			{Kind: event.TaskChanged, State: event.Running, Attempt: 1},
			{Kind: event.AttemptEnded, Attempt: 1, Result: res(event.StartFailed, 0, 0)},
			{Kind: event.TaskChanged, State: event.TaskFailed, Attempt: 1},
		},
	}
	cases := []struct {
		name   string
		failed int // tasks of each shape
	}{
		{"a few", 3},
		{"more than the summary lists", store.MaxSummaryFailures/len(shapes) + 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state")
			st, err := store.Open(dir, store.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			id := "20261206-100000-abcdef"
			j, err := st.Journal(store.RunRecord{ID: id, Name: "big", Workflow: "/nowhere/big.hcl", Tasks: 2 + c.failed*len(shapes)})
			if err != nil {
				t.Fatal(err)
			}
			rec := recorder(t, j)
			rec("", event.Event{Kind: event.RunStarted})
			for _, ok := range []string{"ok[0]", "ok[1]"} {
				rec(ok, event.Event{Kind: event.AttemptEnded, Attempt: 1, Result: res(event.Succeeded, 0, 1<<20)})
				rec(ok, event.Event{Kind: event.TaskChanged, State: event.TaskSucceeded, Attempt: 1})
			}
			n := 0
			for i := range c.failed {
				for name, es := range shapes {
					task := fmt.Sprintf("w[%s %d]", name, i)
					for _, e := range es {
						rec(task, e)
					}
					n++
				}
			}
			rec("", event.Event{Kind: event.RunEnded, Message: "failed"})
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			status := func(locked bool, args ...string) string {
				if locked {
					st, err := store.Open(dir, store.Options{NoSync: true})
					if err != nil {
						t.Fatal(err)
					}
					defer st.Close()
				}
				var out, errb bytes.Buffer
				if code := realMain(append([]string{"status", "--state-dir", dir}, args...), &out, &errb); code != 0 {
					t.Fatalf("exit %d: %s", code, errb.String())
				}
				return out.String()
			}
			sum, err := store.ReadRunSummary(dir, id)
			if err != nil {
				t.Fatal(err)
			}
			if want := n <= store.MaxSummaryFailures; sum.Complete != want {
				t.Fatalf("summary.json lists every failure: %v, want %v", sum.Complete, want)
			}
			failedSum, stagesSum := status(false, "--failed"), status(true)
			if err := os.Remove(filepath.Join(dir, "runs", id, "summary.json")); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ what, got, want string }{
				{"--failed", failedSum, status(false, "--failed")},
				{"by stage", stagesSum, status(false)},
			} {
				if c.got != c.want {
					t.Errorf("%s from summary.json:\n%s\nfrom the database:\n%s", c.what, c.got, c.want)
				}
			}
		})
	}
}

// TestStatusOfARunningRun: while the engine of a large run holds the
// database, status prints its stages and first failures from the
// summary.json the engine keeps rewriting, as the database has them
// (without reading the event log), and says where they come from.
func TestStatusOfARunningRun(t *testing.T) {
	defer func(n int) { statusRows = n }(statusRows)
	statusRows = 5
	dir := filepath.Join(t.TempDir(), "state")
	st, err := store.Open(dir, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	id := "20261207-100000-abcdef"
	j, err := st.Journal(store.RunRecord{ID: id, Name: "big", Workflow: "/nowhere/big.hcl", Tasks: 13})
	if err != nil {
		t.Fatal(err)
	}
	rec := recorder(t, j)
	at := time.Unix(1700000000, 0)
	rec("", event.Event{Kind: event.RunStarted})
	for i := range 12 {
		task := fmt.Sprintf("w[%02d]", 11-i) // failing in the reverse of their names' order
		rec(task, event.Event{Kind: event.TaskChanged, State: event.Running, Attempt: 1})
		rec(task, event.Event{Kind: event.AttemptStarted, Attempt: 1})
		r := &event.Result{Reason: event.Succeeded, Start: at, End: at.Add(time.Second)}
		state := event.TaskSucceeded
		if i%2 == 0 {
			r.Reason, r.ExitCode, state = event.Exit, 3, event.TaskFailed
		}
		rec(task, event.Event{Kind: event.AttemptEnded, Attempt: 1, Result: r})
		rec(task, event.Event{Kind: event.TaskChanged, State: state, Attempt: 1})
	}
	rec("w[12]", event.Event{Kind: event.TaskChanged, State: event.Running, Attempt: 1})
	// Closing the journal writes summary.json; the run is not over.
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	status := func(args ...string) string {
		var out, errb bytes.Buffer
		if code := realMain(append([]string{"status", "--state-dir", dir}, args...), &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		return out.String()
	}
	held, heldFailed := status(), status("--failed") // this process is the engine, and holds the database
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// Its engine gone, the run reads as lost from the database: the
	// header differs, the rest must not.
	body := func(s string) string {
		for _, l := range []string{"\nSTAGE", "\nTASK"} {
			if i := strings.Index(s, l); i >= 0 {
				return s[i+1:]
			}
		}
		return s
	}
	note := "(the run is going: the counts are those of its summary.json, rewritten every quarter second or so)\n"
	if !strings.HasPrefix(held, "run "+id+" of big: running") {
		t.Errorf("with the database held, the run is not shown running:\n%s", held)
	}
	// The engine alive, status --failed would read the summary again:
	// without it, it reads the database.
	sumPath := filepath.Join(dir, "runs", id, "summary.json")
	if err := os.Rename(sumPath, sumPath+".aside"); err != nil {
		t.Fatal(err)
	}
	dbFailed := status("--failed")
	if err := os.Rename(sumPath+".aside", sumPath); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ held, from string }{{held, status()}, {heldFailed, dbFailed}} {
		if want := body(c.from) + note; body(c.held) != want {
			t.Errorf("with the database held:\n%s\nwant what the database says:\n%s", c.held, want)
		}
	}
	// The event log is not what it read.
	if err := os.Rename(filepath.Join(dir, "runs", id, "events.jsonl"), filepath.Join(dir, "events.moved")); err != nil {
		t.Fatal(err)
	}
	st, err = store.Open(dir, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := status(); got != held {
		t.Errorf("without the event log:\n%s\nwant\n%s", got, held)
	}
	if got := status("--failed"); got != heldFailed {
		t.Errorf("--failed without the event log:\n%s\nwant\n%s", got, heldFailed)
	}
}

// recorder records events of task in j, numbered and stamped in order.
func recorder(t *testing.T, j *store.Journal) func(task string, e event.Event) {
	seq := uint64(0)
	return func(task string, e event.Event) {
		seq++
		e.Seq, e.Time, e.Task = seq, time.Unix(1700000000, int64(seq)), task
		if err := j.Record(e); err != nil {
			t.Fatal(err)
		}
	}
}
