package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/beneath"
)

// A run of a million tasks has 830 MB of events; ReadEvents holds them all
// and decodes every line. A reader that wants a few tasks' events (a
// report's narrow stages, a tail) streams the log and decodes only the
// lines it keeps.

// ScanEvents returns, in Seq order, the events of run id in state dir dir
// that concern the run itself (no task) or a task want keeps, from byte
// offset from of events.jsonl on (0: the whole log; a summary.json's
// Offset: what follows it). Other lines are never decoded, and a line
// whose task cannot be told without decoding it is decoded. A torn last
// line is left out, as by ReadEvents.
func ScanEvents(dir, id string, from int64, want func(task []byte) bool) ([]event.Event, error) {
	out, _, err := scanEvents(dir, id, from, want)
	return InSeqOrder(out), err
}

// TailEvents is ScanEvents for a reader that follows a run still going:
// it also returns the byte offset just past the last whole line it read,
// where its next call goes on, so that each call reads only what was
// appended since (a torn last line is read again once it is whole). The
// events are in the log's order.
func TailEvents(dir, id string, from int64, want func(task []byte) bool) (events []event.Event, next int64, err error) {
	return scanEvents(dir, id, from, want)
}

func scanEvents(dir, id string, from int64, want func(task []byte) bool) ([]event.Event, int64, error) {
	path := filepath.Join(runDir(dir, id), eventsJSONL)
	f, err := beneath.Open(dir, path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, from, fmt.Errorf("store: no events for run %s in %s: %w", id, dir, ErrNotFound)
	}
	if err != nil {
		return nil, from, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	if from > 0 {
		if _, err := f.Seek(from, 0); err != nil {
			return nil, from, fmt.Errorf("store: %s: %w", path, err)
		}
	}
	var out []event.Event
	next := from
	r := bufio.NewReaderSize(f, 1<<20)
	for n := 1; ; n++ {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long line (many outputs): read the rest of it.
			rest, err2 := r.ReadBytes('\n')
			line, err = append(slices.Clone(line), rest...), err2
		}
		complete := len(line) > 0 && line[len(line)-1] == '\n'
		if complete && len(bytes.TrimSpace(line)) > 0 {
			if task, ok := lineTask(line); !ok || task == nil || want(task) {
				var e event.Event
				if derr := json.Unmarshal(line, &e); derr != nil {
					return nil, next, fmt.Errorf("store: %s line %d past byte %d is not an event: %v", path, n, from, derr)
				}
				if ok || e.Task == "" || want([]byte(e.Task)) {
					out = append(out, e)
				}
			}
		}
		if complete {
			next += int64(len(line))
		}
		if err != nil {
			break // io.EOF, or a torn last line
		}
	}
	return out, next, nil
}

var taskField = []byte(`"task":"`)

// lineTask finds an event line's task without decoding it: nil for an
// event of the run; ok false when it cannot tell (an escaped id), and the
// line must be decoded.
func lineTask(line []byte) (task []byte, ok bool) {
	i := bytes.Index(line, taskField)
	if i < 0 {
		return nil, true
	}
	rest := line[i+len(taskField):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 || bytes.IndexByte(rest[:j], '\\') >= 0 {
		return nil, false
	}
	return rest[:j], true
}
