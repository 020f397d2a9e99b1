package store

import (
	"testing"
	"time"
)

// Appended events wait appendDelay after the first, and after a slow
// commit restFactor times its length, so that a busy disk is not synced
// back to back.
func TestAppendedDue(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 5, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	for _, tc := range []struct {
		name     string
		lastEnd  time.Time
		lastTook time.Duration
		want     time.Time
	}{
		{"no commit yet", time.Time{}, 0, t0.Add(appendDelay)},
		{"a quiet disk's commit", t0.Add(ms), ms / 2, t0.Add(appendDelay)},
		{"a commit long ago", t0.Add(-time.Second), 20 * ms, t0.Add(appendDelay)},
		{"a slow commit that just ended", t0.Add(5 * ms), 10 * ms, t0.Add(45 * ms)},
		{"a slow commit ended before the first event", t0.Add(-30 * ms), 10 * ms, t0.Add(appendDelay)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := appendedDue(t0, tc.lastEnd, tc.lastTook); !got.Equal(tc.want) {
				t.Errorf("due %v after the first event, want %v", got.Sub(t0), tc.want.Sub(t0))
			}
		})
	}
}
