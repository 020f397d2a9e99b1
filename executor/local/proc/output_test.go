//go:build linux

package proc_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weirflow/weir/executor/local/proc"
)

func procOutput(t *testing.T, argv, env []string) (stdout, stderr []byte, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return proc.Output(ctx, argv, env, nil)
}

func TestOutput(t *testing.T) {
	ctx := context.Background()
	out, errOut, err := proc.Output(ctx, []string{"sh", "-c", "cat; echo err >&2"}, testEnv, strings.NewReader("in\n"))
	if err != nil || string(out) != "in\n" || string(errOut) != "err\n" {
		t.Errorf("got %q, %q, %v", out, errOut, err)
	}
	// Stdin is /dev/null when nil.
	out, _, err = proc.Output(ctx, []string{"cat"}, testEnv, nil)
	if err != nil || len(out) != 0 {
		t.Errorf("cat </dev/null: %q, %v", out, err)
	}
	// A child that does not read its stdin.
	_, _, err = proc.Output(ctx, []string{"true"}, testEnv, strings.NewReader(strings.Repeat("x", 1<<20)))
	if err != nil {
		t.Errorf("unread stdin: %v", err)
	}
}

func TestOutputExitError(t *testing.T) {
	_, _, err := proc.Output(context.Background(),
		[]string{"sh", "-c", "echo first >&2; echo 'sbatch: error: invalid partition' >&2; exit 1"}, testEnv, nil)
	var ee *proc.ExitError
	if !errors.As(err, &ee) || ee.Exit.Status.ExitStatus() != 1 {
		t.Fatalf("got %v, want an ExitError with status 1", err)
	}
	want := "proc: sh: exit 1: first\nsbatch: error: invalid partition"
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestOutputCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	// The background sleep shares the pipes and the group: it is killed too.
	_, _, err := proc.Output(ctx, []string{"sh", "-c", "sleep 30 & sleep 30"}, testEnv, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want DeadlineExceeded", err)
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
	if _, _, err := proc.Output(ctx, []string{"true"}, testEnv, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("done ctx: %v", err)
	}
}

// A descendant that keeps the pipes open (setsid takes it out of the
// group) neither fails the command nor holds Output until the context
// ends, and what the child wrote arrives whole, however little of it was
// read when the wait for end of file ran out.
func TestOutputPipeHeldByDescendant(t *testing.T) {
	for _, tt := range []struct {
		name   string
		write  string // shell that writes the child's stdout
		want   int    // bytes of stdout
		delay  time.Duration
		status int
	}{
		{name: "a line", write: "echo hi", want: 3, delay: 200 * time.Millisecond},
		{name: "more than a pipe holds, none of it read yet", write: "head -c 1048576 /dev/zero", want: 1 << 20, delay: time.Nanosecond},
		{name: "a failure keeps its status", write: "echo hi; false", want: 3, delay: 200 * time.Millisecond, status: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer proc.SetWaitDelay(tt.delay)()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			// The holder prints its pid, to be killed below; it would hold
			// the pipes for a minute.
			script := "setsid sleep 60 & echo $! >&2; " + tt.write
			out, errOut, err := proc.Output(ctx, []string{"sh", "-c", script}, testEnv, nil)
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(errOut))); perr == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			var ee *proc.ExitError
			switch {
			case tt.status == 0 && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.status != 0 && (!errors.As(err, &ee) || ee.Exit.Status.ExitStatus() != tt.status):
				t.Errorf("error %v, want exit %d", err, tt.status)
			}
			if len(out) != tt.want {
				t.Errorf("%d bytes of stdout, want %d", len(out), tt.want)
			}
		})
	}
}
