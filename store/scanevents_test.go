package store

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/weirflow/weir/event"
)

// TestScanEvents: ScanEvents keeps what ReadEvents reads of the tasks it
// wants and of the run, in Seq order, from any offset.
func TestScanEvents(t *testing.T) {
	dir, id := t.TempDir(), "r1"
	es := []event.Event{
		{Seq: 1, RunID: id, Kind: event.RunStarted},
		{Seq: 3, RunID: id, Kind: event.TaskChanged, Task: "a[1]", State: event.Running},
		{Seq: 2, RunID: id, Kind: event.TaskChanged, Task: "a[0]", State: event.Running},
		{Seq: 4, RunID: id, Kind: event.TaskChanged, Task: `a["q"]`, State: event.Running},
		{Seq: 5, RunID: id, Kind: event.TaskChanged, Task: "a[0]", State: event.TaskSucceeded},
		{Seq: 6, RunID: id, Kind: event.RunEnded},
	}
	var log []byte
	var offsets []int64
	for _, e := range es {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		offsets = append(offsets, int64(len(log)))
		log = append(append(log, b...), '\n')
	}
	log = append(log, `{"seq":7,"run":"r1","kind":"ta`...) // torn
	if err := os.MkdirAll(filepath.Join(dir, "runs", id), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "runs", id, "events.jsonl"), log, 0o600); err != nil {
		t.Fatal(err)
	}
	all, err := ReadEvents(dir, id)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		from int64
		want map[string]bool
	}{
		{"one task", 0, map[string]bool{"a[0]": true}},
		{"none: the run's own", 0, map[string]bool{}},
		{"an escaped id", 0, map[string]bool{`a["q"]`: true}},
		{"from the third line", offsets[2], map[string]bool{"a[0]": true, "a[1]": true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want []event.Event
			for i, e := range es {
				if (e.Task == "" || c.want[e.Task]) && offsets[i] >= c.from {
					want = append(want, all[slices.IndexFunc(all, func(a event.Event) bool { return a.Seq == e.Seq })])
				}
			}
			want = InSeqOrder(want)
			got, err := ScanEvents(dir, id, c.from, func(task []byte) bool { return c.want[string(task)] })
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ScanEvents =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

// TestTailEvents: each call reads what was appended since the offset the
// last one returned, and a torn last line is read once it is whole.
func TestTailEvents(t *testing.T) {
	dir, id := t.TempDir(), "r1"
	path := filepath.Join(dir, "runs", id, "events.jsonl")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	line := func(e event.Event) string {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		return string(b) + "\n"
	}
	appendLog := func(s string) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	mine := func(task []byte) bool { return string(task) == "t" }
	var at int64
	tail := func(wantSeqs ...uint64) {
		t.Helper()
		es, next, err := TailEvents(dir, id, at, mine)
		if err != nil {
			t.Fatal(err)
		}
		var got []uint64
		for _, e := range es {
			got = append(got, e.Seq)
		}
		if !slices.Equal(got, wantSeqs) {
			t.Errorf("from %d: seqs %v, want %v", at, got, wantSeqs)
		}
		if next < at {
			t.Errorf("next %d went back from %d", next, at)
		}
		at = next
	}
	appendLog(line(event.Event{Seq: 1, RunID: id, Kind: event.RunStarted}) + line(event.Event{Seq: 2, RunID: id, Kind: event.TaskChanged, Task: "u", State: event.Running}))
	tail(1)
	tail()
	whole := line(event.Event{Seq: 3, RunID: id, Kind: event.AttemptEnded, Task: "t", Attempt: 1})
	appendLog(whole[:10])
	tail()
	appendLog(whole[10:] + line(event.Event{Seq: 4, RunID: id, Kind: event.RunEnded}))
	tail(3, 4)
	if st, err := os.Stat(path); err != nil || at != st.Size() {
		t.Errorf("at %d after the whole log of %v bytes (%v)", at, st.Size(), err)
	}
}
