package dag

// SuccessorsAt returns the places (in Tasks) of the tasks that depend on
// the task at place i, in declaration order: Successors without a lookup
// by id or a string per edge, for callers that walk every task of a large
// graph. The slice is the graph's own; it must not be modified.
func (g *Graph) SuccessorsAt(i int) []int32 { return g.succ[i] }

// PredecessorsAt is SuccessorsAt for the tasks the task at place i depends
// on, in the order of its Deps, each once.
func (g *Graph) PredecessorsAt(i int) []int32 { return g.pred[i] }

// Place is the place (in Tasks) of the task with the given ID.
func (g *Graph) Place(id string) (int, bool) {
	i, ok := g.index[id]
	return int(i), ok
}

// TaskAt is the task at place i.
func (g *Graph) TaskAt(i int) *Task { return g.tasks[i] }

// OrderAt is Order as places: the graph's own slice, not to be modified.
func (g *Graph) OrderAt() []int32 { return g.topo }
