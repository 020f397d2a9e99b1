package shm

import (
	"os"
	"slices"
	"testing"

	"github.com/weirflow/weir/dag"
)

// TestCommitSizeBounds: an output is committed only within its min_size
// and size; outside them nothing is committed and the offender is named
// with the size written and the one declared.
func TestCommitSizeBounds(t *testing.T) {
	tests := []struct {
		name        string
		size, min   int64
		write       int
		wantMissing []string
	}{
		{"exact, written in full", 4096, 4096, 4096, nil},
		{"exact, short", 4096, 4096, 1024, []string{"rows in full: wrote 1 KiB (1024 bytes), less than its min_size of 4 KiB (4096 bytes)"}},
		{"minimum only, short", 0, 2048, 2047, []string{"rows in full: wrote 2 KiB (2047 bytes), less than its min_size of 2 KiB (2048 bytes)"}},
		{"minimum only, more", 0, 2048, 8192, nil},
		{"empty", 4096, 1, 0, []string{"rows in full: wrote 0 bytes, less than its min_size of 1 byte"}},
		{"no minimum, empty", 4096, 0, 0, nil},
		{"over size", 4096, 1024, 4097, []string{"rows (4097 bytes, more than its declared size 4096)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := OpenRun(segDir(t), "r1")
			if err != nil {
				t.Fatal(err)
			}
			task := &dag.Task{ID: "gen", Outputs: []dag.Output{{Name: "rows", Size: tt.size, MinSize: tt.min}}}
			if err := r.Prepare(task); err != nil {
				t.Fatal(err)
			}
			ref := dag.SegmentRef{Task: "gen", Output: "rows"}
			if err := os.WriteFile(r.Partial(ref), make([]byte, tt.write), 0o644); err != nil {
				t.Fatal(err)
			}
			committed, missing, err := r.Commit(task)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(missing, tt.wantMissing) {
				t.Errorf("missing %q, want %q", missing, tt.wantMissing)
			}
			if _, statErr := os.Stat(r.Path(ref)); (statErr == nil) != (tt.wantMissing == nil) || (len(committed) == 1) != (tt.wantMissing == nil) {
				t.Errorf("committed %v (segment there: %v), want committed: %v", committed, statErr == nil, tt.wantMissing == nil)
			}
		})
	}
}
