package executor

import (
	"fmt"
	"math"
	"slices"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/units"
)

// maxAttempts is how many attempts a task gets in all: a plan without a
// retry block says 0, which means one.
func maxAttempts(r dag.Retry) int { return max(r.Attempts, 1) }

// retryable reports whether a failed attempt with result r is worth another
// try under rule: listed in On, or any failure when On is empty. A
// cancelled attempt never is: the run or a user stopped it on purpose.
func retryable(rule dag.Retry, r event.Result) bool {
	if r.OK() || r.Reason == event.Cancelled {
		return false
	}
	return len(rule.On) == 0 || slices.ContainsFunc(rule.On, r.Matches)
}

// grownCap is the cap after an oom: cap times growth, at most limit (0 =
// no limit). A cap of 0 means no cap and stays so.
func grownCap(cap int64, growth float64, limit int64) int64 {
	if cap <= 0 || growth <= 1 {
		return cap
	}
	next := float64(cap) * growth
	if limit > 0 && next >= float64(limit) {
		return limit
	}
	if next >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(math.Ceil(next))
}

// retry decides what follows the failed attempt r of t. When another
// attempt is due it moves t back to Ready, grows its cap after an oom and
// arranges the backoff, and reports true.
func (s *scheduler) retry(t *taskRun, r event.Result) bool {
	rule := t.t.Retry
	failed := len(t.attempts)
	if s.halt != "" || failed >= maxAttempts(rule) || !retryable(rule, r) {
		return false
	}
	msg := fmt.Sprintf("attempt %d/%d ended: %s; retrying", failed, maxAttempts(rule), r)
	if r.Reason == event.OOM {
		if grown := grownCap(t.cap, rule.MemoryGrowth, s.capLimit(t.pool)); grown != t.cap {
			t.cap = grown
			msg += " with a cap of " + units.Size(grown)
		}
	}
	d := BackoffDelay(rule.Backoff, failed)
	if d > 0 {
		msg += " in " + units.Duration(d)
	}
	if !s.setState(t, event.Ready, msg, event.Event{Attempt: failed + 1, Memory: t.cap}) {
		return true // the journal failed: the sweep cancels t
	}
	if d <= 0 {
		t.pool.push(t)
		return true
	}
	// Wait off the scheduler's goroutine, holding no slot: other tasks run
	// meanwhile. The timer gives up when the run stops (quit).
	t.backoff = true
	s.backoffs++
	ch := s.o.After(d)
	s.timers.Add(1)
	go func() {
		defer s.timers.Done()
		select {
		case <-ch:
			select {
			case s.wakes <- t:
			case <-s.quit:
			}
		case <-s.quit:
		}
	}()
	return true
}
