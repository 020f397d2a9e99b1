package local_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor/local"
	"github.com/weirflow/weir/store"
)

// TestLogs: what a task writes lands in its log files, whole and in order;
// a stream the task never writes to leaves no file.
func TestLogs(t *testing.T) {
	const large = 64 << 20
	yes := strings.Repeat("0123456789abcdef\n", large/17+1)[:large]
	tests := []struct {
		name           string
		script         string
		stdout, stderr *string // nil: no file
	}{
		{"silent", "true", nil, nil},
		{"stdout only", "echo hello", ptr("hello\n"), nil},
		{"stderr only", "echo oops >&2", nil, ptr("oops\n")},
		{"both", "echo out; echo err >&2; echo out2", ptr("out\nout2\n"), ptr("err\n")},
		{"failing", "echo before; exit 3", ptr("before\n"), nil},
		// 64 MiB through a 64 KiB pipe: the relay keeps up and loses nothing.
		{"large", fmt.Sprintf("yes 0123456789abcdef | head -c %d", large), ptr(yes), nil},
		// A child that outlives the task's main process holds the pipe
		// until it is killed with the rest of the task; what it wrote
		// before is kept.
		{"grandchild", "(echo late; sleep 30) & sleep 0.2; echo early", ptr("late\nearly\n"), nil},
		// The same, with the main process gone before relaying begins
		// (relayDelay): the pipes are read once at the end.
		{"grandchild, at once", "(sleep 30) & echo early", ptr("early\n"), nil},
		// Output on both sides of relayDelay, and more than a pipe holds
		// before it.
		{"before and after the relaying begins", "echo first; sleep 0.05; echo second >&2; echo third", ptr("first\nthird\n"), ptr("second\n")},
		{"a pipe's worth at once", "head -c 200000 /dev/zero | tr '\\0' x", ptr(strings.Repeat("x", 200000)), nil},
	}
	eachEnforcement(t, func(t *testing.T, r *local.Runner) {
		t.Cleanup(r.Close)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var f fixture
				task := shTask("t", tc.script)
				begin := time.Now()
				f.run(t, context.Background(), r, dag.Pool{}, task)
				if d := time.Since(begin); d > 10*time.Second {
					t.Errorf("the attempt took %v to end", d)
				}
				stdout, stderr := store.DirLayout{Root: f.runDir}.Logs("t", 1)
				checkLog(t, stdout, tc.stdout)
				checkLog(t, stderr, tc.stderr)
			})
		}
	})
}

// eachEnforcement runs test with a runner under the watchdog, and with one
// making cgroups (skipped where none can be made).
func eachEnforcement(t *testing.T, test func(t *testing.T, r *local.Runner)) {
	for _, enf := range []string{"watchdog", "cgroup"} {
		t.Run(enf, func(t *testing.T) {
			opts := local.Options{}
			if enf == "cgroup" {
				opts.Cgroups = cgroups(t)
			}
			test(t, local.New(opts))
		})
	}
}

func ptr(s string) *string { return &s }

func checkLog(t *testing.T, path string, want *string) {
	t.Helper()
	b, err := os.ReadFile(path)
	switch {
	case want == nil && err == nil:
		t.Errorf("%s exists (%d bytes); a silent stream leaves no file", filepath.Base(path), len(b))
	case want == nil && os.IsNotExist(err):
	case err != nil:
		t.Errorf("%v", err)
	case string(b) != *want:
		t.Errorf("%s: %d bytes (sha256 %x), want %d (sha256 %x)", filepath.Base(path), len(b), sha256.Sum256(b), len(*want), sha256.Sum256([]byte(*want)))
	default:
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
		}
	}
}

// TestLogsUnwritable: output that cannot be kept fails an attempt that
// would have succeeded, saying why, and the task never blocks on it.
func TestLogsUnwritable(t *testing.T) {
	r := local.New(local.Options{})
	t.Cleanup(r.Close)
	f := fixture{runDir: t.TempDir()}
	f.shmDir = t.TempDir()
	stdout, _ := store.DirLayout{Root: f.runDir}.Logs("t", 1)
	if err := os.MkdirAll(filepath.Dir(filepath.Dir(stdout)), 0o700); err != nil {
		t.Fatal(err)
	}
	// A file where the bucket directory should be stops even root.
	if err := os.WriteFile(filepath.Dir(stdout), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := f.run(t, context.Background(), r, dag.Pool{}, shTask("t", "head -c 10000000 /dev/zero"))
	got := lastResult(t, s, "t")
	if got.Reason != event.Lost || !strings.Contains(got.Detail, "output could not be kept") || !strings.Contains(got.Detail, "not a directory") {
		t.Errorf("result %s: %s", got.Reason, got.Detail)
	}
}
