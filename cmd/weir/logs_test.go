package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLogsBoundedMemory: weir logs streams a log of one 100 MB line with
// a small resident set, with and without -f: within 40 MiB of what
// printing a one-line log takes in the same binary (the race detector's
// runtime alone takes more than a small fixed bound would allow).
func TestLogsBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 100 MB log")
	}
	weir := weirBinary(t)
	dir := t.TempDir()
	wf := `workflow "big" {
  shm_dir = "shm"
}
stage "line" {
  env_passthrough = ["PATH"]
  script = "head -c 100000000 /dev/zero | tr '\\0' x"
}
stage "small" {
  command = ["/bin/echo", "hi"]
}
`
	if err := os.WriteFile(filepath.Join(dir, "wf.hcl"), []byte(wf), 0o644); err != nil {
		t.Fatal(err)
	}
	run := exec.Command(weir, "run", "-q", "wf.hcl")
	run.Dir = dir
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("weir run: %v\n%s", err, out)
	}
	peak := func(args ...string) (rss, printed int64) {
		t.Helper()
		outPath := filepath.Join(dir, "out")
		out, err := os.Create(outPath)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(weir, args...)
		cmd.Dir, cmd.Stdout = dir, out
		err = cmd.Run()
		out.Close()
		if err != nil {
			t.Fatalf("weir %v: %v", args, err)
		}
		st, _ := os.Stat(outPath)
		return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10, st.Size() // KiB on Linux
	}
	baseline, _ := peak("logs", "small")
	for _, args := range [][]string{{"logs", "line"}, {"logs", "-f", "line"}} {
		rss, printed := peak(args...)
		t.Logf("weir %v: %d bytes out, peak RSS %d MiB (a one-line log: %d MiB)", args, printed, rss>>20, baseline>>20)
		if printed != 100_000_000 {
			t.Errorf("weir %v printed %d bytes, want 100000000", args, printed)
		}
		if rss > baseline+40<<20 {
			t.Errorf("weir %v: peak RSS %d MiB, want within 40 MiB of a one-line log's %d MiB", args, rss>>20, baseline>>20)
		}
	}
}

// TestLogsFollowLiveRun: weir logs -f on a task still running prints what
// it writes as it comes, and returns once its attempt has ended, with all
// of it.
func TestLogsFollowLiveRun(t *testing.T) {
	weir := weirBinary(t)
	dir := t.TempDir()
	wf := `stage "slow" {
  command = ["/bin/sh", "-c", "echo first; sleep 1.5; echo second"]
}
`
	if err := os.WriteFile(filepath.Join(dir, "wf.hcl"), []byte(wf), 0o644); err != nil {
		t.Fatal(err)
	}
	run := exec.Command(weir, "run", "-q", "wf.hcl")
	run.Dir = dir
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	defer run.Wait()
	// The run exists once its event log does.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m, _ := filepath.Glob(filepath.Join(dir, ".weir", "runs", "*", "events.jsonl")); len(m) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the run never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// While the engine holds the store, a task is found in the event log,
	// and a near miss named.
	miss := exec.Command(weir, "logs", "SLOW")
	miss.Dir = dir
	if out, err := miss.CombinedOutput(); err == nil || !strings.Contains(string(out), `did you mean "slow"`) {
		t.Errorf("weir logs SLOW during the run: %v\n%s", err, out)
	}
	follow := exec.Command(weir, "logs", "-f", "slow")
	follow.Dir = dir
	out, err := follow.CombinedOutput()
	if err != nil {
		t.Fatalf("weir logs -f: %v\n%s", err, out)
	}
	if string(out) != "first\nsecond\n" {
		t.Errorf("weir logs -f printed %q, want the whole output", out)
	}
	if err := run.Wait(); err != nil {
		t.Errorf("weir run: %v", err)
	}
}
