package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/units"
	"github.com/weirflow/weir/store"
)

// statusRows is the most tasks weir status lists one per line unasked:
// a larger run is shown by stage, with its first failures, since a
// million lines help nobody and take seconds to read and print.
var statusRows = 1000

// statusFailures is how many failed tasks the summary of a large run names.
const statusFailures = 10

func newStatusCmd(o *options) *cobra.Command {
	var asJSON, failed, all bool
	cmd := &cobra.Command{
		Use:   "status [RUN]",
		Short: "Show a run's state and its tasks' (default: the latest run)",
		Long: fmt.Sprintf(`status shows a run (the latest unless RUN names one) and its tasks: each
task's state, attempts, how its last attempt ended, its peak memory and
duration. A run of more than %s is shown by stage instead, with the
first of its failed tasks; --failed lists every failed task, --all every
task.`, plural(statusRows, "task")),
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if failed && all {
				return usagef("--failed and --all: choose one")
			}
			dir, run, err := pickRun(o, args)
			if err != nil {
				return err
			}
			if run.Tasks <= statusRows && !failed {
				return statusFromEvents(o, dir, run, asJSON, nil, false)
			}
			// Read once, if at all, by the ways below that can answer
			// from it.
			summary := sync.OnceValue(func() *store.RunFileSummary { return readSummary(dir, run) })
			if failed && !asJSON {
				if _, each, ok := fromSummary(summary()); ok {
					return statusTasks(o, run, false, each)
				}
				// A run still going, whose summary lists every failure.
				if _, _, each, all, ok := liveSummary(summary()); ok && all && run.Engine.Alive() {
					if err := statusTasks(o, run, false, each); err != nil {
						return err
					}
					fmt.Fprintln(o.stdout, liveNote)
					return nil
				}
			}
			// The database has each stage's counts and the failed tasks;
			// while an engine holds it, or before an engine upgraded it,
			// the event log says the same at the cost of reading it all.
			st, err := store.Open(dir, store.Options{ReadOnly: true, Timeout: 100 * time.Millisecond})
			var locked *store.ErrLocked
			switch {
			case errors.As(err, &locked), errors.Is(err, store.ErrOlderLayout), errors.Is(err, store.ErrNotFound):
				if !failed && !all && !asJSON {
					// A finished run's summary says it without the event log.
					if stages, each, ok := fromSummary(summary()); ok {
						return printByStage(o, run, stages, each)
					}
					// So does a running one's, as of its last rewrite: the
					// event log of a large run is too much to read at each
					// look.
					if stages, n, each, byName, ok := liveSummary(summary()); ok && run.Engine.Alive() {
						if err := printStages(o, run, stages, each, n, byName); err != nil {
							return err
						}
						fmt.Fprintln(o.stdout, liveNote)
						return nil
					}
				}
				var only func(store.TaskRecord) bool
				if failed {
					only = isFailed
				}
				return statusFromEvents(o, dir, run, asJSON, only, !failed && !all)
			case err != nil:
				return err
			}
			defer st.Close()
			switch {
			case failed:
				return statusTasks(o, run, asJSON, func(fn func(store.TaskRecord) error) error { return st.Failed(run.ID, fn) })
			case all || asJSON:
				return statusTasks(o, run, asJSON, func(fn func(store.TaskRecord) error) error { return st.EachTask(run.ID, fn) })
			}
			return statusByStage(o, st, run)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print the run and its tasks as JSON")
	f.BoolVar(&failed, "failed", false, "list only the failed tasks")
	f.BoolVar(&all, "all", false, "list every task, however many")
	return cmd
}

func isFailed(t store.TaskRecord) bool { return t.State == event.TaskFailed }

// statusJSON is what status --json prints.
type statusJSON struct {
	Run   store.RunSummary            `json:"run"`
	Tasks map[string]store.TaskRecord `json:"tasks"`
}

// statusFromEvents replays the run's event log: every task, or those only
// keeps, or with byStage the counts by stage and the first failures.
func statusFromEvents(o *options, dir string, run store.RunSummary, asJSON bool, only func(store.TaskRecord) bool, byStage bool) error {
	events, err := store.ReadEvents(dir, run.ID)
	if err != nil {
		return err
	}
	tasks := store.Replay(events)
	if only != nil {
		for id, t := range tasks {
			if !only(t) {
				delete(tasks, id)
			}
		}
	}
	if asJSON {
		return writeJSON(o, statusJSON{run, tasks})
	}
	if byStage {
		return printByStage(o, run, stagesOf(tasks), func(fn func(store.TaskRecord) error) error {
			ids := make([]string, 0, run.Counts[event.TaskFailed])
			for id, t := range tasks {
				if isFailed(t) {
					ids = append(ids, id)
				}
			}
			sort.Strings(ids)
			for _, id := range ids {
				if err := fn(tasks[id]); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return printStatus(o, run, events, tasks)
}

// stagesOf counts replayed tasks by stage. Tasks that have no event yet
// are not among them.
func stagesOf(tasks map[string]store.TaskRecord) []store.StageSummary {
	by := map[string]*store.StageSummary{}
	for id, t := range tasks {
		name := store.StageOf(id)
		s := by[name]
		if s == nil {
			s = &store.StageSummary{Stage: name, Counts: map[event.TaskState]int{}}
			by[name] = s
		}
		s.Tasks++
		if t.State != event.Pending && t.State != "" {
			s.Counts[t.State]++
		}
	}
	out := make([]store.StageSummary, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Stage < out[j].Stage })
	return out
}

// statusTasks prints the tasks each yields, in task id order, from the
// database.
func statusTasks(o *options, run store.RunSummary, asJSON bool, each func(func(store.TaskRecord) error) error) error {
	if asJSON {
		tasks := map[string]store.TaskRecord{}
		if err := each(func(t store.TaskRecord) error { tasks[t.ID] = t; return nil }); err != nil {
			return err
		}
		return writeJSON(o, statusJSON{run, tasks})
	}
	statusHeader(o.stdout, run)
	tw := tabwriter.NewWriter(o.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tSTATE\tATTEMPTS\tLAST\tPEAK\tTOOK")
	if err := each(func(t store.TaskRecord) error { taskRow(tw, t); return nil }); err != nil {
		return err
	}
	return tw.Flush()
}

// statusByStage prints a large run from the database: its counts by stage
// and its first failed tasks.
func statusByStage(o *options, st *store.Store, run store.RunSummary) error {
	stages, err := st.Stages(run.ID)
	if err != nil {
		return err
	}
	return printByStage(o, run, stages, func(fn func(store.TaskRecord) error) error { return st.Failed(run.ID, fn) })
}

// printByStage prints the run, its counts by stage, and the first failed
// tasks that failed yields.
func printByStage(o *options, run store.RunSummary, stages []store.StageSummary, failed func(func(store.TaskRecord) error) error) error {
	return printStages(o, run, stages, failed, run.Counts[event.TaskFailed], true)
}

// printStages is printByStage with the count of failed tasks given, and
// the order failed yields them in: by name, or the order they failed in.
func printStages(o *options, run store.RunSummary, stages []store.StageSummary, failed func(func(store.TaskRecord) error) error, nFailed int, byName bool) error {
	statusHeader(o.stdout, run)
	tw := tabwriter.NewWriter(o.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tTASKS\tSTATES")
	for _, s := range stages {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", s.Stage, s.Tasks, countsText(s.Counts, 0))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if nFailed > 0 {
		fmt.Fprintf(o.stdout, "\n%s failed; ", plural(nFailed, "task"))
		switch {
		case nFailed > statusFailures && byName:
			fmt.Fprintf(o.stdout, "the first %d by name (weir status --failed lists them all):\n", statusFailures)
		case nFailed > statusFailures:
			fmt.Fprintf(o.stdout, "the first %d to fail (weir status --failed lists them all):\n", statusFailures)
		default:
			fmt.Fprintln(o.stdout, "by name:")
		}
		tw = tabwriter.NewWriter(o.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TASK\tSTATE\tATTEMPTS\tLAST\tPEAK\tTOOK")
		n := 0
		err := failed(func(t store.TaskRecord) error {
			if n == statusFailures {
				return errEnough
			}
			n++
			taskRow(tw, t)
			return nil
		})
		if err != nil && !errors.Is(err, errEnough) {
			return err
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(o.stdout, "\n(%s: by stage; weir status --all lists every task)\n", plural(run.Tasks, "task"))
	return nil
}

// liveNote ends what status prints of a run still going from its
// summary.json.
const liveNote = "(the run is going: the counts are those of its summary.json, rewritten every quarter second or so)"

// errEnough stops a walk over records early.
var errEnough = errors.New("enough")

// statusHeader is the run's line, and why it ended as it did.
func statusHeader(w io.Writer, run store.RunSummary) {
	state := string(run.State)
	if run.FromLog && state == "" {
		state = "running"
	}
	fmt.Fprintf(w, "run %s of %s: %s, %s (started %s, %s)\n", run.ID, run.Name, state,
		countsText(run.Counts, run.Tasks), run.Started.Local().Format("15:04:05"), took(run.Started, run.Ended))
	if run.Message != "" && run.State != store.RunSucceeded {
		fmt.Fprintf(w, "  %s\n", run.Message)
	}
}

// taskRow is a task's line of the task table.
func taskRow(w io.Writer, t store.TaskRecord) {
	last, peak, dur := "-", "-", "-"
	if t.Last != nil {
		last = t.Last.String()
		if t.Last.PeakMemory > 0 {
			peak = units.Size(t.Last.PeakMemory)
		}
		dur = took(t.Last.Start, t.Last.End)
	}
	fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\n", t.ID, t.State, t.Attempts, last, peak, dur)
}

// printStatus prints the run and every task of tasks, in the order they
// first appear in the run's events, which is the order the engine made
// them ready.
func printStatus(o *options, run store.RunSummary, events []event.Event, tasks map[string]store.TaskRecord) error {
	statusHeader(o.stdout, run)
	var order []string
	seen := map[string]bool{}
	for _, e := range events {
		if _, ok := tasks[e.Task]; ok && !seen[e.Task] {
			seen[e.Task] = true
			order = append(order, e.Task)
		}
	}
	var rest []string
	for id := range tasks {
		if !seen[id] {
			rest = append(rest, id)
		}
	}
	sort.Strings(rest)
	order = append(order, rest...)
	tw := tabwriter.NewWriter(o.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tSTATE\tATTEMPTS\tLAST\tPEAK\tTOOK")
	for _, id := range order {
		taskRow(tw, tasks[id])
	}
	return tw.Flush()
}
