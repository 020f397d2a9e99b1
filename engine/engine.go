package engine

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/local"
	"github.com/weirflow/weir/executor/local/cgroup"
	"github.com/weirflow/weir/executor/local/proc"
	"github.com/weirflow/weir/internal/units"
	"github.com/weirflow/weir/store"
)

// Enforcement is how the local runner caps memory.
type Enforcement string

// Ways to cap the memory of local tasks.
const (
	Auto     Enforcement = "auto"     // a cgroup per task where one can be made, else the watchdog
	Cgroup   Enforcement = "cgroup"   // a cgroup per task, or an error
	Watchdog Enforcement = "watchdog" // sampled resident memory, killed past the cap
)

// ParseEnforcement checks a --memory-enforcement value; its error is a
// phrase that follows the setting's name.
func ParseEnforcement(s string) (Enforcement, error) {
	switch e := Enforcement(s); e {
	case Auto, Cgroup, Watchdog:
		return e, nil
	case "":
		return Auto, nil
	}
	return "", fmt.Errorf("must be auto, cgroup or watchdog, not %q", s)
}

// Options say what to run and how.
type Options struct {
	Plan  *dag.Plan
	Store *store.Store // open for writing; the run is recorded in it
	// Resume is what the run keeps of an earlier one (Decide); nil for a
	// fresh run.
	Resume      *Resumption
	Enforcement Enforcement
	KeepGoing   bool     // after a failure, run everything not downstream of it
	Env         []string // the engine's environment, which stages pass through from
	// Vars and VarFiles are recorded with the run, so that a resume loads
	// the workflow as this run did.
	Vars, VarFiles []string
	// Log receives the engine's notes and warnings ("weir: ..."); nil
	// discards them.
	Log io.Writer
}

// Run is a prepared run: recorded, its segments open, its runners ready.
type Run struct {
	ID          string
	Dir         string // the run's directory in the state dir
	Budget      int64  // bytes the caps of running local tasks may add up to; 0 = none
	Enforcement event.Enforcement
	// Reattaching counts the Slurm jobs of the resumed run that this one
	// takes over instead of submitting again.
	Reattaching int

	o        Options
	segments *segmentRouter
	runners  map[string]executor.Runner
	journal  *store.Journal
	graph    *runGraph // nil until Prepare made the run's directory
	ra       reattachment
	closers  []func() // in the order they run
	restore  func()   // the collector target before the run
}

