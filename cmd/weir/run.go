package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/shirou/gopsutil/v3/mem"
	"github.com/spf13/cobra"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/local"
	"github.com/weirflow/weir/executor/local/cgroup"
	"github.com/weirflow/weir/executor/local/proc"
	"github.com/weirflow/weir/internal/units"
	"github.com/weirflow/weir/shm"
	"github.com/weirflow/weir/store"
	"github.com/weirflow/weir/ui"
)

// budgetShare is the part of the host's available memory a run may cap its
// tasks at in all when the workflow sets no memory_budget: the rest is left
// for the engine, the page cache and everything else on the machine.
const budgetShare = 0.8

type runFlags struct {
	load        loadFlags
	keepGoing   bool
	quiet       bool
	json        bool
	progress    progressMode
	enforcement string
	ui          string // --ui ADDR: serve the browser view of the run
	uiActions   bool   // --ui-actions: let the page cancel the run
}

func newRunCmd(o *options) *cobra.Command {
	var rf runFlags
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a workflow: local pools on this machine, Slurm pools as cluster jobs",
		Long: `run checks a workflow and runs its tasks: each a fresh process in its own
cgroup with its memory cap, admitted by pool slots and memory budget,
longest remaining path first. Ctrl-C stops admitting, terminates running
tasks gracefully and reports what was cancelled; a second Ctrl-C kills them
at once.

Exit status: 0 all tasks succeeded, 1 a task failed, 2 usage error or
invalid workflow, 130 cancelled.`,
		RunE: func(c *cobra.Command, args []string) error {
			return runWorkflow(o, &rf, args[0])
		},
	}
	workflowArg(cmd)
	rf.register(o, cmd)
	return cmd
}

// register adds the flags run and resume share.
func (rf *runFlags) register(o *options, cmd *cobra.Command) {
	rf.load.register(cmd)
	f := cmd.Flags()
	f.BoolVar(&rf.keepGoing, "keep-going", false, "after a task fails, run everything that does not depend on it")
	f.BoolVarP(&rf.quiet, "quiet", "q", false, "print only failures, as plain lines")
	f.BoolVar(&rf.json, "json", false, "print every event as one JSON object a line (docs/cli.md#events) instead of progress lines")
	f.Var(&rf.progress, "progress", "how the run shows itself: `auto` (live on a terminal, plain lines elsewhere), live, or plain")
	f.StringVar(&rf.enforcement, "memory-enforcement", envOr(o.env, "WEIR_MEMORY_ENFORCEMENT", "auto"),
		"how memory caps are enforced: `auto` (cgroup where possible), cgroup, or watchdog")
	f.StringVar(&rf.ui, "ui", "", "serve the browser view of the run on `HOST:PORT` while it runs (127.0.0.1:7450 is weir ui's default)")
	f.BoolVar(&rf.uiActions, "ui-actions", false, "let the browser view cancel the run (it then needs the printed token)")
}

func runWorkflow(o *options, rf *runFlags, path string) error {
	if err := rf.checkEnforcement(); err != nil {
		return err
	}
	plan, err := rf.load.load(o, path)
	if err != nil {
		return invalid(err)
	}
	// The store first: a second engine on this state dir stops here, before
	// it has touched anything.
	st, err := store.Open(plan.Settings.StateDir, engineStoreOptions(o))
	if err != nil {
		return err
	}
	defer st.Close()
	return execute(o, rf, plan, st, nil)
}

func (rf *runFlags) checkEnforcement() error {
	switch rf.enforcement {
	case "auto", "cgroup", "watchdog":
		return nil
	}
	return usagef("--memory-enforcement must be auto, cgroup or watchdog, not %q", rf.enforcement)
}

