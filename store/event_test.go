package store

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/weirflow/weir/event"
)

func writeLog(t *testing.T, dir, id, content string) {
	t.Helper()
	if err := os.MkdirAll(runDir(dir, id), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(runDir(dir, id), eventsJSONL), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func jsonLines(t *testing.T, events ...event.Event) string {
	t.Helper()
	var b strings.Builder
	for _, e := range events {
		raw, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(raw)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestReadEventsTorn: a torn last line is left out; a bad line before it is
// an error that names the line.
func TestReadEventsTorn(t *testing.T) {
	dir := t.TempDir()
	events := taskEvents(&seqs{}, "a")
	whole := jsonLines(t, events...)
	torn := whole[:len(whole)-10] // the last event cut short, no newline

	writeLog(t, dir, "r1", torn)
	got, err := ReadEvents(dir, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(events[:4], got); diff != "" {
		t.Errorf("torn log (-want +got):\n%s", diff)
	}

	// Out of Seq order (two writers in separate commits) and repeated.
	writeLog(t, dir, "r2", jsonLines(t, events[1], events[0], events[2], events[2]))
	got, err = ReadEvents(dir, "r2")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(events[:3], got); diff != "" {
		t.Errorf("reordered log (-want +got):\n%s", diff)
	}

	writeLog(t, dir, "r3", jsonLines(t, events[0])+"{garbage\n"+jsonLines(t, events[1]))
	if _, err := ReadEvents(dir, "r3"); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad middle line: %v", err)
	}
	if _, err := ReadEvents(dir, "none"); !errors.Is(err, ErrNotFound) {
		t.Errorf("no log: %v, want ErrNotFound", err)
	}
}

// TestEventLogCutsTornLine: appending after a torn line (an engine killed
// mid-write) does not glue the next event onto it.
func TestEventLogCutsTornLine(t *testing.T) {
	dir := t.TempDir()
	events := taskEvents(&seqs{}, "a")
	whole := jsonLines(t, events[:3]...)
	for _, content := range []string{whole[:len(whole)-5], "{no newline at all", ""} {
		writeLog(t, dir, "r1", content)
		f, err := openEventLog(dir, "r1")
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(jsonLines(t, events[3]))
		f.Close()
		got, err := ReadEvents(dir, "r1")
		if err != nil {
			t.Fatalf("after %q: %v", content, err)
		}
		if len(got) == 0 || got[len(got)-1].Seq != events[3].Seq {
			t.Errorf("after %q: %+v", content, got)
		}
	}
}

func TestReplay(t *testing.T) {
	sq := &seqs{}
	events := append(taskEvents(sq, "a"), taskEvents(sq, "b")[:3]...)
	events = append(events, sq.ev(event.Event{Kind: event.TaskChanged, Task: "c", State: event.Skipped, Message: "a failed"}))
	got := Replay(events)
	if got["a"].State != event.TaskSucceeded || got["a"].Last == nil || got["a"].Attempts != 1 ||
		got["b"].State != event.Running || got["b"].Last != nil ||
		got["c"].State != event.Skipped || got["c"].Message != "a failed" || len(got) != 3 {
		t.Errorf("Replay = %+v", got)
	}
	// A late event of a task does not move it back.
	late := sq.ev(event.Event{Kind: event.TaskChanged, Task: "b", State: event.TaskSucceeded})
	early := events[len(events)-2] // b's attempt started
	early.Kind, early.State = event.TaskChanged, event.Ready
	if got := Replay([]event.Event{late, early}); got["b"].State != event.TaskSucceeded {
		t.Errorf("late event moved b back to %s", got["b"].State)
	}
}

// TestListRuns: from the database, and rebuilt from the logs (as while an
// engine holds the store), the lists agree on what the logs can know.
func TestListRuns(t *testing.T) {
	dir := t.TempDir()
	if runs, err := ListRuns(dir); err != nil || len(runs) != 0 {
		t.Fatalf("ListRuns of an empty dir = %v, %v", runs, err)
	}
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	sq := &seqs{}
	outcomes := map[string]string{"ok": "succeeded", "bad": "failed: 1 of 3 tasks did not succeed", "stop": "cancelled", "open": ""}
	gone := deadEngine(t)
	for id, outcome := range outcomes {
		j, err := s.Journal(RunRecord{ID: id, Name: "wf", Workflow: "/w/wf.hcl", Tasks: 3, Engine: gone})
		if err != nil {
			t.Fatal(err)
		}
		record(t, j, sq.ev(event.Event{Kind: event.RunStarted}))
		record(t, j, taskEvents(sq, "a")...)
		record(t, j, taskEvents(sq, "b")[:2]...)
		if outcome != "" {
			record(t, j, sq.ev(event.Event{Kind: event.RunEnded, Message: outcome}))
		}
	}
	s.Close()

	fromDB, err := ListRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	fromLogs, err := listFromLogs(dir)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]RunState{}
	for _, r := range fromDB {
		if r.FromLog {
			t.Errorf("run %s from the log with the store free", r.ID)
		}
		states[r.ID] = r.State
	}
	want := map[string]RunState{"ok": RunSucceeded, "bad": RunFailed, "stop": RunCancelled, "open": RunLost}
	if diff := cmp.Diff(want, states); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(fromDB, fromLogs, cmpopts.IgnoreFields(RunSummary{}, "FromLog")); diff != "" {
		t.Errorf("from the logs (-db +logs):\n%s", diff)
	}
}

// deadEngine is a process that has ended.
func deadEngine(t *testing.T) Engine {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true:", err)
	}
	return Engine{Pid: cmd.Process.Pid, StartTime: 1}
}

// An output committed without its hash gets it from outputs_hashed, in the
// database and in a replay of the event log alike.
func TestOutputsHashed(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{NoSync: true})
	j := newJournal(t, s, "r1")
	sq := &seqs{}
	events := taskEvents(sq, "gen")
	out := event.Committed{Name: "rows", Path: "/dev/shm/weir/r1/gen/rows", Size: 100 << 20}
	for i := range events {
		if events[i].Kind == event.AttemptEnded {
			events[i].Outputs = []event.Committed{out}
		}
	}
	hashed := out
	hashed.Hash = "0123456789abcdef"
	events = append(events, sq.ev(event.Event{Kind: event.OutputsHashed, Task: "gen", Attempt: 1, Outputs: []event.Committed{hashed}}))
	record(t, j, events...)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Task("r1", "gen")
	if err != nil || rec.State != event.TaskSucceeded || len(rec.Outputs) != 1 || rec.Outputs[0].Hash != hashed.Hash || rec.Outputs[0].Size != out.Size {
		t.Errorf("database: %+v, %v", rec, err)
	}
	fromLog, err := ReadEvents(dir, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if got := Replay(fromLog)["gen"]; len(got.Outputs) != 1 || got.Outputs[0].Hash != hashed.Hash {
		t.Errorf("replay: %+v", got)
	}
}

// TestListEndedRunsFromRunJSON: an ended run is listed from the run.json
// its end wrote, without its event log, which for a run of a million
// tasks is a gigabyte; a running one from its summary.json, and only
// without one from its events.
func TestListEndedRunsFromRunJSON(t *testing.T) {
	for _, c := range []struct {
		ended, noSummary bool
		wantRead         bool // the damaged event log is read, and refused
	}{{ended: true}, {ended: false}, {ended: false, noSummary: true, wantRead: true}} {
		dir := t.TempDir()
		s := openStore(t, dir, Options{NoSync: true})
		j := newJournal(t, s, "r1")
		sq := &seqs{}
		record(t, j, taskEvents(sq, "a")...)
		// The run's other two tasks, with records (as the definitions the
		// engine records first give every task): summary.json covers all.
		record(t, j, sq.ev(event.Event{Kind: event.TaskChanged, Task: "b", State: event.Ready}),
			sq.ev(event.Event{Kind: event.TaskChanged, Task: "c", State: event.Ready}))
		if c.ended {
			record(t, j, sq.ev(event.Event{Kind: event.RunEnded, Message: "succeeded"}))
		}
		s.Close()
		log := filepath.Join(dir, "runs", "r1", "events.jsonl")
		if err := os.WriteFile(log, []byte("{not an event\n{\"seq\":1}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if c.noSummary {
			if err := os.Remove(filepath.Join(dir, "runs", "r1", summaryJSON)); err != nil {
				t.Fatal(err)
			}
		}
		runs, err := listFromLogs(dir)
		if c.wantRead {
			if err == nil {
				t.Errorf("running run: the damaged event log was not read: %+v", runs)
			}
			continue
		}
		want := RunSucceeded
		if !c.ended {
			want = RunRunning
		}
		if err != nil || len(runs) != 1 || runs[0].State != want || runs[0].Counts[event.TaskSucceeded] != 1 {
			t.Errorf("ended %v: run from run.json and summary.json: %+v, %v", c.ended, runs, err)
		}
	}
}
