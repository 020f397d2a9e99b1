package executor

import (
	"testing"
	"unsafe"
)

// A run holds one taskRun a task, for the whole run: at 100,000 tasks
// every 8 bytes of it is most of a MiB. A field added or moved to where it
// leaves padding shows here.
func TestPerTaskStateStaysSmall(t *testing.T) {
	for _, tc := range []struct {
		name string
		size uintptr
		max  uintptr
	}{
		{"taskRun", unsafe.Sizeof(taskRun{}), 176},
	} {
		if tc.size > tc.max {
			t.Errorf("%s is %d bytes, more than %d", tc.name, tc.size, tc.max)
		}
	}
}
