package engine

import (
	"sync"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
)

// runGraph writes a run's graph.json and outline.json (WriteRunGraph) once,
// in the background, from the run's first attempt start on: at a million
// tasks they take seconds of CPU that the first task need not wait for.
// Each file is written under a temporary name and renamed, so a reader
// finds it whole or not at all.
type runGraph struct {
	dir  string
	plan *dag.Plan
	once sync.Once
	done chan struct{}
	err  error
}

func newRunGraph(dir string, plan *dag.Plan) *runGraph {
	return &runGraph{dir: dir, plan: plan, done: make(chan struct{})}
}

// start begins the writing, once.
func (g *runGraph) start() {
	g.once.Do(func() {
		go func() {
			g.err = WriteRunGraph(g.dir, g.plan)
			close(g.done)
		}()
	})
}

// wait starts the writing if nothing did and returns its error once done.
func (g *runGraph) wait() error {
	g.start()
	<-g.done
	return g.err
}

// graphJournal is the run's journal, which starts writing the run's graph
// at the first attempt that starts, and waits for it to be whole before
// the run's end is recorded: a run recorded as ended has its graph. An
// error writing it does not stop the journal; Execute returns it.
type graphJournal struct {
	store event.Appender
	graph *runGraph
}

// Append implements event.Appender.
func (j graphJournal) Append(e event.Event) (func() error, error) {
	switch e.Kind {
	case event.AttemptStarted:
		j.graph.start()
		endPlanHeap()
	case event.RunEnded:
		j.graph.wait()
	}
	return j.store.Append(e)
}

// Record implements event.Journal.
func (j graphJournal) Record(e event.Event) error {
	wait, err := j.Append(e)
	if err != nil {
		return err
	}
	return wait()
}
