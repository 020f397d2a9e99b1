package store

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/weirflow/weir/event"
	bolt "go.etcd.io/bbolt"
)

// Journal records the events of one run: an event.Journal for the
// scheduler. Its methods may be called from many goroutines.
type Journal struct {
	s   *Store
	run string
	// f is the run's events.jsonl. After Journal returns, only the batcher
	// goroutine touches it (and Store.Close, once the batcher is gone), and
	// sum, summary.json in memory.
	f   *os.File
	sum *fileSummary
}

// The scheduler appends and waits only before it starts an attempt.
var _ event.Appender = (*Journal)(nil)

// Journal creates run's record (durably) and returns the journal of its
// events. The caller fills the description (ID, Workflow, Name, PlanHash,
// ShmDir, Tasks, Resumes); State, Started, Engine and StateDir default to
// running, now, this process and the store's dir. ErrRunExists when the run
// is already in the store.
func (s *Store) Journal(run RunRecord) (*Journal, error) {
	if s.o.ReadOnly {
		return nil, ErrReadOnly
	}
	if err := checkRunID(run.ID); err != nil {
		return nil, err
	}
	if run.State == "" {
		run.State = RunRunning
	}
	if run.Started.IsZero() {
		run.Started = time.Now()
	}
	if run.Engine.Pid == 0 {
		run.Engine = Self()
	}
	if run.StateDir == "" {
		run.StateDir = s.dir
	}
	j := &Journal{s: s, run: run.ID}
	s.mu.Lock()
	if s.journals == nil {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	if s.journals[run.ID] != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("store: run %s: %w", run.ID, ErrRunExists)
	}
	s.journals[run.ID] = j // claimed: a concurrent Journal of the same ID fails
	s.mu.Unlock()
	unclaim := func() {
		s.mu.Lock()
		if s.journals != nil && s.journals[run.ID] == j {
			delete(s.journals, run.ID)
		}
		s.mu.Unlock()
	}

	err := s.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketRuns).Get([]byte(run.ID)) != nil {
			return fmt.Errorf("store: run %s: %w", run.ID, ErrRunExists)
		}
		return nil
	})
	if err == nil {
		j.f, err = openEventLog(s.dir, run.ID)
		if err != nil {
			err = fmt.Errorf("store: run %s: event log: %w", run.ID, err)
		} else if st, serr := j.f.Stat(); serr != nil {
			err = fmt.Errorf("store: run %s: event log: %w", run.ID, serr)
		} else {
			j.sum = newFileSummary(st.Size())
		}
	}
	if err == nil {
		var b *batch
		if b, err = s.enqueue(op{kind: opCreateRun, j: j, run: run, sync: true}); err == nil {
			<-b.done
			err = b.err
		}
	}
	if err != nil {
		unclaim()
		if j.f != nil {
			j.f.Close()
		}
		return nil, err
	}
	return j, nil
}

// checkRunID refuses IDs that cannot be a directory name under runs/.
func checkRunID(id string) error {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, "/\\\x00") {
		return fmt.Errorf("store: invalid run ID %q", id)
	}
	return nil
}

// Run is the ID of the journal's run.
func (j *Journal) Run() string { return j.run }

// Record writes e durably and returns once it is committed: the event, and
// what it implies for the records (TaskChanged: the task's state;
// AttemptStarted: the attempt with its handle, and the task's attempt
// count; AttemptEnded: the attempt's result and the task's Last; RunEnded:
// the run's state and end). Everything queued before it, by any goroutine,
// is committed with it or earlier. An event without RunID gets the
// journal's; another run's is refused.
//
// Once a commit fails, this and every later write fails: the journal no
// longer tells the whole story.
func (j *Journal) Record(e event.Event) error {
	wait, err := j.append(e, true)
	if err != nil {
		return err
	}
	return wait()
}

