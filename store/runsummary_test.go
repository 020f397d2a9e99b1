package store

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
)

// TestRunSummaryFile: summary.json, written as the journal commits, says
// what the database's stage counts say, lists the failures with their
// attempts, counts retries, and covers the whole event log at the end.
func TestRunSummaryFile(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	attempt := func(sq *seqs, task string, n int, reason event.Reason, peak int64, end event.TaskState) []event.Event {
		res := &event.Result{Reason: reason, PeakMemory: peak, Start: t0, End: t0.Add(time.Duration(n) * time.Second)}
		if reason == event.Exit {
			res.ExitCode = 1
		}
		return []event.Event{
			sq.ev(event.Event{Kind: event.TaskChanged, Task: task, State: event.Running, Attempt: n}),
			sq.ev(event.Event{Kind: event.AttemptStarted, Task: task, Attempt: n, Memory: 1 << 20}),
			sq.ev(event.Event{Kind: event.AttemptEnded, Task: task, Attempt: n, Result: res}),
			sq.ev(event.Event{Kind: event.TaskChanged, Task: task, State: end, Attempt: n}),
		}
	}
	type want struct {
		failures []string // in order
		attempts []int    // of each failure
		failed   int
		complete bool
		retried  int
		peak     int64
		tookMax  time.Duration
	}
	cases := []struct {
		name string
		run  func(sq *seqs) []event.Event
		want want
	}{{
		name: "one failed, one retried into success",
		run: func(sq *seqs) []event.Event {
			es := attempt(sq, "w[0]", 1, event.Succeeded, 10, event.TaskSucceeded)
			es = append(es, attempt(sq, "w[1]", 1, event.Exit, 30, event.Ready)...)
			es = append(es, attempt(sq, "w[1]", 2, event.Succeeded, 20, event.TaskSucceeded)...)
			return append(es, attempt(sq, "w[2]", 1, event.Exit, 5, event.TaskFailed)...)
		},
		want: want{failures: []string{"w[2]"}, attempts: []int{1}, failed: 1, complete: true, retried: 1, peak: 30, tookMax: 2 * time.Second},
	}, {
		name: "a failure retried from the page leaves the list",
		run: func(sq *seqs) []event.Event {
			es := attempt(sq, "w[0]", 1, event.Exit, 1, event.TaskFailed)
			es = append(es, attempt(sq, "w[1]", 1, event.Exit, 1, event.TaskFailed)...)
			es = append(es, attempt(sq, "w[0]", 2, event.Succeeded, 1, event.TaskSucceeded)...)
			return append(es, attempt(sq, "w[1]", 2, event.OOM, 1, event.TaskFailed)...)
		},
		want: want{failures: []string{"w[1]"}, attempts: []int{2}, failed: 1, complete: true, retried: 2, peak: 1, tookMax: 2 * time.Second},
	}, {
		name: "past the bound, the list is the first failures",
		run: func(sq *seqs) []event.Event {
			var es []event.Event
			for i := range MaxSummaryFailures + 2 {
				es = append(es, attempt(sq, "w["+strconv.Itoa(i)+"]", 1, event.Exit, 1, event.TaskFailed)...)
			}
			return es
		},
		want: want{failures: nil, failed: MaxSummaryFailures + 2, complete: false, peak: 1, tookMax: time.Second},
	}}
	for _, c := range cases {
		for _, grouped := range []bool{false, true} {
			if !grouped && c.want.failures == nil {
				continue // a commit per event: slow, and the bound is the same
			}
			t.Run(c.name, func(t *testing.T) {
				dir := t.TempDir()
				s := openStore(t, dir, Options{NoSync: true})
				j := newJournal(t, s, "r1")
				var sq seqs
				es := append(c.run(&sq), sq.ev(event.Event{Kind: event.RunEnded, Message: "failed"}))
				if !grouped {
					record(t, j, es...) // a commit each
				} else {
					var wait func() error
					for _, e := range es {
						w, err := j.Append(e)
						if err != nil {
							t.Fatal(err)
						}
						wait = w
					}
					if err := wait(); err != nil {
						t.Fatal(err)
					}
				}
				if err := j.Close(); err != nil {
					t.Fatal(err)
				}
				sum, err := ReadRunSummary(dir, "r1")
				if err != nil {
					t.Fatal(err)
				}
				log, err := os.Stat(filepath.Join(dir, "runs", "r1", "events.jsonl"))
				if err != nil {
					t.Fatal(err)
				}
				if !sum.Ended || sum.Seq != es[len(es)-1].Seq || sum.Offset != log.Size() {
					t.Errorf("ended %v seq %d offset %d, want true, %d, %d", sum.Ended, sum.Seq, sum.Offset, es[len(es)-1].Seq, log.Size())
				}
				var got []string
				var tries []int
				for _, f := range sum.Failures {
					got = append(got, f.Task)
					tries = append(tries, len(f.Attempts))
				}
				w := c.want
				if w.failures != nil && (!slices.Equal(got, w.failures) || !slices.Equal(tries, w.attempts)) {
					t.Errorf("failures %v with %v attempts, want %v with %v", got, tries, w.failures, w.attempts)
				}
				if w.failures == nil && len(got) != MaxSummaryFailures {
					t.Errorf("%d failures listed, want %d", len(got), MaxSummaryFailures)
				}
				if sum.Failed != w.failed || sum.Complete != w.complete {
					t.Errorf("failed %d complete %v, want %d %v", sum.Failed, sum.Complete, w.failed, w.complete)
				}
				if len(sum.Stages) != 1 {
					t.Fatalf("stages %+v, want one", sum.Stages)
				}
				st := sum.Stages[0]
				if st.Retried != w.retried || st.Peak != w.peak || st.TookMax != w.tookMax {
					t.Errorf("retried %d peak %d took max %v, want %d %d %v", st.Retried, st.Peak, st.TookMax, w.retried, w.peak, w.tookMax)
				}
				db := stageMap(t, s, "r1")["w"]
				if !sameStages(map[string]StageSummary{"w": st}, map[string]StageSummary{"w": db}) {
					t.Errorf("summary.json stage %+v, database %+v", st, db)
				}
			})
		}
	}
}

func TestReadRunSummaryMissing(t *testing.T) {
	if _, err := ReadRunSummary(t.TempDir(), "r1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}
