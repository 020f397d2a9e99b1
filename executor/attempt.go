package executor

import (
	"fmt"
	"strings"
	"sync"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
)

// start runs the next attempt of t, which admit has taken off its pool's
// queue. The order is the journal's promise: running is recorded before the
// attempt starts, and the attempt with its handle before anything waits on
// it. A start that fails ends the attempt at once with StartFailed.
func (s *scheduler) start(t *taskRun) {
	s.reserve(t)
	attempt := len(t.attempts) + 1
	if err := event.CheckTransition(t.state, event.Running); err != nil {
		s.release(t)
		s.fail(fmt.Errorf("executor: internal: task %q: %w", t.t.ID, err))
		return
	}
	if !s.record(event.Event{Kind: event.TaskChanged, Task: t.t.ID, State: event.Running, Attempt: attempt, Memory: t.cap}) {
		s.release(t) // not started; the sweep cancels it
		return
	}
	t.state, t.message = event.Running, ""

	of := s.specOf(t, attempt)
	// Preparing outputs and starting a process touch the filesystem and
	// fork: about a millisecond, during which other slots could start too.
	// So the start runs on its own goroutine and reports back to the loop;
	// the slot is held meanwhile (running counts it).
	s.starting++
	// Durable lets a runner whose attempts outlive the engine (a cluster
	// job) wait, at the last moment before it submits, until the attempt
	// is durably recorded running (with every transition before it), so a
	// later engine knows to look for it. A local process dies with the
	// engine, so its runner starts at once: a short task pays no commit.
	var journalErr error
	var once sync.Once
	var durable func() error
	if d := s.durable; d != nil {
		durable = func() error {
			once.Do(func() { journalErr = d() })
			return journalErr
		}
	}
	if why := t.stuck; why != "" {
		t.stuck = ""
		go func() { s.started <- startDone{t: t, stuck: why} }()
		return
	}
	state, reattach := s.o.Reattach[t.t.ID]
	if reattach {
		delete(s.o.Reattach, t.t.ID) // the first attempt only
	}
	go func() {
		spec := s.spec(of)
		spec.Durable = durable
		if reattach {
			if h, ok := s.reattach(t, spec, state); ok {
				s.started <- startDone{t: t, h: h}
				return
			}
		}
		if err := s.o.Segments.Prepare(t.t); err != nil {
			s.started <- startDone{t: t, prepErr: err}
			return
		}
		h, err := t.pool.runner.Start(s.ctx, spec)
		// A runner that waited for Durable has finished with it: this
		// Do returns after its call (or marks Durable unused without
		// waiting), and journalErr is then safe to read.
		once.Do(func() {})
		if journalErr != nil {
			if h != nil { // a runner that started anyway
				h.Stop(event.Cancelled, 0)
				h.Wait()
			}
			s.started <- startDone{t: t, journalErr: journalErr}
			return
		}
		s.started <- startDone{t: t, h: h, err: err}
	}()
}

// reattach finds the attempt of t an earlier engine started; false when
// the runner cannot (it is not a Reattacher, or has no record of it). It
// runs on the start goroutine.
func (s *scheduler) reattach(t *taskRun, spec *Spec, state []byte) (Handle, bool) {
	r, ok := t.pool.runner.(Reattacher)
	if !ok {
		return nil, false
	}
	h, err := r.Reattach(s.ctx, spec, state)
	if err != nil || h == nil {
		return nil, false
	}
	if spec.Durable != nil {
		if err := spec.Durable(); err != nil {
			// Recorded nowhere: let it run on and report the journal error.
			return nil, false
		}
	}
	return h, true
}

// startDone is what a start goroutine sends back.
type startDone struct {
	t          *taskRun
	h          Handle
	err        error
	prepErr    error
	journalErr error  // the journal could not make the start durable
	stuck      string // not started: it never could (taskRun.stuck)
}

// onStarted records a started attempt before anything waits on it, or
// ends an attempt that could not start.
func (s *scheduler) onStarted(d startDone) {
	s.starting--
	t, h, err := d.t, d.h, d.err
	attempt := len(t.attempts) + 1
	switch {
	case d.journalErr != nil:
		if !s.journalBroken {
			s.journalBroken = true
			s.fail(fmt.Errorf("%w: recording %s running: %w", errJournal, t.t.ID, d.journalErr))
		}
		s.finish(t, s.unstarted(event.Cancelled, "not started: the journal failed"))
		return
	case d.stuck != "":
		s.finish(t, s.unstarted(event.StartFailed, "%s", d.stuck))
		return
	case d.prepErr != nil:
		s.finish(t, s.unstarted(event.StartFailed, "preparing outputs: %v", d.prepErr))
		return
	case err != nil && s.ctx.Err() != nil:
		s.cancel(false) // before finish, so that the task ends cancelled, not failed
		s.finish(t, s.unstarted(event.Cancelled, "start abandoned: run cancelled"))
		return
	case err != nil:
		s.finish(t, s.unstarted(event.StartFailed, "%v", err))
		return
	case h == nil:
		s.finish(t, s.unstarted(event.StartFailed, "runner returned no handle"))
		return
	}
	s.record(event.Event{Kind: event.AttemptStarted, Task: t.t.ID, Attempt: attempt, Memory: t.cap, Handle: h.State()})
	t.handle = h
	// Nothing waits for this record to be durable: the journal commits it
	// within moments, in one transaction with other transitions, and the
	// events after it (the attempt's end above all) are ordered after it
	// in the journal. The window matters only for a process that outlives
	// a crash of the engine in it, and a local process does not: it gets
	// the parent-death signal, and a later engine sweeps its cgroup. A
	// runner whose attempts do outlive the engine (cluster jobs) waits
	// for Spec.Durable before it submits.
	if n, ok := h.(Notifier); ok {
		n.Notify(func(r event.Result) { s.results <- attemptEnd{t, r} })
	} else {
		go func() { s.results <- attemptEnd{t, h.Wait()} }()
	}
	if s.stopping {
		// The run began stopping while this attempt started (the journal
		// failed just now, or a cancel came during Start).
		h.Stop(event.Cancelled, s.grace(t))
	}
}

