package storetest

import (
	"os/exec"
	"testing"

	"github.com/weirflow/weir/internal/procstat"
)

// Bystander is a process crafted records may name (as an engine, or a
// task's process group) and that nothing weir does may signal.
type Bystander struct {
	Pid   int
	Start uint64 // clock ticks since boot, as records hold it
}

// NewBystander starts one for the life of tb.
func NewBystander(tb testing.TB) Bystander {
	tb.Helper()
	cmd := exec.Command("sleep", "3600")
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	_, start, err := procstat.Read(cmd.Process.Pid)
	if err != nil {
		tb.Fatal(err)
	}
	return Bystander{Pid: cmd.Process.Pid, Start: start}
}

// Check fails t unless the bystander still sleeps: any signal but a few
// harmless ones would have ended or stopped it.
func (b Bystander) Check(t testing.TB, what string) {
	t.Helper()
	state, start, err := procstat.Read(b.Pid)
	if err != nil || start != b.Start || state != 'S' && state != 'R' {
		t.Fatalf("%s: the bystander process %d was signalled: state %q, %v", what, b.Pid, state, err)
	}
}
