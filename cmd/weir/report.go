package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/history"
	"github.com/weirflow/weir/internal/units"
	"github.com/weirflow/weir/store"
	"github.com/weirflow/weir/ui"
)

func newReportCmd(o *options) *cobra.Command {
	var out, trace string
	cmd := &cobra.Command{
		Use:   "report [RUN]",
		Short: "Write a run's report: one self-contained HTML file, and its trace as TSV (default: the latest run)",
		Long: `Report writes what explains a run to someone who was not there: one HTML file
that opens in any browser with no server and no network (the DAG with each
task's outcome, a timeline of every attempt per pool, memory over time against
the cap, CPU time, failures with their reasons and log tails, and totals), and
beside it the run's trace, a row per attempt as tab-separated values (see weir
trace). Its size follows the stages and the failures, not the tasks: a stage of
more than 5,000 tasks is one node with its counts, and one row of the trace
with its totals beside its failed tasks' attempts (weir trace lists every
attempt); memory and log tails are kept for at most 200 tasks, the failed ones
first.`,
		Example: `  weir report
  weir report 20261126-0712 -o nightly.html   # and nightly.tsv`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			dir, run, err := pickRun(o, args)
			if err != nil {
				return err
			}
			if out == "" {
				// Into the run's own directory, not the working tree,
				// where git would see it.
				out = filepath.Join(dir, "runs", run.ID, "report.html")
			}
			if trace == "" {
				trace = strings.TrimSuffix(out, ".html") + ".tsv"
			}
			if trace == out {
				return usagef("the report and the trace would both be %s: name the trace with --trace", out)
			}
			var page bytes.Buffer
			if err := ui.WriteReportWith(&page, dir, run.ID, ui.ReportOptions{History: reportHistory(dir, run)}); err != nil {
				return err
			}
			attempts, totals, err := history.ReportAttempts(dir, run.ID)
			if err != nil {
				return err
			}
			var tsv bytes.Buffer
			if err := history.WriteTraceTotals(&tsv, run.ID, attempts, totals); err != nil {
				return err
			}
			for _, f := range []string{out, trace} {
				if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
					return fmt.Errorf("cannot write %s: %w", f, err)
				}
			}
			if err := writeFilePrivate(out, page.Bytes()); err != nil {
				return err
			}
			if err := writeFilePrivate(trace, tsv.Bytes()); err != nil {
				return err
			}
			rows := plural(len(attempts), "attempt")
			if len(totals) > 0 {
				// Say that the trace is not every attempt, and where that is.
				rows += fmt.Sprintf(" and a total for each of %s; weir trace %s lists every attempt", plural(len(totals), "wide stage"), run.ID)
			}
			fmt.Fprintf(o.stdout, "wrote %s (%s) and %s (%s) for run %s\n",
				relPath(out), units.Size(int64(page.Len())), relPath(trace), rows, run.ID)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the report to `FILE` (default report.html in the run's directory in the state dir)")
	cmd.Flags().StringVar(&trace, "trace", "", "write the trace to `FILE` (default: the report's name with .tsv)")
	return cmd
}

// reportHistory is what the runs of the workflow so far (the report's run
// among them) tell about its stages, against the caps and timeouts the
// report's run declared; nil when there is nothing to tell.
func reportHistory(dir string, run store.RunSummary) *ui.History {
	declared, order, err := history.Declared(dir, run.ID)
	if err != nil {
		return nil
	}
	hist, runs, err := history.Learn(dir, run.Name, historyRuns)
	if err != nil || runs == 0 {
		return nil
	}
	out := &ui.History{Runs: runs}
	for _, stage := range order {
		h := hist[stage]
		if h == nil {
			continue
		}
		d := declared[stage]
		row := ui.StageHistory{
			Stage: stage, Runs: h.Runs, PeakMin: h.PeakMin, PeakMax: h.PeakMax, Memory: d.Memory,
			TookMin: h.DurMin.Milliseconds(), TookMax: h.DurMax.Milliseconds(), Timeout: d.Timeout.Milliseconds(),
			OOMs: h.OOMs, Timeouts: h.Timeouts,
		}
		for _, a := range history.Advise(h, d.Memory, d.Timeout) {
			row.Suggestion = append(row.Suggestion, fmt.Sprintf("%s = %s (%s)", a.Attribute, a.Suggested, a.Why))
		}
		out.Stages = append(out.Stages, row)
	}
	return out
}
