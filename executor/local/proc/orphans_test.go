//go:build linux

package proc_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weirflow/weir/executor/local/proc"
	"github.com/weirflow/weir/internal/procstat"
)

// TestReapOrphans: whatever a child leaves behind is ended and reaped
// before ReapOrphans returns, and children weir started itself are left
// alone.
func TestReapOrphans(t *testing.T) {
	tests := []struct {
		name   string
		script string // prints the pids it leaves behind, one a line
		grace  time.Duration
		ended  bool // they run until ended, which ReapOrphans reports
	}{
		// Most often a zombie by now, left to the reaper's next sweep.
		{"exited", `sleep 0 & echo $!`, time.Second, false},
		{"exits on TERM", `sleep 60 & echo $!`, 10 * time.Second, true},
		{"ignores TERM", `trap '' TERM; sleep 60 & echo $!`, 50 * time.Millisecond, true},
		// Exits once both pids are written: the orphaned sh's and the
		// sleep's below it.
		{"below an orphan", `trap '' TERM; sh -c 'sleep 60 & echo $!; wait' & echo $!; until [ "$(wc -l < /proc/$$/fd/1)" -ge 2 ]; do sleep 0.01; done`, 50 * time.Millisecond, true},
		{"new session", `setsid sleep 60 & echo $!`, time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keep, err := proc.Start(proc.Attr{Argv: []string{"sleep", "60"}, Env: testEnv})
			if err != nil {
				t.Fatal(err)
			}
			defer keep.Wait()
			defer keep.SignalGroup(syscall.SIGKILL)

			pids := leaveBehind(t, tt.script)
			if tt.ended {
				waitExecuted(t, pids)
			}
			ended, left, err := proc.ReapOrphans(tt.grace, 5*time.Second)
			if err != nil || len(left) > 0 {
				t.Fatalf("ReapOrphans = %v, %v", left, err)
			}
			// What ran until ended it reports, with the task its
			// environment names.
			if tt.ended && len(ended) != len(pids) {
				t.Errorf("ReapOrphans ended %v, want the %d the script left: %v", ended, len(pids), pids)
			}
			for _, o := range ended {
				if !slices.Contains(pids, o.Pid) {
					t.Errorf("ReapOrphans ended pid %d, which the script did not leave", o.Pid)
				}
				if tt.ended && o.Task != "orphans-test" { // one exiting has no environment left
					t.Errorf("pid %d: task %q, want the WEIR_TASK of its environment, orphans-test", o.Pid, o.Task)
				}
			}
			for _, pid := range pids {
				if state, _, err := procstat.Read(pid); err == nil {
					t.Errorf("pid %d is still there after ReapOrphans (state %c)", pid, state)
				}
			}
			if !proc.Alive(keep.Pid, keep.StartTime) {
				t.Error("ReapOrphans ended a child that Start started")
			}
		})
	}
}

// leaveBehind runs script in sh, which exits leaving processes behind, and
// returns their pids once each is reparented to this process, or gone, or
// below another of them.
func leaveBehind(t *testing.T, script string) []int {
	t.Helper()
	out, err := os.Create(filepath.Join(t.TempDir(), "pids"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	p, err := proc.Start(proc.Attr{Argv: []string{"sh", "-c", script}, Env: append([]string{"WEIR_TASK=orphans-test"}, testEnv...), Stdout: out})
	if err != nil {
		t.Fatal(err)
	}
	if exit, err := p.Wait(); err != nil || !exit.Success() {
		t.Fatalf("sh: %v, %v", exit, err)
	}
	var pids []int
	for _, f := range strings.Fields(readFile(t, out.Name())) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	if len(pids) == 0 {
		t.Fatal("the script left nothing behind")
	}
	for _, pid := range pids {
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
			e, ok := entry(pid)
			if !ok || e.Ppid == os.Getpid() || slices.Contains(pids, e.Ppid) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("pid %d was not reparented: %+v", pid, e)
			}
		}
	}
	return pids
}

func entry(pid int) (procstat.Entry, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procstat.Entry{}, false
	}
	e, err := procstat.ParseEntry(b)
	return e, err == nil
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// BenchmarkReapOrphans is the end of a run that left nothing behind
// (ns/op), against a read of the whole process table, which ReapOrphans
// avoids then (table-ns/op, and the ratio x-table).
//
//	go test -run '^$' -bench ReapOrphans ./executor/local/proc/
func BenchmarkReapOrphans(b *testing.B) {
	t0 := time.Now()
	for range b.N {
		if _, left, err := proc.ReapOrphans(time.Second, time.Second); err != nil || len(left) > 0 {
			b.Fatal(left, err)
		}
	}
	reap := time.Since(t0)
	b.StopTimer()
	t0 = time.Now()
	for range b.N {
		if _, err := procstat.Table(); err != nil {
			b.Fatal(err)
		}
	}
	table := time.Since(t0)
	b.ReportMetric(float64(table.Nanoseconds())/float64(b.N), "table-ns/op")
	b.ReportMetric(float64(reap)/float64(table), "x-table")
}

// EndOrphansOf ends the orphans whose environment carries every entry
// asked for, and no other: an attempt's end takes its own escapees only.
func TestEndOrphansOf(t *testing.T) {
	// The kept children file is read again each time: empty first.
	if n := proc.EndOrphansOf("WEIR_TASK=orphans-test"); n != 0 {
		t.Fatalf("EndOrphansOf ended %d before any orphan", n)
	}
	// A daemon and what it forked, in its group: they go together.
	pids := leaveBehind(t, `setsid sh -c 'sleep 60 & echo $!; wait' & echo $!; until [ "$(wc -l < /proc/$$/fd/1)" -ge 2 ]; do sleep 0.01; done`)
	waitExecuted(t, pids)
	if n := proc.EndOrphansOf("WEIR_TASK=orphans-test", "WEIR_ATTEMPT=2"); n != 0 {
		t.Errorf("EndOrphansOf of another attempt ended %d", n)
	}
	if e, ok := entry(pids[0]); !ok || e.State == 'Z' {
		t.Fatalf("pid %d is gone after EndOrphansOf of another attempt", pids[0])
	}
	if n := proc.EndOrphansOf("WEIR_TASK=orphans-test"); n != 1 {
		t.Errorf("EndOrphansOf of its task ended %d, want 1 (the daemon)", n)
	}
	ended, left, err := proc.ReapOrphans(time.Second, 5*time.Second)
	if err != nil || len(left) > 0 {
		t.Fatalf("ReapOrphans = %v, %v", left, err)
	}
	if len(ended) > 0 {
		t.Errorf("ReapOrphans still had to end %v: its group was not ended with the daemon", ended)
	}
	for _, pid := range pids {
		if _, ok := entry(pid); ok {
			t.Errorf("pid %d is still there", pid)
		}
	}
}

// waitExecuted waits until each of pids is through its exec: in the middle
// of one a process has no environment to read (an attempt's end would miss
// it, and leave it to the run's end).
func waitExecuted(t *testing.T, pids []int) {
	t.Helper()
	for _, pid := range pids {
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
			e, ok := entry(pid)
			if !ok || (e.Comm == "sleep" || e.Comm == "sh") && procstat.EnvHas(pid, "WEIR_TASK=orphans-test") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("pid %d is not through its exec", pid)
			}
		}
	}
}
