package executor

import (
	"context"
	"fmt"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/units"
	"github.com/weirflow/weir/shm"
)

// Segment lifetime and room. A committed segment lives until every task
// that reads it has succeeded (or was reused); then it is released, unless
// its output says keep or publish (those wait for the end of the run). A
// segment that nobody reads stays until the run ends.
//
// Where segments are RAM (tmpfs), a live segment is memory no cap covers:
// its producer's cgroup, which was charged for it, is gone. So live
// segments count against the memory budget beside the running tasks' caps,
// and a producer's cap must be at least what it declares it writes, since
// the pages it writes are charged to it while it runs.
//
// Before a producer starts, the outputs it declares must fit the free space
// of shm_dir less what running producers declared and may still write; it
// waits while they run, and fails when nothing runs that could free room.

// segmentState is the scheduler's view of the run's segments.
type segmentState struct {
	space   shm.Space                // at the start of the run
	readers map[dag.SegmentRef]int   // readers that have not yet succeeded
	live    map[dag.SegmentRef]int64 // committed segments counted against the budget (in RAM only)
	bytes   int64                    // sum of live
	writing int64                    // declared output bytes of running producers
	outputs map[dag.SegmentRef]dag.Output
	// hashStop stops the hashing of a segment committed without its hash
	// (see hash.go); releaseAfterHash holds the release of one whose
	// readers are done until that hashing has stopped.
	hashStop         map[dag.SegmentRef]context.CancelFunc
	releaseAfterHash map[dag.SegmentRef]bool
}

// initSegments counts each segment's readers and learns whether segments
// are RAM. It runs before any task starts.
func (s *scheduler) initSegments() error {
	seg := &s.segs
	seg.readers = map[dag.SegmentRef]int{}
	seg.live = map[dag.SegmentRef]int64{}
	seg.outputs = map[dag.SegmentRef]dag.Output{}
	seg.hashStop = map[dag.SegmentRef]context.CancelFunc{}
	seg.releaseAfterHash = map[dag.SegmentRef]bool{}
	for _, t := range s.tasks {
		for _, o := range t.t.Outputs {
			seg.outputs[dag.SegmentRef{Task: t.t.ID, Output: o.Name}] = o
		}
		for _, in := range t.t.Inputs {
			for _, ref := range in.From {
				seg.readers[ref]++
			}
		}
	}
	space, err := s.o.Segments.Space()
	if err != nil {
		return fmt.Errorf("executor: %w", err)
	}
	seg.space = space
	return nil
}

// declared is the sum of t's declared output sizes.
func declared(t *dag.Task) int64 {
	var n int64
	for _, o := range t.Outputs {
		n += o.Size
	}
	return n
}

// checkOutputRoom is part of checkCaps: outputs larger than shm_dir, and
// producers on tmpfs whose cap cannot hold what they write.
func (s *scheduler) checkOutputRoom() []error {
	space := s.segs.space
	var errs []error
	for _, t := range s.tasks {
		n := declared(t.t)
		if n == 0 {
			continue
		}
		if space.Total > 0 && n > space.Total {
			errs = append(errs, fmt.Errorf("executor: task %q could never start: its outputs declare %s, more than shm_dir holds in all (%s); set shm_dir to a larger filesystem",
				t.t.ID, units.Size(n), units.Size(space.Total)))
			continue
		}
		if space.InRAM && t.cap > 0 && n > t.cap {
			errs = append(errs, &CapError{Task: t.t.ID, Cap: t.cap, Limit: n,
				What: "what its outputs declare; shm_dir is RAM (tmpfs) and what a task writes there is charged to its cap, so raise its memory or put shm_dir on a disk"})
		}
	}
	return errs
}

// reusedSegments counts what a resumed run starts with: the segments of
// reused tasks that are still there, and readers that are done.
func (s *scheduler) reusedSegments() {
	for _, t := range s.tasks {
		if t.state != event.Reused {
			continue
		}
		for _, o := range t.t.Outputs {
			ref := dag.SegmentRef{Task: t.t.ID, Output: o.Name}
			if n := s.o.Segments.Size(ref); n >= 0 {
				s.countLive(ref, n)
			}
		}
	}
	for _, t := range s.tasks {
		if t.state == event.Reused {
			s.readersDone(t)
		}
	}
}

// segmentBytes is the RAM segments hold beside the running tasks' caps:
// live segments, and released ones kept for reuse or not freed yet.
func (s *scheduler) segmentBytes() int64 {
	return s.segs.bytes + s.o.Segments.Held()
}

func (s *scheduler) countLive(ref dag.SegmentRef, n int64) {
	if !s.segs.space.InRAM {
		return
	}
	s.segs.live[ref] = n
	s.segs.bytes += n
}

// readersDone notes that t, a reader, is done with its inputs, and
// releases every segment it was the last reader of.
func (s *scheduler) readersDone(t *taskRun) {
	for _, in := range t.t.Inputs {
		for _, ref := range in.From {
			if s.segs.readers[ref]--; s.segs.readers[ref] > 0 {
				continue
			}
			if o := s.segs.outputs[ref]; o.Keep || o.Publish != "" {
				continue
			}
			if stop, ok := s.segs.hashStop[ref]; ok {
				stop()
				s.segs.releaseAfterHash[ref] = true
				continue
			}
			s.releaseSegment(ref)
		}
	}
}

// releaseSegment removes (or recycles) the segment ref, which nobody needs.
// Freeing its pages (0.05 s a GiB on tmpfs) goes on in the background;
// until it is over they count in Segments.Held.
func (s *scheduler) releaseSegment(ref dag.SegmentRef) {
	// A release that fails leaves the file to the end of the run (or gc);
	// the run itself is not harmed.
	if err := s.o.Segments.Release(ref); err == nil {
		if n, ok := s.segs.live[ref]; ok {
			s.segs.bytes -= n
			delete(s.segs.live, ref)
		}
	}
}

// roomFor says why t cannot start now for lack of shm_dir space, or "".
func (s *scheduler) roomFor(t *taskRun) string {
	n := declared(t.t)
	if n == 0 {
		return ""
	}
	space, err := s.o.Segments.Space()
	if err != nil {
		return err.Error()
	}
	if free := space.Free - s.segs.writing; n > free {
		return fmt.Sprintf("its outputs declare %s and shm_dir has %s free (%s more reserved by running producers); free space in shm_dir or set it to a larger filesystem",
			units.Size(n), units.Size(max(space.Free, 0)), units.Size(s.segs.writing))
	}
	return ""
}
