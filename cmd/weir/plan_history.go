package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/history"
	"github.com/weirflow/weir/internal/units"
)

// historyRuns is how many recent runs `weir plan` learns from.
const historyRuns = 20

// stageHistory is one stage's row of the history table, and its --json form.
type stageHistory struct {
	Stage     string           `json:"stage"`
	Runs      int              `json:"runs"`
	Successes int              `json:"successful_attempts"`
	PeakMin   int64            `json:"peak_memory_min,omitempty"`
	PeakMax   int64            `json:"peak_memory_max,omitempty"`
	Memory    int64            `json:"memory,omitempty"` // declared cap
	DurMin    time.Duration    `json:"duration_min,omitempty"`
	DurMax    time.Duration    `json:"duration_max,omitempty"`
	Timeout   time.Duration    `json:"timeout,omitempty"` // declared
	OOMs      int              `json:"ooms,omitempty"`
	Timeouts  int              `json:"timeouts,omitempty"`
	Advice    []history.Advice `json:"advice,omitempty"`
}

// learnedHistory compares each stage's declared cap and timeout with what
// its recent successful attempts used, in declaration order. It is empty
// when the state dir holds no ended run of the workflow.
func learnedHistory(p *dag.Plan) (stages []stageHistory, runs int) {
	if _, err := os.Stat(p.Settings.StateDir); err != nil {
		return nil, 0
	}
	hist, runs, err := history.Learn(p.Settings.StateDir, p.Name, historyRuns)
	if err != nil || runs == 0 {
		return nil, 0
	}
	seen := map[string]bool{}
	for _, t := range p.Tasks {
		h := hist[t.Stage]
		if seen[t.Stage] || h == nil {
			continue
		}
		seen[t.Stage] = true
		stages = append(stages, stageHistory{
			Stage: t.Stage, Runs: h.Runs, Successes: h.Successes,
			PeakMin: h.PeakMin, PeakMax: h.PeakMax, Memory: t.Memory,
			DurMin: h.DurMin, DurMax: h.DurMax, Timeout: t.Timeout,
			OOMs: h.OOMs, Timeouts: h.Timeouts,
			Advice: history.Advise(h, t.Memory, t.Timeout),
		})
	}
	return stages, runs
}

// writeHistory prints the history table and its advice under the plan.
func writeHistory(tw *errWriter, stages []stageHistory, runs int, name string) {
	if len(stages) == 0 {
		return
	}
	tw.printf("\nhistory: the last %s of %s\n", plural(runs, "run"), name)
	rows := [][]string{{"STAGE", "RUNS", "PEAK MEMORY", "CAP", "TOOK", "TIMEOUT", "FAILED"}}
	var advice []history.Advice
	for _, s := range stages {
		peak, took := "-", "-"
		if s.PeakMax > 0 {
			peak = rangeText(units.Size(s.PeakMin), units.Size(s.PeakMax))
		}
		if s.DurMax > 0 {
			took = rangeText(units.Duration(s.DurMin.Round(time.Millisecond)), units.Duration(s.DurMax.Round(time.Millisecond)))
		}
		failed := "-"
		switch {
		case s.OOMs > 0 && s.Timeouts > 0:
			failed = fmt.Sprintf("%d oom, %d timeout", s.OOMs, s.Timeouts)
		case s.OOMs > 0:
			failed = fmt.Sprintf("%d oom", s.OOMs)
		case s.Timeouts > 0:
			failed = fmt.Sprintf("%d timeout", s.Timeouts)
		}
		rows = append(rows, []string{s.Stage, fmt.Sprint(s.Runs), peak, sizeOrDash(s.Memory), took, durationOrDash(s.Timeout), failed})
		advice = append(advice, s.Advice...)
	}
	table := tabwriter.NewWriter(tw, 0, 4, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintln(table, strings.Join(row, "\t"))
	}
	table.Flush()
	for _, a := range advice {
		tw.printf("suggest: stage %q %s = %s (%s)\n", a.Stage, a.Attribute, a.Suggested, a.Why)
	}
}

func rangeText(lo, hi string) string {
	if lo == hi {
		return lo
	}
	return lo + " - " + hi
}
