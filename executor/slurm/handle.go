package slurm

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
)

// handle is one attempt's job. The poller observes it and ends it; Stop
// sends scancels from goroutines of the runner.
type handle struct {
	r    *Runner
	spec *executor.Spec
	id   string
	st   state
	// counted: submitted through the runner's gate, which hears when it
	// ends (a reattached job was not).
	counted bool

	mu        sync.Mutex
	started   bool         // seen running: scancel can signal it
	cause     event.Reason // the first Stop's cause
	killTimer *time.Timer
	killBy    time.Time
	deadline  *time.Timer // the timeout, from the job's start
	rawID     string      // the job's own number (differs for array elements), once squeue said it
	cgroup    string      // the job's memory cgroup on this machine, once found
	peak      int64
	runStart  time.Time // when the job started running, for samples' times
	series    event.SampleSeries
	ended     bool

	result event.Result
	done   chan struct{}
}

func (r *Runner) newHandle(s *executor.Spec, st state) *handle {
	return &handle{r: r, spec: s, id: st.JobID, st: st, done: make(chan struct{})}
}

// State implements executor.Handle: the job id and name, as JSON.
func (h *handle) State() []byte {
	b, _ := json.Marshal(h.st)
	return b
}

// JobID is the Slurm job id of the attempt.
func (h *handle) JobID() string { return h.id }

// Wait implements executor.Handle.
func (h *handle) Wait() event.Result {
	<-h.done
	return h.result
}

// Stop implements executor.Handle: SIGTERM to every process of the job
// (scancel --full --signal=TERM), then after grace SIGKILL and a plain
// scancel, which also takes the job out of the queue. A job still pending
// is cancelled at once: nothing of it runs; pending elements of an array
// are cancelled together (cancel.go).
func (h *handle) Stop(cause event.Reason, grace time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended {
		return
	}
	first := h.cause == ""
	if first {
		h.cause = cause
		started := h.started
		if !started && arrayOf(h.id) != "" {
			// scancel ends it whether it still waits or has just
			// started: no kill to follow.
			h.r.cancelPending(h)
			h.r.poke()
			return
		}
		h.r.background(func(ctx context.Context) {
			if !started || h.r.client.Signal(ctx, h.id, "TERM") != nil {
				h.r.client.Cancel(ctx, h.id) // pending, or it would not take a signal
			}
		})
		h.r.poke()
	}
	by := time.Now().Add(grace)
	if !first && !by.Before(h.killBy) {
		return
	}
	h.killBy = by
	if h.killTimer != nil {
		h.killTimer.Stop()
	}
	kill := func() {
		h.r.background(func(ctx context.Context) {
			h.r.client.Signal(ctx, h.id, "KILL")
			h.r.client.Cancel(ctx, h.id)
		})
	}
	if grace <= 0 {
		kill()
		return
	}
	h.killTimer = time.AfterFunc(grace, kill)
}

// observe takes a poll's news of a job that has not ended, and samples its
// memory. It reports whether the job changed state.
func (h *handle) observe(j *Job, now time.Time) bool {
	h.mu.Lock()
	changed := !h.started && j.Started()
	h.started = h.started || j.Started()
	running := j.State == "RUNNING"
	if changed && h.spec.Timeout > 0 && !h.r.opts.TimeLimitOnly && !h.ended {
		// The job started before this poll saw it, and within the second
		// after Slurm's whole-second start time: the later of those
		// bounds is never before the real start.
		start := now
		if s := j.Start.Add(time.Second); !j.Start.IsZero() && s.Before(now) {
			start = s
		}
		h.deadline = time.AfterFunc(time.Until(start.Add(h.spec.Timeout)), func() {
			h.Stop(event.Timeout, h.spec.Grace)
		})
	}
	h.mu.Unlock()
	if j.RawID != "" {
		h.rawID = j.RawID
	}
	if running && h.runStart.IsZero() {
		h.runStart = now
		if !j.Start.IsZero() && j.Start.Before(now) {
			h.runStart = j.Start
		}
	}
	if running {
		h.sample(now)
	}
	return changed
}

// sample records the job's memory use when its cgroup is on this machine.
func (h *handle) sample(now time.Time) {
	if h.cgroup == "" && h.rawID != "" {
		h.cgroup = jobCgroup(h.rawID)
		if h.cgroup == "" {
			return
		}
	}
	usage, peak, ok := readMemory(h.cgroup)
	if !ok {
		return
	}
	h.peak = max(h.peak, peak)
	h.series.Add(event.MemorySample{At: now.Sub(h.runStart), Bytes: usage})
	if h.spec.Samples != "" {
		appendSample(h.spec.Samples, now, usage) // best effort: samples are for display
	}
}

// finish ends the attempt with the job's outcome; only the first call
// counts. The poller, Reattach and Close call it.
func (h *handle) finish(j *Job, now time.Time) {
	h.mu.Lock()
	if h.ended {
		h.mu.Unlock()
		return
	}
	h.ended = true
	if h.killTimer != nil {
		h.killTimer.Stop()
	}
	if h.deadline != nil {
		h.deadline.Stop()
	}
	cause := h.cause
	h.mu.Unlock()
	if h.cgroup != "" {
		if _, peak, ok := readMemory(h.cgroup); ok {
			h.peak = max(h.peak, peak)
		}
	}
	h.r.mu.Lock()
	delete(h.r.jobs, h.id)
	h.r.mu.Unlock()
	if h.counted {
		h.r.gate.ended()
	}
	h.result = outcome(j, h.spec, cause, h.peak, now)
	h.result.Samples = h.series.Samples()
	os.RemoveAll(h.spec.TmpDir)
	close(h.done)
}
