package store

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/weirflow/weir/event"
)

// TestRecordsRoundTrip writes a run with a retried task and reads every
// record back after reopening.
func TestRecordsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	j := newJournal(t, s, "r1")
	sq := &seqs{}
	fail := event.Result{Reason: event.OOM, Detail: "exceeded its memory cap", PeakMemory: 70 << 20,
		Start: time.Unix(1700000000, 0).UTC(), End: time.Unix(1700000002, 0).UTC()}
	ok := event.Result{Reason: event.Succeeded, Start: time.Unix(1700000003, 0).UTC(), End: time.Unix(1700000004, 0).UTC()}
	inputs := map[string]string{"extract.output.rows": "h-rows"}
	outputs := []OutputRecord{{Name: "part", Path: "/dev/shm/weir/r1/shard/part", Size: 123, Hash: "h-part"}}

	events := []event.Event{sq.ev(event.Event{Kind: event.RunStarted})}
	if err := s.SetTaskHashes("r1", "shard", "h-def", inputs); err != nil {
		t.Fatal(err)
	}
	inputs["mutated"] = "after the call" // the store keeps its own copy
	events = append(events,
		sq.ev(event.Event{Kind: event.TaskChanged, Task: "shard", State: event.Ready}),
		sq.ev(event.Event{Kind: event.TaskChanged, Task: "shard", State: event.Running, Attempt: 1, Memory: 64 << 20}),
		sq.ev(event.Event{Kind: event.AttemptStarted, Task: "shard", Attempt: 1, Memory: 64 << 20, Handle: []byte(`"h1"`)}),
		sq.ev(event.Event{Kind: event.AttemptEnded, Task: "shard", Attempt: 1, Memory: 64 << 20, Result: &fail}),
		sq.ev(event.Event{Kind: event.TaskChanged, Task: "shard", State: event.Ready, Attempt: 1, Message: "retry"}),
		sq.ev(event.Event{Kind: event.TaskChanged, Task: "shard", State: event.Running, Attempt: 2, Memory: 96 << 20}),
		sq.ev(event.Event{Kind: event.AttemptStarted, Task: "shard", Attempt: 2, Memory: 96 << 20, Handle: []byte(`"h2"`)}),
		sq.ev(event.Event{Kind: event.AttemptEnded, Task: "shard", Attempt: 2, Memory: 96 << 20, Result: &ok}),
	)
	record(t, j, events...)
	if err := s.SetOutputs("r1", "shard", outputs); err != nil {
		t.Fatal(err)
	}
	// "gen" commits its outputs the scheduler's way: on its AttemptEnded.
	genOut := []event.Committed{{Name: "rows", Path: "/dev/shm/weir/r1/gen/rows", Size: 9, Hash: "h-rows"}}
	if err := s.SetTaskHashes("r1", "later", "h-later", nil); err != nil {
		t.Fatal(err)
	}
	last := []event.Event{
		sq.ev(event.Event{Kind: event.TaskChanged, Task: "gen", State: event.Running, Attempt: 1}),
		sq.ev(event.Event{Kind: event.AttemptEnded, Task: "gen", Attempt: 1, Result: &ok, Outputs: genOut}),
		sq.ev(event.Event{Kind: event.TaskChanged, Task: "gen", State: event.TaskSucceeded, Attempt: 1}),
		sq.ev(event.Event{Kind: event.TaskChanged, Task: "shard", State: event.TaskSucceeded, Attempt: 2}),
		sq.ev(event.Event{Kind: event.TaskChanged, Task: "other", State: event.Skipped, Message: "dependency failed"}),
		sq.ev(event.Event{Kind: event.RunEnded, Message: "failed: 1 of 2 tasks did not succeed"}),
	}
	record(t, j, last...)
	events = append(events, last...)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	r := openStore(t, dir, Options{ReadOnly: true})
	run, err := r.Run("r1")
	if err != nil {
		t.Fatal(err)
	}
	if run.State != RunFailed || run.Ended.IsZero() || run.Engine.Pid != os.Getpid() || run.Seq != uint64(len(events)) ||
		run.Workflow != "/w/wf.hcl" || run.PlanHash != "p1" || run.StateDir != dir || run.Started.IsZero() {
		t.Errorf("run record: %+v", run)
	}
	if diff := cmp.Diff(map[event.TaskState]int{event.TaskSucceeded: 2, event.Skipped: 1}, run.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}

	tasks, err := r.Tasks("r1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]TaskRecord{
		"shard": {ID: "shard", State: event.TaskSucceeded, Attempts: 2, DefHash: "h-def",
			Inputs: map[string]string{"extract.output.rows": "h-rows"}, Outputs: outputs, Last: &ok, Seq: 13},
		"other": {ID: "other", State: event.Skipped, Message: "dependency failed", Seq: 14},
		"gen": {ID: "gen", State: event.TaskSucceeded, Attempts: 1, Last: &ok, Seq: 12,
			Outputs: []OutputRecord{{Name: "rows", Path: "/dev/shm/weir/r1/gen/rows", Size: 9, Hash: "h-rows"}}},
		"later": {ID: "later", State: event.Pending, DefHash: "h-later"}, // hashes, no event yet
	}
	if diff := cmp.Diff(want, tasks); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
	if task, err := r.Task("r1", "shard"); err != nil || task.DefHash != "h-def" {
		t.Errorf("Task = %+v, %v", task, err)
	}

	attempts, err := r.Attempts("r1", "shard")
	if err != nil {
		t.Fatal(err)
	}
	wantAttempts := []AttemptRecord{
		{Task: "shard", N: 1, Handle: []byte(`"h1"`), Memory: 64 << 20, Started: events[3].Time, Result: &fail},
		{Task: "shard", N: 2, Handle: []byte(`"h2"`), Memory: 96 << 20, Started: events[7].Time, Result: &ok},
	}
	if diff := cmp.Diff(wantAttempts, attempts); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}

	got, err := r.Events("r1")
	if err != nil {
		t.Fatal(err)
	}
	for i := range events {
		events[i].RunID = "r1" // the journal fills it in
	}
	if diff := cmp.Diff(events, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	fromLog, err := ReadEvents(dir, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(events, fromLog); diff != "" {
		t.Errorf("events.jsonl (-want +got):\n%s", diff)
	}
	// Replay of the log agrees with the records on everything events carry.
	replayed := Replay(fromLog)
	delete(want, "later")
	for id, w := range want {
		w.DefHash, w.Inputs = "", nil
		if id == "shard" {
			w.Outputs = nil // set by SetOutputs, not an event
		}
		if diff := cmp.Diff(w, replayed[id]); diff != "" {
			t.Errorf("Replay %s (-want +got):\n%s", id, diff)
		}
	}

	if _, err := r.Run("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Run(nope) = %v, want ErrNotFound", err)
	}
	if _, err := r.Tasks("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Tasks(nope) = %v, want ErrNotFound", err)
	}
	if _, err := r.Task("r1", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Task(nope) = %v, want ErrNotFound", err)
	}
}

