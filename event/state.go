package event

import "fmt"

// TaskState is where a task is in a run.
type TaskState string

// Task states. A task moves pending -> ready -> running and then to one of
// the final states, or back to ready for a retry.
const (
	Pending       TaskState = "pending"   // waiting for its dependencies
	Ready         TaskState = "ready"     // dependencies done, waiting for admission
	Running       TaskState = "running"   // an attempt is running
	TaskSucceeded TaskState = "succeeded" // final
	TaskFailed    TaskState = "failed"    // final: its last attempt failed
	Skipped       TaskState = "skipped"   // final: a dependency failed or was skipped
	TaskCancelled TaskState = "cancelled" // final: the run was cancelled or stopped first
	Reused        TaskState = "reused"    // final: taken from an earlier run's checkpoint
)

// Final reports whether no further transition can happen.
func (s TaskState) Final() bool {
	switch s {
	case TaskSucceeded, TaskFailed, Skipped, TaskCancelled, Reused:
		return true
	}
	return false
}

// transitions lists the legal moves; anything else is a bug in the
// scheduler, or a corrupt journal.
var transitions = map[TaskState][]TaskState{
	Pending: {Ready, Skipped, TaskCancelled, Reused},
	Ready:   {Running, Skipped, TaskCancelled},
	Running: {Ready, TaskSucceeded, TaskFailed, TaskCancelled},
}

// CheckTransition returns an error unless from -> to is legal.
func CheckTransition(from, to TaskState) error {
	for _, s := range transitions[from] {
		if s == to {
			return nil
		}
	}
	return fmt.Errorf("executor: illegal task transition %s -> %s", from, to)
}
