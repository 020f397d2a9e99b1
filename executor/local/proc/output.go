package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// waitDelay is how long Output waits for end of file after the child
// exited: a descendant that left the child's process group may hold the
// pipes open for ever. Past it Output takes what is left in the pipes and
// stops reading.
var waitDelay = 2 * time.Second

// ExitError is Output's error for a child that did not exit 0.
type ExitError struct {
	Program string
	Exit    Exit
	// Stderr is the tail of what the child wrote to stderr, trimmed.
	Stderr string
}

func (e *ExitError) Error() string {
	if e.Stderr == "" {
		return fmt.Sprintf("proc: %s: %v", e.Program, e.Exit)
	}
	return fmt.Sprintf("proc: %s: %v: %s", e.Program, e.Exit, e.Stderr)
}

// Output runs a helper command (sbatch, squeue, ...) to completion and
// returns what it wrote: the os/exec replacement for the engine, which must
// not use os/exec once Init ran. The child starts as Start starts it, with
// env as its whole environment (PATH included) and stdin as fd 0 (nil is
// /dev/null). Cancelling ctx kills the child's process group; the error then
// wraps ctx.Err(). A non-zero exit is an *ExitError carrying the tail of
// stderr. stdout and stderr are returned in every case.
//
// As with os/exec, a stdin that is not an *os.File is copied by a goroutine,
// which outlives Output if stdin's Read never returns.
func Output(ctx context.Context, argv []string, env []string, stdin io.Reader) (stdout, stderr []byte, err error) {
	if len(argv) == 0 {
		return nil, nil, errors.New("proc: output: empty argv")
	}
	name := argv[0]
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("proc: %s: %w", name, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("proc: %s: %w", name, err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, nil, fmt.Errorf("proc: %s: %w", name, err)
	}
	// Our ends are closed on every return; os.File.Close is idempotent.
	defer outR.Close()
	defer errR.Close()

	var inR, inW *os.File
	switch s := stdin.(type) {
	case nil:
	case *os.File:
		inR = s
	default:
		if inR, inW, err = os.Pipe(); err != nil {
			outW.Close()
			errW.Close()
			return nil, nil, fmt.Errorf("proc: %s: %w", name, err)
		}
		defer inW.Close()
	}
	p, err := Start(Attr{Argv: argv, Env: env, Stdin: inR, Stdout: outW, Stderr: errW})
	// The child has its copies; ours would keep the pipes from EOF.
	outW.Close()
	errW.Close()
	if inW != nil {
		inR.Close()
	}
	if err != nil {
		return nil, nil, err
	}
	if inW != nil {
		go func() {
			io.Copy(inW, stdin) // EPIPE once the child stops reading: fine
			inW.Close()
		}()
	}
	var outBuf, errBuf bytes.Buffer
	var wg sync.WaitGroup
	wg.Go(func() { io.Copy(&outBuf, outR) })
	wg.Go(func() { io.Copy(&errBuf, errR) })
	readersDone := make(chan struct{})
	go func() { wg.Wait(); close(readersDone) }()

	var ctxErr error
	kill := context.AfterFunc(ctx, func() { p.SignalGroup(syscall.SIGKILL) })
	exit, werr := p.Wait()
	if !kill() {
		ctxErr = ctx.Err()
	}
	if inW != nil {
		inW.Close() // unblocks the copier if it is stuck writing
	}
	timer := time.NewTimer(waitDelay)
	select {
	case <-readersDone:
	case <-timer.C:
		// The exit decides the result, not a pipe held open: on a loaded
		// machine even a child without descendants can look held, when this
		// process ran too late to see the end of file before the timer.
		if err := drain(ctx, readersDone, outR, errR); err != nil && ctxErr == nil {
			ctxErr = err
		}
	case <-ctx.Done():
		if ctxErr == nil {
			ctxErr = ctx.Err()
		}
	}
	timer.Stop()
	// Closing our ends ends the readers if they are still blocked.
	outR.Close()
	errR.Close()
	<-readersDone
	stdout, stderr = outBuf.Bytes(), errBuf.Bytes()
	switch {
	case ctxErr != nil:
		return stdout, stderr, fmt.Errorf("proc: %s: %w", name, ctxErr)
	case werr != nil:
		return stdout, stderr, fmt.Errorf("proc: %s: %w", name, werr)
	case !exit.Success():
		return stdout, stderr, &ExitError{Program: name, Exit: exit, Stderr: tail(stderr, 512)}
	}
	return stdout, stderr, nil
}

// drain ends the readers of pipes whose writer exited but whose write ends
// a descendant still holds: everything the child wrote is in the pipes
// once it has exited, so the readers are stopped as soon as the pipes are
// empty. What a descendant writes after that is not read. It fails only
// when ctx ends first, with bytes left unread.
func drain(ctx context.Context, done <-chan struct{}, pipes ...*os.File) error {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !empty(pipes) {
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	// A reader that got bytes appends them before its next read, which
	// then fails; the caller waits for the readers.
	for _, f := range pipes {
		if f.SetReadDeadline(time.Now()) != nil {
			f.Close()
		}
	}
	return nil
}

// empty says whether no bytes wait in any of the pipes; one that cannot be
// asked counts as empty.
func empty(pipes []*os.File) bool {
	for _, f := range pipes {
		if n, err := unread(f); err == nil && n > 0 {
			return false
		}
	}
	return true
}

// tail returns about the last n bytes of b, starting at a line boundary
// when there is one, trimmed.
func tail(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i < len(b)-1 {
			b = b[i+1:]
		}
		return "..." + strings.TrimSpace(string(b))
	}
	return string(b)
}
