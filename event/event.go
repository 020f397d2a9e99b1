package event

import (
	"encoding/json"
	"time"
)

// EventKind says what an Event reports.
type EventKind string

// Event kinds, in the order a run produces them.
const (
	RunStarted     EventKind = "run_started"
	TaskChanged    EventKind = "task"            // a task's state changed
	AttemptStarted EventKind = "attempt_started" // written before the scheduler waits on it
	AttemptEnded   EventKind = "attempt_ended"
	// OutputsHashed gives the hashes of a successful attempt's outputs
	// that were committed without one (see shm.Run.Commit): they are
	// hashed while their readers already run.
	OutputsHashed EventKind = "outputs_hashed"
	RunEnded      EventKind = "run_ended"
)

// Event is one transition of a run. The journal keeps them in order; the
// progress view, the store and the UI all read the same events.
type Event struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	RunID   string    `json:"run"`
	Kind    EventKind `json:"kind"`
	Task    string    `json:"task,omitempty"`
	State   TaskState `json:"state,omitempty"`
	Attempt int       `json:"attempt,omitempty"`
	// Memory is the cap in force for the attempt, in bytes.
	Memory int64 `json:"memory,omitempty"`
	// Handle identifies a started attempt (Handle.State), so that a later
	// engine can find it again.
	Handle json.RawMessage `json:"handle,omitempty"`
	Result *Result         `json:"result,omitempty"`
	// Outputs are what a successful attempt committed.
	Outputs []Committed `json:"outputs,omitempty"`
	// Message explains a state: why a task was skipped, why a run ended.
	Message string `json:"message,omitempty"`
}

// Journal records events durably, in order. The scheduler records a
// transition before it acts on it: an attempt is recorded started (with its
// handle) before anything waits on it, and a task succeeded only after its
// outputs are committed.
type Journal interface {
	Record(e Event) error
}

// Appender is a Journal that can queue an event without waiting for it to
// be durable. The scheduler then waits only where it must: before a runner
// submits an attempt that outlives the engine (Spec.Durable) and at the end
// of the run. Since order is kept, each wait makes every earlier event
// durable too; everything else rides along in commits the journal makes on
// its own, shared by many transitions.
type Appender interface {
	Journal
	// Append queues e; wait returns once e and everything before it are
	// durable, or the error that kept them from it.
	Append(e Event) (wait func() error, err error)
}

// JournalFunc adapts a function to Journal.
type JournalFunc func(Event) error

// Record calls f.
func (f JournalFunc) Record(e Event) error { return f(e) }
