package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// MaxTaskID is the longest task id, in bytes, the store can keep: bbolt
// refuses longer keys, and an attempt's key is the id and 9 bytes more. A
// longer one would fail a commit in the middle of a run, so the writes an
// engine makes before any task starts (SetDefinition, SetTaskHashes)
// refuse it with this number instead.
const MaxTaskID = bolt.MaxKeySize - 9

// checkTaskID refuses a task id longer than MaxTaskID, naming it (cut
// short) and the fix.
func checkTaskID(id string) error {
	if len(id) <= MaxTaskID {
		return nil
	}
	return fmt.Errorf("store: task %.60q... has an id of %d bytes, longer than the %d bytes the store keeps: "+
		"give its for_each shorter keys (an index or a hash of the value) and keep the long value in each.value",
		id, len(id), MaxTaskID)
}