// execute runs plan as a new run recorded in st. A resume passes what it
// keeps from the run it resumes.
func execute(o *options, rf *runFlags, plan *dag.Plan, st *store.Store, resume *resumption) error {
	if err := proc.Init(); err != nil {
		return err
	}
	defer setRunGCPercent()()
	spare := ""
	if resume != nil {
		spare = resume.from.ID
	}
	lost := lostAttempts(st)
	endLostJobs(o, lost, spare)
	endLostGroups(o, lost)
	runner, cgroups, err := newLocalRunner(o, rf.enforcement)
	if err != nil {
		return err
	}
	if cgroups != nil {
		defer cgroups.Close()
	}
	defer runner.Close() // before the cgroups: it removes the tasks' groups
	runID := newRunID()
	runDir := runDirOf(plan, runID)
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return fmt.Errorf("cannot create the run directory: %w", err)
	}
	// graph.json (3 ms for 1,000 tasks) is written alongside the run's
	// records and definitions, and is there before the first task starts.
	graphWritten := make(chan error, 1)
	go func() { graphWritten <- writeRunGraph(runDir, plan) }()
	waitGraph := sync.OnceValue(func() error { return <-graphWritten })
	defer waitGraph() // an early return leaves no writer behind
	segments, err := openSegments(plan, runID)
	if err != nil {
		return err
	}
	if err := segments.reuse(o, plan, runID); err != nil {
		return err
	}
	defer segments.close(o)
	runners := map[string]executor.Runner{"local": runner}
	if usesSlurm(plan) {
		sr, err := newSlurmRunner(o, plan)
		if err != nil {
			return err
		}
		defer sr.Close() // after executor.Run: every job has been waited for
		runners["slurm"] = sr
	}
	budget := plan.Settings.MemoryBudget
	if budget == 0 {
		budget = defaultBudget()
	}

	record := store.RunRecord{
		ID:          runID,
		Workflow:    plan.File,
		Name:        plan.Name,
		StateDir:    plan.Settings.StateDir,
		ShmDir:      segments.Dirs()[0],
		PoolShmDirs: segments.Dirs()[1:],
		Tasks:       len(plan.Tasks),
		Started:     time.Now(),
		Engine:      store.Self(),
		Vars:        rf.load.vars,
		VarFiles:    absAll(rf.load.varFiles),
	}
	if resume != nil {
		record.Resumes = resume.from.ID
	}
	journal, err := st.Journal(record)
	if err != nil {
		return err
	}
	defer journal.Close()
	reuse := map[string]string{}
	for _, t := range plan.Tasks {
		if err := st.SetDefinition(runID, t.ID, t.DefHash(), defParts(t)); err != nil {
			return err
		}
		if resume == nil || !resume.keep[t.ID] {
			continue
		}
		// The reused task's outputs become this run's, so that the next
		// resume needs only this run's records.
		old := resume.tasks[t.ID]
		for _, out := range old.Outputs {
			if _, err := os.Stat(out.Path); errors.Is(err, fs.ErrNotExist) {
				continue // released after its readers succeeded; none needs it
			}
			if err := segments.Adopt(dag.SegmentRef{Task: t.ID, Output: out.Name}, out.Path); err != nil {
				return err
			}
		}
		if err := st.SetOutputs(runID, t.ID, relocated(old.Outputs, segments, t.ID)); err != nil {
			return err
		}
		reuse[t.ID] = "unchanged since run " + resume.from.ID
	}
	view := newView(o, rf.progress, rf.json, rf.quiet, plan, runDir, budget)
	defer view.Close()
	if !rf.quiet && !rf.json {
		verb := "run"
		if resume != nil {
			verb = fmt.Sprintf("resume of %s as", resume.from.ID)
		}
		fmt.Fprintf(o.stdout, "%s %s %s of %s: %s, memory caps by %s, budget %s\n",
			time.Now().Format("15:04:05"), verb, runID, plan.Name, plural(len(plan.Tasks), "task"),
			runner.Enforcement(), units.Size(budget))
		if resume != nil {
			resume.print(o.stdout)
		}
	}

	ra, err := prepareReattach(st, plan, resume, runDir, segments)
	if err != nil {
		return err
	}
	if len(ra.states) > 0 && !rf.quiet && !rf.json {
		fmt.Fprintf(o.stdout, "  re-attaching to %s that run %s left in Slurm\n", plural(len(ra.states), "job"), resume.from.ID)
	}

	if err := waitGraph(); err != nil {
		return err
	}
	ctx, kill, stopSignals := interrupts(o)
	defer stopSignals()
	if rf.ui != "" {
		var actions ui.Actions
		if rf.uiActions {
			actions = engineActions{runID: runID}
		}
		stopUI, err := serveUI(o, rf.ui, plan.Settings.StateDir, runID, actions)
		if err != nil {
			return err
		}
		defer func() {
			// Open pages read the run's last events from its event log a
			// few times a second: serve them before going away.
			time.Sleep(uiLinger)
			stopUI()
		}()
	}
	summary, err := executor.Run(ctx, plan, executor.Options{
		RunID:     runID,
		Runners:   runners,
		Budget:    budget,
		KeepGoing: rf.keepGoing,
		Journal:   checkpointed{store: journal, view: view},
		Layout:    ra.layout,
		Segments:  ra.segs,
		Env:       o.env,
		Kill:      kill,
		Reuse:     reuse,
		Reattach:  ra.states,
	})
	view.Close() // the live view leaves the screen before the run's report
	if err != nil {
		var capErr *executor.CapError
		if errors.As(err, &capErr) {
			return invalid(err)
		}
		if errors.Is(err, syscall.ENOSPC) {
			return fmt.Errorf("%w\nthe disk is full: free space where the state dir is (%s) and run weir resume; the tasks that finished are recorded and will be reused", err, plan.Settings.StateDir)
		}
		return err
	}
	if summary.OK() {
		if err := publish(plan, segments); err != nil {
			return err
		}
		if resume != nil {
			releaseResumed(o, st, resume.from)
		}
	}
	reportRun(o, plan, summary, runDir, rf.quiet || rf.json)
	if code := summary.ExitCode(); code != 0 {
		return &failure{code: code}
	}
	return nil
}

