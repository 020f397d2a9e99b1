package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/beneath"
	"github.com/weirflow/weir/internal/units"
	"github.com/weirflow/weir/store"
)

// The commands that look at runs (runs, status, logs) read the state dir
// without locking it, so they work while an engine runs there.

// openStateStore opens the store of the state dir (see stateDirOrDefault).
func (o *options) openStateStore(opts store.Options) (*store.Store, error) {
	dir, err := o.stateDirOrDefault()
	if err != nil {
		return nil, err
	}
	return store.Open(dir, opts)
}

func newRunsCmd(o *options) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List the runs in the state dir, newest first",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			dir, err := o.stateDirOrDefault()
			if err != nil {
				return err
			}
			runs, err := store.ListRuns(dir)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(o, runs)
			}
			if len(runs) == 0 {
				fmt.Fprintln(o.stdout, "no runs yet")
				return nil
			}
			tw := tabwriter.NewWriter(o.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tWORKFLOW\tSTATE\tTASKS\tSTARTED\tTOOK")
			for _, r := range runs {
				d := took(r.Started, r.Ended)
				if r.State == store.RunLost {
					d = "-" // its engine died; when, nobody recorded
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.State, countsText(r.Counts, r.Tasks),
					r.Started.Local().Format("2006-01-02 15:04:05"), d)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the runs as JSON")
	return cmd
}

// pickRun finds the run named in args, or the latest.
func pickRun(o *options, args []string) (string, store.RunSummary, error) {
	dir, err := o.stateDirOrDefault()
	if err != nil {
		return "", store.RunSummary{}, err
	}
	runs, err := store.ListRuns(dir)
	if err != nil {
		return "", store.RunSummary{}, err
	}
	if len(runs) == 0 {
		return "", store.RunSummary{}, fmt.Errorf("no runs in %s", dir)
	}
	if len(args) == 0 {
		return dir, runs[0], nil
	}
	r, err := matchRun(runs, func(r store.RunSummary) string { return r.ID }, args[0], dir)
	return dir, r, err
}

// matchRun finds the run named by arg: its id, or a unique prefix of it, as
// with git commits (ids start with the date and time, so "20261126-0712"
// picks the run started then).
func matchRun[R any](runs []R, id func(R) string, arg, dir string) (R, error) {
	var matches []R
	for _, r := range runs {
		if id(r) == arg {
			return r, nil
		}
		if arg != "" && strings.HasPrefix(id(r), arg) {
			matches = append(matches, r)
		}
	}
	var zero R
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return zero, fmt.Errorf("no run %q in %s (weir runs lists them)", arg, dir)
	}
	return zero, fmt.Errorf("%q matches %d runs; give more of the id", arg, len(matches))
}

