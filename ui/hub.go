package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// maxIdleHubs bounds how many runs stay in memory with nobody watching.
const maxIdleHubs = 16

// hub is the one reader of a run's event log. It keeps the run's events in
// Seq order and a model of the run; every SSE client of the run reads from
// it, each at its own position, so a slow client holds up nobody.
//
// events.jsonl is appended commit by commit; two commits may land out of
// Seq order, and the last line may be torn while it is written. The hub
// releases events only in Seq order, so that an event's Seq can be the SSE
// id a client resumes from. An event that arrives ahead of a missing Seq
// waits HoldBack for it and is then released anyway (an engine killed
// between its commit and the log's write leaves such a gap forever).
type hub struct {
	s   *Server
	id  string
	dir string // the run's directory

	mu       sync.Mutex
	off      int64  // bytes of events.jsonl consumed
	partial  []byte // an incomplete last line
	events   []event.Event
	frames   [][]byte // events[i] as an SSE message, formatted once for every client
	held     map[uint64]heldEvent
	heldAt   time.Time // when the oldest held event arrived
	next     uint64    // the next Seq to release
	rec      store.RunRecord
	haveRec  bool
	model    *model
	graph    *graphDoc  // parsed graph.json, nil until needed
	lite     *liteGraph // graph.json without definitions, nil until needed
	qs       *quickState
	waiters  map[chan struct{}]struct{}
	tailing  bool
	lastRead error
}

type heldEvent struct {
	e   event.Event
	raw []byte
}

// hub returns the hub of run id, creating it. It does not check id.
func (s *Server) hub(id string) *hub {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.hubs[id]; h != nil {
		return h
	}
	if len(s.hubs) >= maxIdleHubs {
		for k, h := range s.hubs {
			h.mu.Lock()
			idle := len(h.waiters) == 0
			h.mu.Unlock()
			if idle {
				delete(s.hubs, k)
				break
			}
		}
	}
	h := &hub{s: s, id: id, dir: filepath.Join(s.o.StateDir, "runs", id), held: map[uint64]heldEvent{}, next: 1}
	h.model = newModel(store.RunRecord{ID: id})
	s.hubs[id] = h
	return h
}

// refresh reads what the engine appended since the last read.
func (h *hub) refresh() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.readLocked()
	return err
}