func TestRunsNewestFirst(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{NoSync: true})
	if _, err := s.Latest(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Latest of an empty store = %v, want ErrNotFound", err)
	}
	base := time.Unix(1700000000, 0).UTC()
	for i, id := range []string{"b", "c", "a"} {
		if _, err := s.Journal(RunRecord{ID: id, Started: base.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := s.Runs()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"a", "c", "b"}, ids); diff != "" {
		t.Errorf("Runs order (-want +got):\n%s", diff)
	}
	if l, err := s.Latest(); err != nil || l.ID != "a" {
		t.Errorf("Latest = %q, %v; want a", l.ID, err)
	}
}

// TestLostOnReopen: a run its engine never ended is lost for the next
// engine, which holds the lock and so knows the first is gone.
func TestLostOnReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	j := newJournal(t, s, "r1")
	record(t, j, (&seqs{}).ev(event.Event{Kind: event.RunStarted}))
	s.Close()

	s = openStore(t, dir, Options{})
	run, err := s.Run("r1")
	if err != nil {
		t.Fatal(err)
	}
	if run.State != RunLost {
		t.Errorf("state = %s, want lost", run.State)
	}
}

func TestJournalErrors(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{NoSync: true})
	j := newJournal(t, s, "r1")
	if _, err := s.Journal(RunRecord{ID: "r1"}); !errors.Is(err, ErrRunExists) {
		t.Errorf("second Journal(r1) = %v, want ErrRunExists", err)
	}
	for _, id := range []string{"", "..", "a/b"} {
		if _, err := s.Journal(RunRecord{ID: id}); err == nil {
			t.Errorf("Journal(%q) succeeded", id)
		}
	}
	if err := j.Record(event.Event{Seq: 1, RunID: "other", Kind: event.RunStarted}); err == nil {
		t.Error("Record of another run's event succeeded")
	}
	if err := s.SetOutputs("nope", "t", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetOutputs on a run without journal = %v, want ErrNotFound", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Record(event.Event{Seq: 1, Kind: event.RunStarted}); !errors.Is(err, ErrClosed) {
		t.Errorf("Record after Close = %v, want ErrClosed", err)
	}
	if err := j.Close(); err != nil {
		t.Errorf("second Close of a journal = %v, want nil", err)
	}
	// The run exists in the database even with no journal open.
	if _, err := s.Journal(RunRecord{ID: "r1"}); !errors.Is(err, ErrRunExists) {
		t.Errorf("Journal(r1) after its journal closed = %v, want ErrRunExists", err)
	}

	r := openStore(t, t.TempDir(), Options{})
	r.Close()
	ro := openStore(t, r.Dir(), Options{ReadOnly: true})
	if _, err := ro.Journal(RunRecord{ID: "x"}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Journal on a read-only store = %v, want ErrReadOnly", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none"), Options{ReadOnly: true}); !errors.Is(err, ErrNotFound) {
		t.Errorf("read-only Open of no store = %v, want ErrNotFound", err)
	}
}

