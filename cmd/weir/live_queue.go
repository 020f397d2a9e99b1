package main

import (
	"sync"

	"github.com/weirflow/weir/event"
)

// queuedView hands events to a view on a goroutine of its own, so that a
// reader who stops reading (weir run | less, a paused terminal, a slow
// consumer of --json) holds up the lines, never the engine: Record only
// appends to a queue. Close waits until everything queued is written.
type queuedView struct {
	view event.Journal

	mu      sync.Mutex
	queue   []event.Event
	wake    chan struct{} // holds one token while the queue has news
	closed  bool
	drained chan struct{}
	once    sync.Once
}

func newQueuedView(view event.Journal) *queuedView {
	q := &queuedView{view: view, wake: make(chan struct{}, 1), drained: make(chan struct{})}
	go q.write()
	return q
}

// Record implements event.Journal; it never waits for the writer.
func (q *queuedView) Record(e event.Event) error {
	q.mu.Lock()
	if !q.closed {
		q.queue = append(q.queue, e)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

func (q *queuedView) write() {
	defer close(q.drained)
	for range q.wake {
		q.mu.Lock()
		batch, closed := q.queue, q.closed
		q.queue = nil
		q.mu.Unlock()
		for _, e := range batch {
			q.view.Record(e) // a view reports no errors that matter to the run
		}
		if closed {
			return
		}
	}
}

// Close writes what is queued and stops the writer.
func (q *queuedView) Close() {
	q.once.Do(func() {
		q.mu.Lock()
		q.closed = true
		q.mu.Unlock()
		select {
		case q.wake <- struct{}{}:
		default:
		}
		<-q.drained
	})
}
