package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/beneath"
)

// `weir runs` while an engine holds the store lists a running run from
// its event log. It used to hold every event of it decoded (gigabytes at a
// million tasks) to replay them for the counts; a count needs only each
// task's latest state, and the run's own events. logCounts streams the
// log and keeps just that, with Replay's answer.

// logTally is what a run's event log says of it, as ReadEvents, Replay and
// applyRun would: the counts of the tasks' latest states, the run's own
// events in Seq order, and the highest Seq of the run.
type logTally struct {
	id     string
	counts map[event.TaskState]int
	run    []event.Event // events with no task, in Seq order
	seq    uint64        // the highest Seq of the tasks' events of the run
}

// taskLine is what logCounts decodes of a task's event line.
type taskLine struct {
	Seq   uint64          `json:"seq"`
	RunID string          `json:"run"`
	Kind  event.EventKind `json:"kind"`
	Task  string          `json:"task"`
	State event.TaskState `json:"state"`
}

// latest is a task's state after its events so far: the TaskChanged with
// the highest Seq, the last copy of a repeated one.
type latest struct {
	seq   uint64
	state event.TaskState
}

// logCounts reads run id's events.jsonl of state dir dir once. A line
// that is not an event is an error unless only blank lines follow it (a
// torn last line), as in ReadEvents.
func logCounts(dir, id string) (logTally, error) {
	path := filepath.Join(runDir(dir, id), eventsJSONL)
	f, err := beneath.Open(dir, path)
	if errors.Is(err, os.ErrNotExist) {
		return logTally{}, fmt.Errorf("store: no events for run %s in %s: %w", id, dir, ErrNotFound)
	}
	if err != nil {
		return logTally{}, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	tasks := map[string]latest{}
	out := logTally{id: id}
	var bad error // a line that did not decode, an error if more follow
	r := bufio.NewReaderSize(f, 1<<20)
	for n := 1; ; n++ {
		line, rerr := r.ReadSlice('\n')
		if errors.Is(rerr, bufio.ErrBufferFull) {
			rest, err2 := r.ReadBytes('\n')
			line, rerr = append(slices.Clone(line), rest...), err2
		}
		if len(bytes.TrimSpace(line)) > 0 {
			if bad != nil {
				return logTally{}, bad
			}
			if err := out.line(tasks, line); err != nil {
				bad = fmt.Errorf("store: %s line %d is not an event: %v", path, n, err)
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return logTally{}, fmt.Errorf("store: read %s: %w", path, rerr)
		}
	}
	out.run = InSeqOrder(out.run)
	for _, t := range tasks {
		recount(&out.counts, "", t.state)
	}
	return out, nil
}

// line takes one event line into the tally: a task's line decoded into
// taskLine alone, the run's whole.
func (t *logTally) line(tasks map[string]latest, line []byte) error {
	if task, ok := lineTask(line); ok && task == nil {
		var e event.Event
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		if e.Task == "" {
			t.run = append(t.run, e)
			return nil
		}
	}
	var e taskLine
	if err := jsonv1.Unmarshal(line, &e); err != nil {
		return err
	}
	if e.RunID == t.id || e.RunID == "" {
		t.seq = max(t.seq, e.Seq)
	}
	if e.Task == "" {
		// A run event the quick look took for a task's: decode it whole.
		var full event.Event
		if err := json.Unmarshal(line, &full); err != nil {
			return err
		}
		t.run = append(t.run, full)
		return nil
	}
	cur, seen := tasks[e.Task]
	if !seen {
		tasks[e.Task] = latest{} // Replay keeps every task with an event
	}
	if e.Kind == event.TaskChanged && (e.Seq >= cur.seq || !seen) {
		tasks[e.Task] = latest{e.Seq, e.State}
	}
	return nil
}
