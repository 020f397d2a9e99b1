package engine

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor/local/cgroup"
	"github.com/weirflow/weir/internal/procstat"
	"github.com/weirflow/weir/internal/units"
	"github.com/weirflow/weir/store"
)

// A local task leads its own process group. When its engine is killed, the
// task's main process gets the parent-death signal, but what it started in
// its group does not. Under cgroups the next engine of the same state dir
// ends all of it with the dead engine's cgroups (cgroup.Manager.Sweep);
// under the watchdog there are no cgroups, so the groups are found from
// the journal: the attempts that runs lost at this open were running,
// with the pid and start time of each attempt's main process.

// lostGroup is the process group of an attempt whose engine died.
type lostGroup struct {
	run   string
	pid   int
	start uint64 // of the group's leader, clock ticks since boot
}

// endLostGroups kills what is left of the process groups of the attempts
// that runs lost at this open were running, and says how many processes
// it ended.
func endLostGroups(log io.Writer, lost map[string][]store.AttemptRecord) {
	var groups []lostGroup
	for run, attempts := range lost {
		for _, a := range attempts {
			var h struct {
				Pid       int    `json:"pid"`
				StartTime uint64 `json:"start_time"`
			}
			if json.Unmarshal(a.Handle, &h) == nil && h.Pid > 1 && h.StartTime > 0 {
				groups = append(groups, lostGroup{run, h.Pid, h.StartTime})
			}
		}
	}
	if len(groups) == 0 {
		return
	}
	if n := killGroups(groups); n > 0 {
		fmt.Fprintf(log, "weir: ended %s that engines killed earlier left running\n", units.Plural(n, "process"))
	}
}

// lostAttempts are, by run, the attempts that the runs this open of the
// store found lost were running: their tasks' last attempts, ended lost.
// Both what they left in Slurm and what they left here are ended from them.
func lostAttempts(st *store.Store) map[string][]store.AttemptRecord {
	lost := map[string][]store.AttemptRecord{}
	for _, run := range st.LostAtOpen() {
		tasks, err := st.Tasks(run)
		if err != nil {
			continue
		}
		for id, rec := range tasks {
			if rec.Attempts == 0 {
				continue
			}
			attempts, err := st.Attempts(run, id)
			if err != nil {
				continue
			}
			for _, a := range attempts {
				if a.N == rec.Attempts && (a.Result == nil || a.Result.Reason == event.Lost) {
					lost[run] = append(lost[run], a)
				}
			}
		}
	}
	return lost
}

// lostEngines are the engines of the state dir's lost runs: the only
// engines whose cgroups this run sweeps. All of them, not only those this
// open found: weir gc marks runs lost too, and ends nothing. The cgroups
// of one swept before are gone, and a pid since reused names another
// directory (its start time differs).
func lostEngines(st *store.Store) []cgroup.Engine {
	runs, err := st.Runs()
	if err != nil {
		return nil
	}
	var out []cgroup.Engine
	for _, r := range runs {
		if r.State == store.RunLost && r.Engine.Pid > 0 && r.Engine.StartTime > 0 {
			out = append(out, cgroup.Engine{Pid: r.Engine.Pid, Start: r.Engine.StartTime})
		}
	}
	return out
}

// killGroups SIGKILLs the members of each group, and returns how many it
// killed. A group id is a pid, and pids are reused: a process is killed
// only when it is in the group and carries the lost run's id in its
// environment (every task's process does, WEIR_RUN_ID, and so do its
// children unless they scrubbed it), and never when the group's leader is
// alive with another start time (the number belongs to a new process).
func killGroups(groups []lostGroup) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	byGroup := map[int]lostGroup{}
	for _, g := range groups {
		if _, start, err := procstat.Read(g.pid); err == nil && start != g.start {
			continue
		}
		byGroup[g.pid] = g
	}
	self := os.Getpid()
	killed := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		pgrp, err := procstat.Group(pid)
		if err != nil {
			continue
		}
		g, ok := byGroup[pgrp]
		if !ok {
			continue
		}
		if run, has := procstat.Env(pid, "WEIR_RUN_ID"); !has || run != g.run {
			continue
		}
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			killed++
		}
	}
	return killed
}
