package main

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/weirflow/weir/internal/procstat"
	"github.com/weirflow/weir/store"
)

// TestSignalEngineRefusesCraftedRecord: a run record (run.json, or a
// copied store) naming another process of the user's, with a start time
// of 0 or its true one, gets no signal sent to it.
func TestSignalEngineRefusesCraftedRecord(t *testing.T) {
	victim := exec.Command("sleep", "60")
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { victim.Process.Kill(); victim.Wait() }()
	_, start, err := procstat.Read(victim.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		engine store.Engine
		locked bool
	}{
		{"start time 0", store.Engine{Pid: victim.Process.Pid}, true},
		{"true start time, store held by another", store.Engine{Pid: victim.Process.Pid, StartTime: start}, true},
		{"true start time, no engine", store.Engine{Pid: victim.Process.Pid, StartTime: start}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.locked && st != nil {
				st.Close()
				st = nil
			}
			rec := store.RunRecord{ID: "r1", State: store.RunRunning, Engine: tt.engine}
			err := signalEngine(dir, rec, syscall.SIGTERM)
			if err == nil || !strings.Contains(err.Error(), "will not signal") {
				t.Fatalf("got %v, want a refusal", err)
			}
			if !procstat.Alive(victim.Process.Pid, start) {
				t.Fatal("the victim was signalled")
			}
		})
	}
	if st != nil {
		st.Close()
	}
}
