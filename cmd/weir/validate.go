package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/dag"
)

func newValidateCmd(o *options) *cobra.Command {
	var lf loadFlags
	cmd := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a workflow and report every problem in it",
		Long: `Validate parses the workflow, evaluates its variables and expressions, and
checks its stages, pools, caps and graph, as a run would before starting.
Every problem is reported at once, with the file and line it is on.
Warnings are printed but do not fail validation.`,
		Example: `  weir validate etl.hcl
  weir validate etl.hcl --var rows=100 --var-file prod.hcl`,
		RunE: func(cmd *cobra.Command, args []string) error {
			defer limitCheckMemory()()
			plan, err := lf.load(o, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(o.stdout, "%s: valid (%s)\n", args[0], summarize(plan))
			return nil
		},
	}
	workflowArg(cmd)
	lf.register(cmd)
	return cmd
}

// summarize counts a plan's stages, tasks and edges: "4 stages, 6 tasks, 7 edges".
func summarize(p *dag.Plan) string {
	return fmt.Sprintf("%s, %s, %s", plural(len(p.Stages), "stage"), plural(len(p.Tasks), "task"), plural(p.Graph.EdgeCount(), "edge"))
}
