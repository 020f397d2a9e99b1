package slurm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// poll is the runner's one poller. Each round costs one squeue for all
// watched jobs; the outcome of a job that ended comes from that same
// output (state, exit status, times), so a finished job costs nothing
// more. Only a job squeue no longer lists (it ended longer than MinJobAge
// ago) is looked up in scontrol and history, one call for it.
func (r *Runner) poll() {
	defer r.pollWG.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-r.quit
		cancel()
	}()

	interval := r.opts.MinPollInterval
	timer := time.NewTimer(interval)
	defer timer.Stop()
	next := time.Now().Add(interval) // when the timer fires; zero while it is stopped
	schedule := func(d time.Duration) {
		timer.Reset(d)
		next = time.Now().Add(d)
	}
	var failingSince time.Time
	for {
		select {
		case <-r.quit:
			return
		case <-r.kick:
			// Something was submitted or stopped: look again soon, not at
			// once (a job takes a moment to start or to die). Only ever
			// sooner, so a stream of submissions cannot hold polls off.
			interval = r.opts.MinPollInterval
			if next.IsZero() || time.Until(next) > interval {
				schedule(interval)
			}
			continue
		case <-timer.C:
			next = time.Time{}
		}
		r.mu.Lock()
		watched := maps.Clone(r.jobs)
		r.mu.Unlock()
		if len(watched) == 0 {
			interval = r.opts.MinPollInterval
			continue // the timer stays stopped until the next kick
		}
		ids := slices.Sorted(maps.Keys(watched))
		jobs, err := r.client.Queue(ctx, ids)
		now := time.Now()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if failingSince.IsZero() {
				failingSince = now
			}
			if now.Sub(failingSince) >= r.opts.LostAfter {
				for _, h := range watched {
					h.finish(lostJob(h.id, fmt.Sprintf("squeue failed for %v: %v", r.opts.LostAfter, err)), now)
				}
				failingSince = time.Time{}
			}
			interval = r.opts.PollInterval
			schedule(interval)
			continue
		}
		failingSince = time.Time{}
		changed := false
		for _, id := range ids {
			h := watched[id]
			j := jobs[id]
			switch {
			case j == nil:
				j = r.forgotten(ctx, id)
				if j == nil {
					break // the lookup failed: try again next round
				}
				if !j.Final() {
					changed = h.observe(j, now) || changed
					break
				}
				changed = true
				h.finish(j, now)
			case j.Final():
				changed = true
				h.finish(j, now)
			default:
				changed = h.observe(j, now) || changed
			}
		}
		if changed {
			interval = r.opts.MinPollInterval
		} else {
			interval = min(2*interval, r.opts.PollInterval)
		}
		schedule(interval)
	}
}

// forgotten finds how a job ended that squeue no longer lists; a job no
// record knows ends lost. nil means the lookup failed and is worth another
// try.
func (r *Runner) forgotten(ctx context.Context, id string) *Job {
	j, err := r.client.Lookup(ctx, id)
	switch {
	case err == nil:
		return j // when not final, squeue missed it by a race: the next poll sees it
	case errors.Is(err, ErrUnknownJob):
		return lostJob(id, "Slurm has no record of it: "+err.Error())
	}
	return nil
}
