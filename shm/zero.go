package shm

import (
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// zeroJob writes zeros over one pool file, zeroWindow bytes at a time.
// Its owner goroutine works through the windows; a producer waiting for
// the file helps (help), and a pool that closes stops it between windows,
// leaving the file dirty for a later engine.
type zeroJob struct {
	f    *os.File
	size int64
	next atomic.Int64 // the next window to take
	left atomic.Int64 // windows not yet zeroed
	stop atomic.Bool

	mu      sync.Mutex
	cond    *sync.Cond
	helpers int
	closing bool // the owner is done: no new helper
	err     error

	finished chan struct{} // closed once the owner has moved the file on
	ready    bool          // the file became ready; read after finished
}

func newZeroJob(f *os.File, size int64) *zeroJob {
	j := &zeroJob{f: f, size: size, finished: make(chan struct{})}
	j.cond = sync.NewCond(&j.mu)
	j.left.Store((size + zeroWindow - 1) / zeroWindow)
	return j
}

// work zeroes windows until none is left to take or the job is stopped.
func (j *zeroJob) work() {
	for !j.stop.Load() {
		off := (j.next.Add(1) - 1) * zeroWindow
		if off >= j.size {
			return
		}
		if err := zeroWindowAt(int(j.f.Fd()), off, min(zeroWindow, j.size-off), &j.stop); err != nil {
			j.mu.Lock()
			if j.err == nil {
				j.err = err
			}
			j.mu.Unlock()
			continue
		}
		if !j.stop.Load() { // else the window may be half done
			j.left.Add(-1)
		}
	}
}

// help zeroes alongside the owner and waits until the owner has moved the
// file on; it reports whether the file became ready.
func (j *zeroJob) help() bool {
	j.mu.Lock()
	if !j.closing {
		j.helpers++
		j.mu.Unlock()
		j.work()
		j.mu.Lock()
		if j.helpers--; j.helpers == 0 {
			j.cond.Broadcast()
		}
	}
	j.mu.Unlock()
	<-j.finished
	return j.ready
}

// finish is the owner's end of the work: once no helper is inside, it
// says whether every window is zeroed, and the first error.
func (j *zeroJob) finish() (complete bool, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closing = true
	for j.helpers > 0 {
		j.cond.Wait()
	}
	return j.left.Load() == 0, j.err
}

// zeroWindowAt writes zeros over n bytes at off through a mapping: on
// tmpfs a third of the cost of pwrite from a buffer of zeros, since
// filling a window's page tables at once is cheaper than copying.
// It gives up between two pieces once stop is set.
func zeroWindowAt(fd int, off, n int64, stop *atomic.Bool) error {
	b, err := unix.Mmap(fd, off, int(n), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return err
	}
	// A piece at a time: one clear of the whole window could not be
	// preempted, and a stop of the world (the garbage collector's) would
	// wait for it; a pool that closes waits for one piece at most.
	for piece := b; len(piece) > 0 && !stop.Load(); piece = piece[min(len(piece), 1<<20):] {
		clear(piece[:min(len(piece), 1<<20)])
	}
	return unix.Munmap(b)
}
