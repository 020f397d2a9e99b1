package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	progressbar "charm.land/bubbles/v2/progress"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/units"
)

// The live view's styles. Colors are plain ANSI ones, which every
// terminal and its theme render legibly; the renderer drops them for a
// terminal without colors or with NO_COLOR set.
var (
	styleTitle   = lipgloss.NewStyle().Bold(true)
	styleHeading = lipgloss.NewStyle().Bold(true)
	styleDim     = lipgloss.NewStyle().Faint(true)
	styleFailed  = lipgloss.NewStyle().Foreground(lipgloss.Red).Bold(true)
	styleOK      = lipgloss.NewStyle().Foreground(lipgloss.Green)
	styleRunning = lipgloss.NewStyle().Foreground(lipgloss.Cyan)
	styleWarn    = lipgloss.NewStyle().Foreground(lipgloss.Yellow)
)

// Full and empty cells of the bar: whole blocks read the same in every
// font, and a test can count them.
const (
	barFull  = '█'
	barEmpty = '░'
)

// memReader gives the memory an attempt uses now, from its samples; ok is
// false while it has none.
type memReader func(task string, attempt int) (bytes int64, ok bool)

// render draws the state as the live view shows it at now, in at most
// width columns and height lines. Everything it says comes from the
// state, so a test can render a fixed sequence of events at a fixed time.
func (s *liveState) render(now time.Time, mem memReader, width, height int) string {
	width = max(width, 40)
	height = max(height, 8)
	var head []string

	elapsed := now.Sub(s.started)
	if !s.ended.IsZero() {
		elapsed = s.ended.Sub(s.started)
	}
	title := fmt.Sprintf("weir run %s · %s · %s", s.runID, s.plan.Name, clock(elapsed))
	head = append(head, styleTitle.Render(title))

	total, done := len(s.plan.Tasks), s.done()
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	tally := fmt.Sprintf("  %d/%d tasks", done, total)
	bar := progressbar.New(progressbar.WithFillCharacters(barFull, barEmpty), progressbar.WithColors(lipgloss.Green),
		progressbar.WithWidth(max(width-ansi.StringWidth(tally), 10)))
	head = append(head, bar.ViewAs(frac)+tally)
	head = append(head, s.countsLine())
	head = append(head, s.memoryLine(mem), s.poolsLine())

	running := s.runningRows(now, mem)
	waits := s.waiting(now, maxWaitRows)
	pending := s.counts[event.Pending]
	failed := s.failures

	// Lines left for the three panels, each a heading and its rows; what
	// does not fit is summed up in a last row.
	room := height - len(head) - 1
	rows := allot(room, []int{len(running), min(waits.total+pending, maxWaitRows), min(len(failed), 3)}, []bool{true, waits.total > 0 || pending > 0, len(failed) > 0})

	out := head
	if rows[0] >= 0 {
		out = append(out, "", styleHeading.Render(fmt.Sprintf("Running (%d)", len(running))))
		out = append(out, clip(running, rows[0])...)
	}
	if rows[1] >= 0 {
		out = append(out, "", styleHeading.Render("Waiting")+" "+styleDim.Render(waitSummary(waits, pending)))
		// Ready tasks first, in the order they will start; then pending
		// ones, as many as are shown.
		shown := waits.shown[:min(len(waits.shown), rows[1])]
		table := append(waitCells(shown), s.pendingCells(rows[1]-len(shown))...)
		out = append(out, clipTotal(alignRows(table), rows[1], waits.total+pending)...)
	}
	if rows[2] >= 0 {
		out = append(out, "", styleFailed.Render(fmt.Sprintf("Failed attempts (%d)", s.failedAttempts)))
		out = append(out, clip(failureRows(failed), rows[2])...)
	}
	for i, l := range out {
		out[i] = ansi.Truncate(l, width, "…")
	}
	return strings.Join(out, "\n")
}

// maxWaitRows is the most rows the waiting panel shows.
const maxWaitRows = 8

