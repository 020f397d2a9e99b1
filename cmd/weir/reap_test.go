package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weirflow/weir/internal/procstat"
	"github.com/weirflow/weir/internal/shmtest"
)

// stubbornWorkflow times out a task whose shell and sleep both ignore
// SIGTERM: at its grace both are SIGKILLed, and the sleep, whose shell may
// die first, becomes an orphan of the engine. SH and SLEEP are links to
// sh and sleep under names that mark the repetition's processes (a
// process's name is its program's file name; a zombie keeps it).
const stubbornWorkflow = `
workflow "stubborn" {
  shm_dir = "shm"
}
stage "stubborn" {
  timeout = "500ms"
  grace   = "100ms"
  command = ["SH", "-c", "trap '' TERM; SLEEP 1000"]
}
`

// TestNoZombieOutlivesRun repeats the stubborn task 50 times, under cgroups
// and under the watchdog, half of the time beside a CPU hog, and checks
// after each weir run that nothing it started is left: no zombie, nothing
// reparented to init, nothing alive.
func TestNoZombieOutlivesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs weir 50 times")
	}
	weir := weirBinary(t)
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("wr%08x", rand.Uint32())
	const reps, together = 50, 10
	for _, hog := range []bool{false, true} {
		if hog {
			stop := cpuHogs(t, 2)
			defer stop()
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, together)
		for i := range reps / 2 {
			n := i
			if hog {
				n += reps / 2
			}
			mode := []string{"auto", "watchdog"}[n%2]
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				mark := fmt.Sprintf("%s%02d", prefix, n)
				dir := shmtest.TempDir(t)
				wf := strings.NewReplacer("SH", link(t, sh, dir, mark+"s"), "SLEEP", link(t, sleep, dir, mark+"t")).Replace(stubbornWorkflow)
				if err := os.WriteFile(filepath.Join(dir, "wf.hcl"), []byte(wf), 0o644); err != nil {
					t.Error(err)
					return
				}
				cmd := exec.Command(weir, "run", "-q", "--memory-enforcement", mode, "wf.hcl")
				cmd.Dir = dir
				// A race-enabled weir would sleep a second at exit.
				cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				t0 := time.Now()
				err := cmd.Run()
				t.Logf("rep %d %s hog %v took %v", n, mode, hog, time.Since(t0))
				if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 {
					t.Errorf("repetition %d (%s): weir run: %v, want exit 1 (a timeout)\n%s", n, mode, err, out.String())
				}
				if left := marked(t, mark); len(left) > 0 {
					t.Errorf("repetition %d (%s, hog %v): after weir run returned, its processes are left: %s\n%s", n, mode, hog, strings.Join(left, "; "), out.String())
				}
			})
		}
		wg.Wait()
	}
}

// link makes dir/name a symbolic link to program and returns its path.
func link(t *testing.T, program, dir, name string) string {
	path := filepath.Join(dir, name)
	if err := os.Symlink(program, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// marked lists the processes whose name starts with mark, with their
// state and parent.
func marked(t *testing.T, mark string) []string {
	entries, err := procstat.Table()
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		if strings.HasPrefix(e.Comm, mark) {
			left = append(left, fmt.Sprintf("pid %d %s state %c parent %d", e.Pid, e.Comm, e.State, e.Ppid))
		}
	}
	return left
}

// cpuHogs keeps n shell loops busy until stop is called.
func cpuHogs(t *testing.T, n int) (stop func()) {
	var hogs []*exec.Cmd
	for range n {
		c := exec.Command("sh", "-c", "while :; do :; done")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		hogs = append(hogs, c)
	}
	return func() {
		for _, c := range hogs {
			c.Process.Kill()
			c.Wait()
		}
	}
}
