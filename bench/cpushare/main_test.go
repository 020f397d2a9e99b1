package main

import (
	"strings"
	"testing"
)

// A sample goes to the first part whose function is on its stack; the
// tasks' samples are told apart by their pid.
func TestParts(t *testing.T) {
	const script = `weir 10/11 
	ffff do_syscall_64
	1234 syscall.forkExec
	5678 go.etcd.io/bbolt.(*DB).Update

true 12/12 
	ffff execve

weir 10/13 
	1234 runtime.usleep.abi0
	5678 runtime.sysmon
`
	samples, err := read(strings.NewReader(script))
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 3 {
		t.Fatalf("%d samples, want 3", len(samples))
	}
	for i, want := range []struct{ pid, part string }{
		{"10", "fork and exec, the engine's side"},
		{"12", "other"},
		{"10", "sysmon (the runtime's monitor thread)"},
	} {
		if got := samples[i].pid; got != want.pid {
			t.Errorf("sample %d: pid %s, want %s", i, got, want.pid)
		}
		if got := part(samples[i].stack); got != want.part {
			t.Errorf("sample %d: part %q, want %q", i, got, want.part)
		}
	}
}
