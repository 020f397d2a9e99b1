// Command slurm measures what weir adds to running tasks as Slurm jobs: N
// independent tiny tasks (`true`) through weir's scheduler and Slurm
// runner, against a plain loop that submits the same N jobs with sbatch and
// then polls squeue until none is left, in one run, alternating, reporting
// medians, the ratio, and the squeue/sbatch calls per task.
//
// A third contender submits the tasks as job arrays (the runner's
// ArrayWindow); -array-window 0 leaves it out.
//
// It needs a Slurm cluster (scripts/slurm-cluster start):
//
//	go run ./bench/slurm -tasks 200 -rounds 3
//
// Past the cluster's MaxJobCount (10,000 on the test cluster, finished jobs
// counted until MinJobAge) only the array contender is worth running: the
// runner submits in windows as Slurm forgets finished jobs, and the table
// says how often and how long it waited.
//
//	go run ./bench/slurm -tasks 20000 -rounds 1 -sbatch-loop=false -job-per-task=false -nice 100000
//
// On a cluster that others' tests share, -nice lets their jobs go before
// the bench's thousands of pending ones.
//
// weir's side runs executor.Run with a pool of N processes and no journal:
// the scheduler and the runner, without the store's commits.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/local/proc"
	"github.com/weirflow/weir/executor/slurm"
	"github.com/weirflow/weir/internal/median"
	"github.com/weirflow/weir/shm"
	"github.com/weirflow/weir/store"
)

func main() {
	n := flag.Int("tasks", 200, "tasks (jobs) per round")
	rounds := flag.Int("rounds", 3, "rounds of each contender")
	loopPoll := flag.Duration("loop-poll", time.Second, "how often the sbatch loop polls squeue")
	poll := flag.Duration("poll", time.Second, "weir's longest poll interval")
	window := flag.Duration("array-window", 20*time.Millisecond, "the array contender's ArrayWindow; 0 = no array contender")
	loop := flag.Bool("sbatch-loop", true, "run the sbatch loop, the baseline of the ratios")
	perTaskJob := flag.Bool("job-per-task", true, "run weir with a job per task")
	cmdTimeout := flag.Duration("command-timeout", 0, "weir's bound on each Slurm command; 0 is the runner's default (30 s)")
	nice := flag.Int("nice", 0, "sbatch --nice of weir's jobs: a long run on a shared cluster lets others' jobs go first")
	flag.Parse()
	if err := proc.Init(); err != nil {
		fail(err)
	}
	dir, err := os.MkdirTemp("", "weir-bench-slurm-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)

	type contender struct {
		name  string
		run   func(dir string) (time.Duration, callCount, error)
		times []time.Duration
		calls []callCount
	}
	var cs []*contender
	if *loop {
		cs = append(cs, &contender{name: fmt.Sprintf("sbatch loop, squeue every %v", *loopPoll), run: func(dir string) (time.Duration, callCount, error) { return sbatchLoop(dir, *n, *loopPoll) }})
	}
	if *perTaskJob {
		cs = append(cs, &contender{name: fmt.Sprintf("weir, a job per task, poll <= %v", *poll), run: func(dir string) (time.Duration, callCount, error) { return weir(dir, *n, *poll, 0, *cmdTimeout, *nice) }})
	}
	if *window > 0 {
		cs = append(cs, &contender{name: fmt.Sprintf("weir, job arrays (window %v), poll <= %v", *window, *poll), run: func(dir string) (time.Duration, callCount, error) {
			return weir(dir, *n, *poll, *window, *cmdTimeout, *nice)
		}})
	}
	if len(cs) == 0 {
		fail(fmt.Errorf("no contender: -sbatch-loop=false, -job-per-task=false and -array-window 0"))
	}
	for r := range *rounds {
		for i, c := range cs {
			d, calls, err := c.run(filepath.Join(dir, fmt.Sprintf("%d.%d", r, i)))
			if err != nil {
				// A failed round still says what it cost: a long run is not
				// repeated lightly.
				fmt.Fprintf(os.Stderr, "round %d: %s: %s\n", r+1, c.name, calls.line(*n))
				fail(fmt.Errorf("%s: %w", c.name, err))
			}
			c.times, c.calls = append(c.times, d), append(c.calls, calls)
			fmt.Fprintf(os.Stderr, "round %d: %s: %v; %s\n", r+1, c.name, d.Round(time.Millisecond), calls.line(*n))
		}
	}
	base := median.Of(cs[0].times)
	fmt.Printf("%d tiny Slurm jobs, median of %d rounds\n", *n, *rounds)
	fmt.Printf("| | wall time | sbatch calls/task | squeue calls/task | other calls/task | waits for Slurm's limits |\n|---|---|---|---|---|---|\n")
	for _, c := range cs {
		m := median.Of(c.times)
		fmt.Printf("| %s | %.2f s (%.2fx) | %s | %s |\n", c.name, m.Seconds(), m.Seconds()/base.Seconds(), perTask(c.calls, *n), waits(c.calls))
	}
}

type callCount struct {
	sbatch, squeue, other uint64
	refused               uint64 // sbatch calls slurmctld turned away
	waits                 int    // submissions that waited for a Slurm limit
	waited                time.Duration
}

// line is one round's calls, in all and per task.
func (c callCount) line(n int) string {
	return fmt.Sprintf("%d sbatch (%.4f a task), %d squeue (%.4f a task), %d other, %d refused, %d waits (%.0f s in all)",
		c.sbatch, float64(c.sbatch)/float64(n), c.squeue, float64(c.squeue)/float64(n), c.other, c.refused, c.waits, c.waited.Seconds())
}

// waits is how often and how long the rounds waited for Slurm's limits,
// per round.
func waits(cs []callCount) string {
	var n int
	var d time.Duration
	for _, c := range cs {
		n += c.waits
		d += c.waited
	}
	if n == 0 {
		return "none"
	}
	return fmt.Sprintf("%.1f, %.0f s in all", float64(n)/float64(len(cs)), d.Seconds()/float64(len(cs)))
}

func perTask(cs []callCount, n int) string {
	var t callCount
	for _, c := range cs {
		t.sbatch += c.sbatch
		t.squeue += c.squeue
		t.other += c.other
	}
	div := float64(n * len(cs))
	return fmt.Sprintf("%.2f | %.3f | %.3f", float64(t.sbatch)/div, float64(t.squeue)/div, float64(t.other)/div)
}

// sbatchLoop submits n jobs one after another, then polls squeue until
// none of them is pending or running.
func sbatchLoop(dir string, n int, poll time.Duration) (time.Duration, callCount, error) {
	var c callCount
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, c, err
	}
	env := os.Environ()
	ctx := context.Background()
	start := time.Now()
	ids := make([]string, 0, n)
	for i := range n {
		out, _, err := proc.Output(ctx, []string{"sbatch", "--parsable", "--no-requeue",
			"--output=" + filepath.Join(dir, strconv.Itoa(i)+".out"), "--wrap", "true"}, env, nil)
		c.sbatch++
		if err != nil {
			return 0, c, err
		}
		ids = append(ids, strings.TrimSpace(string(out)))
	}
	list := strings.Join(ids, ",")
	for {
		out, _, err := proc.Output(ctx, []string{"squeue", "-h", "-j", list, "-o", "%i"}, env, nil)
		c.squeue++
		if err != nil {
			return 0, c, err
		}
		if strings.TrimSpace(string(out)) == "" {
			return time.Since(start), c, nil
		}
		time.Sleep(poll)
	}
}