// readLocked consumes new lines of events.jsonl and releases what it can;
// added says whether events were released.
func (h *hub) readLocked() (added bool, err error) {
	if !h.haveRec || h.rec.Ended.IsZero() {
		h.loadRecordLocked()
	}
	f, err := h.open(filepath.Join(h.dir, "events.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil // not started yet
	}
	if err != nil {
		return false, fmt.Errorf("ui: run %s: %w", h.id, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("ui: run %s: %w", h.id, err)
	}
	if st.Size() > h.off {
		buf := make([]byte, st.Size()-h.off)
		n, err := f.ReadAt(buf, h.off)
		if err != nil && err != io.EOF {
			return false, fmt.Errorf("ui: run %s: %w", h.id, err)
		}
		h.off += int64(n)
		data := append(h.partial, buf[:n]...)
		h.partial = nil
		var lines [][]byte
		for len(data) > 0 {
			line, rest, complete := bytes.Cut(data, []byte{'\n'})
			if !complete {
				h.partial = append([]byte(nil), line...) // torn: wait for the rest
				break
			}
			data = rest
			lines = append(lines, line)
		}
		for i, e := range decodeLines(lines) {
			h.take(lines[i], e)
		}
	}
	return h.releaseLocked(time.Now()), nil
}

// take holds the event of one line for release; e is nil for a line that
// is not an event.
func (h *hub) take(line []byte, e *event.Event) {
	if e == nil {
		return // not an event; the store's readers reject the file, we show what we can
	}
	line = bytes.TrimSpace(line)
	if e.Seq < h.next {
		return // recorded again: already released
	}
	if len(h.held) == 0 {
		h.heldAt = time.Now()
	}
	h.held[e.Seq] = heldEvent{e: *e, raw: append([]byte(nil), line...)}
}

// releaseLocked moves held events to the log in Seq order. Past HoldBack,
// or once the run has ended, a gap is skipped.
func (h *hub) releaseLocked(now time.Time) bool {
	added := false
	// Room for all at once: appended one by one, a first read of 300,000
	// events spent half its time copying the growing slices.
	h.events = slices.Grow(h.events, len(h.held))
	h.frames = slices.Grow(h.frames, len(h.held))
	for len(h.held) > 0 {
		he, ok := h.held[h.next]
		if !ok {
			ended := h.model.run.State != string(store.RunRunning)
			if !ended && now.Sub(h.heldAt) < h.s.o.HoldBack {
				break
			}
			h.next = h.minHeld()
			continue
		}
		delete(h.held, h.next)
		h.next++
		h.events = append(h.events, he.e)
		h.frames = append(h.frames, sseFrame(he.e.Seq, he.raw))
		h.model.apply(&h.events[len(h.events)-1])
		added = true
		h.heldAt = now
	}
	return added
}

func (h *hub) minHeld() uint64 {
	first := true
	var m uint64
	for s := range h.held {
		if first || s < m {
			m, first = s, false
		}
	}
	return m
}

// loadRecordLocked reads run.json; the model is rebuilt from the events
// when the record changes what it knows (the run's name, its end).
func (h *hub) loadRecordLocked() {
	b, err := h.readFile(filepath.Join(h.dir, "run.json"))
	if err != nil {
		return
	}
	var rec store.RunRecord
	if json.Unmarshal(b, &rec) != nil {
		return
	}
	if h.haveRec && rec.Ended.Equal(h.rec.Ended) {
		return
	}
	h.rec, h.haveRec = rec, true
	h.model = newModel(rec)
	for i := range h.events {
		h.model.apply(&h.events[i])
	}
}

// snapshot is the run now, and the number of events it covers.
func (h *hub) snapshot() (Snapshot, int) {
	return h.snapshotOf(nil)
}

// snapshotOf is a snapshot with only the tasks keep keeps.
func (h *hub) snapshotOf(keep func(id string, t *TaskView) bool) (Snapshot, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.model.snapshot(store.Engine.Alive, keep), len(h.events)
}

// taskView is a copy of task id's view, pending if it has no events.
func (h *hub) taskView(id string) TaskView {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.model.tasks[id]
	if t == nil {
		return TaskView{State: event.Pending}
	}
	c := *t
	c.Attempts = append([]AttemptView(nil), t.Attempts...)
	return c
}

// after returns the index of the first event with a Seq above seq.
func (h *hub) after(seq uint64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return sort.Search(len(h.events), func(i int) bool { return h.events[i].Seq > seq })
}

// from returns the events from index i on as SSE messages. The slice is
// shared: callers only read it.
func (h *hub) from(i int) [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	if i >= len(h.frames) {
		return nil
	}
	return h.frames[i:len(h.frames):len(h.frames)]
}

// sseFrame is an event as an SSE message: id its Seq, data its JSON line.
func sseFrame(seq uint64, line []byte) []byte {
	b := make([]byte, 0, len(line)+40)
	b = append(b, "id: "...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, "\nevent: event\ndata: "...)
	b = append(b, line...)
	return append(b, "\n\n"...)
}

// ended reports whether the run's end has been released.
func (h *hub) ended() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.events) > 0 && h.events[len(h.events)-1].Kind == event.RunEnded
}

// watch registers a waiter that gets a signal when events are released,
// and starts the tailer if it is the first. Call the returned function to
// unregister.
func (h *hub) watch() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.waiters == nil {
		h.waiters = map[chan struct{}]struct{}{}
	}
	h.waiters[ch] = struct{}{}
	start := !h.tailing
	h.tailing = true
	h.mu.Unlock()
	if start {
		// Under the server's lock, which Close takes to cancel: a tailer
		// is either counted before Close waits, or never started.
		h.s.mu.Lock()
		if h.s.ctx.Err() == nil {
			h.s.wg.Add(1)
			go h.tail()
		} else {
			h.mu.Lock()
			h.tailing = false
			h.mu.Unlock()
		}
		h.s.mu.Unlock()
	}
	return ch, func() {
		h.mu.Lock()
		delete(h.waiters, ch)
		h.mu.Unlock()
	}
}

// tail polls the event log while anyone watches.
func (h *hub) tail() {
	defer h.s.wg.Done()
	t := time.NewTicker(h.s.o.Poll)
	defer t.Stop()
	for {
		h.mu.Lock()
		if len(h.waiters) == 0 {
			h.tailing = false
			h.mu.Unlock()
			return
		}
		added, err := h.readLocked()
		h.lastRead = err
		if added {
			for ch := range h.waiters {
				select {
				case ch <- struct{}{}:
				default: // it has a signal pending already
				}
			}
		}
		h.mu.Unlock()
		select {
		case <-h.s.ctx.Done():
			h.mu.Lock()
			h.tailing = false
			h.mu.Unlock()
			return
		case <-t.C:
		}
	}
}
