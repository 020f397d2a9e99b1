package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/weirflow/weir/dag"
)

// TestWriteRunGraph: graph.json has every task, outline.json makes a
// stage wider than dag.OutlineWide one group, and no temporary file stays.
func TestWriteRunGraph(t *testing.T) {
	for _, n := range []int{3, dag.OutlineWide + 1} {
		tasks := []*dag.Task{{ID: "prep", Stage: "prep", Pool: "cpu", Argv: []string{"prep"}, Retry: dag.Retry{Attempts: 1}}}
		for i := range n {
			k := strconv.Itoa(i)
			tasks = append(tasks, &dag.Task{ID: "w[" + k + "]", Stage: "w", Key: k, Keyed: true, Pool: "cpu",
				Argv: []string{"w", k}, Deps: []string{"prep"}, Retry: dag.Retry{Attempts: 1}})
		}
		dir := t.TempDir()
		if err := WriteRunGraph(dir, &dag.Plan{Name: "p", Pools: []*dag.Pool{{Name: "cpu"}}, Tasks: tasks}); err != nil {
			t.Fatal(err)
		}
		g, err := dag.ReadJSON(filepath.Join(dir, "graph.json"))
		if err != nil || len(g.Tasks) != n+1 {
			t.Fatalf("n=%d: graph.json: %v, %d tasks", n, err, len(g.Tasks))
		}
		b, err := os.ReadFile(filepath.Join(dir, "outline.json"))
		if err != nil {
			t.Fatal(err)
		}
		var o dag.Outline
		if err := json.Unmarshal(b, &o); err != nil {
			t.Fatal(err)
		}
		wantGroups, wantTasks := 0, n+1
		if n > dag.OutlineWide {
			wantGroups, wantTasks = 1, 1
		}
		if len(o.Groups) != wantGroups || len(o.Tasks) != wantTasks || o.All != n+1 {
			t.Errorf("n=%d: outline has %d groups, %d tasks, all %d; want %d, %d, %d", n, len(o.Groups), len(o.Tasks), o.All, wantGroups, wantTasks, n+1)
		}
		ents, _ := os.ReadDir(dir)
		if len(ents) != 2 {
			t.Errorf("n=%d: %d files in the run directory, want graph.json and outline.json", n, len(ents))
		}
	}
}
