package engine

// runAgain is what a resume runs again, for the scheduler, which reuses
// every other task: the few a resume runs again, not the million it keeps,
// make the map. nil for a fresh run, which reuses nothing.
func (r *Run) runAgain() map[string]bool {
	if r.o.Resume == nil {
		return nil
	}
	again := make(map[string]bool, len(r.o.Resume.Why))
	for id := range r.o.Resume.Why {
		again[id] = true
	}
	return again
}

// reusedWhy is why the scheduler says a task was reused.
func (r *Run) reusedWhy() string {
	if r.o.Resume == nil {
		return ""
	}
	return "unchanged since run " + r.o.Resume.From.ID
}
