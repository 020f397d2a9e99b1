package dag

// SuccessorsAt returns the places (in Tasks) of the tasks that depend on
// the task at place i, in declaration order: Successors without a lookup
// by id or a string per edge, for callers that walk every task of a large
// graph. The slice is the graph's own; it must not be modified.
func (g *Graph) SuccessorsAt(i int) []int32 { return g.succ[i] }

// PredecessorsAt is SuccessorsAt for the tasks the task at place i depends
// on, in the order of its Deps, each once.
func (g *Graph) PredecessorsAt(i int) []int32 { return g.pred[i] }
