package event

import "testing"

// TestTransitions checks the task state machine against its table, pair by
// pair: every legal move is accepted, every other is refused, and a final
// state has no way out.
func TestTransitions(t *testing.T) {
	states := []TaskState{Pending, Ready, Running, TaskSucceeded, TaskFailed, Skipped, TaskCancelled, Reused}
	legal := map[[2]TaskState]bool{
		{Pending, Ready}: true, {Pending, Skipped}: true, {Pending, TaskCancelled}: true, {Pending, Reused}: true,
		{Ready, Running}: true, {Ready, Skipped}: true, {Ready, TaskCancelled}: true,
		{Running, Ready}: true, {Running, TaskSucceeded}: true, {Running, TaskFailed}: true, {Running, TaskCancelled}: true,
	}
	for _, from := range states {
		for _, to := range states {
			err := CheckTransition(from, to)
			if want := legal[[2]TaskState{from, to}]; (err == nil) != want {
				t.Errorf("%s -> %s: accepted %v, want %v", from, to, err == nil, want)
			}
			if from.Final() && err == nil {
				t.Errorf("final state %s left for %s", from, to)
			}
		}
	}
	for _, s := range []TaskState{TaskSucceeded, TaskFailed, Skipped, TaskCancelled, Reused} {
		if !s.Final() {
			t.Errorf("%s is not final", s)
		}
	}
	for _, s := range []TaskState{Pending, Ready, Running, "bogus"} {
		if s.Final() {
			t.Errorf("%s is final", s)
		}
		if CheckTransition("bogus", s) == nil || CheckTransition(s, "bogus") == nil {
			t.Errorf("a transition with an unknown state was accepted")
		}
	}
}
