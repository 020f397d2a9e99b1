package executor

import (
	"github.com/weirflow/weir/shm"
)

// Outputs larger than a hash chunk are committed without their hash (see
// shm.Run.Commit), so that their readers start at once; they are hashed
// here meanwhile, and the hashes recorded (OutputsHashed) before the run
// ends. A hash that never got recorded (the engine died first) makes a
// later resume run the producer again if a reader still needs the output.

// hashDone is what a hashing goroutine sends back.
type hashDone struct {
	t       *taskRun
	attempt int
	outputs []shm.Committed // the hashed ones, Hash filled
}

// hashLater hashes attempt n's committed outputs that have no hash yet.
func (s *scheduler) hashLater(t *taskRun, n int, committed []shm.Committed) {
	var todo []shm.Committed
	for _, c := range committed {
		if c.Hash == "" {
			todo = append(todo, c)
		}
	}
	if len(todo) == 0 {
		return
	}
	s.hashing++
	go func() {
		done := hashDone{t: t, attempt: n}
		for _, c := range todo {
			// The file may be released meanwhile (its readers done); the
			// open file is still read to the end.
			if _, h, err := shm.HashBeside(c.Path); err == nil {
				c.Hash = h
				done.outputs = append(done.outputs, c)
			}
		}
		s.hashed <- done
	}()
}

// onHashed records the hashes of outputs committed without them.
func (s *scheduler) onHashed(d hashDone) {
	s.hashing--
	if len(d.outputs) == 0 {
		return
	}
	s.record(Event{Kind: OutputsHashed, Task: d.t.t.ID, Attempt: d.attempt, Outputs: d.outputs})
}