// Prepare readies a run of o.Plan: everything up to the first task's
// start. A run that Prepare returns must be closed, whatever Execute did.
func Prepare(o Options) (r *Run, err error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Enforcement == "" {
		o.Enforcement = Auto
	}
	if err := proc.Init(); err != nil {
		return nil, err
	}
	plan, st := o.Plan, o.Store
	r = &Run{ID: newRunID(), o: o, restore: TuneHeap()}
	r.Dir = RunDir(plan, r.ID)
	defer func() {
		if err != nil {
			r.Close()
			r = nil
		}
	}()

	spare := ""
	if o.Resume != nil {
		spare = o.Resume.From.ID
	}
	lost := lostAttempts(st)
	endLostJobs(o.Log, o.Env, lost, spare)
	endLostGroups(o.Log, lost)

	runner, cgroups, err := newLocalRunner(o.Log, o.Enforcement, lostEngines(st))
	if err != nil {
		return r, err
	}
	if cgroups != nil {
		r.closers = append(r.closers, func() { cgroups.Close() })
	}
	// Once every attempt has ended and the runner has cleaned up after
	// them, what their tasks left behind is ended and reaped.
	r.closers = append(r.closers, r.reapOrphans)
	// The runner goes before the cgroups: it removes the tasks' groups.
	r.closers = append(r.closers, func() { runner.Close() })
	r.Enforcement = runner.Enforcement()
	r.runners = map[string]executor.Runner{"local": runner}

	if err := os.MkdirAll(r.Dir, 0o700); err != nil {
		return r, fmt.Errorf("cannot create the run directory: %w", err)
	}
	// graph.json is written once the first task has started (graphJournal).
	r.graph = newRunGraph(r.Dir, plan)

	if r.segments, err = openSegments(plan, r.ID); err != nil {
		return r, err
	}
	r.closers = append(r.closers, func() { r.segments.close(o.Log) })
	if err := r.segments.reuse(o.Log, plan, r.ID); err != nil {
		return r, err
	}
	if usesSlurm(plan) {
		sr, err := newSlurmRunner(o.Log, o.Env, plan)
		if err != nil {
			return r, err
		}
		// Closed before the local runner: every job has been waited for.
		// What the run asked of slurmctld is said, for a shared cluster's
		// sake.
		r.closers = append(r.closers, func() {
			sr.Close()
			if s := sr.Summary(); s != "" {
				fmt.Fprintf(o.Log, "weir: %s\n", s)
			}
		})
		r.runners["slurm"] = sr
	}
	r.Budget = plan.Settings.MemoryBudget
	if r.Budget == 0 {
		r.Budget = defaultBudget()
	}

	record := store.RunRecord{
		ID:          r.ID,
		Workflow:    plan.File,
		Name:        plan.Name,
		StateDir:    plan.Settings.StateDir,
		ShmDir:      r.segments.Dirs()[0],
		PoolShmDirs: r.segments.Dirs()[1:],
		Tasks:       len(plan.Tasks),
		Started:     time.Now(),
		Engine:      store.Self(),
		Vars:        o.Vars,
		VarFiles:    absAll(o.VarFiles),
	}
	var defs [][16]byte // a fresh run records every definition: each hashed once
	if o.Resume != nil {
		record.Resumes = o.Resume.From.ID
		record.PlanHash = o.Resume.planHash
	} else {
		defs = defHashes(plan)
		record.PlanHash = planHash(plan, defs)
	}
	if r.journal, err = st.Journal(record); err != nil {
		return r, err
	}
	r.closers = append(r.closers, func() { r.journal.Close() })
	if err = r.recordDefinitions(defs); err != nil {
		return r, err
	}
	if r.ra, err = prepareReattach(st, plan, o.Resume, r.Dir, r.segments); err != nil {
		return r, err
	}
	r.Reattaching = len(r.ra.states)
	return r, nil
}

// recordDefinitions stores the definition of every task that runs. A task
// a resume reuses keeps the record it had (runChain.records finds it through
// the new run's reuse of it), unless its outputs were read: those are
// made this run's, so that the next resume finds them here. defs, when
// given, are the tasks' definition hashes (defHashes).
func (r *Run) recordDefinitions(defs [][16]byte) error {
	st, resume := r.o.Store, r.o.Resume
	defined := 0
	for i, t := range r.o.Plan.Tasks {
		again := resume == nil
		if !again {
			_, again = resume.Why[t.ID] // the small map (Resumption)
		}
		if again {
			var def string
			if defs != nil {
				def = hex.EncodeToString(defs[i][:])
			} else {
				def = t.DefHash()
			}
			if err := st.SetDefinition(r.ID, t.ID, def, DefParts(t)); err != nil {
				return err
			}
			// The store queues definitions as fast as they come; committing
			// them a window at a time bounds the queue (see backlog).
			if defined++; defined%backlogWindow == 0 {
				if err := r.journal.Flush(); err != nil {
					return err
				}
			}
			continue
		}
		old, ok := resume.Tasks[t.ID]
		if !ok || len(old.Outputs) == 0 {
			continue
		}
		for _, out := range old.Outputs {
			// Checked again right before it is linked: Decide's check
			// may be a while ago.
			exists, err := store.CheckOutput(resume.dirs[t.ID], t.ID, out)
			if err != nil {
				return fmt.Errorf("cannot adopt the outputs of reused task %s: %w", t.ID, err)
			}
			if !exists {
				continue // released after its readers succeeded, or published; none needs it here
			}
			if err := r.segments.Adopt(dag.SegmentRef{Task: t.ID, Output: out.Name}, out.Path); err != nil {
				return err
			}
		}
		if err := st.SetTaskHashes(r.ID, t.ID, old.DefHash, nil); err != nil {
			return err
		}
		if err := st.SetOutputs(r.ID, t.ID, relocated(old.Outputs, r.segments, t.ID)); err != nil {
			return err
		}
	}
	return nil
}