// Append queues e and returns without waiting for the commit; wait
// returns when e is committed, with Record's error. A caller that needs
// e durable before it acts calls wait, or Records a later event: order is
// kept, so that commits e too. Events that nothing acts on (a task became
// ready) can be appended, saving the engine a commit wait each.
//
// An appended event is committed when someone waits for it or for a later
// one, and otherwise within appendDelay (later after a slow commit:
// cadence.go): so the events of a burst share the
// commit their last one's waiter asks for, instead of the first taking a
// commit alone that the rest must queue behind.
func (j *Journal) Append(e event.Event) (wait func() error, err error) {
	return j.append(e, false)
}

// append queues e; sync says the caller will block until the commit.
func (j *Journal) append(e event.Event, sync bool) (wait func() error, err error) {
	if err := checkTaskID(e.Task); err != nil {
		return nil, err
	}
	if e.RunID == "" {
		e.RunID = j.run
	} else if e.RunID != j.run {
		return nil, fmt.Errorf("store: journal of run %s: event of run %s", j.run, e.RunID)
	}
	// The event is encoded by the batcher, off the caller's goroutine (the
	// scheduler's, where 5 events a task took 20 us); the one part that
	// could fail to encode is checked here.
	if len(e.Handle) > 0 && !json.Valid(e.Handle) {
		return nil, fmt.Errorf("store: event %d: handle is not JSON: %q", e.Seq, e.Handle)
	}
	b, err := j.s.enqueue(op{kind: opEvent, j: j, ev: e, sync: sync})
	if err != nil {
		return nil, err
	}
	return b.wait, nil
}

// Flush waits until everything queued so far is committed.
func (j *Journal) Flush() error { return j.s.Flush() }

// Close waits for the journal's events to be committed and closes its
// event log. Writing to a closed Journal fails with ErrClosed.
func (j *Journal) Close() error {
	b, err := j.s.enqueue(op{kind: opCloseRun, j: j, sync: true})
	if errors.Is(err, ErrClosed) {
		return nil // the Store was closed, and closed this too
	}
	if err != nil {
		return err
	}
	return b.wait()
}

// SetTaskHashes records the definition hash of a task of run, and the
// hashes of its inputs by reference. It queues the write and returns: the
// next Record of the run (the task's running) commits it in the same or an
// earlier transaction, so a task is never recorded running or succeeded
// without them. The run needs an open Journal in this Store.
func (s *Store) SetTaskHashes(run, task, defHash string, inputs map[string]string) error {
	if err := checkTaskID(task); err != nil {
		return err
	}
	j, err := s.journal(run)
	if err != nil {
		return err
	}
	_, err = s.enqueue(op{kind: opHashes, j: j, task: task, defHash: defHash, inputs: maps.Clone(inputs)})
	return err
}

// SetDefinition records a task's definition hash and the parts it
// digests, so that a later run can say which part changed. Queued like
// SetTaskHashes, in one write.
func (s *Store) SetDefinition(run, task, defHash string, parts []DefPart) error {
	if err := checkTaskID(task); err != nil {
		return err
	}
	j, err := s.journal(run)
	if err != nil {
		return err
	}
	_, err = s.enqueue(op{kind: opDefinition, j: j, task: task, defHash: defHash, definition: slices.Clone(parts)})
	return err
}

// SetOutputs records the committed outputs of a task of run. Like
// SetTaskHashes it queues the write: the Record of the task's succeeded
// commits it too, so succeeded is never durable without its outputs.
func (s *Store) SetOutputs(run, task string, outputs []OutputRecord) error {
	if err := checkTaskID(task); err != nil {
		return err
	}
	j, err := s.journal(run)
	if err != nil {
		return err
	}
	_, err = s.enqueue(op{kind: opOutputs, j: j, task: task, outputs: slices.Clone(outputs)})
	return err
}

// journal returns the open Journal of run.
func (s *Store) journal(run string) (*Journal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.journals == nil {
		return nil, ErrClosed
	}
	j := s.journals[run]
	if j == nil {
		return nil, fmt.Errorf("store: run %s has no open journal: %w", run, ErrNotFound)
	}
	return j, nil
}

