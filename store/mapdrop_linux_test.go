package store

import (
	"fmt"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestDropMapped: the pages of the database a reader faulted into the
// map leave the process's RSS when dropMapped drops them, and reads after
// it still read the same records.
func TestDropMapped(t *testing.T) {
	s := openStore(t, "", Options{NoSync: true})
	j := newJournal(t, s, "r1")
	var sq seqs
	for i := range 3000 {
		for _, e := range taskEvents(&sq, fmt.Sprintf("task-%04d", i)) {
			if _, err := j.Append(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := j.Flush(); err != nil {
		t.Fatal(err)
	}
	var size int64
	s.view(func(tx *bolt.Tx) error { size = tx.Size(); return nil })
	before, err := s.Tasks("r1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Events("r1"); err != nil {
		t.Fatal(err)
	}
	mapped := rssFile()
	s.dropMapped()
	dropped := mapped - rssFile()
	t.Logf("database %d KiB; mapped-file RSS %d KiB, %d KiB dropped", size>>10, mapped>>10, dropped>>10)
	if dropped < size/2 {
		t.Errorf("dropMapped dropped %d KiB of a %d KiB database read whole", dropped>>10, size>>10)
	}
	after, err := s.Tasks("r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) || !reflect.DeepEqual(after["task-2999"], before["task-2999"]) {
		t.Errorf("read after the drop: %d tasks, want %d", len(after), len(before))
	}
}
