package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/weirflow/weir/event"
	bolt "go.etcd.io/bbolt"
)

// RunState is where a run is.
type RunState string

// Run states.
const (
	RunRunning   RunState = "running"
	RunSucceeded RunState = "succeeded"
	RunFailed    RunState = "failed" // a task failed for good, or the engine stopped on an error
	RunCancelled RunState = "cancelled"
	// RunLost: the engine died without ending the run (kill -9, a crash, a
	// power cut). The next engine to open the store marks it.
	RunLost RunState = "lost"
)

// RunRecord is one run. The caller fills the description; the journal
// keeps State, Ended, Message, Counts and Seq up to date from the events.
type RunRecord struct {
	ID       string `json:"id"`
	Workflow string `json:"workflow"` // absolute path of the workflow file
	Name     string `json:"name"`
	// PlanHash digests what a resume decides on (engine.PlanHash): a
	// resume of a plan with the same hash reads only the records it needs.
	PlanHash string `json:"plan_hash,omitempty"`
	StateDir string `json:"state_dir"`
	ShmDir   string `json:"shm_dir,omitempty"`
	// PoolShmDirs are the run's segment directories in the shm_dir of
	// pools that have their own (a Slurm pool's shared directory).
	PoolShmDirs []string `json:"pool_shm_dirs,omitempty"`
	// Resumes is the run this one resumes, if any.
	Resumes string `json:"resumes,omitempty"`
	// Vars and VarFiles are the --var and --var-file values the run was
	// started with, so that a resume computes the same plan.
	Vars     []string `json:"vars,omitempty"`
	VarFiles []string `json:"var_files,omitempty"`
	// Tasks is the number of tasks in the plan; those not in Counts have
	// not left pending.
	Tasks   int       `json:"tasks,omitempty"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"`
	State   RunState  `json:"state"`
	// Message is the RunEnded message: why the run ended as it did.
	Message string `json:"message,omitempty"`
	Engine  Engine `json:"engine"`
	// Counts is the number of tasks in each state but pending.
	Counts map[event.TaskState]int `json:"counts,omitempty"`
	// Seq is the last event applied.
	Seq uint64 `json:"seq,omitempty"`
}

// SegmentDirs are all the run's segment directories.
func (r RunRecord) SegmentDirs() []string {
	var dirs []string
	if r.ShmDir != "" {
		dirs = append(dirs, r.ShmDir)
	}
	return append(dirs, r.PoolShmDirs...)
}

// runStateOf maps the executor's RunEnded message (its outcome) to a state.
func runStateOf(message string) RunState {
	switch {
	case message == "succeeded":
		return RunSucceeded
	case message == "cancelled":
		return RunCancelled
	case strings.HasPrefix(message, "failed"), strings.HasPrefix(message, "stopped"):
		return RunFailed
	}
	return RunFailed
}

// applyRun updates r for event e of its run.
func applyRun(r *RunRecord, e *event.Event) {
	if e.Seq > r.Seq {
		r.Seq = e.Seq
	}
	switch e.Kind {
	case event.RunStarted:
		if r.Started.IsZero() {
			r.Started = e.Time
		}
	case event.RunEnded:
		r.State, r.Ended, r.Message = runStateOf(e.Message), e.Time, e.Message
	}
}

// count moves a task from state from to state to in r.Counts.
func (r *RunRecord) count(from, to event.TaskState) { recount(&r.Counts, from, to) }