// Flush waits until everything queued so far is committed, and returns
// the error of the store's first failed commit, if any.
func (s *Store) Flush() error {
	s.mu.Lock()
	b := s.pending
	if b == nil {
		b = s.inflight
	}
	broken := s.broken
	s.mu.Unlock()
	if b != nil {
		return b.wait()
	}
	return broken
}

// The batcher. Writers queue ops under s.mu; one goroutine (loop) takes
// everything queued, applies it in order in one bbolt transaction, commits
// (one fsync for the lot), appends the events to the runs' events.jsonl,
// and releases the writers of that batch together. Writers that arrive
// during a commit form the next batch.
//
// A batch is committed once somebody waits for it (Record, a wait from
// Append, Flush, Close), or appendDelay after its first op when nobody
// does, and then no sooner than restFactor times the last commit's length
// after its end (cadence.go). Committing eagerly instead costs the engine a commit: the first
// event of a burst (an attempt ended) would go alone, and the one the
// engine waits for (the next task running) would queue behind it.
//
// Nor is it enough to commit what is queued the moment a writer waits: two
// writers that each Record and wait ping-pong, one released just as the
// other's lone event is taken, and every commit carries one event. So after
// a commit the loop lingers until the blocked writers it released have
// queued again, for at most half the last commit's duration: a writer that
// does not come back costs that once, and one commit for two writers saves
// a whole one. A lone writer never lingers. bbolt's db.Batch solves the same
// problem with a fixed 10 ms delay, which with the scheduler's one or two
// writers is pure delay.

type opKind uint8

const (
	opEvent      opKind = iota // ev: an event of j's run
	opCreateRun                // run: a new run
	opHashes                   // task, defHash, inputs
	opOutputs                  // task, outputs
	opDefinition               // task, definition
	opCloseRun                 // close j's event log after this batch
)

type op struct {
	kind       opKind
	sync       bool // the writer blocks until the commit
	j          *Journal
	ev         event.Event
	raw        []byte // ev as JSON (made by commit): the value in bbolt and the line in events.jsonl
	run        RunRecord
	task       string
	definition []DefPart
	defHash    string
	inputs     map[string]string
	outputs    []OutputRecord
}

// batch is what the writers of one commit wait on.
type batch struct {
	s    *Store
	done chan struct{} // closed after the commit
	err  error         // set before done is closed
}

// wait asks for the batch to be committed, and waits until it is.
func (b *batch) wait() error {
	select {
	case <-b.done:
		return b.err
	default:
	}
	s := b.s
	s.mu.Lock()
	if s.pending == b && !s.demand {
		s.demand = true
		s.nudge()
	}
	s.mu.Unlock()
	<-b.done
	return b.err
}

// enqueue queues o for the next commit and returns the batch to wait on.
func (s *Store) enqueue(o op) (*batch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.o.ReadOnly:
		return nil, ErrReadOnly
	case s.closing || s.db == nil:
		return nil, ErrClosed
	case s.broken != nil:
		return nil, s.broken
	}
	if o.kind != opCreateRun && s.journals[o.j.run] != o.j {
		return nil, fmt.Errorf("store: journal of run %s: %w", o.j.run, ErrClosed)
	}
	if o.kind == opCloseRun {
		delete(s.journals, o.j.run) // nothing more is queued for it
	}
	s.queue = append(s.queue, o)
	if o.sync {
		s.syncs++
		s.demand = true
	}
	if s.pending == nil {
		s.pending = &batch{s: s, done: make(chan struct{})}
		s.queuedAt = time.Now()
	}
	if s.demand || len(s.queue) == 1 || len(s.queue) >= maxQueue {
		s.nudge() // the loop sets its timer at the first op
	}
	return s.pending, nil
}

// nudge wakes the loop.
func (s *Store) nudge() {
	select {
	case s.kick <- struct{}{}:
	default: // a wake-up is already pending
	}
}

