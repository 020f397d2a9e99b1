package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/engine"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/internal/units"
	"github.com/weirflow/weir/store"
	"github.com/weirflow/weir/ui"
)

type runFlags struct {
	load        loadFlags
	keepGoing   bool
	quiet       bool
	json        bool
	progress    progressMode
	enforcement string
	mode        engine.Enforcement // enforcement, checked by checkEnforcement
	ui          string             // --ui ADDR: serve the browser view of the run
	uiActions   bool               // --ui-actions: let the page cancel the run
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
	// From the load on: a short file can expand to many tasks.
	defer engine.TuneHeap()()
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
	mode, err := engine.ParseEnforcement(rf.enforcement)
	if err != nil {
		return usagef("--memory-enforcement %v", err)
	}
	rf.mode = mode
	return nil
}

// execute runs plan as a new run recorded in st, and prints it. A resume
// passes what it keeps from the run it resumes.
func execute(o *options, rf *runFlags, plan *dag.Plan, st *store.Store, resume *engine.Resumption) error {
	run, err := engine.Prepare(engine.Options{
		Plan:        plan,
		Store:       st,
		Resume:      resume,
		Enforcement: rf.mode,
		KeepGoing:   rf.keepGoing,
		Env:         o.env,
		Vars:        rf.load.vars,
		VarFiles:    rf.load.varFiles,
		Log:         currentStderr{o},
	})
	if err != nil {
		return err
	}
	defer run.Close()
	o.noteLastRun(plan.Settings.StateDir, plan.File)
	view := newView(o, rf.progress, rf.json, rf.quiet, plan, run.Dir, run.Budget)
	defer view.Close()
	if !rf.quiet && !rf.json {
		verb := "run"
		if resume != nil {
			verb = fmt.Sprintf("resume of %s as", resume.From.ID)
		}
		fmt.Fprintf(o.stdout, "%s %s %s of %s: %s, memory caps by %s, budget %s\n",
			time.Now().Format("15:04:05"), verb, run.ID, plan.Name, plural(len(plan.Tasks), "task"),
			run.Enforcement, units.Size(run.Budget))
		if resume != nil {
			printResumption(o.stdout, resume)
		}
		if run.Reattaching > 0 {
			fmt.Fprintf(o.stdout, "  re-attaching to %s that run %s left in Slurm\n", plural(run.Reattaching, "job"), resume.From.ID)
		}
	}

	ctx, kill, stopSignals := interrupts(o)
	defer stopSignals()
	if rf.ui != "" {
		var actions ui.Actions
		if rf.uiActions {
			actions = engineActions{runID: run.ID}
		}
		stopUI, err := serveUI(o, rf.ui, plan.Settings.StateDir, run.ID, actions)
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
	summary, err := run.Execute(ctx, kill, view)
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
	reportRun(o, plan, summary, run.Dir, rf.quiet || rf.json)
	if code := summary.ExitCode(); code != 0 {
		return &failure{code: code}
	}
	return nil
}

// currentStderr writes to o.stderr as it is at the time of the write: the
// live view takes it over while it runs, so that what the engine says then
// is printed above the view.
type currentStderr struct{ o *options }

func (w currentStderr) Write(p []byte) (int, error) { return w.o.stderr.Write(p) }

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
	if s.OK() {
		printPublished(w, plan)
	}
	layout := store.DirLayout{Root: runDir}
	for _, ts := range s.Tasks {
		if ts.State != event.TaskFailed || len(ts.Attempts) == 0 {
			continue
		}
		t := plan.Task(ts.ID)
		last := ts.Attempts[len(ts.Attempts)-1]
		fmt.Fprintf(o.stderr, "weir: task %s attempt %d/%d: %s\n", ts.ID, len(ts.Attempts), t.Retry.Attempts, describe(last))
		fmt.Fprintf(o.stderr, "  declared at %s; %s\n", t.Origin, logsOf(layout, ts.ID, len(ts.Attempts)))
		if fix := fixFor(plan, t, last); fix != "" {
			fmt.Fprintf(o.stderr, "  fix: %s\n", fix)
		}
	}
}

// printPublished says where a successful run left the outputs it
// published: a first run's result is then found without reading the
// workflow file.
func printPublished(w io.Writer, plan *dag.Plan) {
	const show = 5
	var paths []string
	for _, t := range plan.Tasks {
		for _, out := range t.Outputs {
			if out.Publish != "" {
				paths = append(paths, out.Publish)
			}
		}
	}
	for i, p := range paths {
		if i == show {
			fmt.Fprintf(w, "  ... and %d more published\n", len(paths)-show)
			break
		}
		fmt.Fprintf(w, "  published %s\n", relPath(p))
	}
}

// logsOf names the logs an attempt wrote: a log file is made only at its
// first byte, so one that is not there is not named.
func logsOf(layout store.DirLayout, task string, attempt int) string {
	stdout, stderr := layout.Logs(task, attempt)
	var logs []string
	for _, path := range []string{stderr, stdout} {
		if fi, err := os.Lstat(path); err == nil && fi.Size() > 0 {
			logs = append(logs, relPath(path))
		}
	}
	if len(logs) == 0 {
		return "no output"
	}
	return "log " + strings.Join(logs, ", ")
}

// fixFor suggests what to change after a failure whose cause weir knows.
func fixFor(plan *dag.Plan, t *dag.Task, r event.Result) string {
	switch r.Reason {
	case event.OOM:
		return oomFix(plan, t)
	case event.Timeout:
		return fmt.Sprintf("raise timeout at %s, or find out why it hangs from its log", t.Origin)
	case event.OutputMissing:
		if strings.Contains(r.Detail, "min_size") {
			return fmt.Sprintf("make stage %q write all of its output before it exits 0 (and exit non-zero when it cannot), or lower min_size in the stage at %s", t.Stage, t.Origin)
		}
		return "the stage must write each declared output at the path in $WEIR_OUTPUT_<NAME>"
	case event.StartFailed:
		return "check the command's program and the stage's PATH (env_passthrough = [\"PATH\"])"
	}
	return ""
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
