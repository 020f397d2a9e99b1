package engine

import (
	"errors"
	"slices"
	"testing"

	"github.com/weirflow/weir/event"
)

// The engine waits, at the end of each window of writes, for the end of
// the window before: never for the current one, never in between.
func TestBacklogWaitsAWindowBehind(t *testing.T) {
	broken := errors.New("disk full")
	for _, tc := range []struct {
		name   string
		writes int
		fail   int   // the write whose wait fails, 0 = none
		waited []int // the writes waited for, in order
		errAt  int   // the write whose add returns the error, 0 = none
	}{
		{"less than a window", backlogWindow - 1, 0, nil, 0},
		{"one window", backlogWindow, 0, nil, 0},
		{"two windows", 2 * backlogWindow, 0, []int{backlogWindow}, 0},
		{"three windows and a bit", 3*backlogWindow + 7, 0, []int{backlogWindow, 2 * backlogWindow}, 0},
		{"a failed commit stops the writer", 2 * backlogWindow, backlogWindow, []int{backlogWindow}, 2 * backlogWindow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b backlog
			var waited []int
			errAt := 0
			for i := 1; i <= tc.writes; i++ {
				wait := func() error {
					waited = append(waited, i)
					if i == tc.fail {
						return broken
					}
					return nil
				}
				if err := b.add(wait); err != nil {
					if !errors.Is(err, broken) {
						t.Fatalf("write %d: %v", i, err)
					}
					errAt = i
				}
			}
			if !slices.Equal(waited, tc.waited) {
				t.Errorf("waited for writes %v, want %v", waited, tc.waited)
			}
			if errAt != tc.errAt {
				t.Errorf("error at write %d, want %d", errAt, tc.errAt)
			}
		})
	}
}

// checkpointed takes every event through the backlog, and shows an event
// only once the store has it.
func TestCheckpointedBoundsTheStore(t *testing.T) {
	var queued, committed int
	var shown int
	store := appenderFunc(func(e event.Event) (func() error, error) {
		queued++
		n := queued
		return func() error { committed = max(committed, n); return nil }, nil
	})
	c := checkpointed{store: store, backlog: &backlog{}, watch: event.JournalFunc(func(event.Event) error {
		shown++
		return nil
	})}
	for i := range 5 * backlogWindow {
		if _, err := c.Append(event.Event{Seq: uint64(i + 1)}); err != nil {
			t.Fatal(err)
		}
		if behind := queued - committed; behind > 2*backlogWindow {
			t.Fatalf("after %d events the store is %d behind", queued, behind)
		}
	}
	if shown != queued {
		t.Errorf("%d events shown of %d", shown, queued)
	}
}

type appenderFunc func(event.Event) (func() error, error)

func (f appenderFunc) Append(e event.Event) (func() error, error) { return f(e) }

func (f appenderFunc) Record(e event.Event) error {
	wait, err := f(e)
	if err != nil {
		return err
	}
	return wait()
}
