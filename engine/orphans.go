package engine

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/executor/local/proc"
	"github.com/weirflow/weir/internal/units"
)

// orphanWait bounds the wait, after SIGKILL, for what tasks left behind:
// a killed process leaves within milliseconds unless it is stuck in
// uninterruptible sleep.
const orphanWait = 5 * time.Second

// engineLog is the file in the run's directory where the engine notes what
// went wrong outside any task (processes it could not reap); it is made
// only when there is something to say.
const engineLog = "engine.log"

// reapOrphans ends and reaps, before the engine exits, whatever the run's
// tasks left behind: an orphan the engine leaves unreaped becomes a zombie
// of PID 1, which in a container may never reap it. Survivors get the
// longest grace of the plan between SIGTERM and SIGKILL, as a stopped task
// does. What cannot be reaped is reported to log and to the run's
// engine.log.
func (r *Run) reapOrphans() {
	ended, left, err := proc.ReapOrphans(longestGrace(r.o.Plan), orphanWait)
	if len(ended) > 0 {
		reportEngine(r.o.Log, r.Dir, endedMessage(ended))
	}
	if err != nil {
		reportEngine(r.o.Log, r.Dir, fmt.Sprintf("weir: warning: cannot check for processes the run's tasks left behind: %v\n", err))
		return
	}
	if len(left) > 0 {
		reportEngine(r.o.Log, r.Dir, unreapedMessage(left))
	}
}

// endedMessage names the processes the run's tasks left running that the
// end of the run ended: ones that escaped their task's process group (a
// daemon, setsid) where no cgroup held them, so that their task's end did
// not count them. Each names its task when it kept WEIR_TASK.
func endedMessage(ended []proc.Orphan) string {
	names := make([]string, len(ended))
	for i, o := range ended {
		names[i] = fmt.Sprintf("pid %d (%s", o.Pid, o.Comm)
		if o.Task != "" {
			names[i] += ", task " + o.Task
		}
		names[i] += ")"
	}
	return fmt.Sprintf("weir: note: ended %s that the run's tasks left running: %s\n",
		units.Plural(len(ended), "process"), strings.Join(names, ", "))
}

func longestGrace(plan *dag.Plan) time.Duration {
	var g time.Duration
	for _, t := range plan.Tasks {
		g = max(g, t.Grace)
	}
	return g
}

// unreapedMessage says what could not be reaped and what to do about it.
func unreapedMessage(left []proc.Orphan) string {
	var b strings.Builder
	names := make([]string, len(left))
	for i, o := range left {
		names[i] = o.String()
	}
	fmt.Fprintf(&b, "weir: error: %s that the run's tasks left behind could not be reaped %s after SIGKILL: %s\n",
		units.Plural(len(left), "process"), orphanWait, strings.Join(names, ", "))
	fmt.Fprintf(&b, "  a process in state D waits in the kernel (a hung mount or device: see /proc/%d/stack); it keeps its pid until it exits, with no engine left to reap it\n", left[0].Pid)
	fmt.Fprintf(&b, "  fix: end what it waits for, or the process (kill -KILL %d); ps -o pid,stat,wchan -p %d shows where it is\n", left[0].Pid, left[0].Pid)
	return b.String()
}

// reportEngine writes msg to log and appends it to the run's engine.log,
// when the run's directory exists.
func reportEngine(log io.Writer, dir, msg string) {
	fmt.Fprint(log, msg)
	if _, err := os.Stat(dir); dir == "" || err != nil {
		return // Prepare failed before it made the run's directory
	}
	f, err := os.OpenFile(filepath.Join(dir, engineLog), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		fmt.Fprintf(log, "weir: warning: cannot keep this in the run's %s: %v\n", engineLog, err)
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %s", time.Now().Format(time.RFC3339), msg)
}
