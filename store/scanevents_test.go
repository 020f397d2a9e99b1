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
