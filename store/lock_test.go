package store

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLocked: while another process has the store as an engine, an Open
// fails within about a second with the holder's pid, read-only opens too,
// and the readers' functions still work from the event logs.
func TestLocked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := child(t, "hold", dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		t.Fatalf("child said %q, %v; stderr: %s", line, err, cmd.Stderr)
	}

	for _, o := range []Options{{}, {ReadOnly: true}} {
		start := time.Now()
		s, err := Open(dir, o)
		took := time.Since(start)
		if err == nil {
			s.Close()
			t.Fatalf("Open(%+v) of a held store succeeded", o)
		}
		var locked *ErrLocked
		if !errors.As(err, &locked) {
			t.Fatalf("Open(%+v) = %v, want *ErrLocked", o, err)
		}
		if locked.Pid != cmd.Process.Pid || locked.Since.IsZero() {
			t.Errorf("ErrLocked %+v, want pid %d", locked, cmd.Process.Pid)
		}
		msg := err.Error()
		if !strings.Contains(msg, "in use by weir pid "+strconv.Itoa(cmd.Process.Pid)) ||
			!strings.Contains(msg, "wait for it or use --state-dir") || !strings.Contains(msg, dir) {
			t.Errorf("message %q", msg)
		}
		if took > 1500*time.Millisecond {
			t.Errorf("Open(%+v) took %v to fail", o, took)
		}
		t.Logf("Open(%+v) failed after %v: %v", o, took.Round(time.Millisecond), err)
	}

	start := time.Now()
	runs, err := ListRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("ListRuns took %v while the store was held", took)
	}
	if len(runs) != 1 || !runs[0].FromLog || runs[0].ID != "held" || runs[0].State != RunRunning ||
		runs[0].Name != "held" || runs[0].Counts["ready"] != 1 || runs[0].Engine.Pid != cmd.Process.Pid {
		t.Errorf("ListRuns while held = %+v", runs)
	}
	events, err := ReadEvents(dir, "held")
	if err != nil || len(events) != 2 {
		t.Errorf("ReadEvents while held = %d events, %v", len(events), err)
	}

	// Once the engine is gone the store opens, and its lock file is gone.
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v; stderr: %s", err, cmd.Stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, lockFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("engine.lock after the engine closed: %v", err)
	}
	s := openStore(t, dir, Options{})
	if run, err := s.Run("held"); err != nil || run.State != RunLost {
		t.Errorf("run after its engine left without ending it: %+v, %v", run, err)
	}
}

// TestStaleLockInfo: an engine.lock left by a dead engine confuses neither
// Open nor the message of a lock it did not take.
func TestStaleLockInfo(t *testing.T) {
	dir := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no true:", err)
	}
	stale, _ := json.Marshal(lockInfo{Engine: Engine{Pid: dead.Process.Pid, StartTime: 1}, StartedAt: time.Now()})
	if err := os.WriteFile(filepath.Join(dir, lockFile), stale, 0o600); err != nil {
		t.Fatal(err)
	}
	if e := lockedError(dir); e.Pid != 0 || !strings.Contains(e.Error(), "in use by another weir process") {
		t.Errorf("ErrLocked from a stale file: %+v %q", e, e.Error())
	}
	s := openStore(t, dir, Options{})
	li, ok := holder(dir)
	if !ok || li.Pid != os.Getpid() {
		t.Errorf("engine.lock after Open names %+v, %v", li, ok)
	}
	s.Close()
}

func TestErrLockedMessage(t *testing.T) {
	since := time.Date(2025, 3, 4, 7, 12, 3, 0, time.Local)
	e := &ErrLocked{Dir: ".weir", Pid: 1234, Since: since}
	want := "state dir .weir is in use by weir pid 1234 (running since 2025-03-04 07:12:03); wait for it or use --state-dir"
	if e.Error() != want {
		t.Errorf("got  %q\nwant %q", e.Error(), want)
	}
	now := time.Now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 7, 12, 3, 0, time.Local)
	e.Since = today
	want = "state dir .weir is in use by weir pid 1234 (running since 07:12:03); wait for it or use --state-dir"
	if e.Error() != want {
		t.Errorf("got  %q\nwant %q", e.Error(), want)
	}
}

func TestSelfAlive(t *testing.T) {
	me := Self()
	if !me.Alive() || me.Pid != os.Getpid() {
		t.Errorf("Self() = %+v, alive %v", me, me.Alive())
	}
	if me.StartTime != 0 && (Engine{Pid: me.Pid, StartTime: me.StartTime + 1}).Alive() {
		t.Error("an engine with another start time counts as alive")
	}
}
