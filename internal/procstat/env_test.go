//go:build linux

package procstat

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// Env reads a variable from the environment a process started with, the
// whole value after the first '=', and reports a missing one or process.
func TestEnv(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	cmd.Env = []string{"WEIR_TASK=fetch[3]=x", "WEIR_TASKS=no", "EMPTY="}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	pid := cmd.Process.Pid
	// Start returns while the exec still sets up the new program's
	// memory, where its environment is read from.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if _, ok := Env(pid, "EMPTY"); ok {
			break
		}
	}
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"WEIR_TASK", "fetch[3]=x", true},
		{"WEIR_TASKS", "no", true},
		{"EMPTY", "", true},
		{"WEIR_TAS", "", false},
		{"PATH", "", false},
	}
	for _, tt := range tests {
		if got, ok := Env(pid, tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("Env(%d, %q) = %q, %v; want %q, %v", pid, tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := Env(os.Getpid()+1<<22, "PATH"); ok {
		t.Error("Env of a pid that is no process found a variable")
	}
}

// EnvHas wants every entry, whole, once or more.
func TestEnvHas(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	cmd.Env = []string{"WEIR_RUN_ID=r1", "WEIR_TASK=a", "WEIR_TASK=a", "WEIR_ATTEMPT=12"}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	pid := cmd.Process.Pid
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if EnvHas(pid, "WEIR_RUN_ID=r1") {
			break
		}
	}
	tests := []struct {
		kvs  []string
		want bool
	}{
		{[]string{"WEIR_RUN_ID=r1", "WEIR_TASK=a", "WEIR_ATTEMPT=12"}, true},
		{[]string{"WEIR_TASK=a", "WEIR_ATTEMPT=1"}, false},
		{[]string{"WEIR_TASK=a", "WEIR_TASK=b"}, false},
		{[]string{"WEIR_RUN_ID=r"}, false},
		{nil, true},
	}
	for _, tt := range tests {
		if got := EnvHas(pid, tt.kvs...); got != tt.want {
			t.Errorf("EnvHas(%v) = %v, want %v", tt.kvs, got, tt.want)
		}
	}
}
