package executor

import (
	"slices"
	"strconv"
	"strings"

	"github.com/weirflow/weir/dag"
)

// specOf is what an attempt's Spec is made from, taken on the scheduler's
// goroutine when the attempt is admitted. The Spec itself (paths and the
// environment, about 18 us a task) is made on the attempt's start
// goroutine, off the loop that every admission waits for: it reads only
// this and the run's options, which never change.
type specOf struct {
	task    *dag.Task
	attempt int
	memory  int64
	pool    string
	slot    int
	cpus    []int
}

func (s *scheduler) specOf(t *taskRun, attempt int) specOf {
	return specOf{task: t.t, attempt: attempt, memory: t.cap, pool: t.pool.p.Name, slot: t.slot, cpus: t.pool.p.CPUSet}
}

// spec resolves an attempt for its runner: segment paths in place of
// placeholders, the clean environment, the cap, logs and temp dir.
func (s *scheduler) spec(a specOf) *Spec {
	task, attempt := a.task, a.attempt
	path := segmentPath(task, s.o.Segments)
	argv := make([]string, len(task.Argv))
	for i, arg := range task.Argv {
		argv[i] = dag.Expand(arg, path)
	}
	stdout, stderr := s.o.Layout.Logs(task.ID, attempt)
	tmp := TmpDirOf(s.o.Layout, task.ID, a.pool, a.slot, attempt)
	return &Spec{
		RunID:   s.o.RunID,
		Task:    task,
		Attempt: attempt,
		Argv:    argv,
		Env:     taskEnv(task, s.o.RunID, attempt, tmp, s.o.Env, s.o.Segments),
		Dir:     dag.Expand(task.Dir, path),
		Memory:  a.memory,
		CPUSet:  a.cpus,
		Timeout: task.Timeout,
		Grace:   task.Grace,
		TmpDir:  tmp,
		Stdout:  stdout,
		Stderr:  stderr,
		Samples: s.o.Layout.Samples(task.ID, attempt),
	}
}

// segmentPath resolves the placeholders in task's strings: a committed
// segment it reads, or the partial file of one of its own outputs, which
// is where it writes.
func segmentPath(task *dag.Task, seg Segments) func(dag.SegmentRef) string {
	return func(ref dag.SegmentRef) string {
		if ref.Task == task.ID {
			return seg.Partial(ref)
		}
		return seg.Path(ref)
	}
}

// DefaultPath is the PATH of a task that neither declares one nor passes
// the engine's through: the system's directories, as cron and systemd give
// their jobs. A missing PATH only trips people up; the engine's own PATH
// (a user's ~/bin, a virtualenv) still reaches a task only when it asks.
const DefaultPath = "/usr/local/bin:/usr/bin:/bin"

// taskEnv is the whole environment of an attempt, sorted: the task's
// declared env, then the env_passthrough names the engine has (declared
// values win), DefaultPath when neither gave a PATH, then what weir sets, which wins over both: WEIR_* and TMPDIR.
// Nothing else of the engine's environment gets through, so secrets stay
// out unless a stage asks for them by name.
func taskEnv(task *dag.Task, runID string, attempt int, tmp string, engine []string, seg Segments) []string {
	path := segmentPath(task, seg)
	// Added in order of precedence, the last of a name winning: a sorted
	// slice, not a map, since this runs for every attempt.
	vars := make([]envVar, 0, len(task.EnvPassthrough)+len(task.Env)+9+len(task.Inputs)+len(task.Outputs))
	hasPath := false
	for _, name := range task.EnvPassthrough {
		if v, ok := lookupEnv(engine, name); ok {
			vars = append(vars, envVar{name, v})
			hasPath = hasPath || name == "PATH"
		}
	}
	for k, v := range task.Env {
		vars = append(vars, envVar{k, dag.Expand(v, path)})
		hasPath = hasPath || k == "PATH"
	}
	if !hasPath {
		vars = append(vars, envVar{"PATH", DefaultPath})
	}
	vars = append(vars,
		envVar{"WEIR_RUN_ID", runID},
		envVar{"WEIR_STAGE", task.Stage},
		envVar{"WEIR_TASK", task.ID},
		envVar{"WEIR_ATTEMPT", strconv.Itoa(attempt)},
		envVar{"WEIR_EACH_KEY", task.Key},
		envVar{"WEIR_TMPDIR", tmp},
		envVar{"TMPDIR", tmp})
	for _, in := range task.Inputs {
		paths := make([]string, len(in.From))
		for i, ref := range in.From {
			paths[i] = seg.Path(ref)
		}
		vars = append(vars, envVar{"WEIR_INPUT_" + strings.ToUpper(in.Name), strings.Join(paths, "\n")})
	}
	for _, out := range task.Outputs {
		vars = append(vars, envVar{"WEIR_OUTPUT_" + strings.ToUpper(out.Name), seg.Partial(dag.SegmentRef{Task: task.ID, Output: out.Name})})
	}
	slices.SortStableFunc(vars, func(a, b envVar) int { return strings.Compare(a.name, b.name) })
	out := make([]string, 0, len(vars))
	for i, v := range vars {
		if i+1 < len(vars) && vars[i+1].name == v.name {
			continue // a later one of the name wins
		}
		out = append(out, v.name+"="+v.value)
	}
	return out
}

type envVar struct{ name, value string }

// lookupEnv finds name in a KEY=VALUE list; the last entry wins, as in
// os/exec.
func lookupEnv(env []string, name string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], name+"="); ok {
			return v, true
		}
	}
	return "", false
}
