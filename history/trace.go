package history

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// TraceColumns are the columns of the trace file, in order. Sizes are
// bytes, durations seconds, times RFC 3339 in UTC: units a spreadsheet or
// pandas reads without help.
var TraceColumns = []string{
	"run", "task", "stage", "key", "attempt", "pool", "reason", "exit_code", "signal",
	"start", "end", "duration_s", "cpu_s", "cpu_pct", "peak_memory", "memory_cap",
	"peak_pct_of_cap", "enforcement", "leftovers", "detail",
}

// WriteTrace writes attempts as tab-separated values with a header line.
// An attempt that has not ended has an empty reason and end. Tabs and line
// breaks inside values become spaces, so every attempt stays one row.
func WriteTrace(w io.Writer, attempts []Attempt) error {
	return WriteTraceTotals(w, "", attempts, nil)
}

// WriteTraceTotals is WriteTrace followed by a row per stage total (see
// ReportAttempts) of run: its task is "stage[*]", its duration the sum of
// the stage's attempts', its peak memory their largest, and its detail
// says so, with the stage's counts.
func WriteTraceTotals(w io.Writer, run string, attempts []Attempt, totals []StageTotal) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(strings.Join(TraceColumns, "\t"))
	bw.WriteByte('\n')
	row := make([]string, len(TraceColumns))
	for _, a := range attempts {
		for i := range row {
			row[i] = ""
		}
		row[0], row[1], row[2], row[3] = a.Run, a.Task, a.Stage, a.Key
		row[4], row[5] = strconv.Itoa(a.N), a.Pool
		if !a.Started.IsZero() {
			row[9] = stamp(a.Started)
		}
		if a.Cap > 0 {
			row[15] = strconv.FormatInt(a.Cap, 10)
		}
		if r := a.Result; r != nil {
			row[6] = string(r.Reason)
			if r.ExitCode != 0 {
				row[7] = strconv.Itoa(r.ExitCode)
			}
			if r.Signal != 0 {
				row[8] = strconv.Itoa(r.Signal)
			}
			if !r.Start.IsZero() {
				row[9] = stamp(r.Start)
			}
			if !r.End.IsZero() {
				row[10] = stamp(r.End)
			}
			wall := r.End.Sub(r.Start)
			if !r.Start.IsZero() && !r.End.IsZero() {
				row[11] = seconds(wall)
			}
			if r.CPUTime > 0 {
				row[12] = seconds(r.CPUTime)
				if wall > 0 {
					row[13] = strconv.FormatFloat(100*r.CPUTime.Seconds()/wall.Seconds(), 'f', 1, 64)
				}
			}
			if r.PeakMemory > 0 {
				row[14] = strconv.FormatInt(r.PeakMemory, 10)
				if a.Cap > 0 {
					row[16] = strconv.FormatFloat(100*float64(r.PeakMemory)/float64(a.Cap), 'f', 1, 64)
				}
			}
			row[17] = string(r.Enforcement)
			if r.Leftovers > 0 {
				row[18] = strconv.Itoa(r.Leftovers)
			}
			row[19] = r.Detail
		}
		writeRow(bw, row)
	}
	for _, t := range totals {
		for i := range row {
			row[i] = ""
		}
		row[0], row[1], row[2], row[3], row[5] = run, t.Stage+"[*]", t.Stage, "*", t.Pool
		row[11] = seconds(t.Took)
		if t.Peak > 0 {
			row[14] = strconv.FormatInt(t.Peak, 10)
			if t.Cap > 0 {
				row[16] = strconv.FormatFloat(100*float64(t.Peak)/float64(t.Cap), 'f', 1, 64)
			}
		}
		if t.Cap > 0 {
			row[15] = strconv.FormatInt(t.Cap, 10)
		}
		row[19] = totalDetail(t)
		writeRow(bw, row)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("history: write trace: %w", err)
	}
	return nil
}

func writeRow(bw *bufio.Writer, row []string) {
	for i, v := range row {
		if i > 0 {
			bw.WriteByte('\t')
		}
		bw.WriteString(cell(v))
	}
	bw.WriteByte('\n')
}

// totalDetail says what a total row stands for.
func totalDetail(t StageTotal) string {
	states := make([]string, 0, len(t.Counts))
	for st := range t.Counts {
		states = append(states, string(st))
	}
	sort.Strings(states)
	counts := make([]string, 0, len(states))
	for _, st := range states {
		counts = append(counts, fmt.Sprintf("%d %s", t.Counts[event.TaskState(st)], st))
	}
	return fmt.Sprintf("total of %s (%s): %s ended, duration_s is their sum (the longest %s s), peak_memory the largest; "+
		"the attempts of its failed tasks are rows above (the first %d), and weir trace lists every attempt",
		plural(t.Tasks, "task"), strings.Join(counts, ", "), plural(t.Ended, "attempt"), seconds(t.TookMax), store.MaxSummaryFailures)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

var cellReplacer = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

func cell(s string) string { return cellReplacer.Replace(s) }
