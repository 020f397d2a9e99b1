package engine

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weirflow/weir/executor/local/proc"
)

// TestReportUnreaped: what could not be reaped goes to the engine's log
// and to the run's engine.log, naming every process and a fix; a run
// whose directory was never made gets the log only.
func TestReportUnreaped(t *testing.T) {
	left := []proc.Orphan{{Pid: 4242, Comm: "sleep", State: 'D'}, {Pid: 4243, Comm: "cp", State: 'D'}}
	tests := []struct {
		name    string
		dir     bool
		want    []string
		wantLog bool
	}{
		{"run dir", true, []string{"2 processes", "pid 4242 (sleep, state D), pid 4243 (cp, state D)", "fix: ", "kill -KILL 4242"}, true},
		{"no run dir", false, []string{"2 processes"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			if tt.dir {
				if err := os.Mkdir(dir, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			var log bytes.Buffer
			reportEngine(&log, dir, unreapedMessage(left))
			kept, err := os.ReadFile(filepath.Join(dir, engineLog))
			if tt.wantLog != (err == nil) {
				t.Fatalf("engine.log: %v, want it kept: %v", err, tt.wantLog)
			}
			for _, w := range tt.want {
				if !strings.Contains(log.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, log.String())
				}
				if tt.wantLog && !strings.Contains(string(kept), w) {
					t.Errorf("engine.log lacks %q:\n%s", w, kept)
				}
			}
		})
	}
}

// endedMessage names each process the end of the run ended, with its task
// where its environment told it.
func TestEndedMessage(t *testing.T) {
	tests := []struct {
		ended []proc.Orphan
		want  string
	}{
		{[]proc.Orphan{{Pid: 4242, Comm: "sleep", State: 'S', Task: "fetch[3]"}},
			"weir: note: ended 1 process that the run's tasks left running: pid 4242 (sleep, task fetch[3])\n"},
		{[]proc.Orphan{{Pid: 7, Comm: "daemon", Task: "a"}, {Pid: 9, Comm: "scrubbed"}},
			"weir: note: ended 2 processes that the run's tasks left running: pid 7 (daemon, task a), pid 9 (scrubbed)\n"},
	}
	for _, tt := range tests {
		if got := endedMessage(tt.ended); got != tt.want {
			t.Errorf("endedMessage(%v) =\n%q, want\n%q", tt.ended, got, tt.want)
		}
	}
}
