package store

import (
	"strings"
	"testing"

	"github.com/weirflow/weir/event"
	bolt "go.etcd.io/bbolt"
)

// TestDefinitionWrittenOnce: a task's definition is written once, with
// its hashes; its state changes rewrite a small record, whatever the size
// of the definition, and readers still get the definition.
func TestDefinitionWrittenOnce(t *testing.T) {
	big := []DefPart{{Name: "command[0]", Value: "/bin/sh"}, {Name: "script", Value: strings.Repeat("echo x\n", 1200)}}
	cases := []struct {
		name   string
		define func(s *Store, task string) error
		defs   bool // a definition is kept
	}{
		{"definition", func(s *Store, task string) error { return s.SetDefinition("r1", task, "h1", big) }, true},
		{"input hashes", func(s *Store, task string) error {
			return s.SetTaskHashes("r1", task, "h1", map[string]string{"a.out.x": strings.Repeat("f", 8000)})
		}, true},
		{"reused", func(s *Store, task string) error { return s.SetTaskHashes("r1", task, "h1", nil) }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openStore(t, dir, Options{NoSync: true})
			j := newJournal(t, s, "r1")
			var sq seqs
			if err := c.define(s, "a"); err != nil {
				t.Fatal(err)
			}
			events := taskEvents(&sq, "a")
			record(t, j, events[0])
			defBytes := s.Stats().DefBytes
			if c.defs != (defBytes > 8000) {
				t.Fatalf("%d bytes of definition written, want them %v", defBytes, c.defs)
			}
			before := s.Stats().TaskBytes
			for _, e := range events[1:] {
				record(t, j, e)
				if got := rawRecord(t, s, "a"); len(got) > 600 {
					t.Fatalf("after %v the task record is %d bytes: %.200s", e.Kind, len(got), got)
				}
			}
			st := s.Stats()
			if st.DefBytes != defBytes {
				t.Errorf("state changes wrote %d bytes of definition", st.DefBytes-defBytes)
			}
			if per := (st.TaskBytes - before) / uint64(len(events)-1); per > 600 {
				t.Errorf("%d bytes of task record a change, want a small record", per)
			}
			rec, err := s.Task("r1", "a")
			if err != nil {
				t.Fatal(err)
			}
			if rec.State != event.TaskSucceeded || rec.DefHash != "h1" || c.defs != (len(rec.Definition) > 0 || len(rec.Inputs) > 0) {
				t.Errorf("read back %+v", rec)
			}
		})
	}
}

// rawRecord is the stored task record of task in run r1, as bytes.
func rawRecord(t *testing.T, s *Store, task string) []byte {
	t.Helper()
	var raw []byte
	err := s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, "r1")
		if err != nil {
			return err
		}
		raw = append(raw, rb.Bucket(bucketTasks).Get([]byte(task))...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
