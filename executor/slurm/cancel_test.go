package slurm

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
)

// Pending elements of an array stopped together go in one scancel: the
// array's id when every element still watched is stopped (they stay
// listed by squeue, as MaxJobCount counts them), else their own ids.
func TestCancelPendingElements(t *testing.T) {
	for _, tt := range []struct {
		name  string
		stop  []int // of 3 elements
		whole bool  // want the array's id, not the elements'
	}{
		{name: "all of them", stop: []int{0, 1, 2}, whole: true},
		{name: "one of them", stop: []int{1}},
		{name: "two of them", stop: []int{2, 0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, dir := fakeSlurm(t, 0, false)
			if err := os.WriteFile(filepath.Join(dir, "state"), []byte("PENDING\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			r := newRunner(t, Options{Env: env, ArrayWindow: 50 * time.Millisecond, PollInterval: 20 * time.Millisecond})
			handles := startWide(t, r, 3, "exit 0", true, nil)
			if handles == nil {
				return
			}
			var ids []string
			for _, i := range tt.stop {
				ids = append(ids, jobID(t, handles[i]))
				handles[i].Stop(event.Cancelled, 10*time.Millisecond)
			}
			slices.Sort(ids)
			want := strings.Join(ids, " ") + "\n"
			if tt.whole {
				want = "1001\n"
			}
			for _, i := range tt.stop {
				if res := handles[i].Wait(); res.Reason != event.Cancelled {
					t.Errorf("element %d: %+v", i, res)
				}
			}
			for _, h := range handles {
				h.Wait() // the fake cancels every job at once
			}
			r.Close() // waits for every scancel the runner started
			log, _ := os.ReadFile(filepath.Join(dir, "scancel.log"))
			if string(log) != want {
				t.Errorf("scancel calls:\n%s\nwant:\n%s", log, want)
			}
			if n := r.Stats().Scancel; n != 1 {
				t.Errorf("%d scancel calls counted, want 1", n)
			}
		})
	}
}