// Execute runs the prepared run's tasks until they end, ctx is cancelled
// (running tasks get SIGTERM) or kill is closed (they are killed). Every
// event is checkpointed and then given to watch (which may be nil). After
// a successful run it publishes the outputs and releases what the runs it
// superseded held.
func (r *Run) Execute(ctx context.Context, kill <-chan struct{}, watch event.Journal) (*executor.Summary, error) {
	if watch == nil {
		watch = event.JournalFunc(func(event.Event) error { return nil })
	}
	summary, err := executor.Run(ctx, r.o.Plan, executor.Options{
		RunID:     r.ID,
		Runners:   r.runners,
		Budget:    r.Budget,
		KeepGoing: r.o.KeepGoing,
		Journal:   checkpointed{store: graphJournal{r.journal, r.graph}, watch: watch, backlog: &backlog{}},
		Layout:    r.ra.layout,
		Segments:  r.ra.segs,
		Env:       r.o.Env,
		Kill:      kill,
		RunAgain:  r.runAgain(),
		ReusedWhy: r.reusedWhy(),
		Reattach:  r.ra.states,
	})
	if gerr := r.graph.wait(); err == nil {
		err = gerr
	}
	if err != nil || !summary.OK() {
		return summary, err
	}
	if err := r.publish(); err != nil {
		return summary, err
	}
	if r.o.Resume != nil {
		releaseResumed(r.o.Log, r.o.Store, r.o.Resume.From)
	}
	return summary, nil
}

// Close releases what the run holds, latest first: the journal, the
// runners (which end and reap whatever still runs), the segments and the
// cgroups. It does not close the store.
func (r *Run) Close() {
	if r.graph != nil {
		// A run that never executed still leaves its graph, as it did
		// when Prepare wrote it; Execute reported any error.
		r.graph.wait()
	}
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
	r.closers = nil
	if r.restore != nil {
		r.restore()
		r.restore = nil
	}
}

// newLocalRunner prefers a kernel-enforced cap: a cgroup per task. Where no
// cgroup can be made (no root, no delegation) a watchdog samples memory; a
// user who asked for cgroups gets an error instead of a silent fallback.
//
// An engine of this state dir that was killed leaves its tasks' cgroups
// behind, with whatever its tasks' children still run in them: they are
// ended and removed here, so no orphan of a crashed run outlives the next
// one. lost are those engines; others' are not this run's to end.
func newLocalRunner(log io.Writer, mode Enforcement, lost []cgroup.Engine) (*local.Runner, *cgroup.Manager, error) {
	if mode == Watchdog {
		return local.New(local.Options{}), nil, nil
	}
	m, err := cgroup.Detect()
	if err != nil {
		if mode == Cgroup {
			return nil, nil, fmt.Errorf("--memory-enforcement=cgroup: %w", err)
		}
		return local.New(local.Options{}), nil, nil
	}
	if swept, err := m.Sweep(lost); err != nil {
		fmt.Fprintf(log, "weir: warning: cleaning up after an earlier engine: %v\n", err)
	} else if len(swept) > 0 {
		fmt.Fprintf(log, "weir: ended what %s killed earlier left running\n", units.Plural(len(swept), "engine"))
	}
	return local.New(local.Options{Cgroups: m}), m, nil
}

func absAll(paths []string) []string {
	var out []string
	for _, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		out = append(out, p)
	}
	return out
}
