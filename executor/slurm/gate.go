package slurm

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// A gate keeps the runner's submissions within what Slurm accepts, so that
// a wide stage goes in windows as jobs leave the queue instead of tripping
// a limit: past MaxJobCount sbatch blocks and retries for minutes, past a
// user's MaxSubmitJobs it fails.
//
// MaxJobCount counts every job slurmctld holds, any user's, each array
// element one, and a finished job until MinJobAge has passed. weir cannot
// watch all of those, so the gate counts them with one squeue when it
// first needs to and whenever its estimate (the last count plus what it
// submitted since) says the cluster is full; a margin of the limit is left
// to the other jobs submitted meanwhile. MaxSubmitJobs counts the user's
// pending and running jobs; the gate keeps its own count of this runner's.

// gate admits submissions; its methods are safe for concurrent use.
type gate struct {
	capacity int // jobs slurmctld may hold when we submit: MaxJobCount less the margin
	limit    int // MaxJobCount, for messages
	minAge   time.Duration
	maxMine  int // this runner's unfinished jobs at most; 0 = no limit
	count    func(ctx context.Context) (int, error)
	recount  time.Duration // while full, the time between two counts
	notify   func(string)

	turn chan struct{} // one taker at a time, so a big window is not starved by small ones
	mu   sync.Mutex
	held int  // jobs slurmctld holds, by the last count and our submissions since
	seen bool // held comes from a count
	// hidden is what slurmctld held beyond the count when it refused an
	// sbatch: array elements cancelled while pending stay in MaxJobCount's
	// count until their array ages out, but squeue no longer lists them.
	// It is added to every count until MinJobAge has passed since the
	// last refusal.
	hidden   int
	hiddenAt time.Time
	sending  int // taken and not yet submitted: no count can see them
	mine     int // our jobs taken and not seen to end
	wake     chan struct{}

	// A wait is announced, and then its end, at most once a minute: when
	// purges open room a little at a time, each window would say so.
	announced    bool
	lastAnnounce time.Time
	waits        int           // takes that had to wait
	waited       time.Duration // in all
}

func newGate(capacity, limit int, minAge time.Duration, maxMine int, recount time.Duration,
	count func(context.Context) (int, error), notify func(string)) *gate {
	return &gate{capacity: capacity, limit: limit, minAge: minAge, maxMine: maxMine, recount: recount,
		count: count, notify: notify, turn: make(chan struct{}, 1), wake: make(chan struct{}, 1)}
}

// margin is what a runner leaves of MaxJobCount to jobs submitted between
// its count and its sbatch: a tenth.
func margin(maxJobCount int) int { return max(maxJobCount/10, 1) }

// take waits until Slurm has room for at least one more job and takes room
// for up to want of them, returning how many; the caller submits that many,
// says which it submitted (sent) and gives back (put) the others. It reports when it has to
// wait and when it goes on.
func (g *gate) take(ctx context.Context, want int) (int, error) {
	select {
	case g.turn <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	defer func() { <-g.turn }()
	var waitingSince time.Time
	why := ""
	for fresh := false; ; fresh = false {
		g.mu.Lock()
		seen := g.seen
		g.mu.Unlock()
		if !seen {
			n, err := g.count(ctx)
			if err != nil {
				return 0, fmt.Errorf("counting the jobs Slurm holds (for its MaxJobCount): %w", err)
			}
			g.mu.Lock()
			if g.hidden > 0 && time.Since(g.hiddenAt) >= g.minAge {
				g.hidden = 0
			}
			g.held, g.seen, fresh = n+g.hidden+g.sending, true, true
			g.mu.Unlock()
		}
		g.mu.Lock()
		room := g.capacity - g.held
		unlisted := ""
		if g.hidden > 0 {
			unlisted = fmt.Sprintf(" (%d of them not listed by squeue, as slurmctld's refusal of an sbatch showed)", g.hidden)
		}
		full := fmt.Sprintf("Slurm holds %d jobs%s, finished ones included until MinJobAge (%v) has passed; MaxJobCount is %d and weir leaves %d of it to other jobs",
			g.held, unlisted, g.minAge, g.limit, g.limit-g.capacity)
		counted := true // room is bound by the count, not by our own jobs
		if g.maxMine > 0 && g.maxMine-g.mine < room {
			room, counted = g.maxMine-g.mine, false
			full = fmt.Sprintf("%d jobs of this run are pending or running, the most it submits at once", g.mine)
		}
		if room > 0 {
			k := min(room, want)
			g.held += k
			g.sending += k
			g.mine += k
			announced := false
			if !waitingSince.IsZero() {
				g.waits++
				g.waited += time.Since(waitingSince)
				announced, g.announced = g.announced, false
			}
			g.mu.Unlock()
			if announced {
				g.notify(fmt.Sprintf("Slurm: submitting again after waiting %v (%s)", time.Since(waitingSince).Round(time.Second), why))
			}
			return k, nil
		}
		if counted {
			// Our estimate only grows (purges go unseen): count again, at
			// once if it was only an estimate, else after a pause.
			g.seen = false
			if !fresh {
				g.mu.Unlock()
				continue
			}
		}
		announce := false
		if waitingSince.IsZero() {
			waitingSince, why = time.Now(), full
			if !g.announced && time.Since(g.lastAnnounce) >= time.Minute {
				announce, g.announced, g.lastAnnounce = true, true, waitingSince
			}
		}
		g.mu.Unlock()
		if announce {
			g.notify(fmt.Sprintf("Slurm: %d tasks wait to be submitted: %s", want, full))
		}
		timer := time.NewTimer(g.recount)
		select {
		case <-ctx.Done():
			timer.Stop()
			return 0, ctx.Err()
		case <-g.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// put gives back room for n jobs taken and not submitted.
func (g *gate) put(n int) {
	g.mu.Lock()
	g.held -= n
	g.sending -= n
	g.mine -= n
	g.mu.Unlock()
	g.signal()
}

// refused gives back room for n jobs taken that slurmctld refused: it
// holds at least MaxJobCount less n jobs, whatever the count said, and the
// difference is kept as hidden. The next take counts again.
func (g *gate) refused(n int) {
	g.mu.Lock()
	g.sending -= n
	g.mine -= n
	g.held -= n
	if short := g.limit - n - g.held; short > 0 {
		g.hidden += short
		g.held += short
	}
	g.hiddenAt = time.Now()
	g.seen = false
	g.mu.Unlock()
	g.signal()
}

// sent says that n jobs taken are submitted: slurmctld holds them, and the
// next count sees them.
func (g *gate) sent(n int) {
	g.mu.Lock()
	g.sending -= n
	g.mu.Unlock()
}

// ended says that one of our jobs ended: it no longer counts against
// MaxSubmitJobs, though slurmctld holds it until MinJobAge.
func (g *gate) ended() {
	g.mu.Lock()
	g.mine--
	g.mu.Unlock()
	g.signal()
}

func (g *gate) signal() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// stats reports how many takes had to wait, and for how long in all.
func (g *gate) stats() (int, time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.waits, g.waited
}
