package dag

import (
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name  string
		tasks []*Task
		want  string
	}{
		{"unknown dep", []*Task{tk("a"), tk("b", "a", "zz")}, `dag: task "b" depends on unknown task "zz"`},
		{"duplicate id", []*Task{tk("a"), tk("b"), tk("a")}, `dag: duplicate task id "a"`},
		{"nil task", []*Task{tk("a"), nil}, "dag: task #1 is nil"},
		{"empty id", []*Task{{Stage: "s"}}, `dag: task #0 (stage "s") has an empty id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(tt.tasks)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("New: got %v, want %q", err, tt.want)
			}
			if g != nil {
				t.Errorf("New returned a graph with an error")
			}
		})
	}
}

func TestNewEmpty(t *testing.T) {
	g := mustNew(t)
	if g.Len() != 0 || g.EdgeCount() != 0 || len(g.Order()) != 0 || g.Layers() != nil {
		t.Errorf("empty graph: len %d edges %d", g.Len(), g.EdgeCount())
	}
	if p, d := g.CriticalPath(nil); p != nil || d != 0 {
		t.Errorf("CriticalPath of empty graph = %v, %v", p, d)
	}
	if e, ok := g.Reduce(); len(e) != 0 || !ok {
		t.Errorf("Reduce of empty graph = %v, %v", e, ok)
	}
}

func TestAccessors(t *testing.T) {
	tasks := []*Task{tk("c", "a", "b"), tk("a"), tk("b", "a", "a"), tk("d", "b")}
	g := mustNew(t, tasks...)
	if g.Len() != 4 {
		t.Errorf("Len = %d", g.Len())
	}
	// b's duplicate dependency on a counts once.
	if g.EdgeCount() != 4 {
		t.Errorf("EdgeCount = %d, want 4", g.EdgeCount())
	}
	if got := ids(g.Tasks()); !slices.Equal(got, []string{"c", "a", "b", "d"}) {
		t.Errorf("Tasks = %v", got)
	}
	if tt, ok := g.Task("b"); !ok || tt != tasks[2] {
		t.Errorf("Task(b) = %v, %v", tt, ok)
	}
	if _, ok := g.Task("zz"); ok {
		t.Errorf("Task(zz) found")
	}
	if got := g.Successors("a"); !slices.Equal(got, []string{"c", "b"}) {
		t.Errorf("Successors(a) = %v, want declaration order [c b]", got)
	}
	if got := g.Predecessors("c"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Predecessors(c) = %v", got)
	}
	if g.Successors("zz") != nil || g.Predecessors("zz") != nil {
		t.Errorf("neighbours of an unknown task aren't nil")
	}
	want := [][2]string{{"a", "c"}, {"a", "b"}, {"b", "c"}, {"b", "d"}}
	if got := g.Edges(); !slices.Equal(got, want) {
		t.Errorf("Edges = %v, want %v", got, want)
	}
	// Tasks is a copy: changing it doesn't change the graph.
	g.Tasks()[0] = nil
	if g.Tasks()[0] == nil {
		t.Errorf("Tasks exposes the graph's slice")
	}
}

func TestLib(t *testing.T) {
	g := mustNew(t, tk("a"), tk("b", "a"), tk("c", "a", "b"))
	lib := g.Lib()
	if lib != g.Lib() {
		t.Errorf("Lib builds a new graph per call")
	}
	if n, _ := lib.Order(); n != 3 {
		t.Errorf("lib order = %d", n)
	}
	if n, _ := lib.Size(); n != 3 {
		t.Errorf("lib size = %d", n)
	}
	if _, err := lib.Edge("a", "c"); err != nil {
		t.Errorf("lib edge a->c: %v", err)
	}
	if v, err := lib.Vertex("b"); err != nil || v.ID != "b" {
		t.Errorf("lib vertex b: %v %v", v, err)
	}
}

func TestPlanTask(t *testing.T) {
	tasks := []*Task{tk("a"), tk("b", "a")}
	p := &Plan{Tasks: tasks}
	if p.Task("b") != tasks[1] || p.Task("x") != nil {
		t.Errorf("Plan.Task without graph")
	}
	p.Graph = mustNew(t, tasks...)
	if p.Task("b") != tasks[1] || p.Task("x") != nil {
		t.Errorf("Plan.Task with graph")
	}
}

func TestNewCycleIsCycleError(t *testing.T) {
	_, err := New([]*Task{tk("a", "b"), tk("b", "a")})
	var ce *CycleError
	if !errors.As(err, &ce) {
		t.Fatalf("New: %v is not a *CycleError", err)
	}
	if _, ok := err.(*CycleError); !ok {
		t.Errorf("cycle error is wrapped; a type switch misses it")
	}
	if !strings.HasPrefix(err.Error(), "cycle: ") {
		t.Errorf("Error() = %q", err)
	}
}

// A Graph is read concurrently by the scheduler and the UI; run with -race.
func TestConcurrentReads(t *testing.T) {
	g := mustNew(t, randomDAG(newRand(11), 300, 3, true)...)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.Lib()
			g.Order()
			g.Layers()
			g.StartOrder(nil)
			g.CriticalPath(nil)
			g.Reduce()
			_ = WriteDOT(io.Discard, g, ExportOptions{Stages: true})
		}()
	}
	wg.Wait()
	if n, _ := g.Lib().Order(); n != 300 {
		t.Errorf("lib has %d vertices", n)
	}
}