func newLogsCmd(o *options) *cobra.Command {
	var attempt int
	var follow bool
	var stream string
	cmd := &cobra.Command{
		Use:   "logs [RUN] TASK",
		Short: "Print a task's output (its last attempt unless --attempt; the latest run unless RUN)",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(c *cobra.Command, args []string) error {
			switch stream {
			case "both", "stdout", "stderr":
			default:
				return usagef("--stream must be stdout, stderr or both, not %q", stream)
			}
			dir, run, err := pickRun(o, args[:len(args)-1])
			if err != nil {
				return err
			}
			task := args[len(args)-1]
			rec, err := findTask(dir, run, task)
			if err != nil {
				return err
			}
			n := attempt
			if n == 0 {
				n = rec.Attempts
			}
			if n < 1 || n > rec.Attempts {
				return fmt.Errorf("task %s has %s", task, plural(rec.Attempts, "attempt"))
			}
			layout := store.DirLayout{Root: filepath.Join(dir, "runs", run.ID)}
			stdout, stderr := layout.Logs(task, n)
			var paths []string
			if stream != "stderr" {
				paths = append(paths, stdout)
			}
			if stream != "stdout" {
				paths = append(paths, stderr)
			}
			if follow {
				return followLogs(o, dir, run.ID, task, n, paths)
			}
			var copied int64
			for _, p := range paths {
				n, err := copyLog(o.stdout, dir, p, 0)
				if err != nil {
					return err
				}
				copied += n
			}
			if copied == 0 {
				// Say so, rather than print nothing: a log file is made
				// only at its first byte.
				what := "no output"
				if stream != "both" {
					what = "nothing on " + stream
				}
				fmt.Fprintf(o.stderr, "weir: task %s attempt %d wrote %s\n", task, n, what)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&attempt, "attempt", 0, "the attempt `N` (1-based; default the last)")
	f.BoolVarP(&follow, "follow", "f", false, "keep printing as the task writes, until the attempt ends")
	f.StringVar(&stream, "stream", "both", "which output: stdout, stderr or `both` (stdout first)")
	return cmd
}

// followLogs prints what the attempt writes as it writes it, and returns
// once the attempt has ended and its output is printed.
func followLogs(o *options, dir, runID, task string, attempt int, paths []string) error {
	offsets := make([]int64, len(paths))
	end := attemptEnd{events: eventTail{dir: dir, run: runID}, task: task, attempt: attempt}
	for {
		ended := end.seen()
		for i, p := range paths {
			n, err := copyLog(o.stdout, dir, p, offsets[i])
			if err != nil {
				return err
			}
			offsets[i] += n
		}
		if ended {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// copyLog copies the log at path, from offset on, to w in small pieces,
// so that a log of any size (one 100 MB line included) takes little
// memory; it says how many bytes it copied. A log that is missing (the
// task wrote nothing to it) copies nothing. No symbolic link below the
// state dir is followed: a log replaced by one is refused.
func copyLog(w io.Writer, stateDir, path string, offset int64) (int64, error) {
	f, err := beneath.Open(stateDir, path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("cannot read the log: %w", err)
	}
	defer f.Close()
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			return 0, fmt.Errorf("cannot read the log %s: %w", path, err)
		}
	}
	n, err := io.CopyBuffer(w, f, make([]byte, 64<<10))
	if err != nil {
		return n, fmt.Errorf("cannot copy the log %s: %w", path, err)
	}
	return n, nil
}

// attemptEnd watches a run's event log for the end of one attempt (or of
// the run).
type attemptEnd struct {
	events  eventTail
	task    string
	attempt int
}

// seen reports whether the attempt or the run has ended; a log that
// cannot be read counts as ended, so that following stops.
func (a *attemptEnd) seen() bool {
	events, err := a.events.next(func(task []byte) bool { return string(task) == a.task })
	if err != nil {
		return true
	}
	for _, e := range events {
		if e.Kind == event.RunEnded || e.Kind == event.AttemptEnded && e.Task == a.task && e.Attempt == a.attempt {
			return true
		}
	}
	return false
}

func suggestTask(task string, ids iter.Seq[string]) string {
	for id := range ids {
		if strings.EqualFold(id, task) || strings.HasPrefix(id, task+"[") {
			return fmt.Sprintf("; did you mean %q?", id)
		}
	}
	return " (weir status lists its tasks)"
}

// countsText is "5 succeeded, 1 failed of 7".
func countsText(counts map[event.TaskState]int, total int) string {
	var parts []string
	for _, st := range []event.TaskState{event.TaskSucceeded, event.Reused, event.Running, event.TaskFailed, event.Skipped, event.TaskCancelled} {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if len(parts) == 0 {
		parts = []string{"nothing done"}
	}
	s := strings.Join(parts, ", ")
	if total > 0 {
		s += fmt.Sprintf(" of %d", total)
	}
	return s
}

func took(start, end time.Time) string {
	if start.IsZero() {
		return "-"
	}
	if end.IsZero() {
		return units.Duration(time.Since(start).Round(time.Second)) + " so far"
	}
	return units.Duration(end.Sub(start).Round(time.Millisecond))
}

func writeJSON(o *options, v any) error {
	enc := json.NewEncoder(o.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
