//go:build linux

package proc_test

import (
	"context"
	"errors"
	"strings"
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

func TestOutputPipeHeldByDescendant(t *testing.T) {
	defer proc.SetWaitDelay(200 * time.Millisecond)()
	// setsid takes the sleep out of the group, and it keeps stdout open.
	out, _, err := procOutput(t, []string{"sh", "-c", "echo hi; setsid sleep 2 &"}, testEnv)
	if err == nil || !strings.Contains(err.Error(), "still open") || string(out) != "hi\n" {
		t.Errorf("got %q, %v", out, err)
	}
}