// allot shares room lines among panels that want want[i] rows each, plus a
// heading and a blank line for those shown; -1 means a panel is left out.
// The first panel goes first: what runs matters most.
func allot(room int, want []int, show []bool) []int {
	got := make([]int, len(want))
	for i := range want {
		got[i] = -1
		if show[i] && room >= 2 {
			got[i] = 0
			room -= 2
		}
	}
	for i := range want {
		if got[i] < 0 {
			continue
		}
		got[i] = min(want[i], room)
		room -= got[i]
	}
	return got
}

// clip keeps n rows, the last of them saying how many were left out.
func clip(rows []string, n int) []string { return clipTotal(rows, n, len(rows)) }

// clipTotal keeps n of rows, the first of total: when some are left out,
// the last row kept says how many.
func clipTotal(rows []string, n, total int) []string {
	if total <= n || n == 1 {
		return rows[:min(len(rows), n)] // one row says more than "… and N more"
	}
	if n <= 0 {
		return nil
	}
	return append(rows[:n-1:n-1], styleDim.Render(fmt.Sprintf("  … and %d more", total-n+1)))
}

func (s *liveState) countsLine() string {
	var parts []string
	add := func(st event.TaskState, style *lipgloss.Style, always bool) {
		n := s.counts[st]
		if n == 0 && !always {
			return
		}
		text := fmt.Sprintf("%s %d", st, n)
		if style != nil && n > 0 {
			text = style.Render(text)
		}
		parts = append(parts, text)
	}
	add(event.Running, &styleRunning, true)
	add(event.Ready, nil, true)
	add(event.Pending, nil, true)
	add(event.TaskSucceeded, &styleOK, true)
	add(event.Reused, nil, false)
	add(event.TaskFailed, &styleFailed, true)
	add(event.Skipped, &styleWarn, false)
	add(event.TaskCancelled, &styleWarn, false)
	return strings.Join(parts, " · ")
}

// memoryLine is the memory the running tasks hold by their caps, against
// the budget, and what they use now.
func (s *liveState) memoryLine(mem memReader) string {
	parts := []string{"caps " + units.Size(s.budgetUsed)}
	if s.segBytes > 0 {
		parts[0] += " + segments in RAM " + units.Size(s.segBytes)
	}
	if s.budget > 0 {
		parts[0] += " of the " + units.Size(s.budget) + " budget"
	}
	// What they use now, from the samples of those that have some.
	var inUse int64
	sampled := false
	for t := range s.running {
		if b, ok := mem(t.t.ID, t.attempt); ok {
			inUse += b
			sampled = true
		}
	}
	if sampled {
		parts = append(parts, "using "+units.Size(inUse))
	}
	return "memory " + strings.Join(parts, " · ")
}

// poolsLine is each pool the run uses: tasks running of its slots, and
// caps held of its memory.
func (s *liveState) poolsLine() string {
	var pools []string
	for _, p := range s.plan.Pools {
		lp := s.pools[p.Name]
		if lp == nil {
			continue
		}
		desc := fmt.Sprintf("%s %d/%d", p.Name, lp.running, p.Processes)
		if p.Memory > 0 {
			desc += fmt.Sprintf(", %s of %s", units.Size(lp.memory), units.Size(p.Memory))
		}
		pools = append(pools, desc)
	}
	return "pools  " + strings.Join(pools, " · ")
}

// runningRows is a row per running task, longest running first: name,
// attempt, elapsed time, memory in use against its cap.
func (s *liveState) runningRows(now time.Time, mem memReader) []string {
	tasks := make([]*liveTask, 0, len(s.running))
	for t := range s.running {
		tasks = append(tasks, t)
	}
	sortByStart(tasks)
	table := make([][]string, 0, len(tasks))
	for _, t := range tasks {
		used := "-"
		if b, ok := mem(t.t.ID, t.attempt); ok {
			used = units.Size(b)
			// Near its cap a task is about to be stopped for memory.
			if t.cap > 0 && b*10 >= t.cap*9 {
				used = styleWarn.Render(used)
			}
		}
		capText := "no cap"
		if t.cap > 0 {
			capText = "cap " + units.Size(t.cap)
		}
		attempt := fmt.Sprintf("attempt %d", t.attempt)
		if n := t.t.Retry.Attempts; n > 1 {
			attempt += fmt.Sprintf("/%d", n)
		}
		table = append(table, []string{"  " + t.t.ID, attempt, clock(now.Sub(t.since)), used + " / " + capText})
	}
	return alignRows(table)
}

