package slurm

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The gate against a scripted squeue count: how much room each take gets,
// how many counts it costs, and what the user is told.
func TestGate(t *testing.T) {
	type step struct {
		want, got  int // a take of want gets got
		put, ended int
		refused    int // of got, slurmctld refused these
	}
	for _, tt := range []struct {
		name              string
		capacity, maxMine int
		counts            []int // what successive counts say; the last repeats
		steps             []step
		wantCounts        int
		wantNotes         []string // substrings, in order
	}{
		{name: "room for all", capacity: 10, counts: []int{3},
			steps: []step{{want: 5, got: 5}}, wantCounts: 1},
		{name: "a partial window", capacity: 10, counts: []int{7},
			steps: []step{{want: 5, got: 3}}, wantCounts: 1},
		{name: "counts only when its estimate says full", capacity: 10, counts: []int{0, 8},
			steps:      []step{{want: 4, got: 4}, {want: 4, got: 4}, {want: 4, got: 2}, {want: 4, got: 2}},
			wantCounts: 2},
		{name: "waits for purges", capacity: 10, counts: []int{10, 10, 4},
			steps: []step{{want: 5, got: 5}}, wantCounts: 3,
			wantNotes: []string{"5 tasks wait to be submitted: Slurm holds 10 jobs", "MaxJobCount is 11 and weir leaves 1", "submitting again after waiting"}},
		{name: "what was not submitted is given back", capacity: 10, counts: []int{0},
			steps: []step{{want: 10, got: 10, put: 4}, {want: 10, got: 4}}, wantCounts: 1},
		{name: "a refusal shows jobs squeue does not list", capacity: 10, counts: []int{0},
			steps:      []step{{want: 5, got: 5, refused: 5}, {want: 5, got: 4}},
			wantCounts: 2},
		{name: "our own limit", capacity: 100, maxMine: 3, counts: []int{0},
			steps:      []step{{want: 2, got: 2}, {want: 2, got: 1, ended: 2}, {want: 5, got: 2}},
			wantCounts: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var notes []string
			calls := 0
			count := func(context.Context) (int, error) {
				calls++
				return tt.counts[min(calls, len(tt.counts))-1], nil
			}
			g := newGate(tt.capacity, tt.capacity+1, 600*time.Second, tt.maxMine, time.Millisecond, count,
				func(s string) { mu.Lock(); notes = append(notes, s); mu.Unlock() })
			for i, s := range tt.steps {
				got, err := g.take(context.Background(), s.want)
				if err != nil || got != s.got {
					t.Fatalf("step %d: take(%d) = %d, %v; want %d", i, s.want, got, err, s.got)
				}
				g.sent(s.got - s.put - s.refused)
				if s.refused > 0 {
					g.refused(s.refused)
				}
				if s.put > 0 {
					g.put(s.put)
				}
				for range s.ended {
					g.ended()
				}
			}
			if calls != tt.wantCounts {
				t.Errorf("%d counts, want %d", calls, tt.wantCounts)
			}
			all := strings.Join(notes, "\n")
			for _, w := range tt.wantNotes {
				i := strings.Index(all, w)
				if i < 0 {
					t.Errorf("notes %q lack %q", notes, w)
					continue
				}
				all = all[i+len(w):]
			}
			if len(tt.wantNotes) == 0 && len(notes) > 0 {
				t.Errorf("notes %q, want none", notes)
			}
		})
	}
}

// A take that cannot get room ends with its context, and a count that
// fails says what it was for.
func TestGateErrors(t *testing.T) {
	full := func(context.Context) (int, error) { return 10, nil }
	broken := func(context.Context) (int, error) { return 0, errors.New("squeue: no answer") }
	for _, tt := range []struct {
		name     string
		maxMine  int
		count    func(context.Context) (int, error)
		timeout  time.Duration
		wantErrs []string
	}{
		{name: "full until cancelled", count: full, timeout: 50 * time.Millisecond,
			wantErrs: []string{context.DeadlineExceeded.Error()}},
		{name: "squeue fails", count: broken, timeout: time.Minute,
			wantErrs: []string{"counting the jobs Slurm holds (for its MaxJobCount)", "squeue: no answer"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate(10, 11, time.Minute, tt.maxMine, time.Millisecond, tt.count, func(string) {})
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			n, err := g.take(ctx, 1)
			if err == nil || n != 0 {
				t.Fatalf("take = %d, %v; want an error", n, err)
			}
			for _, w := range tt.wantErrs {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// Takers waiting together never get more room than there is.
func TestGateConcurrent(t *testing.T) {
	var mu sync.Mutex
	held := 0 // what "slurmctld" holds: the takes, less what ends
	count := func(context.Context) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return held, nil
	}
	g := newGate(20, 22, time.Minute, 0, time.Millisecond, count, func(string) {})
	var wg sync.WaitGroup
	var most []int
	for range 8 {
		wg.Go(func() {
			for left := 25; left > 0; {
				k, err := g.take(context.Background(), min(left, 7))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				held += k // submitted
				most = append(most, held)
				mu.Unlock()
				g.sent(k)
				left -= k
				time.Sleep(time.Millisecond)
				mu.Lock()
				held -= k // purged
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if m := slices.Max(most); m > 20 {
		t.Errorf("slurmctld held %d jobs, more than the gate's 20", m)
	}
}
