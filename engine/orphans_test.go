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
