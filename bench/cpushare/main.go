// Command cpushare says where an engine's CPU goes, from the samples of
// `perf record -g` over a run: each sample of the engine's process (not of
// its tasks) goes to the first part in the list whose function is on its
// stack, and each part's share of the engine's samples is printed.
//
//	perf record -F 4999 -g -o perf.data -- weir run -q --state-dir /tmp/s wf.hcl
//	perf script -i perf.data -F comm,pid,tid,ip,sym | go run ./bench/cpushare
package main

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// parts are matched in order: a fork under the store's goroutine counts
// for the fork, an allocation under the store for the store.
var parts = []struct {
	name  string
	funcs []string
}{
	{"sysmon (the runtime's monitor thread)", []string{"runtime.sysmon"}},
	{"fork and exec, the engine's side", []string{"syscall.forkExec", "forkAndExecInChild"}},
	{"spawn: locked thread, start time, registration", []string{"proc.(*spawn)", "proc.Start"}},
	{"cgroup: enter and leave, reads, reuse", []string{"executor/local/cgroup."}},
	{"store: journal, bbolt, fsync", []string{"weir/store.", "go.etcd.io/bbolt"}},
	{"log pipes and relays", []string{"local.(*relay)", "local.newRelays", "local.outputPipe", "local.waitRelays", "local.abandon"}},
	{"temporary directories", []string{"local.(*tmpDirs)", "local.reusable"}},
	{"exit: pidfd, waitid", []string{"proc.(*Process)", "proc.(*reaper)"}},
	{"watchdog samples", []string{"local.(*tree)"}},
	{"attempt start and supervision, other", []string{"local.(*handle)", "local.(*Runner)"}},
	{"scheduler", []string{"weir/executor."}},
	{"engine", []string{"weir/engine."}},
	{"garbage collection, allocation", []string{"runtime.gcBgMarkWorker", "runtime.gcDrain", "runtime.bgsweep", "runtime.bgscavenge", "runtime.markroot", "runtime.mallocgc"}},
	{"Go scheduler: idle threads, wake-ups", []string{"runtime.schedule", "runtime.findRunnable", "runtime.mcall", "runtime.park_m", "runtime.stopm", "runtime.startm", "runtime.netpoll", "runtime.goexit0", "runtime.mstart"}},
	{"loading the workflow, the command line", []string{"main.", "weir/dsl.", "hcl", "weir/dag."}},
}

func main() {
	samples, err := read(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpushare:", err)
		os.Exit(1)
	}
	// The engine is the process with the most samples: each task is a
	// process of its own.
	perPid := map[string]int{}
	for _, s := range samples {
		perPid[s.pid]++
	}
	engine := ""
	for pid, n := range perPid {
		if engine == "" || n > perPid[engine] {
			engine = pid
		}
	}
	count := map[string]int{}
	total := 0
	for _, s := range samples {
		if s.pid != engine {
			continue
		}
		total++
		count[part(s.stack)]++
	}
	names := make([]string, 0, len(count))
	for n := range count {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(count[b], count[a]) })
	for _, n := range names {
		fmt.Printf("%5.1f%%  %s\n", 100*float64(count[n])/float64(total), n)
	}
	fmt.Printf("%d samples of the engine (pid %s), %d of its tasks\n", total, engine, len(samples)-total)
}

type sample struct {
	pid   string
	stack []string
}

func part(stack []string) string {
	for _, p := range parts {
		for _, f := range stack {
			for _, fn := range p.funcs {
				if strings.Contains(f, fn) {
					return p.name
				}
			}
		}
	}
	return "other"
}

// read parses perf script's output: a line "comm pid/tid ..." per sample,
// then a line "addr symbol" per frame, then a blank line.
func read(r io.Reader) ([]sample, error) {
	var out []sample
	var cur *sample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			cur = nil
		case line[0] != ' ' && line[0] != '\t':
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			pid, _, _ := strings.Cut(f[1], "/")
			out = append(out, sample{pid: pid})
			cur = &out[len(out)-1]
		case cur != nil:
			if _, sym, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
				cur.stack = append(cur.stack, sym)
			}
		}
	}
	return out, sc.Err()
}
