// Command slurm measures what weir adds to running tasks as Slurm jobs: N
// independent tiny tasks (`true`) through weir's scheduler and Slurm
// runner, against a plain loop that submits the same N jobs with sbatch and
// then polls squeue until none is left, in one run, alternating, reporting
// medians, the ratio, and the squeue/sbatch calls per task.
//
// It needs a Slurm cluster (scripts/slurm-cluster start):
//
//	go run ./bench/slurm -tasks 200 -rounds 3
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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/local/proc"
	"github.com/weirflow/weir/executor/slurm"
	"github.com/weirflow/weir/shm"
)

func main() {
	n := flag.Int("tasks", 200, "tasks (jobs) per round")
	rounds := flag.Int("rounds", 3, "rounds of each contender")
	loopPoll := flag.Duration("loop-poll", time.Second, "how often the sbatch loop polls squeue")
	poll := flag.Duration("poll", time.Second, "weir's longest poll interval")
	flag.Parse()
	if err := proc.Init(); err != nil {
		fail(err)
	}
	dir, err := os.MkdirTemp("", "weir-bench-slurm-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)

	var loopTimes, weirTimes []time.Duration
	var loopCalls, weirStats []callCount
	for r := range *rounds {
		d, c, err := sbatchLoop(filepath.Join(dir, "loop"+strconv.Itoa(r)), *n, *loopPoll)
		if err != nil {
			fail(fmt.Errorf("sbatch loop: %w", err))
		}
		loopTimes, loopCalls = append(loopTimes, d), append(loopCalls, c)
		d, c, err = weir(filepath.Join(dir, "weir"+strconv.Itoa(r)), *n, *poll)
		if err != nil {
			fail(fmt.Errorf("weir: %w", err))
		}
		weirTimes, weirStats = append(weirTimes, d), append(weirStats, c)
		fmt.Fprintf(os.Stderr, "round %d: sbatch loop %v, weir %v\n", r+1, loopTimes[r].Round(time.Millisecond), weirTimes[r].Round(time.Millisecond))
	}
	base, w := median(loopTimes), median(weirTimes)
	fmt.Printf("%d tiny Slurm jobs, median of %d rounds\n", *n, *rounds)
	fmt.Printf("| | wall time | sbatch calls/task | squeue calls/task | other calls/task |\n|---|---|---|---|---|\n")
	fmt.Printf("| sbatch loop, squeue every %v | %.2f s | %s |\n", *loopPoll, base.Seconds(), perTask(loopCalls, *n))
	fmt.Printf("| weir (scheduler + Slurm runner, poll <= %v) | %.2f s (%.2fx) | %s |\n", *poll, w.Seconds(), w.Seconds()/base.Seconds(), perTask(weirStats, *n))
}

type callCount struct{ sbatch, squeue, other uint64 }

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

// weir runs n independent tasks through the scheduler and the runner.
func weir(dir string, n int, poll time.Duration) (time.Duration, callCount, error) {
	var c callCount
	pool := &dag.Pool{Name: "cluster", Executor: "slurm", Processes: n}
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
	r := slurm.New(slurm.Options{Pools: plan.Pools, PollInterval: poll})
	defer r.Close()
	start := time.Now()
	s, err := executor.Run(context.Background(), plan, executor.Options{
		RunID:    "bench" + strconv.FormatInt(time.Now().UnixNano(), 36),
		Runners:  map[string]executor.Runner{"slurm": r},
		Layout:   executor.DirLayout{Root: dir},
		Segments: segs,
	})
	d := time.Since(start)
	if err != nil {
		return 0, c, err
	}
	for _, t := range s.Tasks {
		if t.State != executor.TaskSucceeded {
			return 0, c, fmt.Errorf("task %s ended %s: %s", t.ID, t.State, t.Message)
		}
	}
	st := r.Stats()
	c = callCount{sbatch: st.Sbatch, squeue: st.Squeue, other: st.Scontrol + st.Scancel + st.Sacct}
	return d, c, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/slurm:", err)
	os.Exit(1)
}
