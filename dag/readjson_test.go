package dag

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestReadJSON: what WriteJSON's task view writes reads back with the plan's
// name, settings, pools and tasks; a missing file and a damaged one are
// errors a caller can tell apart.
func TestReadJSON(t *testing.T) {
	a, b := tk("a"), tk("b", "a")
	a.Memory, a.Timeout, a.Pool = 64<<20, time.Minute, "io"
	p := &Plan{
		Name:     "x",
		Settings: Settings{MemoryBudget: 1 << 30},
		Pools:    []*Pool{{Name: "io", Executor: "local", Processes: 2}},
		Tasks:    []*Task{a, b},
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, p, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "graph.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "x" || g.Settings.MemoryBudget != 1<<30 || len(g.Pools) != 1 || g.Pools[0].Processes != 2 {
		t.Errorf("read %+v", g)
	}
	if len(g.Tasks) != 2 || g.Tasks[0].ID != "a" || g.Tasks[0].Memory != 64<<20 || g.Tasks[0].Timeout != time.Minute ||
		g.Tasks[0].Pool != "io" || g.Tasks[1].ID != "b" {
		t.Errorf("tasks %+v %+v", g.Tasks[0], g.Tasks[1])
	}

	if _, err := ReadJSON(filepath.Join(dir, "none.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if err := os.WriteFile(path, buf.Bytes()[:buf.Len()/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadJSON(path); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("truncated file: %v", err)
	}
}
