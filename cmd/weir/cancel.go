package main

import (
	"fmt"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// cancelWait is how long cancel waits for the run to end before it says so.
const cancelWait = 2 * time.Minute

func newCancelCmd(o *options) *cobra.Command {
	var now bool
	cmd := &cobra.Command{
		Use:   "cancel [RUN]",
		Short: "Stop a running run, as Ctrl-C in its terminal would (default: the latest run)",
		Long: `cancel signals the engine of a running run: it stops admitting tasks, sends
SIGTERM to the running ones and SIGKILL after their grace, and records them
cancelled. --now kills them at once, as a second Ctrl-C would. cancel waits
until the run has ended and prints how it ended.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			dir, run, err := pickRun(o, args)
			if err != nil {
				return err
			}
			if run.State != "" && run.State != store.RunRunning {
				return fmt.Errorf("run %s is not running: it %s", run.ID, run.State)
			}
			if run.Engine.Pid == 0 || !run.Engine.Alive() {
				return fmt.Errorf("run %s has no engine running any more (weir resume continues it)", run.ID)
			}
			// The engine treats SIGTERM as Ctrl-C: the first stops the run
			// gracefully, a second kills its tasks.
			if err := signalEngine(dir, run.RunRecord, syscall.SIGTERM); err != nil {
				return err
			}
			if now {
				time.Sleep(200 * time.Millisecond) // two pending signals would merge into one
				signalEngine(dir, run.RunRecord, syscall.SIGTERM)
			}
			fmt.Fprintf(o.stdout, "cancelling run %s (engine pid %d)\n", run.ID, run.Engine.Pid)
			tail := eventTail{dir: dir, run: run.ID}
			for deadline := time.Now().Add(cancelWait); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				events, err := tail.next(runOnly)
				if err != nil {
					return err
				}
				for _, e := range events {
					if e.Kind == event.RunEnded {
						fmt.Fprintf(o.stdout, "run %s ended: %s\n", run.ID, e.Message)
						return nil
					}
				}
				if !run.Engine.Alive() {
					return fmt.Errorf("the engine of run %s ended without recording the end of the run", run.ID)
				}
			}
			return fmt.Errorf("run %s has not ended after %s; its tasks' grace may be long (weir cancel --now kills them)", run.ID, cancelWait)
		},
	}
	cmd.Flags().BoolVar(&now, "now", false, "kill running tasks at once instead of after their grace")
	return cmd
}
