// Command weir checks, formats, draws and runs weir workflows.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// The main goroutine keeps the main thread, so that no task is ever started
// from it: on cgroup v1 the starting thread visits the task's cgroup, and
// with the thread-group leader inside a task's cgroup an OOM there could
// pick the engine as its victim (see cgroup.ErrMainThread).
func init() { runtime.LockOSThread() }

// main only waits: weir's work runs on another goroutine. A goroutine
// locked to a thread resumes only on that thread, so the scheduler loop
// running here would cost two futex calls and two context switches each
// time it wakes (the 1,000-task chain ran 13% slower).
func main() {
	code := make(chan int)
	go func() { code <- realMain(os.Args[1:], os.Stdout, os.Stderr) }()
	os.Exit(<-code)
}

// Exit codes. Scripts tell a broken workflow or failed run (1) from a
// command line that could not be understood (2).
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// options are the settings every command sees. They live in a value built
// per call of realMain, never in globals, so tests can run realMain many
// times in one process.
type options struct {
	stateDir string // --state-dir; "" = the workflow's own setting (.weir beside it)
	noColor  bool

	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	env    []string // the engine's environment, for WEIR_VAR_* and passthrough

	// stderrTTY is whether stderr is a terminal; diagnostics are colored and
	// wrapped only then.
	stderrTTY bool
	width     int
}

// color reports whether messages on stderr may use ANSI colors.
func (o *options) color() bool {
	if o.noColor || !o.stderrTTY {
		return false
	}
	// https://no-color.org: any non-empty value turns color off.
	return envOr(o.env, "NO_COLOR", "") == ""
}

// realMain runs weir with args and returns the exit code.
func realMain(args []string, stdout, stderr io.Writer) int {
	if err := hideFromTasks(); err != nil {
		fmt.Fprintf(stderr, "weir: %v\n", err)
		return exitFailure
	}
	o := &options{
		stdin:  os.Stdin,
		stdout: stdout,
		stderr: stderr,
		env:    os.Environ(),
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		o.stderrTTY = true
		if w, _, err := term.GetSize(int(f.Fd())); err == nil {
			o.width = w
		}
	}
	stopProfile := startProfile(o.env, o.stderr)
	root := newRootCmd(o)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	stopProfile()
	return report(o.stderr, cmd, err)
}

// report prints err the way users see errors and turns it into an exit code.
func report(stderr io.Writer, cmd *cobra.Command, err error) int {
	if err == nil {
		return exitOK
	}
	var f *failure
	if errors.As(err, &f) {
		// The command has already explained itself (diagnostics, a list of
		// unformatted files); print only what is left to say.
		if f.err != nil {
			fmt.Fprintf(stderr, "weir: %v\n", f.err)
		}
		if f.code != 0 {
			return f.code
		}
		return exitFailure
	}
	// Anything else came from parsing the command line: cobra's unknown
	// commands and flags, and our argument checks.
	fmt.Fprintf(stderr, "weir: %v\n", err)
	path := "weir"
	if cmd != nil {
		path = cmd.CommandPath()
	}
	fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", path)
	return exitUsage
}

// failure is an error of the workflow or the run, as opposed to a usage
// error. A nil err means the message has been printed already; code is the
// exit status, 0 meaning exitFailure.
type failure struct {
	err  error
	code int
}

func (f *failure) Error() string {
	if f.err == nil {
		return "failed"
	}
	return f.err.Error()
}

func (f *failure) Unwrap() error { return f.err }

// errReported marks a failure whose details are already on stderr.
var errReported = &failure{}

// invalid marks an error that kept a run from starting, such as an invalid
// workflow: run exits 2 for those, so that scripts tell "nothing ran" from
// "a task failed".
func invalid(err error) error {
	var f *failure
	if errors.As(err, &f) {
		return &failure{err: f.err, code: exitUsage}
	}
	return &failure{err: err, code: exitUsage}
}

// newRootCmd builds the command tree for one invocation.
func newRootCmd(o *options) *cobra.Command {
	root := &cobra.Command{
		Use:   "weir",
		Short: "Run workflows of local and Slurm tasks that share memory segments",
		Long: `weir runs workflows written in HCL: stages of commands, their memory caps,
pools and retries, and the shared-memory segments they pass to each other.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Help and completion scripts go to stdout, messages to stderr.
	root.SetIn(o.stdin)
	root.SetOut(o.stdout)
	root.SetErr(o.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })

	pf := root.PersistentFlags()
	pf.StringVar(&o.stateDir, "state-dir", "", "keep run state in `DIR` (default: .weir beside the workflow file)")
	pf.BoolVar(&o.noColor, "no-color", false, "never color messages (color is used only when stderr is a terminal)")
	_ = root.MarkPersistentFlagDirname("state-dir")

	root.AddCommand(
		newValidateCmd(o),
		newFmtCmd(o),
		newGraphCmd(o),
		newPlanCmd(o),
		newRunCmd(o),
		acceptWorkflow(o, newResumeCmd(o)),
		acceptWorkflow(o, newWhyCmd(o)),
		acceptWorkflow(o, newRunsCmd(o)),
		acceptWorkflow(o, newStatusCmd(o)),
		acceptWorkflow(o, newLogsCmd(o)),
		acceptWorkflow(o, newTraceCmd(o)),
		acceptWorkflow(o, newReportCmd(o)),
		acceptWorkflow(o, newCancelCmd(o)),
		acceptWorkflow(o, newGCCmd(o)),
		newVersionCmd(o),
		newUICmd(o),
		newLspCmd(o),
	)
	// Added here rather than lazily by Execute, so markFailures sees it too.
	root.InitDefaultCompletionCmd()
	if c, _, err := root.Find([]string{"completion"}); err == nil && c != root {
		// Runnable, so that a missing shell is a usage error rather than a
		// help page and exit 0.
		c.RunE = func(c *cobra.Command, _ []string) error {
			return usagef("completion needs a shell: bash, zsh, fish or powershell")
		}
	}
	markFailures(root)
	return root
}

// markFailures wraps every RunE below cmd so that its errors count as
// failures (exit 1). Whatever error is left unwrapped when Execute returns
// was then raised by cobra while parsing the command line: a usage error.
// Wrapping in one place keeps a forgotten wrap from turning a failed run
// into exit 2.
func markFailures(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		markFailures(c)
	}
	run := cmd.RunE
	if run == nil {
		return
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		err := run(c, args)
		var u *usageError
		var f *failure
		switch {
		case err == nil:
			return nil
		case errors.As(err, &u), errors.As(err, &f):
			return err
		default:
			return &failure{err: err}
		}
	}
}

// usageError is a command line a command understood but cannot accept,
// such as a flag value outside its choices.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// envOr is the value of key in env, or def when it is unset or empty.
func envOr(env []string, key, def string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok && v != "" {
			return v
		}
	}
	return def
}
