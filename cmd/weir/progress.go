package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/engine"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/units"
	"github.com/weirflow/weir/store"
)

// progress prints one timestamped line per transition that matters to a
// person watching a run: starts, ends, retries, failures with the tail of
// their log. It never redraws, so it reads the same in a terminal, a pipe
// and a CI log.
type progress struct {
	w     io.Writer
	plan  *dag.Plan
	quiet bool // errors only

	mu       sync.Mutex
	finished int // tasks in a final state, for the [n/N] of each line
}

func newProgress(w io.Writer, plan *dag.Plan, quiet bool) *progress {
	return &progress{w: w, plan: plan, quiet: quiet}
}

// Record implements event.Journal.
func (p *progress) Record(e event.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := p.line(e)
	if e.Kind == event.TaskChanged && e.State.Final() {
		p.finished++
	}
	if line == "" {
		return nil
	}
	// A closed terminal or pipe must not stop the run: the lines are for
	// watching, the store keeps the record.
	fmt.Fprintf(p.w, "%s %s\n", e.Time.Format("15:04:05"), line)
	return nil
}

func (p *progress) line(e event.Event) string {
	switch e.Kind {
	case event.AttemptStarted:
		if p.quiet {
			return ""
		}
		cap := ""
		if e.Memory > 0 {
			cap = ", cap " + units.Size(e.Memory)
		}
		return fmt.Sprintf("start   %s (attempt %d%s)", e.Task, e.Attempt, cap)
	case event.AttemptEnded:
		r := e.Result
		if r == nil {
			return ""
		}
		t := p.plan.Task(e.Task)
		took := units.Duration(r.End.Sub(r.Start).Round(time.Millisecond))
		if r.Reason == event.Cancelled {
			return "" // the task's own line says it was cancelled
		}
		if r.OK() {
			if p.quiet {
				return ""
			}
			s := fmt.Sprintf("done    %s in %s, peak %s, cpu %s", e.Task, took, units.Size(r.PeakMemory),
				units.Duration(r.CPUTime.Round(time.Millisecond)))
			if r.Leftovers > 0 {
				s += fmt.Sprintf(" (warning: %d leftover processes killed)", r.Leftovers)
			}
			// The task succeeds with this attempt: count it now, so a
			// log read from the end says how far the run got.
			return s + p.count(1)
		}
		attempts := 1
		if t != nil {
			attempts = t.Retry.Attempts
		}
		s := fmt.Sprintf("failed  %s attempt %d/%d: %s", e.Task, e.Attempt, attempts, describe(*r))
		if tail := logTail(p.plan, e, 5); tail != "" {
			s += "\n" + tail
		}
		return s
	case event.TaskChanged:
		switch e.State {
		case event.TaskFailed, event.Skipped, event.TaskCancelled:
			msg := e.Message
			if msg != "" {
				msg = ": " + msg
			}
			if e.State == event.TaskFailed {
				return fmt.Sprintf("FAILED  %s%s", e.Task, msg) + p.count(1)
			}
			if p.quiet {
				return ""
			}
			return fmt.Sprintf("%-7s %s%s", e.State, e.Task, msg) + p.count(1)
		case event.Ready:
			if e.Attempt > 0 && !p.quiet && e.Message != "" {
				return fmt.Sprintf("retry   %s: %s", e.Task, e.Message)
			}
		}
	}
	return ""
}

// count is " [n/N]": the tasks finished once this line's task is (plus
// its own, extra), of all the run's tasks.
func (p *progress) count(extra int) string {
	return fmt.Sprintf(" [%d/%d]", p.finished+extra, len(p.plan.Tasks))
}

// describe is the reason of a failed attempt as a person reads it.
func describe(r event.Result) string {
	s := r.String()
	if r.Detail != "" {
		s += ": " + r.Detail
	}
	return s
}

// logTail is the last lines of an attempt's stderr (else stdout), indented,
// for the message that reports its failure.
func logTail(plan *dag.Plan, e event.Event, n int) string {
	path, lines := attemptTail(engine.RunDir(plan, e.RunID), e.Task, e.Attempt, n)
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "          log %s:", relPath(path))
	for _, l := range lines {
		b.WriteString("\n          | " + l)
	}
	return b.String()
}

// attemptTail is the last n lines of an attempt's stderr, or of its stdout
// when stderr is empty, and the file they come from.
func attemptTail(runDir, task string, attempt, n int) (string, []string) {
	stdout, stderr := store.DirLayout{Root: runDir}.Logs(task, attempt)
	for _, path := range []string{stderr, stdout} {
		if lines := tailLines(path, n); len(lines) > 0 {
			return path, lines
		}
	}
	return "", nil
}

// tailLines reads the last n lines of a file, from at most its last 8 KiB:
// a task that printed gigabytes costs the engine nothing here.
func tailLines(path string, n int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil
	}
	const window = 8 << 10
	off := max(fi.Size()-window, 0)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && err != io.EOF {
		return nil
	}
	text := strings.TrimRight(string(buf), "\n")
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	if off > 0 && len(lines) > 1 {
		lines = lines[1:] // the first may be cut
	}
	return lines[max(len(lines)-n, 0):]
}

func relPath(path string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, ok := strings.CutPrefix(path, wd+string(os.PathSeparator)); ok {
			return rel
		}
	}
	return path
}
