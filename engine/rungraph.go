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

// graphAfterStart is a watch that starts writing the run's graph at the
// first attempt that starts, or at the run's end when none does.
type graphAfterStart struct {
	watch event.Journal
	graph *runGraph
}

// Record implements event.Journal.
func (w graphAfterStart) Record(e event.Event) error {
	if e.Kind == event.AttemptStarted || e.Kind == event.RunEnded {
		w.graph.start()
	}
	return w.watch.Record(e)
}