const (
	// maxLinger caps the wait for returning writers, whatever a commit
	// costs.
	maxLinger = time.Millisecond
	// appendDelay bounds how long an appended event nobody waits for stays
	// uncommitted (and out of events.jsonl): what a crash can forget. Each
	// commit costs two fdatasyncs; with two short tasks a millisecond
	// ending, commits 5 ms apart cost the run 7% of its wall time
	// (1,000 independent tasks: 0.86 s, against 0.80 s with no fsync at
	// all), 10 ms apart next to nothing in wall time. Each commit also
	// rewrites the pages its tasks' records are on: 25 ms apart, the
	// store's CPU a task is 0.7x that at 10 ms (5 appended events a task,
	// 1,000 tasks), the engine's own 0.94-0.95x on 1,000 short tasks
	// (paired rounds); 50 ms saves little more.
	appendDelay = 25 * time.Millisecond
	// maxQueue commits a long queue nobody waits for, to bound the memory
	// and the transaction.
	maxQueue = 4096
	// dropEvery is how many commits the map's pages may build up over
	// before dropMapped drops them: about 10 pages a commit, so at most
	// 10 MiB, and a drop (tens of microseconds) every few hundred commits.
	dropEvery = 256
)

// loop is the batcher goroutine; it returns after Close, once the queue is
// empty.
func (s *Store) loop() {
	defer close(s.loopDone)
	// A fault on a damaged page becomes a panic that commit recovers.
	debug.SetPanicOnFault(true)
	var (
		spare    []op
		expect   int           // blocked writers expected in the next batch
		linger   time.Duration // half the last commit
		lastEnd  time.Time     // of the last commit (cadence.go)
		lastTook time.Duration // its length
		dropped  int           // commits of events, for dropMapped
		timer    = time.NewTimer(time.Hour)
	)
	timer.Stop()
	for {
		s.mu.Lock()
		for {
			if len(s.queue) == 0 && s.closing {
				s.mu.Unlock()
				return
			}
			if len(s.queue) > 0 && (s.demand || s.closing || len(s.queue) >= maxQueue) {
				break
			}
			var due <-chan time.Time
			if len(s.queue) > 0 {
				d := time.Until(appendedDue(s.queuedAt, lastEnd, lastTook))
				if d <= 0 {
					break
				}
				timer.Reset(d)
				due = timer.C
			}
			s.mu.Unlock()
			select {
			case <-s.kick:
			case <-due:
			}
			timer.Stop()
			s.mu.Lock()
		}
		if s.syncs < expect && !s.closing {
			deadline := time.Now().Add(linger)
			for s.syncs < expect && !s.closing {
				d := time.Until(deadline)
				if d <= 0 {
					break
				}
				s.mu.Unlock()
				timer.Reset(d)
				select {
				case <-s.kick:
				case <-timer.C:
				}
				timer.Stop()
				s.mu.Lock()
			}
		}
		ops, b, syncs := s.queue, s.pending, s.syncs
		s.queue, s.pending, s.inflight, s.syncs, s.demand = spare[:0], nil, b, 0, false
		err := s.broken
		s.mu.Unlock()

		start := time.Now()
		var wrote Stats
		if err == nil {
			wrote, err = s.commit(ops)
		} else {
			s.closeLogs(ops)
		}
		lastEnd = time.Now()
		lastTook = lastEnd.Sub(start)
		linger = min(lastTook/2, maxLinger)
		s.mu.Lock()
		if err == nil {
			s.stats.Commits++
			s.stats.Events += wrote.Events
			s.stats.Ops += uint64(len(ops))
			s.stats.TaskBytes += wrote.TaskBytes
			s.stats.DefBytes += wrote.DefBytes
		} else if s.broken == nil {
			s.broken = err
		}
		s.inflight = nil
		// The writers released now, and those that queued meanwhile.
		expect = syncs + s.syncs
		s.mu.Unlock()
		b.err = err
		close(b.done)
		clear(ops) // drop references to events and records
		spare = ops
		// After the writers are released: they need not wait for it.
		if err == nil && wrote.Events > 0 {
			if dropped++; dropped%dropEvery == 0 {
				s.dropMapped()
			}
		}
	}
}

