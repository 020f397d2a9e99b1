package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/weirflow/weir/event"
)

// ReadEvents reads the events of run id from dir/runs/<id>/events.jsonl,
// in Seq order. It works while an engine holds the database. The last line
// may be torn (the engine is writing it, or was killed while it did): it is
// left out. An undecodable line before the last is an error.
func ReadEvents(dir, id string) ([]event.Event, error) {
	path := filepath.Join(runDir(dir, id), eventsJSONL)
	b, err := readRunFile(dir, path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("store: no events for run %s in %s: %w", id, dir, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return parseEvents(path, b)
}

func parseEvents(path string, b []byte) ([]event.Event, error) {
	var out []event.Event
	for n := 1; len(b) > 0; n++ {
		line, rest, complete := bytes.Cut(b, []byte{'\n'})
		b = rest
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e event.Event
		if err := json.Unmarshal(line, &e); err != nil {
			if !complete || len(bytes.TrimSpace(b)) == 0 {
				break // the torn last line
			}
			return nil, fmt.Errorf("store: %s line %d is not an event: %v", path, n, err)
		}
		out = append(out, e)
	}
	return InSeqOrder(out), nil
}

// InSeqOrder puts events read from a run's event log in the database's
// order: a group commit writes its events in Seq order, but two writers
// can land in different commits out of Seq order. An event recorded again
// (a repeated Seq) keeps its last copy.
func InSeqOrder(es []event.Event) []event.Event {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Seq < es[j].Seq })
	return dedupe(es)
}

// dedupe drops repeated Seqs (an event recorded again), keeping the last.
func dedupe(es []event.Event) []event.Event {
	out := es[:0]
	for i := range es {
		if len(out) > 0 && out[len(out)-1].Seq == es[i].Seq {
			out[len(out)-1] = es[i]
			continue
		}
		out = append(out, es[i])
	}
	return out
}

// openEventLog opens a run's events.jsonl for appending (0600). A torn last
// line, left by an engine killed while writing it, is cut off first, so
// that the next line does not glue onto it.
func openEventLog(dir, id string) (*os.File, error) {
	if err := os.MkdirAll(runDir(dir, id), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(runDir(dir, id), eventsJSONL), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	if err := cutTornLine(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// cutTornLine truncates f after its last newline.
func cutTornLine(f *os.File) error {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	const chunk = 4096
	end := st.Size()
	buf := make([]byte, chunk)
	for off := end; off > 0; {
		n := int64(chunk)
		if off < n {
			n = off
		}
		off -= n
		if _, err := f.ReadAt(buf[:n], off); err != nil && err != io.EOF {
			return err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			if off+int64(i)+1 == end {
				return nil
			}
			return f.Truncate(off + int64(i) + 1)
		}
	}
	return f.Truncate(0)
}