// unstarted is the result of an attempt that ended before it started.
func (s *scheduler) unstarted(reason event.Reason, format string, a ...any) event.Result {
	now := s.o.Now()
	return event.Result{Reason: reason, Detail: fmt.Sprintf(format, a...), Start: now, End: now}
}

// finish handles the end of an attempt of t: it frees the slot, commits or
// discards outputs, records the attempt, and moves t on: succeeded, back to
// ready for a retry, or to its final failure.
func (s *scheduler) finish(t *taskRun, r event.Result) {
	t.handle = nil
	held := t.held
	s.release(t)
	var commitErr error
	var committed []event.Committed
	if r.OK() {
		var missing []string
		var err error
		committed, missing, err = s.o.Segments.Commit(t.t)
		switch {
		case err != nil:
			commitErr = fmt.Errorf("executor: task %q: committing outputs: %w", t.t.ID, err)
		case len(missing) > 0:
			r.Reason = event.OutputMissing
			r.Detail = missingDetail(missing)
		}
	}
	if !r.OK() || commitErr != nil {
		s.o.Segments.Discard(t.t)
		committed = nil
	}
	for _, c := range committed {
		s.countLive(dag.SegmentRef{Task: t.t.ID, Output: c.Name}, c.Size)
	}
	t.attempts = append(t.attempts, r)
	s.record(event.Event{Kind: event.AttemptEnded, Task: t.t.ID, Attempt: len(t.attempts), Memory: held, Result: &r, Outputs: committed})
	if r.OK() && commitErr == nil {
		// Recorded by the loop once hashed: after this end in the journal.
		s.hashLater(t, len(t.attempts), committed)
	}

	attempt := event.Event{Attempt: len(t.attempts)}
	switch {
	case commitErr != nil:
		// The task did its work but the engine cannot keep it: the same
		// class of failure as a journal that cannot write, so the run stops.
		s.setState(t, event.TaskFailed, commitErr.Error(), attempt)
		s.fail(commitErr)
	case r.OK():
		if s.setState(t, event.TaskSucceeded, "", attempt) {
			s.readersDone(t)
			for _, d := range t.succ {
				if d.deps--; d.deps == 0 && d.state == event.Pending {
					s.makeReady(d)
				}
			}
		}
	case s.retry(t, r):
	default:
		to := event.TaskFailed
		if r.Reason == event.Cancelled {
			to = event.TaskCancelled
		}
		s.setState(t, to, s.failureMessage(t, r), attempt)
		if !s.cancelled {
			s.failed(t)
		}
	}
}

// failureMessage is the sentence a final failure of t is shown with:
// "attempt 2/3: oom: exceeded its memory cap of 1 GiB".
func (s *scheduler) failureMessage(t *taskRun, r event.Result) string {
	msg := fmt.Sprintf("attempt %d/%d: %s", len(t.attempts), maxAttempts(t.t.Retry), r)
	if r.Detail != "" {
		msg += ": " + r.Detail
	}
	return msg
}

func missingDetail(missing []string) string {
	if len(missing) == 1 {
		return "exited 0 without writing output " + missing[0]
	}
	return "exited 0 without writing outputs " + strings.Join(missing, ", ")
}

// failed applies the failure policy after t has failed for good. By default
// nothing more is admitted (running tasks finish; the sweep cancels the
// rest); with KeepGoing only the tasks that depend on t, directly or not,
// are skipped.
func (s *scheduler) failed(t *taskRun) {
	if !s.o.KeepGoing {
		s.stop(fmt.Sprintf("task %s failed", t.t.ID), false)
		return
	}
	type skip struct {
		t   *taskRun
		via *taskRun // the skipped dependency it is reached through, nil = t itself
	}
	queue := make([]skip, 0, len(t.succ))
	for _, d := range t.succ {
		queue = append(queue, skip{d, nil})
	}
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		if k.t.state != event.Pending {
			continue // reached before through another path
		}
		msg := fmt.Sprintf("dependency %s failed", t.t.ID)
		if k.via != nil {
			msg = fmt.Sprintf("dependency %s was skipped (%s failed)", k.via.t.ID, t.t.ID)
		}
		s.setState(k.t, event.Skipped, msg, event.Event{})
		for _, d := range k.t.succ {
			queue = append(queue, skip{d, k.t})
		}
	}
}
