// Package executortest has fakes of the executor's dependencies, for tests
// of the scheduler and of whatever drives it: a Runner and Handle built from
// function fields, a scriptable fake attempt (FakeHandle) and a Runner of
// them (Fake), an in-memory Journal, Layout and Segments, and a checker of
// the invariants a recorded run must keep (Check). Everything here is safe
// for concurrent use.
package executortest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
)

var (
	_ executor.Runner = (*Runner)(nil)
	_ executor.Runner = (*Fake)(nil)
	_ executor.Handle = (*Handle)(nil)
	_ executor.Handle = (*FakeHandle)(nil)
)

// Runner is an executor.Runner whose Start is StartFn.
type Runner struct {
	StartFn func(ctx context.Context, s *executor.Spec) (executor.Handle, error)
}

// Start calls StartFn.
func (r *Runner) Start(ctx context.Context, s *executor.Spec) (executor.Handle, error) {
	return r.StartFn(ctx, s)
}

// Handle is an executor.Handle built from functions; a nil StopFn or
// StateFn does nothing or returns nil.
type Handle struct {
	WaitFn  func() event.Result
	StopFn  func(cause event.Reason, grace time.Duration)
	StateFn func() []byte
}

// Wait calls WaitFn.
func (h *Handle) Wait() event.Result { return h.WaitFn() }

// Stop calls StopFn.
func (h *Handle) Stop(cause event.Reason, grace time.Duration) {
	if h.StopFn != nil {
		h.StopFn(cause, grace)
	}
}

// State calls StateFn.
func (h *Handle) State() []byte {
	if h.StateFn == nil {
		return nil
	}
	return h.StateFn()
}

// Behavior is how a fake attempt behaves.
type Behavior struct {
	// Result is how the attempt ends on its own; a zero Reason means
	// Succeeded.
	Result event.Result
	// Duration is how long it runs before it ends on its own; negative
	// runs until stopped or ended with FakeHandle.End.
	Duration time.Duration
	// IgnoreTerm makes the attempt ignore SIGTERM: a Stop ends it only when
	// the grace is over (grace 0 at once). Otherwise Stop ends it at once.
	IgnoreTerm bool
	// StartErr makes Start fail with it.
	StartErr error
	// OnWait, when set, is called as Wait returns: the attempt is over
	// for the engine.
	OnWait func()
}

// Stop is one call of FakeHandle.Stop.
type Stop struct {
	Cause event.Reason
	Grace time.Duration
}

// FakeHandle is a fake running attempt: it ends with its Behavior's result
// after its Duration, when stopped (with the cause as reason), or with End.
type FakeHandle struct {
	Spec *executor.Spec

	ignoreTerm bool
	onWait     func()
	done       chan struct{}

	mu     sync.Mutex
	ended  bool
	result event.Result
	stops  []Stop
	timers []*time.Timer
	waited bool
}

// NewHandle starts a fake attempt of spec (which may be nil) behaving as b.
func NewHandle(spec *executor.Spec, b Behavior) *FakeHandle {
	h := &FakeHandle{Spec: spec, ignoreTerm: b.IgnoreTerm, onWait: b.OnWait, done: make(chan struct{})}
	r := b.Result
	if r.Reason == "" {
		r.Reason = event.Succeeded
	}
	r.Start = time.Now()
	switch {
	case b.Duration == 0:
		h.End(r)
	case b.Duration > 0:
		h.after(b.Duration, r)
	}
	return h
}

// after ends h with r after d, unless it has ended by then. Timers, not
// goroutines, so a pending fake leaks nothing.
func (h *FakeHandle) after(d time.Duration, r event.Result) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.ended {
		h.timers = append(h.timers, time.AfterFunc(d, func() { h.End(r) }))
	}
}

// End ends the attempt with r now, and reports whether it was still
// running.
func (h *FakeHandle) End(r event.Result) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended {
		return false
	}
	h.ended = true
	if r.Start.IsZero() {
		r.Start = time.Now()
	}
	r.End = time.Now()
	h.result = r
	for _, t := range h.timers {
		t.Stop()
	}
	close(h.done)
	return true
}

// Wait blocks until the attempt has ended.
func (h *FakeHandle) Wait() event.Result {
	<-h.done
	if h.onWait != nil {
		h.onWait()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.waited = true
	return h.result
}

// Stop records the call and ends the attempt with cause: at once, or when
// grace is over for an attempt that ignores SIGTERM.
func (h *FakeHandle) Stop(cause event.Reason, grace time.Duration) {
	h.mu.Lock()
	h.stops = append(h.stops, Stop{cause, grace})
	h.mu.Unlock()
	r := event.Result{Reason: cause}
	if h.ignoreTerm && grace > 0 {
		h.after(grace, r)
		return
	}
	h.End(r)
}

// State names the attempt.
func (h *FakeHandle) State() []byte {
	if h.Spec == nil {
		return []byte(`{"fake":true}`)
	}
	return fmt.Appendf(nil, `{"fake":%q,"attempt":%d}`, h.Spec.Task.ID, h.Spec.Attempt)
}

// Stops returns the calls of Stop so far.
func (h *FakeHandle) Stops() []Stop {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Stop(nil), h.stops...)
}

// Waited reports whether a Wait has returned.
func (h *FakeHandle) Waited() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.waited
}

// Done is closed when the attempt has ended.
func (h *FakeHandle) Done() <-chan struct{} { return h.done }

// Fake is a Runner of FakeHandles: Behave says how each attempt behaves
// (nil: every attempt succeeds at once). It keeps every attempt it started.
type Fake struct {
	Behave func(s *executor.Spec) Behavior
	// Local makes the fake start at once, like the local runner, rather
	// than wait for Spec.Durable first, like a cluster runner.
	Local bool

	mu      sync.Mutex
	handles []*FakeHandle
	specs   []*executor.Spec
}

// Start starts a FakeHandle, or fails with the behavior's StartErr.
func (f *Fake) Start(_ context.Context, s *executor.Spec) (executor.Handle, error) {
	// Like a cluster runner, start nothing before the journal has the
	// attempt durably running.
	if s.Durable != nil && !f.Local {
		if err := s.Durable(); err != nil {
			return nil, err
		}
	}
	var b Behavior
	if f.Behave != nil {
		b = f.Behave(s)
	}
	f.mu.Lock()
	f.specs = append(f.specs, s)
	f.mu.Unlock()
	if b.StartErr != nil {
		return nil, b.StartErr
	}
	h := NewHandle(s, b)
	f.mu.Lock()
	f.handles = append(f.handles, h)
	f.mu.Unlock()
	return h, nil
}

// Specs returns the spec of every Start call, in order.
func (f *Fake) Specs() []*executor.Spec {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*executor.Spec(nil), f.specs...)
}

// Handles returns every attempt started, in order.
func (f *Fake) Handles() []*FakeHandle {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*FakeHandle(nil), f.handles...)
}

// Handle returns the given attempt of a task, or nil.
func (f *Fake) Handle(task string, attempt int) *FakeHandle {
	for _, h := range f.Handles() {
		if h.Spec.Task.ID == task && h.Spec.Attempt == attempt {
			return h
		}
	}
	return nil
}
