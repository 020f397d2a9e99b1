package store

import (
	"strings"
	"testing"

	"github.com/weirflow/weir/event"
)

// TestTaskIDLimit: a task id the store cannot keep is refused by the
// writes an engine makes before any task starts, naming its length and
// the limit; one at the limit is kept.
func TestTaskIDLimit(t *testing.T) {
	s := openStore(t, "", Options{NoSync: true})
	j := newJournal(t, s, "r1")
	atLimit := "w[" + strings.Repeat("k", MaxTaskID-3) + "]"
	over := "w[" + strings.Repeat("k", MaxTaskID-2) + "]"
	for _, c := range []struct {
		id      string
		wantErr bool
	}{
		{atLimit, false},
		{over, true},
	} {
		writes := map[string]func() error{
			"SetDefinition": func() error { return s.SetDefinition("r1", c.id, "h", nil) },
			"SetTaskHashes": func() error { return s.SetTaskHashes("r1", c.id, "h", nil) },
			"SetOutputs":    func() error { return s.SetOutputs("r1", c.id, nil) },
			"Record": func() error {
				return j.Record(event.Event{Seq: 1, Kind: event.TaskChanged, Task: c.id, State: event.Ready})
			},
		}
		for name, write := range writes {
			err := write()
			if c.wantErr != (err != nil) {
				t.Fatalf("%s of a %d-byte id: %v, want error %v", name, len(c.id), err, c.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "32759 bytes the store keeps") {
				t.Errorf("%s: message %q does not name the limit", name, err)
			}
		}
	}
	if err := j.Flush(); err != nil {
		t.Errorf("the store broke on an id at the limit: %v", err)
	}
}
