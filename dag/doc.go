// Package dag holds a checked workflow plan: tasks with their commands, caps
// and pools, and the graph of edges between them. It knows nothing of HCL;
// the dsl package builds a Plan and everything downstream (the scheduler, the
// store, the UI) reads one.
//
// The algorithms a run needs on large graphs (cycle search, topological
// order, layers, critical path, transitive reduction) run over a compact
// index of the edges, because the versions in github.com/dominikbraun/graph
// grow quadratically with the graph. Graph.Lib gives the same graph in that
// library's form, built on demand; DOT, Mermaid and JSON output are written
// here, deterministically.
package dag
