package store

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/weirflow/weir/event"
	bolt "go.etcd.io/bbolt"
)

// failedIDs lists the failed index of run id.
func failedIDs(t *testing.T, s *Store, id string) []string {
	t.Helper()
	var out []string
	if err := s.Failed(id, func(r TaskRecord) error { out = append(out, r.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// stageMap is Stages by name.
func stageMap(t *testing.T, s *Store, id string) map[string]StageSummary {
	t.Helper()
	st, err := s.Stages(id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]StageSummary{}
	for _, x := range st {
		out[x.Stage] = x
	}
	return out
}

func sameStages(a, b map[string]StageSummary) bool {
	return maps.EqualFunc(a, b, func(x, y StageSummary) bool {
		return x.Stage == y.Stage && x.Tasks == y.Tasks && maps.Equal(x.Counts, y.Counts)
	})
}

// TestStagesAndFailed: the stage counts and the failed index follow every
// commit, whatever order the events come in and however they are grouped.
func TestStagesAndFailed(t *testing.T) {
	type step struct {
		task  string
		state event.TaskState
	}
	cases := []struct {
		name       string
		defined    []string // tasks given a definition before any event
		steps      []step
		wantFailed []string
		want       map[string]StageSummary
	}{
		{
			name:    "a wide stage, one failed",
			defined: []string{"prep", "work[0]", "work[1]", "work[2]"},
			steps: []step{{"prep", event.Ready}, {"prep", event.Running}, {"prep", event.TaskSucceeded},
				{"work[0]", event.Ready}, {"work[1]", event.Ready}, {"work[0]", event.Running}, {"work[0]", event.TaskFailed},
				{"work[1]", event.Running}, {"work[1]", event.TaskSucceeded}, {"work[2]", event.TaskCancelled}},
			wantFailed: []string{"work[0]"},
			want: map[string]StageSummary{
				"prep": {Stage: "prep", Tasks: 1, Counts: map[event.TaskState]int{event.TaskSucceeded: 1}},
				"work": {Stage: "work", Tasks: 3, Counts: map[event.TaskState]int{event.TaskSucceeded: 1, event.TaskFailed: 1, event.TaskCancelled: 1}},
			},
		},
		{
			name:    "a failed task retried from the page leaves the index",
			defined: []string{"a[x]"},
			steps: []step{{"a[x]", event.Ready}, {"a[x]", event.Running}, {"a[x]", event.TaskFailed},
				{"a[x]", event.Ready}, {"a[x]", event.Running}, {"a[x]", event.TaskSucceeded}},
			want: map[string]StageSummary{"a": {Stage: "a", Tasks: 1, Counts: map[event.TaskState]int{event.TaskSucceeded: 1}}},
		},
		{
			name:       "tasks without a definition count when their first event comes",
			steps:      []step{{"b", event.Ready}, {"b", event.Running}, {"b", event.TaskFailed}, {"c", event.Skipped}},
			wantFailed: []string{"b"},
			want: map[string]StageSummary{
				"b": {Stage: "b", Tasks: 1, Counts: map[event.TaskState]int{event.TaskFailed: 1}},
				"c": {Stage: "c", Tasks: 1, Counts: map[event.TaskState]int{event.Skipped: 1}},
			},
		},
	}
	for _, c := range cases {
		for _, grouped := range []bool{false, true} {
			t.Run(c.name, func(t *testing.T) {
				s := openStore(t, "", Options{NoSync: true})
				j := newJournal(t, s, "r1")
				for _, id := range c.defined {
					if err := s.SetDefinition("r1", id, "h-"+id, nil); err != nil {
						t.Fatal(err)
					}
				}
				var sq seqs
				var wait func() error
				for _, st := range c.steps {
					e := sq.ev(event.Event{Kind: event.TaskChanged, Task: st.task, State: st.state})
					if !grouped {
						record(t, j, e)
						continue
					}
					w, err := j.Append(e)
					if err != nil {
						t.Fatal(err)
					}
					wait = w
				}
				if wait != nil {
					if err := wait(); err != nil {
						t.Fatal(err)
					}
				}
				if got := failedIDs(t, s, "r1"); !slices.Equal(got, c.wantFailed) {
					t.Errorf("failed %v, want %v", got, c.wantFailed)
				}
				if got := stageMap(t, s, "r1"); !sameStages(got, c.want) {
					t.Errorf("stages %+v, want %+v", got, c.want)
				}
			})
		}
	}
}

// TestLostRunSummary: tasks a lost run left running count as failed, and
// are in the failed index.
func TestLostRunSummary(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{NoSync: true})
	j := newJournal(t, s, "r1")
	var sq seqs
	record(t, j, sq.ev(event.Event{Kind: event.TaskChanged, Task: "w[1]", State: event.Ready}),
		sq.ev(event.Event{Kind: event.TaskChanged, Task: "w[1]", State: event.Running, Attempt: 1}))
	s.Close() // without RunEnded: the next Open marks it lost
	s = openStore(t, dir, Options{NoSync: true})
	if got := failedIDs(t, s, "r1"); !slices.Equal(got, []string{"w[1]"}) {
		t.Errorf("failed %v, want [w[1]]", got)
	}
	want := map[string]StageSummary{"w": {Stage: "w", Tasks: 1, Counts: map[event.TaskState]int{event.TaskFailed: 1}}}
	if got := stageMap(t, s, "r1"); !sameStages(got, want) {
		t.Errorf("stages %+v, want %+v", got, want)
	}
}

// TestMigrationV2 (layout 1 -> 2): the runs of a layout-1 store get stage
// counts and a failed index built from their task records; until an
// engine opens it, readers are told it needs one.
func TestMigrationV2(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{NoSync: true})
	j := newJournal(t, s, "r1")
	var sq seqs
	record(t, j, taskEvents(&sq, "w[0]")...)
	record(t, j, sq.ev(event.Event{Kind: event.TaskChanged, Task: "w[1]", State: event.Ready}),
		sq.ev(event.Event{Kind: event.TaskChanged, Task: "w[1]", State: event.Running, Attempt: 1}),
		sq.ev(event.Event{Kind: event.TaskChanged, Task: "w[1]", State: event.TaskFailed, Attempt: 1}),
		sq.ev(event.Event{Kind: event.TaskChanged, Task: "z", State: event.TaskCancelled}),
		sq.ev(event.Event{Kind: event.RunEnded, Message: "failed"}))
	want := stageMap(t, s, "r1")
	s.Close()

	// Back to layout 1, as an older weir left it.
	db := rawOpen(t, dir)
	err := db.Update(func(tx *bolt.Tx) error {
		rb := tx.Bucket(bucketRun).Bucket([]byte("r1"))
		for _, b := range [][]byte{bucketStages, bucketFailed} {
			if err := rb.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keyVersion, u64(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	if _, err := Open(dir, Options{ReadOnly: true}); !errors.Is(err, ErrOlderLayout) {
		t.Fatalf("read-only Open of layout 1 = %v, want ErrOlderLayout", err)
	}
	s = openStore(t, dir, Options{NoSync: true})
	if got := failedIDs(t, s, "r1"); !slices.Equal(got, []string{"w[1]"}) {
		t.Errorf("failed after migration %v, want [w[1]]", got)
	}
	if got := stageMap(t, s, "r1"); !sameStages(got, want) || len(got) != 2 {
		t.Errorf("stages after migration %+v, want %+v", got, want)
	}
}

func TestStageOf(t *testing.T) {
	for id, want := range map[string]string{"shard[3]": "shard", "shard": "shard", `w["a[b]"]`: "w", "[x]": "[x]"} {
		if got := StageOf(id); got != want {
			t.Errorf("StageOf(%q) = %q, want %q", id, got, want)
		}
	}
}
