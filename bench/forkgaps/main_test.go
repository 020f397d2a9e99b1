package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The runner is the process that forked the most children exec'ing the
// program; a chain's gaps run from one child's exit to the next one's
// fork, and other processes' children and threads do not count.
func TestPhases(t *testing.T) {
	const script = ` weir 10/10  100.000000:     sched:sched_process_exec: filename=/usr/bin/weir pid=10 old_pid=10
 weir 10/11  100.001000:     sched:sched_process_fork: comm=weir pid=11 child_comm=weir child_pid=20
 weir 10/12  100.001500:     sched:sched_process_fork: comm=weir pid=12 child_comm=weir child_pid=13
 true 20/20  100.001200:     sched:sched_process_exec: filename=/bin/true pid=20 old_pid=20
 true 20/20  100.002200:     sched:sched_process_exit: comm=true pid=20 prio=120 group_dead=true
 weir 10/12  100.002300:     sched:sched_process_exit: comm=weir pid=12 prio=120 group_dead=false
 weir 10/11  100.002500:     sched:sched_process_fork: comm=weir pid=11 child_comm=weir child_pid=21
 true 21/21  100.002800:     sched:sched_process_exec: filename=/bin/true pid=21 old_pid=21
 true 21/21  100.004800:     sched:sched_process_exit: comm=true pid=21 prio=120 group_dead=true
 bash 30/30  100.003000:     sched:sched_process_fork: comm=bash pid=30 child_comm=bash child_pid=31
 true 31/31  100.003100:     sched:sched_process_exec: filename=/bin/true pid=31 old_pid=31
 true 31/31  100.003200:     sched:sched_process_exit: comm=true pid=31 prio=120 group_dead=true
`
	evs, err := read(strings.NewReader(script))
	if err != nil {
		t.Fatal(err)
	}
	got := phases(evs, "/bin/true")
	us := time.Microsecond
	for _, c := range []struct {
		name      string
		got, want []time.Duration
	}{
		{"fork to exec", got.forkExec, []time.Duration{200 * us, 300 * us}},
		{"exec to exit", got.execExit, []time.Duration{1000 * us, 2000 * us}},
		{"exit to the next fork", got.exitFork, []time.Duration{300 * us}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if got.runner != 10 || got.tasks != 2 {
		t.Errorf("runner %d with %d tasks, want 10 with 2", got.runner, got.tasks)
	}
}