// sortByStart orders running tasks by when they started, then by
// declaration.
func sortByStart(tasks []*liveTask) {
	slices.SortFunc(tasks, func(a, b *liveTask) int {
		if c := a.since.Compare(b.since); c != 0 {
			return c
		}
		return a.idx - b.idx
	})
}

func waitSummary(waits waits, pending int) string {
	n := waits.counts
	var parts []string
	for _, r := range []struct {
		reason waitReason
		what   string
	}{{waitSlot, "for a slot"}, {waitMemory, "for memory"}, {waitRoom, "for room in shm_dir"}, {waitBackoff, "to retry"}, {waitNext, "starting"}} {
		if n[r.reason] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[r.reason], r.what))
		}
	}
	if pending > 0 {
		parts = append(parts, fmt.Sprintf("%d on dependencies", pending))
	}
	if len(parts) == 0 {
		return "(nothing)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func waitCells(waits []liveWait) [][]string {
	table := make([][]string, 0, len(waits))
	for _, w := range waits {
		why := ""
		switch w.reason {
		case waitSlot:
			why = "slot: "
		case waitMemory:
			why = styleWarn.Render("memory") + ": "
		case waitBackoff:
			why = "backoff: "
		case waitRoom:
			why = styleWarn.Render("shm") + ": "
		}
		table = append(table, []string{"  " + w.t.t.ID, why + w.detail()})
	}
	return table
}

// pendingCells is a row for each of the first n pending tasks: what it
// still waits for.
func (s *liveState) pendingCells(n int) [][]string {
	var table [][]string
	for i := s.pending.next(0); i >= 0 && len(table) < n; i = s.pending.next(i + 1) {
		t := s.order[i]
		var open []string
		for _, id := range t.t.Deps {
			if d := s.tasks[id]; d != nil && d.state != event.TaskSucceeded && d.state != event.Reused {
				open = append(open, fmt.Sprintf("%s (%s)", id, d.state))
			}
		}
		why := "dependency"
		switch len(open) {
		case 0:
		case 1:
			why += ": after " + open[0]
		default:
			why += fmt.Sprintf(": after %s and %d more", open[0], len(open)-1)
		}
		table = append(table, []string{"  " + t.t.ID, why})
	}
	return table
}

func failureRows(fs []liveFailure) []string {
	rows := make([]string, 0, len(fs))
	for i := len(fs) - 1; i >= 0; i-- { // newest first
		f := fs[i]
		row := fmt.Sprintf("  %s %s attempt %d/%d: %s", f.at.Format("15:04:05"), f.task, f.attempt, f.attempts, f.what)
		if len(f.tail) > 0 {
			row += styleDim.Render(" | " + f.tail[len(f.tail)-1])
		}
		rows = append(rows, row)
	}
	return rows
}

// alignRows pads each column to its widest cell, measured as the terminal
// shows it.
func alignRows(table [][]string) []string {
	var widths []int
	for _, row := range table {
		for i, cell := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], ansi.StringWidth(cell))
		}
	}
	out := make([]string, len(table))
	for r, row := range table {
		var b strings.Builder
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(cell)+2))
			}
		}
		out[r] = b.String()
	}
	return out
}

// clock is a duration as a watch shows it: 4.2s, 3m05s, 2h07m.
func clock(d time.Duration) string {
	d = max(d, 0)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// failureText is a failed attempt as printed above the live view, where
// it stays in the scrollback: the plain view's line and log tail.
func failureText(f *liveFailure) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", f.at.Format("15:04:05"),
		styleFailed.Render(fmt.Sprintf("failed  %s attempt %d/%d: %s", f.task, f.attempt, f.attempts, f.what)))
	if len(f.tail) > 0 {
		fmt.Fprintf(&b, "\n          log %s:", relPath(f.log))
		for _, l := range f.tail {
			b.WriteString("\n          | " + l)
		}
	}
	return b.String()
}
