package executor

import "github.com/weirflow/weir/event"

// Summary is where a run left every task.
type Summary struct {
	RunID string
	// Tasks in declaration order.
	Tasks []TaskSummary
	// Counts is the number of tasks in each final state.
	Counts map[event.TaskState]int
	// Cancelled is set when ctx or Options.Kill stopped the run.
	Cancelled bool
}

// TaskSummary is one task's end.
type TaskSummary struct {
	ID    string
	State event.TaskState
	// Message says why the task ended as it did: the failing attempt, the
	// failed dependency, why it never started.
	Message string
	// Attempts are the results of its attempts, first first.
	Attempts []event.Result
	// Memory is the cap its last attempt had, or would have had.
	Memory int64
}

// Exit codes of a run, as weir returns them.
const (
	ExitOK        = 0
	ExitFailed    = 1
	ExitCancelled = 130 // 128 + SIGINT, as shells report an interrupted command
)

// Task returns the summary of the task with the given ID, or nil.
func (s *Summary) Task(id string) *TaskSummary {
	for i := range s.Tasks {
		if s.Tasks[i].ID == id {
			return &s.Tasks[i]
		}
	}
	return nil
}

// OK reports whether every task succeeded (or was reused).
func (s *Summary) OK() bool {
	return s.Counts[event.TaskSucceeded]+s.Counts[event.Reused] == len(s.Tasks)
}

// ExitCode is the run's exit status: 0 when every task succeeded (a cancel
// that came too late to stop anything doesn't matter), else 130 when the
// run was cancelled (even after a task had failed: the user stopped it),
// else 1. An error from Run is the caller's to map.
func (s *Summary) ExitCode() int {
	switch {
	case s.OK():
		return ExitOK
	case s.Cancelled:
		return ExitCancelled
	}
	return ExitFailed
}

func (s *scheduler) summary() *Summary {
	sum := &Summary{
		RunID:     s.o.RunID,
		Tasks:     make([]TaskSummary, len(s.tasks)),
		Counts:    make(map[event.TaskState]int),
		Cancelled: s.cancelled,
	}
	for i, t := range s.tasks {
		sum.Tasks[i] = TaskSummary{ID: t.t.ID, State: t.state, Message: t.message, Attempts: t.attempts, Memory: t.cap}
		sum.Counts[t.state]++
	}
	return sum
}