// commit writes ops in one transaction, then the files that mirror it.
// It returns what it wrote: events, and bytes of task records and
// definitions.
func (s *Store) commit(ops []op) (wrote Stats, err error) {
	if onlyCloses(ops) {
		// A journal closing after its last events were committed: no
		// transaction, whose two fdatasyncs would delay every run's end.
		return wrote, s.mirror(ops, &txWriter{})
	}
	// The batch's events are encoded into one buffer, each keeping its
	// own part of it (a buffer that grows leaves the parts already taken
	// where they are).
	buf := make([]byte, 0, 320*len(ops))
	for i := range ops {
		if o := &ops[i]; o.kind == opEvent {
			start := len(buf)
			if buf, err = event.AppendJSON(buf, &o.ev); err != nil {
				s.closeLogs(ops)
				return wrote, fmt.Errorf("store: encode event %d: %w", o.ev.Seq, err)
			}
			o.raw = buf[start:len(buf):len(buf)]
		}
	}
	w := &txWriter{runs: make(map[string]*txRun)}
	err = s.update(func(tx *bolt.Tx) error {
		w.tx = tx
		for i := range ops {
			if err := w.apply(&ops[i]); err != nil {
				return err
			}
		}
		return w.finish()
	})
	if err != nil {
		s.closeLogs(ops)
		return wrote, err
	}
	wrote.Events = uint64(w.events)
	wrote.TaskBytes, wrote.DefBytes = w.taskBytes, w.defBytes
	return wrote, s.mirror(ops, w)
}

// onlyCloses reports whether ops close journals and change nothing else.
func onlyCloses(ops []op) bool {
	for i := range ops {
		if ops[i].kind != opCloseRun {
			return false
		}
	}
	return true
}

// update is db.Update with a panic or fault on a damaged page turned into
// ErrCorrupt (bbolt rolls the transaction back first).
func (s *Store) update(fn func(tx *bolt.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.corrupt(fmt.Errorf("%v", r))
		}
	}()
	if err := s.db.Update(fn); err != nil {
		if errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotFound) {
			return err
		}
		return fmt.Errorf("store: commit to %s: %w", s.path, err)
	}
	return nil
}

// mirror appends the committed events to their runs' events.jsonl (one
// write per run), writes run.json for created and ended runs, and closes
// the logs of closed journals. An error fails the batch even though the
// database has it: a reader would otherwise miss events silently.
func (s *Store) mirror(ops []op, w *txWriter) error {
	var errs []error
	byRun := make(map[*Journal][]*op)
	var order []*Journal
	for i := range ops {
		o := &ops[i]
		switch o.kind {
		case opEvent:
			if _, ok := byRun[o.j]; !ok {
				order = append(order, o.j)
			}
			byRun[o.j] = append(byRun[o.j], o)
		case opCreateRun:
			errs = append(errs, writeRunJSON(s.dir, o.run))
		}
	}
	for _, j := range order {
		if j.f == nil {
			continue
		}
		// Concurrent writers queue in any order; readers get Seq order
		// within a commit at least (ReadEvents sorts across commits).
		evs := byRun[j]
		slices.SortStableFunc(evs, func(a, b *op) int { return cmp.Compare(a.ev.Seq, b.ev.Seq) })
		var buf []byte
		for _, o := range evs {
			buf = append(append(buf, o.raw...), '\n')
		}
		n, err := j.f.Write(buf)
		if err != nil {
			errs = append(errs, fmt.Errorf("run %s: append to %s: %w", j.run, j.f.Name(), err))
		}
		if j.sum != nil {
			j.sum.offset += int64(n)
		}
	}
	for _, r := range w.runs {
		if r.ended {
			errs = append(errs, writeRunJSON(s.dir, r.rec))
		}
		if r.j != nil && r.j.sum != nil {
			r.j.sum.take(r)
		}
	}
	errs = append(errs, s.writeSummaries(ops, w))
	s.closeLogs(ops)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: committed, but the files readers use could not be written: %w", err)
	}
	return nil
}

