package executor

import (
	"context"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/shm"
)

// Outputs larger than a hash chunk are committed without their hash (see
// shm.Run.Commit), so that their readers start at once; they are hashed
// here meanwhile, and the hashes recorded (OutputsHashed) before the run
// ends. A hash that never got recorded (the engine died first) makes a
// later resume run the producer again if a reader still needs the output.
//
// A segment released while it is hashed (its readers all succeeded) needs
// no hash: resume reuses a released segment's producer only when no reader
// runs again, and never reads the segment. So its hashing stops, and the
// release waits until it has (its file closed), since a segment still open
// cannot be recycled (shm.Pool).

// hashDone is what a hashing goroutine sends back.
type hashDone struct {
	t       *taskRun
	attempt int
	refs    []dag.SegmentRef  // every output it was given
	outputs []event.Committed // the hashed ones, Hash filled
}

// hashLater hashes attempt n's committed outputs that have no hash yet.
func (s *scheduler) hashLater(t *taskRun, n int, committed []event.Committed) {
	var todo []event.Committed
	for _, c := range committed {
		if c.Hash == "" {
			todo = append(todo, c)
		}
	}
	if len(todo) == 0 {
		return
	}
	s.hashing++
	done := hashDone{t: t, attempt: n}
	stops := make([]context.Context, len(todo))
	for i, c := range todo {
		ref := dag.SegmentRef{Task: t.t.ID, Output: c.Name}
		done.refs = append(done.refs, ref)
		var stop context.CancelFunc
		stops[i], stop = context.WithCancel(context.Background())
		s.segs.hashStop[ref] = stop
	}
	go func() {
		for i, c := range todo {
			if _, h, err := shm.HashBeside(stops[i], c.Path); err == nil {
				c.Hash = h
				done.outputs = append(done.outputs, c)
			}
		}
		s.hashed <- done
	}()
}

// onHashed records the hashes of outputs committed without them, and
// releases those whose hashing stopped for a release.
func (s *scheduler) onHashed(d hashDone) {
	s.hashing--
	for _, ref := range d.refs {
		s.segs.hashStop[ref]()
		delete(s.segs.hashStop, ref)
		if s.segs.releaseAfterHash[ref] {
			delete(s.segs.releaseAfterHash, ref)
			s.releaseSegment(ref)
		}
	}
	if len(d.outputs) == 0 {
		return
	}
	s.record(event.Event{Kind: event.OutputsHashed, Task: d.t.t.ID, Attempt: d.attempt, Outputs: d.outputs})
}