// markLost marks as lost the runs still running: with the store's
// exclusive lock held, their engines are gone. It returns their ids.
func markLost(tx *bolt.Tx) ([]string, error) {
	b := tx.Bucket(bucketRuns)
	if b == nil {
		return nil, nil
	}
	type lost struct {
		k []byte
		r RunRecord
	}
	var found []lost
	err := b.ForEach(func(k, v []byte) error {
		var r RunRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("store: run %q: %w: %v", k, ErrCorrupt, err)
		}
		if r.State == RunRunning {
			found = append(found, lost{append([]byte(nil), k...), r})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, l := range found {
		l.r.State = RunLost
		l.r.Message = lostMessage(l.r.Engine)
		if err := markAttemptsLost(tx, &l.r); err != nil {
			return nil, err
		}
		v, err := json.Marshal(l.r)
		if err != nil {
			return nil, err
		}
		if err := b.Put(l.k, v); err != nil {
			return nil, err
		}
		ids = append(ids, l.r.ID)
	}
	return ids, nil
}

// LostAtOpen are the runs this Open found still running with their engine
// gone, and marked lost: what their attempts left behind (cluster jobs
// among them) is the new engine's to end or take over.
func (s *Store) LostAtOpen() []string { return s.lostAtOpen }

// markAttemptsLost ends the attempts a lost run left running with reason
// lost, and their tasks failed: the engine that waited on them is gone, so
// nobody will learn how they ended (the next engine ends what is left of
// their processes). A resume then runs them again, and says why.
func markAttemptsLost(tx *bolt.Tx, r *RunRecord) error {
	rb := tx.Bucket(bucketRun).Bucket([]byte(r.ID))
	if rb == nil {
		return nil
	}
	attempts, tasks := rb.Bucket(bucketAttempts), rb.Bucket(bucketTasks)
	if attempts == nil || tasks == nil {
		return nil
	}
	lost := map[string]*event.Result{}
	var keys [][]byte
	var recs []AttemptRecord
	err := attempts.ForEach(func(k, v []byte) error {
		var a AttemptRecord
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("store: run %s attempt %q: %w: %v", r.ID, k, ErrCorrupt, err)
		}
		if a.Result == nil {
			keys, recs = append(keys, append([]byte(nil), k...)), append(recs, a)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, a := range recs {
		a.Result = &event.Result{Reason: event.Lost, Start: a.Started, Detail: lostMessage(r.Engine)}
		lost[a.Task] = a.Result
		if err := putJSON(attempts, keys[i], a); err != nil {
			return err
		}
	}
	// bbolt forbids changing a bucket while iterating it: collect, then put.
	var running []TaskRecord
	err = tasks.ForEach(func(k, v []byte) error {
		var t TaskRecord
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("store: run %s task %q: %w: %v", r.ID, k, ErrCorrupt, err)
		}
		if t.State == event.Running {
			running = append(running, t)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sum, err := newSummaryWriter(rb)
	if err != nil {
		return fmt.Errorf("store: run %s: %w", r.ID, err)
	}
	for _, t := range running {
		if err := sum.moved(t.ID, t.State, event.TaskFailed); err != nil {
			return fmt.Errorf("store: run %s: %w", r.ID, err)
		}
		t.State, t.Message = event.TaskFailed, "lost: "+lostMessage(r.Engine)
		t.Last = lost[t.ID]
		if t.Last == nil {
			// Recorded running, killed before its attempt's record was.
			t.Last = &event.Result{Reason: event.Lost, Detail: lostMessage(r.Engine)}
		}
		if r.Counts != nil {
			r.Counts[event.Running]--
			r.Counts[event.TaskFailed]++
			if r.Counts[event.Running] <= 0 {
				delete(r.Counts, event.Running)
			}
		}
		if err := putJSON(tasks, []byte(t.ID), t); err != nil {
			return err
		}
	}
	return sum.flush()
}

// Runs returns every run, newest first.
func (s *Store) Runs() ([]RunRecord, error) {
	var runs []RunRecord
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRuns).ForEach(func(k, v []byte) error {
			var r RunRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("store: run %q: %w: %v", k, ErrCorrupt, err)
			}
			runs = append(runs, s.settle(r))
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sortRuns(runs, func(r RunRecord) RunRecord { return r })
	return runs, nil
}

func sortRuns[T any](runs []T, rec func(T) RunRecord) {
	sort.SliceStable(runs, func(i, j int) bool {
		a, b := rec(runs[i]), rec(runs[j])
		if !a.Started.Equal(b.Started) {
			return a.Started.After(b.Started)
		}
		return a.ID > b.ID
	})
}

// Latest returns the newest run; ErrNotFound when there is none.
func (s *Store) Latest() (RunRecord, error) {
	runs, err := s.Runs()
	if err != nil {
		return RunRecord{}, err
	}
	if len(runs) == 0 {
		return RunRecord{}, fmt.Errorf("store: no runs in %s: %w", s.dir, ErrNotFound)
	}
	return runs[0], nil
}

// Run returns the run with the given ID; ErrNotFound when there is none.
func (s *Store) Run(id string) (RunRecord, error) {
	var r RunRecord
	err := s.view(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketRuns), []byte(id), &r, "run "+id)
	})
	return s.settle(r), err
}

// settle reports a run still marked running as lost when this is a
// read-only store: the reader got the file, so no engine holds it, and the
// run's engine is gone or done with it. (A writable Open marks such runs
// in the database.)
func (s *Store) settle(r RunRecord) RunRecord {
	if s.o.ReadOnly && r.State == RunRunning {
		r.State = RunLost
		r.Message = lostMessage(r.Engine)
	}
	return r
}

func lostMessage(e Engine) string {
	return fmt.Sprintf("engine pid %d ended without ending the run", e.Pid)
}

// getJSON decodes the value at key into v: ErrNotFound when missing,
// ErrCorrupt when it does not decode.
func getJSON(b *bolt.Bucket, key []byte, v any, what string) error {
	raw := b.Get(key)
	if raw == nil {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("store: %s: %w: %v", what, ErrCorrupt, err)
	}
	return nil
}

// putJSON encodes v at key.
func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

// runBucket returns the bucket of run id; ErrNotFound when missing.
func runBucket(tx *bolt.Tx, id string) (*bolt.Bucket, error) {
	b := tx.Bucket(bucketRun).Bucket([]byte(id))
	if b == nil {
		return nil, fmt.Errorf("store: run %s: %w", id, ErrNotFound)
	}
	return b, nil
}

// runDir is where a run's files sit in state dir dir. The executor's
// DirLayout puts the run's logs there too.
func runDir(dir, id string) string { return filepath.Join(dir, "runs", id) }

const (
	runJSON     = "run.json"
	eventsJSONL = "events.jsonl"
)

// writeRunJSON leaves the run record where readers find it while the
// database is locked.
func writeRunJSON(dir string, r RunRecord) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(runDir(dir, r.ID), runJSON), append(b, '\n'))
}

// RunSummary is a run as `weir runs` lists it.
type RunSummary struct {
	RunRecord
	// FromLog is set when an engine held the store and the summary was
	// rebuilt from runs/<id>/run.json and events.jsonl. Such a summary
	// may lag the database by the last commit, and a run whose run.json
	// is missing (not written by a Journal) has no Workflow, Name, Tasks or
	// Engine, and an empty State unless its events include RunEnded.
	FromLog bool
}

// listTimeout is how long ListRuns waits for a read-only open before it
// reads the event logs instead.
const listTimeout = 100 * time.Millisecond

// ListRuns lists the runs of state dir dir, newest first. It reads the
// database when it can open it read-only within about 100 ms; while an
// engine holds it, it rebuilds the list from the files under dir/runs
// (see RunSummary.FromLog), and also when the store needs an upgrade that
// only an engine makes. A dir without a store or runs gives an empty list.
func ListRuns(dir string) ([]RunSummary, error) {
	s, err := Open(dir, Options{ReadOnly: true, Timeout: listTimeout})
	var locked *ErrLocked
	switch {
	case err == nil:
		defer s.Close()
		runs, err := s.Runs()
		if err != nil {
			return nil, err
		}
		out := make([]RunSummary, len(runs))
		for i, r := range runs {
			out[i] = RunSummary{RunRecord: r}
		}
		return out, nil
	case errors.As(err, &locked), errors.Is(err, ErrNotFound), errors.Is(err, ErrOlderLayout):
		return listFromLogs(dir)
	}
	return nil, err
}

// ListRunFiles lists the runs of state dir dir, newest first, from the
// files under dir/runs alone (see RunSummary.FromLog). It never opens the
// database, so it takes no lock an engine could wait for: for readers that
// look often, such as an editor.
func ListRunFiles(dir string) ([]RunSummary, error) { return listFromLogs(dir) }

// listFromLogs rebuilds the run list from runs/*/run.json and events.jsonl.
func listFromLogs(dir string) ([]RunSummary, error) {
	ents, err := os.ReadDir(filepath.Join(dir, "runs"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: list runs: %w", err)
	}
	var out []RunSummary
	for _, ent := range ents {
		if !ent.IsDir() {
			continue
		}
		sum, ok, err := summaryFromLog(dir, ent.Name())
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, sum)
		}
	}
	sortRuns(out, func(r RunSummary) RunRecord { return r.RunRecord })
	return out, nil
}

