package ui

import (
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// RunInfo is a run as the API shows it: the run record, brought up to date
// by its events.
type RunInfo struct {
	ID       string                  `json:"id"`
	Name     string                  `json:"name"`
	Workflow string                  `json:"workflow,omitempty"`
	State    string                  `json:"state"` // running, succeeded, failed, cancelled, lost
	Message  string                  `json:"message,omitempty"`
	Started  time.Time               `json:"started,omitzero"`
	Ended    time.Time               `json:"ended,omitzero"`
	Tasks    int                     `json:"tasks"`
	Counts   map[event.TaskState]int `json:"counts"`
	Resumes  string                  `json:"resumes,omitempty"`
	Seq      uint64                  `json:"seq"`
	Engine   store.Engine            `json:"engine"`
}

// TaskView is where a task is, with every attempt so far.
type TaskView struct {
	State    event.TaskState      `json:"state"`
	Message  string               `json:"message,omitempty"`
	Attempts []AttemptView        `json:"attempts,omitempty"`
	Outputs  []store.OutputRecord `json:"outputs,omitempty"`
}

// AttemptView is one attempt: its cap, when it started and how it ended
// (no result while it runs).
type AttemptView struct {
	N      int           `json:"n"`
	Memory int64         `json:"memory,omitempty"`
	Start  time.Time     `json:"start,omitzero"`
	Result *event.Result `json:"result,omitempty"`
}

// Snapshot is the state of a run after the events up to Seq: what a new
// client of the event stream gets first. Tasks without events are pending
// and left out.
type Snapshot struct {
	Run   RunInfo              `json:"run"`
	Tasks map[string]*TaskView `json:"tasks"`
	Seq   uint64               `json:"seq"`
}

// model replays a run's events, as store.Replay does, keeping attempts.
type model struct {
	run   RunInfo
	tasks map[string]*TaskView
}

func newModel(rec store.RunRecord) *model {
	m := &model{tasks: map[string]*TaskView{}}
	m.run = RunInfo{
		ID: rec.ID, Name: rec.Name, Workflow: rec.Workflow, Started: rec.Started, Tasks: rec.Tasks,
		Resumes: rec.Resumes, Engine: rec.Engine, State: string(store.RunRunning),
	}
	// A run record written at the end already knows how the run ended,
	// though the event log may lag it by a commit.
	if !rec.Ended.IsZero() {
		m.run.State, m.run.Ended, m.run.Message = string(rec.State), rec.Ended, rec.Message
	}
	return m
}

// apply updates the model for e; events come in Seq order.
func (m *model) apply(e *event.Event) {
	if e.Seq > m.run.Seq {
		m.run.Seq = e.Seq
	}
	switch e.Kind {
	case event.RunStarted:
		if m.run.Started.IsZero() {
			m.run.Started = e.Time
		}
	case event.RunEnded:
		m.run.State, m.run.Ended, m.run.Message = runStateOf(e.Message), e.Time, e.Message
	}
	if e.Task == "" {
		return
	}
	t := m.tasks[e.Task]
	if t == nil {
		t = &TaskView{State: event.Pending}
		m.tasks[e.Task] = t
	}
	switch e.Kind {
	case event.TaskChanged:
		t.State, t.Message = e.State, e.Message
	case event.AttemptStarted:
		a := t.attempt(e.Attempt)
		a.Start = e.Time
		if e.Memory != 0 {
			a.Memory = e.Memory
		}
	case event.AttemptEnded:
		a := t.attempt(e.Attempt)
		a.Result = e.Result
		if e.Memory != 0 {
			a.Memory = e.Memory
		}
		if a.Start.IsZero() && e.Result != nil {
			a.Start = e.Result.Start
		}
		if e.Result != nil && e.Result.OK() && len(e.Outputs) > 0 {
			t.Outputs = make([]store.OutputRecord, len(e.Outputs))
			for i, c := range e.Outputs {
				t.Outputs[i] = store.OutputRecord(c)
			}
		}
	}
}

// attempt returns attempt n (1-based), adding it if new.
func (t *TaskView) attempt(n int) *AttemptView {
	for i := range t.Attempts {
		if t.Attempts[i].N == n {
			return &t.Attempts[i]
		}
	}
	t.Attempts = append(t.Attempts, AttemptView{N: n})
	return &t.Attempts[len(t.Attempts)-1]
}

// snapshot copies the model; alive says whether the run's engine still
// runs, so that a run it left unfinished shows as lost.
// keep, when not nil, says which tasks the snapshot carries; the counts
// cover them all.
func (m *model) snapshot(alive func(store.Engine) bool, keep func(id string, t *TaskView) bool) Snapshot {
	s := Snapshot{Run: m.run, Tasks: make(map[string]*TaskView), Seq: m.run.Seq}
	s.Run.Counts = map[event.TaskState]int{}
	for id, t := range m.tasks {
		if t.State != event.Pending {
			s.Run.Counts[t.State]++
		}
		if keep != nil && !keep(id, t) {
			continue
		}
		c := *t
		c.Attempts = append([]AttemptView(nil), t.Attempts...)
		s.Tasks[id] = &c
	}
	if s.Run.State == string(store.RunRunning) && s.Run.Engine.Pid != 0 && !alive(s.Run.Engine) {
		s.Run.State = string(store.RunLost)
		s.Run.Message = "its engine ended without ending the run"
	}
	return s
}

// runStateOf maps a RunEnded message to the run's state, as the store does.
func runStateOf(message string) string {
	switch message {
	case "succeeded":
		return string(store.RunSucceeded)
	case "cancelled":
		return string(store.RunCancelled)
	}
	return string(store.RunFailed)
}
