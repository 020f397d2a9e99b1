//go:build linux

package procstat

import (
	"os"
	"os/exec"
	"slices"
	"testing"
)

func TestParseEntry(t *testing.T) {
	tests := []struct {
		line string
		want Entry
		bad  bool
	}{
		{line: "4242 (we ird) (x) S 17 4242 4242 0 -1\n", want: Entry{Pid: 4242, Ppid: 17, State: 'S', Comm: "we ird) (x"}},
		{line: "7 (sleep) Z 1 7 7\n", want: Entry{Pid: 7, Ppid: 1, State: 'Z', Comm: "sleep"}},
		{line: "", bad: true},
		{line: "7 sleep Z 1", bad: true},
		{line: "x (sleep) Z 1", bad: true},
		{line: "7 (sleep) Z", bad: true},
		{line: "7 (sleep) Z one", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseEntry([]byte(tt.line))
		if tt.bad {
			if err == nil {
				t.Errorf("%q: no error, got %+v", tt.line, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: got %+v, %v; want %+v", tt.line, got, err, tt.want)
		}
	}
}

// TestTableHasSelf: the table holds this process with its parent.
func TestTableHasSelf(t *testing.T) {
	entries, err := Table()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Pid == os.Getpid() {
			if e.Ppid != os.Getppid() || e.State == 'Z' {
				t.Errorf("self: %+v, want parent %d", e, os.Getppid())
			}
			return
		}
	}
	t.Errorf("this process (%d) is not among %d entries", os.Getpid(), len(entries))
}

// TestChildren: a child of this process is among its threads' children.
func TestChildren(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	kids, ok := Children(os.Getpid())
	if !ok {
		t.Skip("no /proc/PID/task/TID/children here (CONFIG_PROC_CHILDREN)")
	}
	if !slices.Contains(kids, cmd.Process.Pid) {
		t.Errorf("children %v lack %d", kids, cmd.Process.Pid)
	}
}
