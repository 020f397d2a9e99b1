package executortest

import (
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/shm"
)

// Journal keeps events in memory.
type Journal struct {
	// Fail, when set, sees each event first; an error it returns fails
	// the Record, and the event is not kept.
	Fail func(e event.Event) error

	mu      sync.Mutex
	events  []event.Event
	changed chan struct{} // closed and replaced at every kept event
}

// Record keeps e unless Fail refuses it.
func (j *Journal) Record(e event.Event) error {
	if j.Fail != nil {
		if err := j.Fail(e); err != nil {
			return err
		}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.events = append(j.events, e)
	if j.changed != nil {
		close(j.changed)
		j.changed = nil
	}
	return nil
}

// Events returns the events kept so far.
func (j *Journal) Events() []event.Event {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]event.Event(nil), j.events...)
}

// Wait waits up to timeout for an event matching pred to be kept, and
// returns it.
func (j *Journal) Wait(pred func(event.Event) bool, timeout time.Duration) (event.Event, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		j.mu.Lock()
		for _, e := range j.events {
			if pred(e) {
				j.mu.Unlock()
				return e, true
			}
		}
		if j.changed == nil {
			j.changed = make(chan struct{})
		}
		ch := j.changed
		j.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return event.Event{}, false
		}
	}
}

// Await is Wait for 10 seconds from the test's goroutine: it fails tb,
// saying what it waited for, when nothing came.
func (j *Journal) Await(tb testing.TB, what string, pred func(event.Event) bool) event.Event {
	tb.Helper()
	e, ok := j.Wait(pred, 10*time.Second)
	if !ok {
		tb.Fatalf("no %s recorded after 10s", what)
	}
	return e
}

// Layout places logs and temp dirs under Dir without touching the disk.
type Layout struct{ Dir string }

// Logs returns Dir/logs/TASK/N.stdout and .stderr.
func (l Layout) Logs(task string, attempt int) (stdout, stderr string) {
	base := filepath.Join(l.Dir, "logs", task, strconv.Itoa(attempt))
	return base + ".stdout", base + ".stderr"
}

// Samples returns Dir/logs/TASK/N.mem.
func (l Layout) Samples(task string, attempt int) string {
	return filepath.Join(l.Dir, "logs", task, strconv.Itoa(attempt)+".mem")
}

// TmpDir returns Dir/tmp/POOL.SLOT.
func (l Layout) TmpDir(pool string, slot int) string {
	return filepath.Join(l.Dir, "tmp", pool+"."+strconv.Itoa(slot))
}

// Segments is an in-memory executor.Segments: paths under /seg, every call
// recorded. PrepareFn and CommitFn, when set, decide what Prepare and Commit
// return; otherwise they succeed with every output present.
type Segments struct {
	PrepareFn func(t *dag.Task) error
	CommitFn  func(t *dag.Task) (missing []string, err error) // committed outputs are derived from t
	// Room is what Space reports; the zero value is 1 TiB free on disk.
	Room shm.Space
	// Kept is what Held reports: released segments kept or being freed.
	Kept atomic.Int64

	mu        sync.Mutex
	calls     []string
	committed map[dag.SegmentRef]int64
}

// Path is /seg/TASK/OUTPUT.
func (s *Segments) Path(ref dag.SegmentRef) string { return "/seg/" + ref.Task + "/" + ref.Output }

// Partial is Path with ".partial" appended.
func (s *Segments) Partial(ref dag.SegmentRef) string { return s.Path(ref) + ".partial" }

// Prepare records "prepare TASK".
func (s *Segments) Prepare(t *dag.Task) error {
	s.note("prepare " + t.ID)
	if s.PrepareFn != nil {
		return s.PrepareFn(t)
	}
	return nil
}

// Commit records "commit TASK".
func (s *Segments) Commit(t *dag.Task) ([]event.Committed, []string, error) {
	s.note("commit " + t.ID)
	if s.CommitFn != nil {
		if missing, err := s.CommitFn(t); err != nil || len(missing) > 0 {
			return nil, missing, err
		}
	}
	var out []event.Committed
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range t.Outputs {
		ref := dag.SegmentRef{Task: t.ID, Output: o.Name}
		// A committed segment is as large as declared.
		out = append(out, event.Committed{Name: o.Name, Path: s.Path(ref), Size: o.Size, Hash: "fake"})
		if s.committed == nil {
			s.committed = map[dag.SegmentRef]int64{}
		}
		s.committed[ref] = o.Size
	}
	return out, nil, nil
}

// Discard records "discard TASK".
func (s *Segments) Discard(t *dag.Task) { s.note("discard " + t.ID) }

// Release records "release TASK.OUTPUT".
func (s *Segments) Release(ref dag.SegmentRef) error {
	s.note("release " + ref.Task + "." + ref.Output)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.committed, ref)
	return nil
}

// Size is the declared size of a segment committed and not released, else -1.
func (s *Segments) Size(ref dag.SegmentRef) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, ok := s.committed[ref]; ok {
		return n
	}
	return -1
}

// Adopt marks ref committed with size bytes, as a resume's adopted segment.
func (s *Segments) Adopt(ref dag.SegmentRef, size int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed == nil {
		s.committed = map[dag.SegmentRef]int64{}
	}
	s.committed[ref] = size
}

// Space returns Room, or 1 TiB free on disk when Room is zero.
func (s *Segments) Space() (shm.Space, error) {
	if s.Room == (shm.Space{}) {
		return shm.Space{Free: 1 << 40, Total: 1 << 40}, nil
	}
	return s.Room, nil
}

// Held returns Kept.
func (s *Segments) Held() int64 { return s.Kept.Load() }

func (s *Segments) note(call string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
}

// Calls returns the calls so far: "prepare x", "commit x", "discard x".
func (s *Segments) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}
