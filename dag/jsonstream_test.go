package dag

import (
	"fmt"
	"testing"
)

// pieceWriter notes the largest single write it gets.
type pieceWriter struct {
	written, largest int
}

func (w *pieceWriter) Write(p []byte) (int, error) {
	w.written += len(p)
	w.largest = max(w.largest, len(p))
	return len(p), nil
}

// The task view is written a task at a time: the writer gets the document
// in pieces as it is made, never whole (at 100,000 tasks the document and a
// copy of every task for display held 64 MB at once).
func TestWriteJSONStreamsTasks(t *testing.T) {
	for _, n := range []int{0, 1, 2000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			tasks := make([]*Task, n)
			for i := range tasks {
				key := fmt.Sprintf("k%07d", i)
				tasks[i] = &Task{ID: "work[" + key + "]", Stage: "work", Key: key, Keyed: true,
					Pool: "default", Argv: []string{"process", "--shard", key}}
			}
			p := &Plan{Name: "wide", Tasks: tasks, Graph: mustNew(t, tasks...)}
			w := &pieceWriter{}
			if err := WriteJSON(w, p, ExportOptions{}); err != nil {
				t.Fatal(err)
			}
			if w.largest > 64<<10 {
				t.Errorf("%d tasks: a write of %d bytes of %d", n, w.largest, w.written)
			}
		})
	}
}
