package store

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/weirflow/weir/event"
)

// replayed is what summaryFromLog made of a log before logCounts: every
// event decoded, replayed for the counts, the run's applied in Seq order.
func replayed(dir, id string) (RunRecord, error) {
	events, err := ReadEvents(dir, id)
	if err != nil {
		return RunRecord{}, err
	}
	var r RunRecord
	for _, t := range Replay(events) {
		r.count("", t.State)
	}
	for i := range events {
		if events[i].RunID == id || events[i].RunID == "" {
			applyRun(&r, &events[i])
		}
	}
	return r, nil
}

// TestLogCountsAsReplay: a running run's counts, Seq and end from
// logCounts equal those of the whole log replayed, for logs in order, out
// of order, with repeated events, a torn last line, another run's events
// and tasks with no state yet; a damaged line before others is an error
// both ways.
func TestLogCountsAsReplay(t *testing.T) {
	at := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	ev := func(seq uint64, kind event.EventKind, task string, state event.TaskState) event.Event {
		return event.Event{Seq: seq, Time: at.Add(time.Duration(seq) * time.Second), RunID: "r1", Kind: kind, Task: task, State: state}
	}
	base := []event.Event{
		ev(1, event.RunStarted, "", ""),
		ev(2, event.TaskChanged, "a", event.Ready),
		ev(3, event.TaskChanged, "a", event.Running),
		ev(4, event.AttemptStarted, "a", ""),
		ev(5, event.TaskChanged, "b", event.Running),
		ev(6, event.AttemptEnded, "a", ""),
		ev(7, event.TaskChanged, "a", event.TaskSucceeded),
		ev(8, event.TaskChanged, "c", event.Skipped),
		ev(9, event.AttemptStarted, "d", ""), // no state yet
		ev(10, event.TaskChanged, "e", event.Pending),
	}
	other := ev(11, event.TaskChanged, "f", event.TaskFailed)
	other.RunID = "r0"
	ended := ev(12, event.RunEnded, "", "")
	ended.Message = "2 tasks failed"
	reversed := func(es []event.Event) []event.Event {
		out := make([]event.Event, len(es))
		for i, e := range es {
			out[len(es)-1-i] = e
		}
		return out
	}
	cases := []struct {
		name, log string
	}{
		{"in order", jsonLines(t, base...)},
		{"another run's event and the end", jsonLines(t, append(base, other, ended)...)},
		{"out of order", jsonLines(t, reversed(base)...)},
		{"repeated", jsonLines(t, append(base, base[6], base[2])...)},
		{"a torn last line", jsonLines(t, base...) + `{"seq":13,"kind":"task","task":"a","sta`},
		{"a damaged line before others", jsonLines(t, base[:3]...) + "{not json}\n" + jsonLines(t, base[3:]...)},
		{"escaped task ids", jsonLines(t, ev(1, event.TaskChanged, `q"x`, event.Running), ev(2, event.TaskChanged, `q"x`, event.TaskFailed))},
		{"empty", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeLog(t, dir, "r1", c.log)
			want, werr := replayed(dir, "r1")
			tally, gerr := logCounts(dir, "r1")
			if (werr != nil) != (gerr != nil) {
				t.Fatalf("errors: replayed %v, logCounts %v", werr, gerr)
			}
			if werr != nil {
				return
			}
			var got RunRecord
			got.Counts = tally.counts
			got.Seq = tally.seq
			for i := range tally.run {
				if tally.run[i].RunID == "r1" || tally.run[i].RunID == "" {
					applyRun(&got, &tally.run[i])
				}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("logCounts differs from the replay (-replay +logCounts):\n%s", d)
			}
		})
	}
	if _, err := logCounts(t.TempDir(), "r1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("no log: %v, want ErrNotFound", err)
	}
}

// BenchmarkLogCounts reads the newest run of the state dir
// WEIR_LOGCOUNTS_STATE (a run of bench/bigstore: DIR/.weir) both ways:
// logCounts, and every event decoded and replayed, as before it.
func BenchmarkLogCounts(b *testing.B) {
	dir := os.Getenv("WEIR_LOGCOUNTS_STATE")
	if dir == "" {
		b.Skip("WEIR_LOGCOUNTS_STATE names no state dir")
	}
	runs, err := ListRunFiles(dir)
	if err != nil || len(runs) == 0 {
		b.Fatalf("no run in %s: %v", dir, err)
	}
	id := runs[0].ID
	cpu := func(b *testing.B, f func() error) {
		var ru0, ru1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		for b.Loop() {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		ns := ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
		b.ReportMetric(float64(ns)/1e6/float64(b.N), "cpu-ms/op")
	}
	for range 2 {
		b.Run("logCounts", func(b *testing.B) { cpu(b, func() error { _, err := logCounts(dir, id); return err }) })
		b.Run("replayed", func(b *testing.B) { cpu(b, func() error { _, err := replayed(dir, id); return err }) })
	}
}