// weir runs n independent tasks (one for_each stage) through the
// scheduler and the runner.
func weir(dir string, n int, poll, window, cmdTimeout time.Duration, nice int) (time.Duration, callCount, error) {
	var c callCount
	pool := &dag.Pool{Name: "cluster", Executor: "slurm", Processes: n}
	if nice > 0 {
		pool.SbatchArgs = []string{"--nice=" + strconv.Itoa(nice)}
	}
	tasks := make([]*dag.Task, n)
	for i := range tasks {
		id := "t[" + strconv.Itoa(i) + "]"
		tasks[i] = &dag.Task{ID: id, Stage: "t", Key: strconv.Itoa(i), Keyed: true, Pool: pool.Name,
			Argv: []string{"/bin/true"}, Retry: dag.Retry{Attempts: 1}, Grace: time.Second}
	}
	g, err := dag.New(tasks)
	if err != nil {
		return 0, c, err
	}
	plan := &dag.Plan{Name: "bench", Pools: []*dag.Pool{{Name: dag.DefaultPool, Executor: "local", Processes: 1}, pool}, Tasks: tasks, Graph: g}
	segs, err := shm.OpenRun(filepath.Join(dir, "shm"), "bench")
	if err != nil {
		return 0, c, err
	}
	r := slurm.New(slurm.Options{Pools: plan.Pools, PollInterval: poll, ArrayWindow: window, CommandTimeout: cmdTimeout,
		Notify: func(s string) { fmt.Fprintln(os.Stderr, "  "+s) }})
	defer r.Close()
	start := time.Now()
	s, err := executor.Run(context.Background(), plan, executor.Options{
		RunID:    "bench" + strconv.FormatInt(time.Now().UnixNano(), 36),
		Runners:  map[string]executor.Runner{"slurm": r},
		Layout:   store.DirLayout{Root: dir},
		Segments: segs,
	})
	d := time.Since(start)
	if err != nil {
		return 0, c, err
	}
	st := r.Stats()
	c = callCount{sbatch: st.Sbatch, squeue: st.Squeue, other: st.Scontrol + st.Scancel + st.Sacct, refused: st.Refused}
	c.waits, c.waited = r.Waits()
	failed, first := 0, ""
	for _, t := range s.Tasks {
		if t.State != event.TaskSucceeded {
			if failed == 0 {
				first = fmt.Sprintf("task %s ended %s: %s", t.ID, t.State, t.Message)
			}
			failed++
		}
	}
	if failed > 0 {
		return d, c, fmt.Errorf("%d of %d tasks did not succeed after %v (%d sbatch, %d squeue calls, %d waits for Slurm's limits); the first: %s",
			failed, n, d.Round(time.Second), c.sbatch, c.squeue, c.waits, first)
	}
	if st.Refused > 0 {
		return d, c, fmt.Errorf("slurmctld refused %d sbatch calls: a limit was tripped (the tasks went in all the same)", st.Refused)
	}
	return d, c, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/slurm:", err)
	os.Exit(1)
}
