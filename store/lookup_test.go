package store

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/weirflow/weir/event"
)

// TestLookupsByKey: TasksByID and FailedIDs read the records asked for and
// no others, and TaskReads counts what every reader decodes.
func TestLookupsByKey(t *testing.T) {
	s := openStore(t, "", Options{NoSync: true})
	j := newJournal(t, s, "r1")
	var sq seqs
	for _, id := range []string{"a", "b", "w[0]", "w[1]", "w[2]"} {
		if err := s.SetDefinition("r1", id, "h-"+id, nil); err != nil {
			t.Fatal(err)
		}
	}
	record(t, j, taskEvents(&sq, "a")...)
	record(t, j,
		sq.ev(event.Event{Kind: event.TaskChanged, Task: "w[1]", State: event.Running, Attempt: 1}),
		sq.ev(event.Event{Kind: event.TaskChanged, Task: "w[1]", State: event.TaskFailed, Attempt: 1}))

	cases := []struct {
		name      string
		ids       []string
		want      []string // the IDs returned, sorted
		wantReads uint64
	}{
		{"one task", []string{"w[1]"}, []string{"w[1]"}, 1},
		{"some tasks, one without a record", []string{"a", "nope", "w[2]"}, []string{"a", "w[2]"}, 2},
		{"none", nil, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := s.TaskReads()
			got, err := s.TasksByID("r1", c.ids)
			if err != nil {
				t.Fatal(err)
			}
			if ids := slices.Sorted(maps.Keys(got)); !slices.Equal(ids, c.want) {
				t.Errorf("got %v, want %v", ids, c.want)
			}
			for id, rec := range got {
				if rec.ID != id || rec.DefHash != "h-"+id {
					t.Errorf("record of %s: %+v", id, rec)
				}
			}
			if n := s.TaskReads() - before; n != c.wantReads {
				t.Errorf("decoded %d task records, want %d", n, c.wantReads)
			}
		})
	}

	before := s.TaskReads()
	failed, err := s.FailedIDs("r1")
	if err != nil || !slices.Equal(failed, []string{"w[1]"}) {
		t.Errorf("FailedIDs = %v, %v; want [w[1]]", failed, err)
	}
	if n := s.TaskReads() - before; n != 0 {
		t.Errorf("FailedIDs decoded %d task records", n)
	}
	if _, err := s.Tasks("r1"); err != nil {
		t.Fatal(err)
	}
	if n := s.TaskReads() - before; n != 5 {
		t.Errorf("Tasks of 5 tasks counted %d reads", n)
	}
	if _, err := s.TasksByID("nope", []string{"a"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("TasksByID of a missing run: %v, want ErrNotFound", err)
	}
}
