package dag

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// A million tasks' graph.json is about 450 MB: a reader that wants a few
// tasks' definitions finds them by their "id" lines, which WriteJSON puts
// on the line after each task object's opening brace, and decodes those
// objects alone.

// ScanTasks reads a graph.json WriteJSON wrote with the task view, calling
// want with each task's id in file order and each with the decoded task
// of every id want keeps, until each returns false or the file ends.
func ScanTasks(f interface {
	io.Reader
	io.ReaderAt
}, want func(id string) bool, each func(*Task) (more bool)) error {
	r := bufio.NewReaderSize(f, 1<<20)
	prefix := []byte(`"id": `)
	var off, prev int64 // where this line and the one before start
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			rest, err2 := r.ReadBytes('\n')
			line, err = append(slices.Clone(line), rest...), err2
		}
		if t := bytes.TrimLeft(line, " "); bytes.HasPrefix(t, prefix) {
			var id string
			if json.Unmarshal(bytes.TrimRight(t[len(prefix):], ",\n"), &id) == nil && want(id) {
				var task Task
				if derr := json.NewDecoder(io.NewSectionReader(f, prev, 1<<62)).Decode(&task); derr != nil {
					return fmt.Errorf("task %q: %w", id, derr)
				}
				if !each(&task) {
					return nil
				}
			}
		}
		prev, off = off, off+int64(len(line))
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
