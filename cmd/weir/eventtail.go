package main

import (
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// eventTail reads a run's event log as it grows, a piece at a time: each
// call returns what was appended since the last, and decodes only the
// lines of the run itself and of the tasks want keeps. A run of a million
// tasks has most of a gigabyte of events; a command that waits for one of
// them must not read them all again at every look.
type eventTail struct {
	dir, run string
	at       int64 // how far the log was read
}

func (t *eventTail) next(want func(task []byte) bool) ([]event.Event, error) {
	events, next, err := store.TailEvents(t.dir, t.run, t.at, want)
	if err != nil {
		return nil, err
	}
	t.at = next
	return events, nil
}

// runOnly keeps the run's own events only.
func runOnly([]byte) bool { return false }
