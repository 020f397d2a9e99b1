package main

import (
	"fmt"
	"io"
	"iter"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/engine"
	"github.com/weirflow/weir/store"
)

func newWhyCmd(o *options) *cobra.Command {
	var lf loadFlags
	var runArg string
	cmd := &cobra.Command{
		Use:   "why TASK",
		Short: "Say why resume would run a task again, down to what changed",
		Long: `why compares a task of the workflow as it is now with the same task in the
latest run (or --run): whether resume would reuse it, and if not, why, naming
the part of its definition that changed with its old and new value, the
input that runs again and why, or the output that is gone or changed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			st, err := o.openStateStore(store.Options{ReadOnly: true})
			if err != nil {
				return err
			}
			defer st.Close()
			var sel []string
			if runArg != "" {
				sel = []string{runArg}
			}
			from, err := findRun(st, sel)
			if err != nil {
				return err
			}
			lf.vars = append(append([]string(nil), from.Vars...), lf.vars...)
			lf.varFiles = append(append([]string(nil), from.VarFiles...), lf.varFiles...)
			// Only the tasks linked to this one are built: at a million
			// keys, building them all was most of why's time.
			lf.focus = args[0]
			plan, err := lf.load(o, from.Workflow)
			if err != nil {
				return err
			}
			t := plan.Task(args[0])
			if t == nil {
				return noTask(plan, args[0])
			}
			// Only the tasks a change could reach this one through are
			// decided, and only their records read.
			r, err := engine.Why(st, plan, from, t.ID)
			if err != nil {
				return err
			}
			explain(o.stdout, plan, r, t, "")
			return nil
		},
	}
	lf.register(cmd)
	cmd.Flags().StringVar(&runArg, "run", "", "compare with this `RUN` instead of the latest")
	return cmd
}

// planTasks is the IDs of plan's tasks.
func planTasks(plan *dag.Plan) iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, t := range plan.Tasks {
			if !yield(t.ID) {
				return
			}
		}
	}
}

// explain prints why t would be reused or run again, following a changed
// input to the task upstream where the change is.
func explain(w io.Writer, plan *dag.Plan, r *engine.Resumption, t *dag.Task, indent string) {
	if r.Keep.Has(t.ID) {
		fmt.Fprintf(w, "%s%s would be reused: unchanged since run %s, outputs intact\n", indent, t.ID, r.From.ID)
		return
	}
	why := r.Why[t.ID]
	fmt.Fprintf(w, "%s%s runs again: %s\n", indent, t.ID, why)
	old := r.Tasks[t.ID]
	switch {
	case why == "its definition changed":
		printDefinitionDiff(w, old.Definition, engine.DefParts(t), indent+"  ")
	default:
		for _, dep := range t.Deps {
			if !r.Keep.Has(dep) {
				explain(w, plan, r, plan.Task(dep), indent+"  ")
				return
			}
		}
	}
}

// printDefinitionDiff names every part that differs, with its old and new
// value.
func printDefinitionDiff(w io.Writer, old, now []store.DefPart, indent string) {
	if len(old) == 0 {
		fmt.Fprintf(w, "%s(the earlier run recorded no definition to compare with)\n", indent)
		return
	}
	before := map[string]string{}
	for _, p := range old {
		before[p.Name] = p.Value
	}
	seen := map[string]bool{}
	for _, p := range now {
		seen[p.Name] = true
		v, ok := before[p.Name]
		switch {
		case !ok:
			fmt.Fprintf(w, "%s%s added: %q\n", indent, p.Name, p.Value)
		case v != p.Value:
			fmt.Fprintf(w, "%s%s: %q -> %q\n", indent, p.Name, v, p.Value)
		}
	}
	for _, p := range old {
		if !seen[p.Name] {
			fmt.Fprintf(w, "%s%s removed: was %q\n", indent, p.Name, p.Value)
		}
	}
}
