package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
	"github.com/weirflow/weir/ui"
)

// stateDirActions are what the page of weir ui --actions may do to the runs
// of its state dir: cancel a running one as weir cancel does, and retry a
// failed task by resuming its run, as weir resume does, in the background.
type stateDirActions struct {
	o   *options
	dir string
}

func (a stateDirActions) run(runID string) (store.RunSummary, error) {
	runs, err := store.ListRuns(a.dir)
	if err != nil {
		return store.RunSummary{}, err
	}
	return matchRun(runs, func(r store.RunSummary) string { return r.ID }, runID, a.dir)
}

// Cancel signals the engine of a running run, which then stops it
// gracefully.
func (a stateDirActions) Cancel(runID string) error {
	run, err := a.run(runID)
	if err != nil {
		return err
	}
	if run.State != "" && run.State != store.RunRunning {
		return fmt.Errorf("%w: run %s is not running: it %s", ui.ErrConflict, run.ID, run.State)
	}
	if run.Engine.Pid == 0 || !run.Engine.Alive() {
		return fmt.Errorf("%w: run %s has no engine running any more", ui.ErrConflict, run.ID)
	}
	if err := signalEngine(a.dir, run.RunRecord, syscall.SIGTERM); err != nil {
		return err
	}
	return nil
}

// Retry resumes the ended run of a failed task: the task runs again, with
// everything else that did not succeed, and what succeeded is reused. The
// resume runs in the background as its own process, its output in the
// state dir's runs/<run>/retry.log; the page follows the new run.
func (a stateDirActions) Retry(runID, task string) error {
	run, err := a.run(runID)
	if err != nil {
		return err
	}
	if run.State == store.RunRunning && run.Engine.Alive() {
		return fmt.Errorf("%w: run %s is still running: retry %s once it has ended", ui.ErrConflict, run.ID, task)
	}
	events, err := store.ReadEvents(a.dir, run.ID)
	if err != nil {
		return err
	}
	rec, ok := store.Replay(events)[task]
	if !ok {
		return fmt.Errorf("run %s has no task %q", run.ID, task)
	}
	switch rec.State {
	case event.TaskFailed, event.TaskCancelled, event.Skipped:
	default:
		return fmt.Errorf("%w: task %s of run %s %s: there is nothing to retry", ui.ErrConflict, task, run.ID, rec.State)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	logPath := filepath.Join(a.dir, "runs", run.ID, "retry.log")
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(exe, "--state-dir", a.dir, "resume", "--progress=plain", run.ID)
	cmd.Dir = filepath.Dir(run.Workflow)
	cmd.Env = a.o.env
	cmd.Stdout, cmd.Stderr = log, log
	// Its own session: the resume outlives the page's server and is not
	// stopped by a Ctrl-C meant for weir ui.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start weir resume %s: %w", run.ID, err)
	}
	go cmd.Wait() // reaps it; weir ui has no reaper of its own
	return nil
}
