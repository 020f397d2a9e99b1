package main

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/units"
)

// progressQueueMax is how many events the plain lines hold for a reader
// that has fallen behind before they fold the routine ones into counts.
const progressQueueMax = 4096

// linesGap is how long the writer of the plain lines lets events gather
// after it has written some: a task's events wake it once a batch rather
// than once each (two wake-ups a task on a run of short ones, each a
// thread woken on the engine's cores), and a line waits at most this long.
const linesGap = 20 * time.Millisecond

// queuedView hands events to the plain lines on a goroutine of its own, so
// that a reader who stops reading (weir run | less, a paused terminal)
// holds up the lines, never the engine: Record only queues. Past
// progressQueueMax queued, what would only print a start, a success, a
// retry or a cancellation is folded into counts per stage, printed as one
// line when the writer gets there; failures and the run's own events are
// still queued, every one. Close waits until everything queued is written.
type queuedView struct {
	view *progress

	mu      sync.Mutex
	queue   []queued
	wake    chan struct{} // holds one token while the queue has news
	closed  bool
	closing chan struct{} // closed by Close: the writer stops waiting out linesGap
	drained chan struct{}
	once    sync.Once
}

// queued is an event, or the routine events folded while behind.
type queued struct {
	e    event.Event
	fold *folded
}

// folded counts the events left out while the reader was behind.
type folded struct {
	at       time.Time // the newest event's
	finished int       // tasks that reached a final state among them
	byStage  map[string]*stageFold
}

type stageFold struct{ started, done, retried, cancelled, skipped int }

func newQueuedView(view *progress) *queuedView {
	q := &queuedView{view: view, wake: make(chan struct{}, 1), closing: make(chan struct{}), drained: make(chan struct{})}
	go q.write()
	return q
}

// Record implements event.Journal; it never waits for the writer.
func (q *queuedView) Record(e event.Event) error {
	q.mu.Lock()
	if !q.closed && !(len(q.queue) >= progressQueueMax && q.fold(e)) {
		q.queue = append(q.queue, queued{e: e})
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// fold counts e into the last entry of the queue, made a fold if it is
// not one, when e is routine; q.mu is held.
func (q *queuedView) fold(e event.Event) bool {
	var field func(*stageFold) *int
	final := false
	switch e.Kind {
	case event.AttemptStarted:
		field = func(s *stageFold) *int { return &s.started }
	case event.AttemptEnded:
		if r := e.Result; r != nil && !r.OK() && r.Reason != event.Cancelled {
			return false // a failure keeps its line and log tail
		}
		field = func(s *stageFold) *int { return &s.done }
		if e.Result != nil && e.Result.Reason == event.Cancelled {
			field = nil // the task's own change says it
		}
	case event.TaskChanged:
		switch e.State {
		case event.TaskFailed:
			return false
		case event.TaskSucceeded, event.Reused:
			final = true
		case event.TaskCancelled:
			final, field = true, func(s *stageFold) *int { return &s.cancelled }
		case event.Skipped:
			final, field = true, func(s *stageFold) *int { return &s.skipped }
		case event.Ready:
			if e.Attempt > 1 {
				field = func(s *stageFold) *int { return &s.retried }
			}
		}
	default:
		return false
	}
	last := len(q.queue) - 1
	if q.queue[last].fold == nil {
		q.queue = append(q.queue, queued{fold: &folded{byStage: map[string]*stageFold{}}})
		last++
	}
	f := q.queue[last].fold
	f.at = e.Time
	if final {
		f.finished++
	}
	if field != nil {
		stage := e.Task
		if t := q.view.plan.Task(e.Task); t != nil {
			stage = t.Stage
		}
		s := f.byStage[stage]
		if s == nil {
			s = &stageFold{}
			f.byStage[stage] = s
		}
		*field(s)++
	}
	return true
}

func (q *queuedView) write() {
	defer close(q.drained)
	for range q.wake {
		q.mu.Lock()
		batch, closed := q.queue, q.closed
		q.queue = nil
		q.mu.Unlock()
		for _, it := range batch {
			if it.fold != nil {
				q.view.folded(it.fold)
				continue
			}
			q.view.Record(it.e) // a view reports no errors that matter to the run
		}
		if closed {
			return
		}
		gap := time.NewTimer(linesGap)
		select {
		case <-gap.C:
		case <-q.closing:
			gap.Stop()
		}
	}
}

// Close writes what is queued and stops the writer.
func (q *queuedView) Close() {
	q.once.Do(func() {
		q.mu.Lock()
		q.closed = true
		q.mu.Unlock()
		close(q.closing)
		select {
		case q.wake <- struct{}{}:
		default:
		}
		<-q.drained
	})
}

// folded prints what was left out while the reader was behind, as one
// line, and counts its finished tasks.
func (p *progress) folded(f *folded) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished += f.finished
	if p.quiet {
		return // none of these would have been printed
	}
	stages := make([]string, 0, len(f.byStage))
	for name := range f.byStage {
		stages = append(stages, name)
	}
	slices.Sort(stages)
	var parts []string
	for _, name := range stages {
		s := f.byStage[name]
		var what []string
		for _, c := range []struct {
			n    int
			word string
		}{{s.started, "started"}, {s.done, "done"}, {s.retried, "retried"}, {s.cancelled, "cancelled"}, {s.skipped, "skipped"}} {
			if c.n > 0 {
				what = append(what, units.Thousands(c.n)+" "+c.word)
			}
		}
		if len(what) > 0 {
			parts = append(parts, name+" "+strings.Join(what, ", "))
		}
	}
	if len(parts) == 0 {
		return
	}
	fmt.Fprintf(p.w, "%s while the output was behind: %s%s\n", f.at.Format("15:04:05"), strings.Join(parts, "; "), p.count(0))
}