// closeLogs closes the event logs of the journals closed in ops.
func (s *Store) closeLogs(ops []op) {
	for i := range ops {
		if o := &ops[i]; o.kind == opCloseRun && o.j.f != nil {
			o.j.f.Close()
			o.j.f = nil
		}
	}
}

// txWriter applies ops within one transaction. Records touched by several
// ops are decoded once and written once, at finish.
type txWriter struct {
	tx                  *bolt.Tx
	runs                map[string]*txRun
	events              int
	taskBytes, defBytes uint64 // written: task records, definitions
}

type txRun struct {
	j                       *Journal // the run's journal, for summary.json
	tasks, attempts, events *bolt.Bucket
	defs                    *bolt.Bucket // layout 3: definitions apart from states
	sum                     *summaryWriter
	rec                     RunRecord
	dirty, ended            bool
	taskRecs                map[string]*TaskRecord
	attemptRecs             map[string]*AttemptRecord
	defRecs                 map[string]*txDef
}

// run returns the run's buckets and record, loading them at first use.
func (w *txWriter) run(id string) (*txRun, error) {
	if r := w.runs[id]; r != nil {
		return r, nil
	}
	rb, err := runBucket(w.tx, id)
	if err != nil {
		return nil, err
	}
	r := &txRun{
		tasks:       rb.Bucket(bucketTasks),
		attempts:    rb.Bucket(bucketAttempts),
		events:      rb.Bucket(bucketEvents),
		defs:        rb.Bucket(bucketDefs),
		taskRecs:    make(map[string]*TaskRecord),
		attemptRecs: make(map[string]*AttemptRecord),
		defRecs:     make(map[string]*txDef),
	}
	if r.tasks == nil || r.attempts == nil || r.events == nil || r.defs == nil {
		return nil, fmt.Errorf("store: run %s: buckets missing: %w", id, ErrCorrupt)
	}
	if r.sum, err = newSummaryWriter(rb); err != nil {
		return nil, fmt.Errorf("store: run %s: %w", id, err)
	}
	// Events arrive in Seq order: full pages instead of half-full ones.
	r.events.FillPercent = 1.0
	if err := getJSON(w.tx.Bucket(bucketRuns), []byte(id), &r.rec, "run "+id); err != nil {
		return nil, err
	}
	w.runs[id] = r
	return r, nil
}

func (r *txRun) task(id string) (*TaskRecord, error) {
	if t := r.taskRecs[id]; t != nil {
		return t, nil
	}
	t := &TaskRecord{ID: id, State: event.Pending} // hashes before any event
	if raw := r.tasks.Get([]byte(id)); raw != nil {
		if err := json.Unmarshal(raw, t); err != nil {
			return nil, fmt.Errorf("store: run %s task %s: %w: %v", r.rec.ID, id, ErrCorrupt, err)
		}
	} else if err := r.sum.added(id); err != nil {
		return nil, fmt.Errorf("store: run %s: %w", r.rec.ID, err)
	}
	r.taskRecs[id] = t
	return t, nil
}

func (r *txRun) attempt(task string, n int) (*AttemptRecord, error) {
	k := string(attemptKey(task, n))
	if a := r.attemptRecs[k]; a != nil {
		return a, nil
	}
	a := &AttemptRecord{Task: task, N: n}
	if raw := r.attempts.Get([]byte(k)); raw != nil {
		if err := json.Unmarshal(raw, a); err != nil {
			return nil, fmt.Errorf("store: run %s task %s attempt %d: %w: %v", r.rec.ID, task, n, ErrCorrupt, err)
		}
	}
	r.attemptRecs[k] = a
	return a, nil
}

