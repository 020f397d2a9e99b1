package dag

import (
	"slices"
	"testing"
)

// TestAdjacencyAt: SuccessorsAt and PredecessorsAt name, by place, the
// tasks Successors and Predecessors name by id, duplicates once.
func TestAdjacencyAt(t *testing.T) {
	for _, c := range []struct {
		name  string
		tasks []*Task
	}{
		{"diamond with a duplicate dependency", []*Task{tk("c", "a", "b"), tk("a"), tk("b", "a", "a"), tk("d", "b")}},
		{"no edges", []*Task{tk("x"), tk("y")}},
		{"chain declared backwards", []*Task{tk("z", "y"), tk("y", "x"), tk("x")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := mustNew(t, c.tasks...)
			byPlace := func(at []int32) []string {
				out := []string{}
				for _, i := range at {
					out = append(out, g.tasks[i].ID)
				}
				return out
			}
			for i, task := range g.Tasks() {
				if got, want := byPlace(g.SuccessorsAt(i)), append([]string{}, g.Successors(task.ID)...); !slices.Equal(got, want) {
					t.Errorf("SuccessorsAt(%d) = %v, want %v", i, got, want)
				}
				if got, want := byPlace(g.PredecessorsAt(i)), append([]string{}, g.Predecessors(task.ID)...); !slices.Equal(got, want) {
					t.Errorf("PredecessorsAt(%d) = %v, want %v", i, got, want)
				}
			}
		})
	}
}
