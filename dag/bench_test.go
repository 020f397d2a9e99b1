package dag

import (
	"io"
	"sync"
	"testing"
)

// Benchmark graphs: n tasks, each depending on 3 random earlier tasks, so
// about 3n edges. Run with: go test ./dag -run '^$' -bench . -benchmem
var benchSizes = []struct {
	name  string
	n     int
	large bool // skipped under -short
}{
	{"10k", 10_000, false},
	{"100k", 100_000, true},
}

var (
	benchMu     sync.Mutex
	benchTasks  = map[int][]*Task{}
	benchGraphs = map[int]*Graph{}
)

func benchData(b *testing.B, n int) ([]*Task, *Graph) {
	benchMu.Lock()
	defer benchMu.Unlock()
	if benchTasks[n] == nil {
		benchTasks[n] = randomDAG(newRand(uint64(n)), n, 3, false)
		g, err := New(benchTasks[n])
		if err != nil {
			b.Fatal(err)
		}
		benchGraphs[n] = g
	}
	return benchTasks[n], benchGraphs[n]
}

func runSizes(b *testing.B, fn func(b *testing.B, tasks []*Task, g *Graph)) {
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			if s.large && testing.Short() {
				b.Skip("large graph skipped under -short")
			}
			tasks, g := benchData(b, s.n)
			b.ReportAllocs()
			fn(b, tasks, g)
		})
	}
}

func BenchmarkNew(b *testing.B) {
	runSizes(b, func(b *testing.B, tasks []*Task, _ *Graph) {
		for b.Loop() {
			if _, err := New(tasks); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkOrder(b *testing.B) {
	runSizes(b, func(b *testing.B, _ []*Task, g *Graph) {
		for b.Loop() {
			g.Order()
		}
	})
}

func BenchmarkLayers(b *testing.B) {
	runSizes(b, func(b *testing.B, _ []*Task, g *Graph) {
		for b.Loop() {
			g.Layers()
		}
	})
}

func BenchmarkRemaining(b *testing.B) {
	runSizes(b, func(b *testing.B, _ []*Task, g *Graph) {
		for b.Loop() {
			g.Remaining(nil)
		}
	})
}

func BenchmarkStartOrder(b *testing.B) {
	runSizes(b, func(b *testing.B, _ []*Task, g *Graph) {
		for b.Loop() {
			g.StartOrder(nil)
		}
	})
}

// BenchmarkNewOrderRemaining is what loading a plan for a run costs.
func BenchmarkNewOrderRemaining(b *testing.B) {
	runSizes(b, func(b *testing.B, tasks []*Task, _ *Graph) {
		for b.Loop() {
			g, err := New(tasks)
			if err != nil {
				b.Fatal(err)
			}
			g.Order()
			g.Remaining(nil)
		}
	})
}

// BenchmarkReduce: above ReduceLimit (the 100k case) Reduce only lists the
// edges.
func BenchmarkReduce(b *testing.B) {
	runSizes(b, func(b *testing.B, _ []*Task, g *Graph) {
		for b.Loop() {
			g.Reduce()
		}
	})
}

func BenchmarkDOT(b *testing.B) {
	runSizes(b, func(b *testing.B, _ []*Task, g *Graph) {
		for b.Loop() {
			if err := WriteDOT(io.Discard, g, ExportOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLib is the cost of the dominikbraun/graph copy Lib builds.
func BenchmarkLib(b *testing.B) {
	runSizes(b, func(b *testing.B, _ []*Task, g *Graph) {
		for b.Loop() {
			g.buildLib()
		}
	})
}

// TestLarge runs the algorithms on a graph of 100,000 tasks: nothing may
// recurse deeply or run out of memory at that size. Speed is measured by the
// benchmarks above, not here.
func TestLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large graph")
	}
	tasks := randomDAG(newRand(9), 100_000, 3, false)
	g, err := New(tasks)
	if err != nil {
		t.Fatal(err)
	}
	g.Order()
	g.Remaining(nil)
	if got := len(g.StartOrder(nil)); got != len(tasks) {
		t.Errorf("StartOrder has %d tasks, want %d", got, len(tasks))
	}
}
