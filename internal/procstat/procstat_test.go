//go:build linux

package procstat

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	line := "4242 (we ird) (x) S 1 4242 4242 0 -1 4194560 102 0 0 0 0 0 0 0 20 0 1 0 987654 1234 56 18446744073709551615\n"
	state, st, err := Parse([]byte(line))
	if err != nil || state != 'S' || st != 987654 {
		t.Errorf("got %c %d %v", state, st, err)
	}
	for _, bad := range []string{"", "1 (x", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 x"} {
		if _, _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseCPU(t *testing.T) {
	// A comm with a space and a parenthesis, as a task may name itself.
	got, err := ParseCPU([]byte("4242 (we ir) x) Z 1 4242 4242 0 -1 4227084 100 0 0 0 13 24 7 9 20 0 1 0 5 0 0"))
	if want := 370 * time.Millisecond; err != nil || got != want {
		t.Errorf("ParseCPU = %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"4242 (x) Z 1", "1 (x) S 1 2 3 4 5 6 7 8 9 10 x 12"} {
		if _, err := ParseCPU([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestAlive(t *testing.T) {
	_, start, err := Read(os.Getpid())
	if err != nil || start == 0 {
		t.Fatalf("Read(self) = %d, %v", start, err)
	}
	if !Alive(os.Getpid(), start) || !Alive(os.Getpid(), 0) {
		t.Error("this process is not alive")
	}
	if Alive(os.Getpid(), start+1) {
		t.Error("a different start time still counts as alive")
	}
	if Alive(0, 0) || Alive(-1, 0) {
		t.Error("pid 0 or below is alive")
	}
}

// TestGroup: this process's group as the kernel reports it.
func TestGroup(t *testing.T) {
	g, err := Group(os.Getpid())
	if err != nil || g != syscall.Getpgrp() {
		t.Errorf("Group = %d, %v; want %d", g, err, syscall.Getpgrp())
	}
	if _, err := Group(1 << 30); err == nil {
		t.Error("a pid that does not exist has a group")
	}
}

// TestBootTicksBracketStartTimes: the start time of a process forked
// between two BootTicks readings lies between them, in the same unit.
func TestBootTicksBracketStartTimes(t *testing.T) {
	for range 20 {
		before, ok := BootTicks()
		if !ok {
			t.Fatal("no boot clock")
		}
		cmd := exec.Command("sleep", "10")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		after, _ := BootTicks()
		_, start, err := Read(cmd.Process.Pid)
		cmd.Process.Kill()
		cmd.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if start < before || start > after {
			t.Fatalf("start time %d outside [%d, %d]", start, before, after)
		}
	}
}
