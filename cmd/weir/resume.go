package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/engine"
	"github.com/weirflow/weir/store"
)

func newResumeCmd(o *options) *cobra.Command {
	var rf runFlags
	cmd := &cobra.Command{
		Use:   "resume [RUN]",
		Short: "Continue a run: reuse what it finished, run the rest (default: the latest run)",
		Long: `resume starts a new run of the workflow an earlier run ran (the latest in the
state dir unless RUN names one), with the same variables unless --var
overrides them. A task that succeeded in that run is reused, without
running, when its definition is unchanged, everything it reads is reused
too, and its outputs are intact (same size and hash); everything else,
and everything downstream of it, runs again. Editing one stage and
resuming reruns that stage and its descendants only.

Exit status as for run.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return resumeRun(o, &rf, args)
		},
	}
	rf.register(o, cmd)
	return cmd
}

func resumeRun(o *options, rf *runFlags, args []string) error {
	if err := rf.checkEnforcement(); err != nil {
		return err
	}
	st, err := o.openStateStore(engineStoreOptions(o))
	if err != nil {
		return err
	}
	defer st.Close()
	from, err := findRun(st, args)
	if err != nil {
		return err
	}
	if _, err := os.Stat(from.Workflow); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("run %s ran %s, which no longer exists; resume needs the workflow file", from.ID, from.Workflow)
	}
	// The variables of the run, then any given now: later values win.
	rf.load.vars = append(append([]string(nil), from.Vars...), rf.load.vars...)
	rf.load.varFiles = append(append([]string(nil), from.VarFiles...), rf.load.varFiles...)
	defer engine.TuneHeap()() // as weir run does
	// Until the first task starts: what the plan allocates stays live.
	defer engine.PlanHeap()()
	plan, err := rf.load.load(o, from.Workflow)
	if err != nil {
		return invalid(err)
	}
	plan.Settings.StateDir = st.Dir()
	resume, err := engine.Decide(st, plan, from)
	if err != nil {
		return err
	}
	return execute(o, rf, plan, st, resume)
}

// findRun is the run named by args (an id or a unique prefix), or the
// latest.
func findRun(st *store.Store, args []string) (store.RunRecord, error) {
	if len(args) == 0 {
		r, err := st.Latest()
		if errors.Is(err, store.ErrNotFound) {
			return r, fmt.Errorf("no run to resume in %s", st.Dir())
		}
		return r, err
	}
	runs, err := st.Runs()
	if err != nil {
		return store.RunRecord{}, err
	}
	return matchRun(runs, func(r store.RunRecord) string { return r.ID }, args[0], st.Dir())
}

// printResumption says what is reused and why the rest runs again.
func printResumption(w io.Writer, r *engine.Resumption) {
	fmt.Fprintf(w, "  reusing %s from run %s; running %d again\n", plural(r.Keep.Len(), "task"), r.From.ID, len(r.Order))
	const show = 10
	for i, id := range r.Order {
		if i == show {
			fmt.Fprintf(w, "    ... and %d more\n", len(r.Order)-show)
			break
		}
		fmt.Fprintf(w, "    %s: %s\n", id, r.Why[id])
	}
}