func (w *txWriter) apply(o *op) error {
	if o.kind == opCreateRun {
		return w.create(o.run)
	}
	if o.kind == opCloseRun {
		return nil
	}
	r, err := w.run(o.j.run)
	if err != nil {
		return err
	}
	r.j = o.j
	switch o.kind {
	case opHashes:
		t, err := r.task(o.task)
		if err != nil {
			return err
		}
		t.DefHash = o.defHash
		d, err := r.def(o.task)
		if err != nil {
			return err
		}
		if len(o.inputs) > 0 || len(d.Inputs) > 0 {
			d.Inputs, d.dirty = o.inputs, true
		}
	case opOutputs:
		t, err := r.task(o.task)
		if err != nil {
			return err
		}
		t.Outputs = o.outputs
	case opDefinition:
		t, err := r.task(o.task)
		if err != nil {
			return err
		}
		t.DefHash = o.defHash
		d, err := r.def(o.task)
		if err != nil {
			return err
		}
		d.Definition, d.dirty = o.definition, true
	case opEvent:
		return w.event(r, o)
	}
	return nil
}

func (w *txWriter) create(rec RunRecord) error {
	id := []byte(rec.ID)
	if err := putJSON(w.tx.Bucket(bucketRuns), id, rec); err != nil {
		return err
	}
	rb, err := w.tx.Bucket(bucketRun).CreateBucket(id)
	if err != nil {
		return fmt.Errorf("store: run %s: %w", rec.ID, err)
	}
	for _, name := range [][]byte{bucketTasks, bucketAttempts, bucketEvents, bucketStages, bucketFailed, bucketDefs} {
		if _, err := rb.CreateBucket(name); err != nil {
			return err
		}
	}
	return nil
}

func (w *txWriter) event(r *txRun, o *op) error {
	e := &o.ev
	w.events++
	if err := r.events.Put(u64(e.Seq), o.raw); err != nil {
		return err
	}
	applyRun(&r.rec, e)
	r.dirty = true
	r.ended = r.ended || e.Kind == event.RunEnded
	if e.Task == "" {
		return nil
	}
	t, err := r.task(e.Task)
	if err != nil {
		return err
	}
	before, tries := t.State, t.Attempts
	applyTask(t, e)
	r.rec.count(before, t.State)
	if err := r.sum.moved(e.Task, before, t.State); err != nil {
		return fmt.Errorf("store: run %s: %w", r.rec.ID, err)
	}
	var res *event.Result
	if e.Kind == event.AttemptEnded {
		res = e.Result
	}
	if err := r.sum.attempted(e.Task, tries, t.Attempts, res); err != nil {
		return fmt.Errorf("store: run %s: %w", r.rec.ID, err)
	}
	if e.Kind == event.AttemptStarted || e.Kind == event.AttemptEnded {
		a, err := r.attempt(e.Task, e.Attempt)
		if err != nil {
			return err
		}
		applyAttempt(a, e)
	}
	return nil
}

// finish writes the records the batch touched.
func (w *txWriter) finish() error {
	for _, r := range w.runs {
		for id, t := range r.taskRecs {
			// The state record alone: its definition is in defs.
			raw, err := json.Marshal(t)
			if err != nil {
				return err
			}
			if err := r.tasks.Put([]byte(id), raw); err != nil {
				return err
			}
			w.taskBytes += uint64(len(raw))
		}
		n, err := r.writeDefs()
		if err != nil {
			return err
		}
		w.defBytes += uint64(n)
		for k, a := range r.attemptRecs {
			if err := putJSON(r.attempts, []byte(k), a); err != nil {
				return err
			}
		}
		if err := r.sum.flush(); err != nil {
			return err
		}
		if err := r.failures(); err != nil {
			return err
		}
		if r.dirty {
			if err := putJSON(w.tx.Bucket(bucketRuns), []byte(r.rec.ID), r.rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// closeFile closes the event log; for Store.Close, after the batcher ended.
func (j *Journal) closeFile() {
	if j.sum != nil && j.sum.due(time.Now(), true) {
		j.sum.write(j.s.dir, j.run) // best effort: the database has it all
	}
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
}
