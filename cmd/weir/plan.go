package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/engine"
	"github.com/weirflow/weir/internal/units"
	"github.com/weirflow/weir/shm"
	"github.com/weirflow/weir/store"
)

type planFlags struct {
	load loadFlags
	json bool
	full bool
}

func newPlanCmd(o *options) *cobra.Command {
	var pf planFlags
	cmd := &cobra.Command{
		Use:   "plan FILE",
		Short: "List the tasks a run would start, in order, with pools and caps",
		Long: `Plan lists every task of the workflow in the order a run would start them
when nothing else limits it: ready tasks on the longest remaining path first.
Each task shows its pool, memory cap, timeout, the tasks it waits for, and the
command it runs, with segment paths written as the references that set them.
A stage of more than 20 tasks shows its first 10 and counts the rest, unless
--full is given.`,
		Example: `  weir plan etl.hcl
  weir plan etl.hcl --var shards=8 --json | jq '.tasks[].id'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			defer limitCheckMemory()()
			plan, err := pf.load.load(o, args[0])
			if err != nil {
				return err
			}
			if pf.json {
				return writePlanJSON(o.stdout, plan)
			}
			return writePlanText(o.stdout, plan, latestComparison(plan), pf.full)
		},
	}
	workflowArg(cmd)
	pf.load.register(cmd)
	cmd.Flags().BoolVar(&pf.json, "json", false, "print the plan as JSON")
	cmd.Flags().BoolVar(&pf.full, "full", false, "list every task of wide stages too")
	return cmd
}

// checkMemoryLimit is the soft memory limit of the commands that load a
// workflow and exit. A plan is mostly live data, about 600 bytes a task;
// at a million tasks the collector's default target (twice the live heap,
// more while loading a small file) would take well over a GiB. Near this
// limit it collects more often instead.
const checkMemoryLimit = 768 << 20

// limitCheckMemory sets checkMemoryLimit unless GOMEMLIMIT set one, and
// returns what restores the previous limit.
func limitCheckMemory() func() {
	if prev := debug.SetMemoryLimit(-1); prev == math.MaxInt64 {
		debug.SetMemoryLimit(checkMemoryLimit)
		return func() { debug.SetMemoryLimit(prev) }
	}
	return func() {}
}

// planJSON is the --json form: the plan's own fields, tasks in start order.
type planJSON struct {
	Name         string        `json:"name"`
	File         string        `json:"file"`
	Settings     dag.Settings  `json:"settings"`
	Pools        []*dag.Pool   `json:"pools"`
	CriticalPath []string      `json:"critical_path"`
	Estimate     time.Duration `json:"critical_path_estimate,omitempty"` // nanoseconds, like the tasks' durations
	Tasks        []*dag.Task   `json:"tasks"`
	// History compares each stage's cap and timeout with what its recent
	// successful attempts used (see `weir plan` text output).
	History []stageHistory `json:"history,omitempty"`
}

func writePlanJSON(w io.Writer, p *dag.Plan) error {
	path, est := criticalPath(p)
	out := planJSON{
		Name:         p.Name,
		File:         p.File,
		Settings:     p.Settings,
		Pools:        p.Pools,
		CriticalPath: taskIDs(path),
		Estimate:     est,
	}
	for _, t := range startOrder(p) {
		out.Tasks = append(out.Tasks, displayTask(t))
	}
	out.History, _ = learnedHistory(p)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Commands are full of < > &; keep them readable.
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// displayTask copies t with segment placeholders written as references;
// the placeholders' NUL bytes mean nothing outside a run.
func displayTask(t *dag.Task) *dag.Task {
	c := *t
	c.Argv = make([]string, len(t.Argv))
	for i, a := range t.Argv {
		c.Argv[i] = dag.Display(a)
	}
	c.Script = dag.Display(t.Script)
	if t.Env != nil {
		c.Env = make(map[string]string, len(t.Env))
		for k, v := range t.Env {
			c.Env[k] = dag.Display(v)
		}
	}
	c.Dir = dag.Display(t.Dir)
	return &c
}

// A stage of more than wideStage tasks is summarized in the text plan: its
// first wideShown tasks in start order, then a count of the rest.
const (
	wideStage = 20
	wideShown = 10
)

func writePlanText(w io.Writer, p *dag.Plan, resume *engine.Resumption, full bool) error {
	tw := &errWriter{w: w}
	tw.printf("workflow %s (%s)\n", p.Name, p.File)
	if p.Settings.StateDir != "" {
		tw.printf("state dir: %s\n", p.Settings.StateDir)
	}
	if p.Settings.MemoryBudget > 0 {
		tw.printf("memory budget: %s\n", units.Size(p.Settings.MemoryBudget))
	}
	if p.Settings.ShmReuse > 0 {
		tw.printf("shm reuse: up to %s of released segments kept in %s\n", units.Size(p.Settings.ShmReuse), shm.PoolDir(p.Settings.ShmDir))
	}
	tw.printf("pools: %s\n", describePools(p.Pools))
	path, est := criticalPath(p)
	tw.printf("critical path: %s\n", describePath(path, est))
	if resume != nil {
		tw.printf("last run: %s (%s); weir resume would reuse %d of %d tasks\n",
			resume.From.ID, resume.From.State, resume.Keep.Len(), len(p.Tasks))
	}
	perStage := map[string]int{}
	for _, t := range p.Tasks {
		perStage[t.Stage]++
	}
	tw.printf("tasks: %s in %s\n", units.Thousands(len(p.Tasks)), plural(len(p.Stages), "stage"))
	tw.printf("\n")

	order := startOrder(p)
	header := []string{"#", "TASK", "POOL", "MEMORY", "TIMEOUT", "AFTER"}
	if resume != nil {
		header = append(header[:len(header)-1], "RESUME", "AFTER")
	}
	rows := [][]string{header}
	var tasks []*dag.Task // of rows[1:]; nil for the count of a wide stage's rest
	more := map[int]string{}
	listed := map[string]int{}
	for i, t := range order {
		if n := perStage[t.Stage]; !full && n > wideStage {
			k := listed[t.Stage]
			listed[t.Stage]++
			if k == wideShown {
				more[len(rows)] = fmt.Sprintf("… %s more tasks of stage %s (%s in all; --full lists them)",
					units.Thousands(n-wideShown), t.Stage, units.Thousands(n))
				rows = append(rows, nil)
				tasks = append(tasks, nil)
			}
			if k >= wideShown {
				continue
			}
		}
		tasks = append(tasks, t)
		row := []string{fmt.Sprint(i + 1), t.ID, t.Pool, sizeOrDash(t.Memory), durationOrDash(t.Timeout)}
		if resume != nil {
			next := "run"
			if resume.Keep.Has(t.ID) {
				next = "reuse"
			}
			row = append(row, next)
		}
		rows = append(rows, append(row, abbreviateDeps(t.Deps, perStage, 3)))
	}
	widths := columnWidths(slices.DeleteFunc(slices.Clone(rows), func(r []string) bool { return r == nil }))
	indent := strings.Repeat(" ", widths[0]+2+4)
	// The instances of a for_each stage often run the same text and differ
	// only in env; print the text once per stage and refer back to it.
	type shown struct {
		id    string
		lines []string
	}
	first := map[string]shown{}
	for i, row := range rows {
		if row == nil {
			tw.printf("%s%s\n", strings.Repeat(" ", widths[0]+2), more[i])
			continue
		}
		tw.printf("%s\n", formatRow(row, widths))
		if i == 0 {
			continue
		}
		t := tasks[i-1]
		if resume != nil && !resume.Keep.Has(t.ID) {
			tw.printf("%swhy: %s\n", indent, resume.Why[t.ID])
		}
		if env := envLine(t.Env); env != "" {
			tw.printf("%s%s\n", indent, env)
		}
		lines := commandLines(t)
		if prev, ok := first[t.Stage]; ok && slices.Equal(prev.lines, lines) {
			what := "command"
			if t.Script != "" {
				what = "script"
			}
			lines = []string{fmt.Sprintf("(%s as %s)", what, prev.id)}
		} else if !ok {
			first[t.Stage] = shown{id: t.ID, lines: lines}
		}
		for _, line := range lines {
			tw.printf("%s%s\n", indent, line)
		}
	}
	stages, runs := learnedHistory(p)
	writeHistory(tw, stages, runs, p.Name)
	return tw.err
}

// envLine shows a task's declared environment as shell assignments.
func envLine(env map[string]string) string {
	if len(env) == 0 {
		return ""
	}
	keys := slices.Sorted(maps.Keys(env))
	for i, k := range keys {
		keys[i] = k + "=" + shellQuote(dag.Display(env[k]))
	}
	return "env: " + strings.Join(keys, " ")
}

// startOrder is the order a run with unlimited slots would start tasks.
func startOrder(p *dag.Plan) []*dag.Task {
	return p.Graph.StartOrder((*dag.Task).Weight)
}

// criticalPath is the chain of tasks with the largest summed weight, and its
// summed declared estimates (0 when none of its tasks declares one).
func criticalPath(p *dag.Plan) ([]*dag.Task, time.Duration) {
	path, _ := p.Graph.CriticalPath((*dag.Task).Weight)
	var est time.Duration
	for _, t := range path {
		est += t.Estimate
	}
	return path, est
}

func taskIDs(ts []*dag.Task) []string {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return ids
}

func describePools(pools []*dag.Pool) string {
	var parts []string
	for _, pl := range pools {
		s := fmt.Sprintf("%s %s", pl.Name, plural(pl.Processes, "slot"))
		if pl.Memory > 0 {
			s += ", " + units.Size(pl.Memory)
		}
		if pl.Executor != "" && pl.Executor != "local" {
			s += " (" + pl.Executor + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// describePath shows a critical path, its middle elided when long.
func describePath(path []*dag.Task, est time.Duration) string {
	if len(path) == 0 {
		return "none (no tasks)"
	}
	ids := taskIDs(path)
	if len(ids) > 6 {
		ids = append(append(ids[:3:3], "…"), ids[len(ids)-2:]...)
	}
	s := fmt.Sprintf("%s (%s", strings.Join(ids, " → "), plural(len(path), "task"))
	if est > 0 {
		s += ", estimated " + units.Duration(est)
	}
	return s + ")"
}

// abbreviateDeps shortens a task's dependencies for one table cell: a
// for_each stage all of whose instances are deps becomes "stage[*]", and
// past max items the rest is counted.
func abbreviateDeps(deps []string, perStage map[string]int, max int) string {
	if len(deps) == 0 {
		return "-"
	}
	byStage := map[string]int{}
	for _, d := range deps {
		byStage[stageOf(d)]++
	}
	var items []string
	seen := map[string]bool{}
	for _, d := range deps {
		st := stageOf(d)
		if st != d && byStage[st] > 1 && byStage[st] == perStage[st] {
			if !seen[st] {
				seen[st] = true
				items = append(items, st+"[*]")
			}
			continue
		}
		items = append(items, d)
	}
	if len(items) > max {
		items = append(items[:max:max], fmt.Sprintf("+%d more", len(items)-max))
	}
	return strings.Join(items, ", ")
}

// stageOf is the stage part of a task ID: "clean" for "clean[a]".
func stageOf(id string) string {
	if i := strings.IndexByte(id, '['); i > 0 && strings.HasSuffix(id, "]") {
		return id[:i]
	}
	return id
}

func sizeOrDash(n int64) string {
	if n <= 0 {
		return "-"
	}
	return units.Size(n)
}

func durationOrDash(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return units.Duration(d)
}

// commandLines is what a task runs, as shown under its row: a command as one
// shell-quoted line, a script line by line.
func commandLines(t *dag.Task) []string {
	if t.Script != "" {
		lines := strings.Split(strings.TrimRight(dag.Display(t.Script), "\n"), "\n")
		for i, l := range lines {
			lines[i] = "| " + l
		}
		return lines
	}
	args := make([]string, len(t.Argv))
	for i, a := range t.Argv {
		args[i] = shellQuote(dag.Display(a))
	}
	return []string{"$ " + strings.Join(args, " ")}
}

// latestComparison compares plan with the latest run of the same workflow
// file in its state dir, as resume would; nil when there is none, or when
// the store cannot be read now (an engine holds it).
func latestComparison(plan *dag.Plan) *engine.Resumption {
	if _, err := os.Stat(plan.Settings.StateDir); err != nil {
		return nil
	}
	st, err := store.Open(plan.Settings.StateDir, store.Options{ReadOnly: true, Timeout: 100 * time.Millisecond})
	if err != nil {
		return nil
	}
	defer st.Close()
	runs, err := st.Runs()
	if err != nil {
		return nil
	}
	for _, r := range runs {
		if r.Workflow != plan.File {
			continue
		}
		resume, err := engine.Decide(st, plan, r)
		if err != nil {
			return nil
		}
		return resume
	}
	return nil
}
