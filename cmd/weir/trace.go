package main

import (
	"bytes"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/history"
)

func newTraceCmd(o *options) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "trace [RUN]",
		Short: "Write a run's attempts as tab-separated values, one row each (default: the latest run)",
		Long: `Trace writes a row per attempt of a run: task, stage, key, attempt, pool, how
it ended (reason, exit code, signal), start and end (UTC), duration and CPU
seconds, peak memory against its cap in bytes, how the cap was enforced, and
the detail of a failure. The columns are documented in docs/cli.md; the file
opens in a spreadsheet, or in pandas with read_csv(path, sep="\t").`,
		Example: `  weir trace > trace.tsv
  weir trace 20261126-0712 -o trace.tsv`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			dir, run, err := pickRun(o, args)
			if err != nil {
				return err
			}
			attempts, err := history.Attempts(dir, run.ID)
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				return history.WriteTrace(o.stdout, attempts)
			}
			var b bytes.Buffer
			if err := history.WriteTrace(&b, attempts); err != nil {
				return err
			}
			return writeFileAtomic(out, b.Bytes())
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to `FILE` instead of standard output")
	return cmd
}