// defParts is a task's definition as the store keeps it.
func defParts(t *dag.Task) []store.DefPart {
	def := t.Definition()
	parts := make([]store.DefPart, len(def))
	for i, c := range def {
		parts[i] = store.DefPart{Name: c.Name, Value: c.Value}
	}
	return parts
}

// releaseResumed removes the segment directories of the runs a successful
// resume superseded: the run it resumed and the runs that one resumed in
// turn. What this run reused it holds by hard link; the rest (outputs of
// tasks that ran again, partial files of killed attempts) is garbage.
func releaseResumed(o *options, st *store.Store, from store.RunRecord) {
	for r, seen := from, map[string]bool{}; r.ID != "" && !seen[r.ID]; {
		seen[r.ID] = true
		for _, dir := range r.SegmentDirs() {
			if err := shm.RemoveAll(dir); err != nil {
				fmt.Fprintf(o.stderr, "weir: warning: releasing the segments of run %s: %v\n", r.ID, err)
			}
		}
		if r.Resumes == "" {
			break
		}
		next, err := st.Run(r.Resumes)
		if err != nil {
			break
		}
		r = next
	}
}

// jsonEvents writes each event as one line of JSON: the same events the
// store keeps and the UI reads, for programs that watch a run.
func jsonEvents(w io.Writer) event.Journal {
	var mu sync.Mutex
	enc := json.NewEncoder(w)
	return event.JournalFunc(func(e event.Event) error {
		mu.Lock()
		defer mu.Unlock()
		enc.Encode(e) // a closed pipe must not stop the run
		return nil
	})
}