// TestPermissions: the store and what it writes beside it are private.
func TestPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", ".weir")
	s := openStore(t, dir, Options{NoSync: true})
	j := newJournal(t, s, "r1")
	record(t, j, (&seqs{}).ev(event.Event{Kind: event.RunStarted}))
	want := map[string]os.FileMode{
		dir:                                           0o700 | os.ModeDir,
		filepath.Join(dir, DBFile):                    0o600,
		filepath.Join(dir, lockFile):                  0o600,
		filepath.Join(dir, "runs"):                    0o700 | os.ModeDir,
		filepath.Join(dir, "runs", "r1"):              0o700 | os.ModeDir,
		filepath.Join(dir, "runs", "r1", runJSON):     0o600,
		filepath.Join(dir, "runs", "r1", eventsJSONL): 0o600,
	}
	for path, mode := range want {
		st, err := os.Stat(path)
		if err != nil {
			t.Error(err)
			continue
		}
		if st.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", path, st.Mode(), mode)
		}
	}
	s.Close()
	if _, err := os.Stat(filepath.Join(dir, lockFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("engine.lock after Close: %v", err)
	}
}

// TestLostAttempts: the attempts a lost run left running end lost, and
// their tasks failed, so a resume knows to run them again and says why.
func TestLostAttempts(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	j := newJournal(t, s, "r1")
	q := &seqs{}
	record(t, j, q.ev(event.Event{Kind: event.RunStarted}))
	record(t, j, q.ev(event.Event{Kind: event.TaskChanged, Task: "a", State: event.Running, Attempt: 1}))
	record(t, j, q.ev(event.Event{Kind: event.AttemptStarted, Task: "a", Attempt: 1, Handle: []byte(`{"pid":1}`)}))
	record(t, j, q.ev(event.Event{Kind: event.TaskChanged, Task: "b", State: event.Running, Attempt: 1}))
	s.Close()

	s = openStore(t, dir, Options{})
	tasks, err := s.Tasks("r1")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		tk := tasks[id]
		if tk.State != event.TaskFailed || tk.Last == nil || tk.Last.Reason != event.Lost {
			t.Errorf("task %s: %+v", id, tk)
		}
	}
	attempts, err := s.Attempts("r1", "a")
	if err != nil || len(attempts) != 1 || attempts[0].Result == nil || attempts[0].Result.Reason != event.Lost {
		t.Errorf("attempts of a: %+v %v", attempts, err)
	}
}

func TestDefinitionRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{NoSync: true})
	j := newJournal(t, s, "r1")
	parts := []DefPart{{"command[0]", "python3"}, {"env.A", "1"}}
	if err := s.SetDefinition("r1", "a", "h-a", parts); err != nil {
		t.Fatal(err)
	}
	record(t, j, (&seqs{}).ev(event.Event{Kind: event.TaskChanged, Task: "a", State: event.Ready}))
	tk, err := s.Task("r1", "a")
	if err != nil || !slices.Equal(tk.Definition, parts) || tk.DefHash != "h-a" {
		t.Errorf("definition %q %+v, %v", tk.DefHash, tk.Definition, err)
	}
}

// TestOpenEmptyFile: an engine killed right after creating weir.db leaves
// an empty file; readers see no store, and the next engine starts one.
func TestOpenEmptyFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, DBFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{ReadOnly: true}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read-only open of an empty file = %v, want ErrNotFound", err)
	}
	runs, err := ListRuns(dir)
	if err != nil || len(runs) != 0 {
		t.Fatalf("ListRuns = %v, %v; want none", runs, err)
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("an engine's open of an empty file: %v", err)
	}
	s.Close()
	r, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open after the engine wrote it: %v", err)
	}
	r.Close()
}
