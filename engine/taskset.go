package engine

import "github.com/weirflow/weir/dag"

// TaskSet is a set of a plan's tasks held by their places in its graph: a
// resume of a million tasks keeps nearly all of them, and a map of their
// IDs took half a second to fill before the first task could start, and
// the collector a pass over it after.
type TaskSet struct {
	g  *dag.Graph
	in []bool
	n  int
}

func newTaskSet(g *dag.Graph) *TaskSet {
	return &TaskSet{g: g, in: make([]bool, g.Len())}
}

// Has reports whether the task with the given ID is in the set.
func (s *TaskSet) Has(id string) bool {
	if s == nil {
		return false
	}
	i, ok := s.g.Place(id)
	return ok && s.in[i]
}

// Len is the number of tasks in the set.
func (s *TaskSet) Len() int {
	if s == nil {
		return 0
	}
	return s.n
}

// IDs are the tasks of the set in the plan's declaration order.
func (s *TaskSet) IDs() []string {
	if s == nil {
		return nil
	}
	ids := make([]string, 0, s.n)
	for i, in := range s.in {
		if in {
			ids = append(ids, s.g.TaskAt(i).ID)
		}
	}
	return ids
}

func (s *TaskSet) hasAt(i int) bool { return s.in[i] }

func (s *TaskSet) set(i int, in bool) {
	if s.in[i] != in {
		s.in[i] = in
		if in {
			s.n++
		} else {
			s.n--
		}
	}
}