// relocated is outputs with their paths in this run's segment directory.
func relocated(outputs []store.OutputRecord, segs *segmentRouter, task string) []store.OutputRecord {
	out := make([]store.OutputRecord, len(outputs))
	for i, o := range outputs {
		o.Path = segs.Path(dag.SegmentRef{Task: task, Output: o.Name})
		out[i] = o
	}
	return out
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

// checkpointed queues every event in the store and shows it. The
// scheduler waits for the store where it must (before it starts an
// attempt, and at the end), so the progress lines may run a commit ahead
// of the checkpoint, never the engine's actions.
type checkpointed struct {
	store *store.Journal
	view  event.Journal
}

// Record implements event.Journal.
func (c checkpointed) Record(e event.Event) error {
	wait, err := c.Append(e)
	if err != nil {
		return err
	}
	return wait()
}

// Append implements event.Appender.
func (c checkpointed) Append(e event.Event) (func() error, error) {
	wait, err := c.store.Append(e)
	if err != nil {
		return nil, err
	}
	c.view.Record(e)
	return wait, nil
}

// newLocalRunner prefers a kernel-enforced cap: a cgroup per task. Where no
// cgroup can be made (no root, no delegation) a watchdog samples memory; a
// user who asked for cgroups gets an error instead of a silent fallback.
//
// An engine that was killed leaves its tasks' cgroups behind, with whatever
// its tasks' children still run in them: they are ended and removed here,
// so no orphan of a crashed run outlives the next one.
func newLocalRunner(o *options, mode string) (*local.Runner, *cgroup.Manager, error) {
	if mode == "watchdog" {
		return local.New(local.Options{}), nil, nil
	}
	m, err := cgroup.Detect()
	if err != nil {
		if mode == "cgroup" {
			return nil, nil, fmt.Errorf("--memory-enforcement=cgroup: %w", err)
		}
		return local.New(local.Options{}), nil, nil
	}
	if swept, err := m.Sweep(); err != nil {
		fmt.Fprintf(o.stderr, "weir: warning: cleaning up after an earlier engine: %v\n", err)
	} else if len(swept) > 0 {
		fmt.Fprintf(o.stderr, "weir: ended what %s killed earlier left running\n", plural(len(swept), "engine"))
	}
	return local.New(local.Options{Cgroups: m}), m, nil
}

// interrupts turns the first SIGINT or SIGTERM into a cancelled context and
// the second into a closed kill channel.
func interrupts(o *options) (context.Context, <-chan struct{}, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	kill := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	// A reader that goes away (weir run --json | head) must not kill the
	// engine in the middle of its tasks: with SIGPIPE caught, a write to
	// the closed pipe fails instead, and progress output ignores that.
	// (Caught, not ignored: an ignored signal stays ignored in the tasks.)
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	done := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case <-done:
				return
			case <-sigs:
				n++
				switch n {
				case 1:
					fmt.Fprintln(o.stderr, "weir: stopping: no new tasks; running tasks get SIGTERM (interrupt again to kill them now)")
					cancel()
				case 2:
					fmt.Fprintln(o.stderr, "weir: killing running tasks")
					close(kill)
				}
			}
		}
	}()
	return ctx, kill, func() {
		signal.Stop(sigs)
		signal.Stop(pipe)
		close(done)
		cancel()
	}
}

// publish copies every output with a publish path out of the run, after the
// whole run succeeded, and then releases the run's segments except those
// marked keep.
func publish(plan *dag.Plan, segs *segmentRouter) error {
	keep := map[string]bool{}
	for _, t := range plan.Tasks {
		for _, out := range t.Outputs {
			path := segs.Path(dag.SegmentRef{Task: t.ID, Output: out.Name})
			if out.Publish != "" {
				if err := shm.Publish(path, out.Publish); err != nil {
					return fmt.Errorf("task %s: %w", t.ID, err)
				}
			}
			if out.Keep {
				keep[path] = true
			}
		}
	}
	return segs.Remove(keep)
}

