package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// bigRun records a finished run of n tasks of stage "w", every fifth one
// failed, in a store under a temporary directory, and returns its state
// dir.
func bigRun(t *testing.T, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	st, err := store.Open(dir, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	j, err := st.Journal(store.RunRecord{ID: "20261206-100000-abcdef", Name: "big", Workflow: "/nowhere/big.hcl", Tasks: n})
	if err != nil {
		t.Fatal(err)
	}
	seq := uint64(0)
	rec := func(e event.Event) {
		seq++
		e.Seq, e.Time = seq, time.Unix(1700000000, int64(seq))
		if err := j.Record(e); err != nil {
			t.Fatal(err)
		}
	}
	rec(event.Event{Kind: event.RunStarted})
	for i := range n {
		id := fmt.Sprintf("w[%d]", i)
		end, res := event.TaskSucceeded, &event.Result{Reason: event.Succeeded}
		if i%5 == 4 {
			end, res = event.TaskFailed, &event.Result{Reason: event.Exit, ExitCode: 1}
		}
		rec(event.Event{Kind: event.TaskChanged, Task: id, State: event.Ready})
		rec(event.Event{Kind: event.TaskChanged, Task: id, State: event.Running, Attempt: 1})
		rec(event.Event{Kind: event.AttemptEnded, Task: id, Attempt: 1, Result: res})
		rec(event.Event{Kind: event.TaskChanged, Task: id, State: end, Attempt: 1})
	}
	rec(event.Event{Kind: event.RunEnded, Message: "failed"})
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestStatusLargeRun: above statusRows tasks, status shows stages and the
// first failures, --failed every failed task and nothing else, --all every
// task; the same from the database and, while an engine holds it, from
// the event log.
func TestStatusLargeRun(t *testing.T) {
	defer func(n int) { statusRows = n }(statusRows)
	statusRows = 20
	dir := bigRun(t, 60) // 12 failed
	cases := []struct {
		args    []string
		want    []string // regexps, each matching a line
		rows    int      // task rows (lines starting "w[")
		wantNot string
	}{
		{args: nil, want: []string{`^run \S+ of big: failed, 48 succeeded, 12 failed of 60`, `^w +60 +48 succeeded, 12 failed$`,
			`^12 tasks failed; the first 10 by name \(weir status --failed lists them all\):$`, `weir status --all lists every task`}, rows: 10},
		{args: []string{"--failed"}, want: []string{`^w\[14\] +failed +1 +exit 1 `}, rows: 12, wantNot: "succeeded  1"},
		{args: []string{"--all"}, want: []string{`^w\[0\] +succeeded +1 `}, rows: 60},
	}
	for _, locked := range []bool{false, true} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%v locked=%v", c.args, locked), func(t *testing.T) {
				if locked {
					st, err := store.Open(dir, store.Options{NoSync: true})
					if err != nil {
						t.Fatal(err)
					}
					defer st.Close()
				}
				var out, errb bytes.Buffer
				args := append([]string{"status", "--state-dir", dir}, c.args...)
				if code := realMain(args, &out, &errb); code != 0 {
					t.Fatalf("exit %d: %s", code, errb.String())
				}
				for _, w := range c.want {
					if !regexp.MustCompile(`(?m)` + w).MatchString(out.String()) {
						t.Errorf("no line matches %q in:\n%s", w, out.String())
					}
				}
				if rows := len(regexp.MustCompile(`(?m)^w\[`).FindAllString(out.String(), -1)); rows != c.rows {
					t.Errorf("%d task rows, want %d:\n%s", rows, c.rows, out.String())
				}
				if c.wantNot != "" && strings.Contains(out.String(), c.wantNot) {
					t.Errorf("output has %q:\n%s", c.wantNot, out.String())
				}
			})
		}
	}
}

// TestLogsLargeRun: weir logs finds a task of a large run by its name in
// the database, and names a missing one without reading the event log.
func TestLogsLargeRun(t *testing.T) {
	defer func(n int) { statusRows = n }(statusRows)
	statusRows = 20
	dir := bigRun(t, 60)
	// A damaged event log: only the database can answer.
	log := filepath.Join(dir, "runs", "20261206-100000-abcdef", "events.jsonl")
	if err := os.WriteFile(log, []byte("{not an event\n{\"seq\":1}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		task, wantErr string
		code          int
	}{
		{task: "w[3]", wantErr: "task w[3] attempt 1 wrote no output", code: 0},
		{task: "w[99]", wantErr: `has no task "w[99]" (weir status --all lists its tasks)`, code: 1},
	} {
		var out, errb bytes.Buffer
		code := realMain([]string{"logs", "--state-dir", dir, c.task}, &out, &errb)
		if code != c.code || !strings.Contains(errb.String(), c.wantErr) {
			t.Errorf("weir logs %s: exit %d, stderr %q; want exit %d and %q", c.task, code, errb.String(), c.code, c.wantErr)
		}
	}
}