// countFromSummary takes the counts of a run still going from the
// summary.json its engine keeps up to date within moments (runsummary.go),
// when that counts every task of the run: tasks with a record, which every
// task has once the engine has recorded the plan's definitions, at the
// run's start. Its event log grows to most of a gigabyte.
func countFromSummary(dir string, sum *RunSummary) bool {
	fs, err := ReadRunSummary(dir, sum.ID)
	if err != nil || fs.Ended {
		return false
	}
	counts, tasks := map[event.TaskState]int{}, 0
	for _, st := range fs.Stages {
		tasks += st.Tasks
		for state, n := range st.Counts {
			counts[state] += n
		}
	}
	if tasks != sum.Tasks {
		return false
	}
	sum.Counts, sum.Seq = counts, max(sum.Seq, fs.Seq)
	return true
}

// summaryFromLog rebuilds one run's summary; ok is false for a directory
// that holds neither file.
func summaryFromLog(dir, id string) (sum RunSummary, ok bool, err error) {
	sum.ID, sum.FromLog = id, true
	b, err := readRunFile(dir, filepath.Join(runDir(dir, id), runJSON))
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &sum.RunRecord); err != nil {
			return sum, false, fmt.Errorf("store: %s: %w", filepath.Join(runDir(dir, id), runJSON), err)
		}
		if sum.State != "" && sum.State != RunRunning {
			// Written at the run's end, from the committed record: its
			// counts are final, and a run of a million tasks has five
			// million events to replay for the same numbers.
			return sum, true, nil
		}
		ok = true
	case !errors.Is(err, os.ErrNotExist):
		return sum, false, fmt.Errorf("store: %w", err)
	}
	if !ok || sum.State != RunRunning || !countFromSummary(dir, &sum) {
		tally, err := logCounts(dir, id)
		switch {
		case err == nil:
			ok = true
		case errors.Is(err, ErrNotFound):
		default:
			return sum, false, err
		}
		if !ok {
			return sum, false, nil
		}
		// The counts and the end come from the events, which are newer
		// than run.json's.
		sum.Counts = tally.counts
		sum.Seq = max(sum.Seq, tally.seq)
		for i := range tally.run {
			if tally.run[i].RunID == id || tally.run[i].RunID == "" {
				applyRun(&sum.RunRecord, &tally.run[i])
			}
		}
	}
	if sum.State == RunRunning && !sum.Engine.Alive() {
		sum.State, sum.Message = RunLost, lostMessage(sum.Engine)
	}
	return sum, true, nil
}