// reportRun prints the end of a run: counts, then each failure with its reason,
// declaration and log.
func reportRun(o *options, plan *dag.Plan, s *executor.Summary, runDir string, quiet bool) {
	if quiet && s.OK() {
		return
	}
	var parts []string
	for _, st := range []event.TaskState{event.TaskSucceeded, event.Reused, event.TaskFailed, event.Skipped, event.TaskCancelled} {
		if n := s.Counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	outcome := "succeeded"
	switch {
	case s.Cancelled:
		outcome = "cancelled"
	case !s.OK():
		outcome = "failed"
	}
	w := o.stdout
	if !s.OK() {
		w = o.stderr
	}
	fmt.Fprintf(w, "run %s %s: %s\n", s.RunID, outcome, strings.Join(parts, ", "))
	layout := store.DirLayout{Root: runDir}
	for _, ts := range s.Tasks {
		if ts.State != event.TaskFailed || len(ts.Attempts) == 0 {
			continue
		}
		t := plan.Task(ts.ID)
		last := ts.Attempts[len(ts.Attempts)-1]
		_, stderr := layout.Logs(ts.ID, len(ts.Attempts))
		fmt.Fprintf(o.stderr, "weir: task %s attempt %d/%d: %s\n", ts.ID, len(ts.Attempts), t.Retry.Attempts, describe(last))
		fmt.Fprintf(o.stderr, "  declared at %s; log %s\n", t.Origin, relPath(stderr))
		if fix := fixFor(t, last); fix != "" {
			fmt.Fprintf(o.stderr, "  fix: %s\n", fix)
		}
	}
}

// fixFor suggests what to change after a failure whose cause weir knows.
func fixFor(t *dag.Task, r event.Result) string {
	switch r.Reason {
	case event.OOM:
		return fmt.Sprintf("raise memory at %s (or add retry { on = [\"oom\"], memory_growth = 1.5 })", t.Origin)
	case event.Timeout:
		return fmt.Sprintf("raise timeout at %s, or find out why it hangs from its log", t.Origin)
	case event.OutputMissing:
		return "the stage must write each declared output at the path in $WEIR_OUTPUT_<NAME>"
	case event.StartFailed:
		return "check the command's program and the stage's PATH (env_passthrough = [\"PATH\"])"
	}
	return ""
}

// newRunID is sortable by start time and unique across engines:
// 20261126-071512-3fa9c1.
func newRunID() string {
	var b [3]byte
	rand.Read(b[:])
	return time.Now().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// writeRunGraph keeps the run's plan as graph.json (dag.WriteJSON, task
// view) in its run directory: the UI and reports draw a run's DAG from it,
// even after the workflow file changed.
func writeRunGraph(runDir string, plan *dag.Plan) error {
	var b bytes.Buffer
	if err := dag.WriteJSON(&b, plan, dag.ExportOptions{}); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(runDir, "graph.json"), b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("cannot write the run's graph: %w", err)
	}
	return nil
}

func runDirOf(plan *dag.Plan, runID string) string {
	return filepath.Join(plan.Settings.StateDir, "runs", runID)
}

// defaultBudget is a share of the memory available now; 0 (no budget) when
// it cannot be read.
func defaultBudget() int64 {
	vm, err := mem.VirtualMemory()
	if err != nil {
		return 0
	}
	return int64(float64(vm.Available) * budgetShare)
}

// uiLinger is how long weir run --ui serves its page after the run ended,
// so that open pages show how it ended.
const uiLinger = time.Second

// engineActions are what the browser view of weir run --ui may do: cancel
// this run, as Ctrl-C in its terminal would.
type engineActions struct{ runID string }

func (a engineActions) Cancel(runID string) error {
	if runID != a.runID {
		return fmt.Errorf("%w: this engine runs %s, not %s", ui.ErrConflict, a.runID, runID)
	}
	return syscall.Kill(os.Getpid(), syscall.SIGINT)
}

func (a engineActions) Retry(runID, task string) error {
	return fmt.Errorf("%w: run %s is still going: retry %s with weir resume once it ends", ui.ErrConflict, runID, task)
}

// engineStoreOptions are the store options of an engine. WEIR_UNSAFE_NO_FSYNC=1
// turns off the fsync of every checkpoint, for measuring what durable
// checkpoints cost (bench/overhead): a crash of the machine, not only of
// weir, can then lose the latest checkpoints or damage the store.
func engineStoreOptions(o *options) store.Options {
	if envOr(o.env, "WEIR_UNSAFE_NO_FSYNC", "") == "1" {
		fmt.Fprintln(o.stderr, "weir: warning: WEIR_UNSAFE_NO_FSYNC=1: checkpoints are not synced to disk")
		return store.Options{NoSync: true}
	}
	return store.Options{}
}
