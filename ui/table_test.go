package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
)

// mixedRun records a finished, failed run of a prep task, n tasks of
// "work" and n/3 of "tail", in every state a table shows: tasks that
// succeeded at once or after an oom, failed after two tries, were
// cancelled or skipped with a message, never started, or were left
// running; with durations, peaks and keys (some upper-case) that differ.
func mixedRun(t testing.TB, stateDir, id string, n int) {
	t.Helper()
	tasks := []*dag.Task{task("prep")}
	for i := range n {
		k := strconv.Itoa(i)
		if i%5 == 0 {
			k = "Key-" + k
		}
		tk := task("work["+k+"]", "prep")
		tk.Key, tk.Memory = k, int64(32+i%3*32)<<20
		if i%4 == 0 {
			tk.Pool = "big"
		}
		tasks = append(tasks, tk)
	}
	for i := range n / 3 {
		tk := task("tail["+strconv.Itoa(i)+"]", "prep")
		tk.Key = strconv.Itoa(i)
		tasks = append(tasks, tk)
	}
	r := newFakeRun(t, stateDir, id, tasks...)
	at := func(d time.Duration) time.Time { return r.start.Add(d) }
	es := []event.Event{{Kind: event.RunStarted}}
	for j, tk := range tasks {
		ok := func(a int, took, peak int) []event.Event {
			return []event.Event{
				{Kind: event.AttemptStarted, Task: tk.ID, Attempt: a},
				{Kind: event.AttemptEnded, Task: tk.ID, Attempt: a, Result: &event.Result{Reason: event.Succeeded,
					PeakMemory: int64(peak) << 20, Start: at(time.Duration(j) * time.Second), End: at(time.Duration(j+took) * time.Second)}},
			}
		}
		bad := func(a int, res event.Result) []event.Event {
			res.Start, res.End, res.PeakMemory = at(time.Second), at(time.Duration(2+j%11)*time.Second), int64(j%9)<<20
			return []event.Event{{Kind: event.AttemptStarted, Task: tk.ID, Attempt: a}, {Kind: event.AttemptEnded, Task: tk.ID, Attempt: a, Result: &res}}
		}
		changed := func(s event.TaskState, msg string) event.Event {
			return event.Event{Kind: event.TaskChanged, Task: tk.ID, State: s, Message: msg}
		}
		switch j % 7 {
		case 0:
			es = append(es, changed(event.Running, ""))
			es = append(es, ok(1, j%13, j%17)...)
			es = append(es, changed(event.TaskSucceeded, ""))
		case 1:
			es = append(es, changed(event.Running, ""))
			es = append(es, bad(1, event.Result{Reason: event.Exit, ExitCode: 1 + j%3})...)
			es = append(es, bad(2, event.Result{Reason: event.Exit, ExitCode: 2})...)
			es = append(es, changed(event.TaskFailed, "exit 2 after 2 attempts"))
		case 2:
			es = append(es, changed(event.Running, ""))
			es = append(es, bad(1, event.Result{Reason: event.OOM})...)
			es = append(es, ok(2, 3, j%23)...)
			es = append(es, changed(event.TaskSucceeded, ""))
		case 3:
			es = append(es, changed(event.TaskCancelled, "the run was stopped"))
		case 4:
			es = append(es, changed(event.Skipped, "Upstream prep failed"))
		case 5: // never started: pending
		case 6:
			es = append(es, changed(event.Running, ""), event.Event{Kind: event.AttemptStarted, Task: tk.ID, Attempt: 1})
		}
	}
	es = append(es, event.Event{Kind: event.RunEnded, Message: "tasks failed"})
	r.add(es...)
}

// tableQueries are the table's requests: every filter, search and sort,
// alone and together, pages and a find.
func tableQueries() []string {
	qs := []string{"", "?offset=5&limit=7", "?offset=100000&limit=5", "?limit=0&find=work%5B13%5D",
		"?sort=key&find=work%5BKey-10%5D&limit=3", "?sort=nosuch", "?state=nosuch", "?stage=nosuch"}
	for _, s := range []string{"failed", "succeeded", "running", "cancelled", "skipped", "pending"} {
		qs = append(qs, "?state="+s, "?state="+s+"&stage=work&offset=1&limit=4")
	}
	for _, s := range []string{"prep", "work", "tail"} {
		qs = append(qs, "?stage="+s, "?stage="+s+"&sort=took&dir=-1")
	}
	for _, q := range []string{"key-1", "EXIT", "oom", "upstream", "running", "tail[1", "zzz", "work"} {
		qs = append(qs, "?q="+url.QueryEscape(q), "?q="+url.QueryEscape(q)+"&sort=peak&dir=-1&limit=5")
	}
	for _, s := range []string{"stage", "key", "state", "tries", "reason", "took", "peak", "pool"} {
		qs = append(qs, "?sort="+s, "?sort="+s+"&dir=-1", "?sort="+s+"&state=succeeded&offset=2&limit=9")
	}
	return qs
}

// TestTableMatchesEvents: every table request of a finished run answered
// from its task table equals the whole read's answer, row views included,
// at a few sizes; and with the event log's lines out of Seq order and
// repeated, which the table's pass leaves to the model.
func TestTableMatchesEvents(t *testing.T) {
	for _, c := range []struct {
		n        int
		shuffled bool
	}{{14, false}, {60, false}, {60, true}, {700, false}} {
		t.Run(fmt.Sprint(c.n, " tasks, shuffled ", c.shuffled), func(t *testing.T) {
			full, quick := t.TempDir(), t.TempDir()
			mixedRun(t, full, "r1", c.n)
			journaled(t, full, quick, "r1", 20)
			if c.shuffled {
				shuffleEvents(t, filepath.Join(quick, "runs", "r1", "events.jsonl"))
			}
			s, _ := startServer(t, Options{StateDir: quick})
			h, err := s.checkRun("r1")
			if err != nil {
				t.Fatal(err)
			}
			qr := h.quick()
			if qr == nil {
				t.Fatal("the run was not read from its outline and summary")
			}
			tab, err := h.table(qr, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, raw := range tableQueries() {
				u, _ := url.Parse("/x" + raw)
				q, ok := parseRowQuery(&http.Request{URL: u})
				if !ok {
					t.Fatalf("%s: bad query", raw)
				}
				want, err := h.rows(q)
				if err != nil {
					t.Fatal(err)
				}
				got, err := h.tableRows(tab, q)
				if err != nil {
					t.Fatal(err)
				}
				wb, _ := json.Marshal(want)
				gb, _ := json.Marshal(got)
				if !bytes.Equal(wb, gb) {
					t.Errorf("%s: from the table:\n%s\nfrom the events:\n%s", raw, gb, wb)
				}
			}
		})
	}
}

// shuffleEvents reverses the middle third of a log's lines and repeats
// one: the order a log has when writers' commits cross.
func shuffleEvents(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	lines = lines[:len(lines)-1]
	k := len(lines) / 3
	slices.Reverse(lines[k : 2*k])
	lines = append(lines, lines[k])
	if err := os.WriteFile(path, bytes.Join(lines, nil), 0o600); err != nil {
		t.Fatal(err)
	}
}
