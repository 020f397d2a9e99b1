package slurm

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Stopping pending array elements one scancel each costs a run aborted in
// a wide stage thousands of calls, and an element cancelled on its own
// while pending vanishes from squeue at once, while slurmctld may count it
// against MaxJobCount until its array ages out: the next run's count
// would start low. So a Stop of a pending element is queued for a moment,
// and the queue goes in one scancel: the array's id when every element of
// it still watched is being cancelled (the cancelled elements then stay
// listed until MinJobAge, as every finished job is), else the elements'
// ids.

// cancelDelay is how long a pending element's cancel waits for the others
// of its run's stop.
const cancelDelay = 50 * time.Millisecond

// arrayOf returns the array of an element's id "A_I", or "" for a job of
// its own.
func arrayOf(id string) string {
	a, _, ok := strings.Cut(id, "_")
	if !ok {
		return ""
	}
	return a
}

// cancelPending queues h, a pending array element, for the next batched
// scancel.
func (r *Runner) cancelPending(h *handle) {
	r.cancelMu.Lock()
	defer r.cancelMu.Unlock()
	if r.toCancel == nil {
		r.toCancel = make(map[string][]*handle)
	}
	a := arrayOf(h.id)
	r.toCancel[a] = append(r.toCancel[a], h)
	if !r.cancelArmed {
		r.cancelArmed = true
		time.AfterFunc(cancelDelay, r.flushCancels)
	}
}

// flushCancels sends the queued cancels: one scancel per array.
func (r *Runner) flushCancels() {
	r.cancelMu.Lock()
	queued := r.toCancel
	r.toCancel, r.cancelArmed = nil, false
	r.cancelMu.Unlock()

	r.mu.Lock()
	watched := map[string]int{} // elements still watched, by array
	for id := range r.jobs {
		if a := arrayOf(id); queued[a] != nil {
			watched[a]++
		}
	}
	r.mu.Unlock()
	for a, hs := range queued {
		ids := make([]string, 0, len(hs))
		for _, h := range hs {
			ids = append(ids, h.id)
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		target := ids
		if len(ids) >= watched[a] {
			target = []string{a}
		}
		r.background(func(ctx context.Context) {
			if r.client.CancelAll(ctx, target) == nil {
				return
			}
			for _, id := range ids { // one by one, as an unbatched stop would
				r.client.Cancel(ctx, id)
			}
		})
	}
}
