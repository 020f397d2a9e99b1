// Command forkgaps says where the wall time of a chain of tasks goes, from
// the kernel's process events over a run: for each child the runner forks
// that execs the task's program, the time from its fork to its exec, from
// its exec to its exit, and from its exit to the next child's fork. The
// last is what the runner adds between one task and the next (the reap,
// its records, the next start); the first includes the fork's wait for
// the child's exec, which a vfork makes the parent's too.
//
//	perf record -e sched:sched_process_fork,sched:sched_process_exec,sched:sched_process_exit \
//	  -a -o perf.data -- weir run -q --state-dir /tmp/s chain.hcl
//	perf script -i perf.data -F comm,pid,tid,time,event,trace | go run ./bench/forkgaps -exec /bin/true
//
// The runner is the process that forked the most such children, so the
// same lines work for weir and for a plain Go program.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	program := flag.String("exec", "/bin/true", "the tasks' program, as the exec events name it")
	flag.Parse()
	evs, err := read(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "forkgaps:", err)
		os.Exit(1)
	}
	ph := phases(evs, *program)
	fmt.Printf("%d tasks of runner pid %d\n", ph.tasks, ph.runner)
	for _, p := range []struct {
		name string
		xs   []time.Duration
	}{{"fork to exec", ph.forkExec}, {"exec to exit", ph.execExit}, {"exit to the next fork", ph.exitFork}} {
		if len(p.xs) == 0 {
			continue
		}
		fmt.Printf("  %-22s median %7.3f ms  p90 %7.3f ms  mean %7.3f ms  sum %8.1f ms\n", p.name,
			ms(pct(p.xs, 50)), ms(pct(p.xs, 90)), ms(mean(p.xs)), ms(sum(p.xs)))
	}
}

// event is one line of perf script: a fork (pid forked child), an exec
// (pid became file) or the exit of a whole process.
type event struct {
	at    time.Duration // since boot
	kind  string        // fork, exec, exit
	pid   int           // the process the line is from (its thread group)
	child int           // fork: the new one; exec, exit: the one it is about
	file  string        // exec
}

var (
	lineRE  = regexp.MustCompile(`\s(\d+)/\d+\s+(\d+)\.(\d+):\s+sched:sched_process_(fork|exec|exit):\s(.*)$`)
	childRE = regexp.MustCompile(`child_pid=(\d+)`)
	pidRE   = regexp.MustCompile(`\bpid=(\d+)`)
	fileRE  = regexp.MustCompile(`filename=(\S+)`)
)

func read(r io.Reader) ([]event, error) {
	var out []event
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := lineRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		e := event{kind: m[4]}
		e.pid, _ = strconv.Atoi(m[1])
		sec, _ := strconv.ParseInt(m[2], 10, 64)
		frac := (m[3] + "000000000")[:9]
		ns, _ := strconv.ParseInt(frac, 10, 64)
		e.at = time.Duration(sec)*time.Second + time.Duration(ns)
		rest := m[5]
		switch e.kind {
		case "fork":
			e.child = atoi(childRE, rest)
		case "exec":
			e.child = atoi(pidRE, rest)
			if f := fileRE.FindStringSubmatch(rest); f != nil {
				e.file = f[1]
			}
		case "exit":
			if !strings.Contains(rest, "group_dead=true") {
				continue // a thread, not the process
			}
			e.child = atoi(pidRE, rest)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

func atoi(re *regexp.Regexp, s string) int {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

type result struct {
	runner, tasks                int
	forkExec, execExit, exitFork []time.Duration
}

// phases finds the runner and measures its tasks, in the order of their
// forks.
func phases(evs []event, program string) result {
	forkOf := map[int]event{}
	execAt := map[int]time.Duration{}
	exitAt := map[int]time.Duration{}
	for _, e := range evs {
		switch e.kind {
		case "fork":
			forkOf[e.child] = e
		case "exec":
			if e.file == program {
				execAt[e.child] = e.at
			}
		case "exit":
			exitAt[e.child] = e.at
		}
	}
	perRunner := map[int]int{}
	for pid := range execAt {
		if f, ok := forkOf[pid]; ok {
			perRunner[f.pid]++
		}
	}
	var res result
	for pid, n := range perRunner {
		if n > perRunner[res.runner] || n == perRunner[res.runner] && pid < res.runner {
			res.runner = pid
		}
	}
	var kids []event
	for pid := range execAt {
		if f, ok := forkOf[pid]; ok && f.pid == res.runner {
			if _, ok := exitAt[pid]; ok {
				kids = append(kids, f)
			}
		}
	}
	slices.SortFunc(kids, func(a, b event) int { return int(a.at - b.at) })
	res.tasks = len(kids)
	for i, k := range kids {
		res.forkExec = append(res.forkExec, execAt[k.child]-k.at)
		res.execExit = append(res.execExit, exitAt[k.child]-execAt[k.child])
		if i > 0 {
			res.exitFork = append(res.exitFork, k.at-exitAt[kids[i-1].child])
		}
	}
	return res
}

func pct(xs []time.Duration, p int) time.Duration {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func sum(xs []time.Duration) time.Duration {
	var t time.Duration
	for _, x := range xs {
		t += x
	}
	return t
}

func mean(xs []time.Duration) time.Duration { return sum(xs) / time.Duration(len(xs)) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
