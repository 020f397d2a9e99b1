package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/dsl"
	"github.com/weirflow/weir/ui"
	"github.com/weirflow/weir/ui/metrics"
)

// metricsInterval is how often /metrics reads the runs in progress.
const metricsInterval = 500 * time.Millisecond

// defaultUIAddr is where weir ui listens unless told otherwise. Loopback
// is reachable by every local user, so it needs the token too.
const defaultUIAddr = "127.0.0.1:7450"

type uiFlags struct {
	load      loadFlags
	addr      string
	token     string
	tokenFile string
	noToken   bool
	run       string
	actions   bool
}

func newUICmd(o *options) *cobra.Command {
	var f uiFlags
	cmd := &cobra.Command{
		Use:   "ui [FILE]",
		Short: "Serve the browser view of the runs in the state dir, or of a workflow file",
		Long: `ui serves a web page with the DAG of a run, coloured by state and updated
live, a panel per stage (attempts, memory against the cap, log tail), a
timeline of attempts and the history of runs in the state dir.

With FILE it also shows that workflow's DAG before any run, redrawn each
time the file is saved, with its problems shown at their lines.

It listens on 127.0.0.1 unless --addr says otherwise. Every local user can
reach that port, so it needs a token, as any address does: WEIR_UI_TOKEN,
--token-file FILE, or one generated and printed at start in the page's
address. On a machine nobody else logs into, --no-token serves loopback
without one. The API is documented in docs/api.md.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runUI(o, &f, args)
		},
	}
	f.load.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", defaultUIAddr, "listen on `HOST:PORT` (a non-loopback host requires a token)")
	fl.StringVar(&f.token, "token", "", "require `TOKEN` on every request (shows in ps: prefer $WEIR_UI_TOKEN or --token-file)")
	fl.StringVar(&f.tokenFile, "token-file", "", "read the token from the first line of `FILE`")
	fl.BoolVar(&f.noToken, "no-token", false, "serve loopback without a token (single-user machines only: every local user can then read your runs)")
	fl.StringVar(&f.run, "run", "", "open `RUN` first (default: the newest)")
	fl.BoolVar(&f.actions, "actions", false, "let the page cancel running runs and retry failed tasks (it then needs the printed token)")
	return cmd
}

func runUI(o *options, f *uiFlags, args []string) error {
	if err := checkAddr(f.addr); err != nil {
		return err
	}
	token, err := uiToken(o, f)
	if err != nil {
		return err
	}
	if f.noToken {
		switch {
		case token != "":
			return usagef("--no-token and a token (--token, --token-file or WEIR_UI_TOKEN) contradict each other; drop one")
		case !ui.IsLoopback(f.addr):
			return usagef("--no-token serves loopback only; --addr %s needs a token", f.addr)
		case f.actions:
			return usagef("--no-token and --actions: any local user could cancel your runs; drop --no-token")
		}
		token = noToken
	}
	var wf *ui.Workflow
	var stateDir string
	if len(args) == 1 {
		path := args[0]
		if err := checkReadable(path, "workflow file"); err != nil {
			return err
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return err
		}
		wf = &ui.Workflow{Path: abs, Load: func() ui.WorkflowView { return loadView(o, &f.load, path) }}
		if stateDir, err = workflowStateDir(o, &f.load, path); err != nil {
			return err
		}
	} else {
		dir, err := o.stateDirOrDefault()
		if err != nil {
			return err
		}
		stateDir = dir
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var actions ui.Actions
	if f.actions {
		actions = stateDirActions{o: o, dir: stateDir}
	}
	srv, err := startUI(o, f.addr, token, ui.Options{StateDir: stateDir, Run: f.run, Workflow: wf, Actions: actions})
	if err != nil {
		return err
	}
	fmt.Fprintf(o.stdout, "weir ui: %s (state dir %s); Ctrl-C stops it\n", srv.url, stateDir)
	<-ctx.Done()
	return srv.stop()
}

// serveUI serves the browser view of run runID in stateDir on addr while
// the run goes on, for weir run --ui: it returns once the server listens,
// having printed its address to stderr. actions may be nil (no cancel or
// retry buttons). Call stop when the run is over.
func serveUI(o *options, addr, stateDir, runID string, actions ui.Actions) (stop func() error, err error) {
	token, err := uiToken(o, &uiFlags{})
	if err != nil {
		return nil, err
	}
	srv, err := startUI(o, addr, token, ui.Options{StateDir: stateDir, Run: runID, Actions: actions})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.stderr, "weir: browser view at %s\n", srv.url)
	return srv.stop, nil
}

type uiServer struct {
	url  string
	stop func() error
}

// noToken is the token argument of startUI that serves without one.
const noToken = "\x00none"

// startUI listens on addr and serves. A token is always required, unless
// token is noToken; without one given, one is made.
func startUI(o *options, addr, token string, opts ui.Options) (*uiServer, error) {
	if addr == "" {
		addr = defaultUIAddr
	}
	if err := checkAddr(addr); err != nil {
		return nil, err
	}
	opts.Loopback = ui.IsLoopback(addr)
	switch token {
	case noToken:
		token = ""
	case "":
		token = newToken()
	}
	opts.Token = token
	// /metrics follows the state dir's runs in progress from their files,
	// so it works beside an engine as well as in one.
	m := metrics.New()
	opts.Metrics = m.Handler()
	follow, stopFollow := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() { m.Follow(follow, opts.StateDir, metricsInterval); close(followed) }()
	srv, err := ui.New(opts)
	if err != nil {
		stopFollow()
		<-followed
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Close()
		stopFollow()
		<-followed
		return nil, fmt.Errorf("cannot listen on %s: %w (choose another with --addr)", addr, unwrapOpError(err))
	}
	hs, lln := srv.HTTPServer(ln)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(lln) }()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if !opts.Loopback {
		if h, _, _ := net.SplitHostPort(addr); h != "" {
			host = h
		} else if name, err := os.Hostname(); err == nil {
			host = name
		}
	}
	url := "http://" + net.JoinHostPort(host, port) + "/"
	if token != "" {
		url += "?token=" + token
	}
	return &uiServer{url: url, stop: func() error {
		srv.Close() // ends the event streams, which Shutdown would wait for
		stopFollow()
		<-followed
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		err := hs.Shutdown(ctx)
		if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
		return err
	}}, nil
}

func checkAddr(addr string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return usagef("--addr must be HOST:PORT, such as 127.0.0.1:7450, not %q", addr)
	}
	return nil
}

// minTokenLen is the shortest token a user may choose: 16 characters
// of a generated token's 32 hex digits.
const minTokenLen = 16

// uiToken is the token the user chose: --token (which other users see in
// ps, so it draws a warning), --token-file, or WEIR_UI_TOKEN; "" for none.
func uiToken(o *options, f *uiFlags) (string, error) {
	tok, from := envOr(o.env, "WEIR_UI_TOKEN", ""), "WEIR_UI_TOKEN"
	if f.tokenFile != "" {
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w; write the token on the file's first line", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		tok, from = strings.TrimSpace(line), "--token-file "+f.tokenFile
	}
	if f.token != "" {
		fmt.Fprintln(o.stderr, "weir: warning: --token shows in ps to every local user; set WEIR_UI_TOKEN or use --token-file instead")
		tok, from = f.token, "--token"
	}
	if tok != "" && len(tok) < minTokenLen {
		return "", usagef("the token from %s has %d characters; use at least %d (or set none, and weir makes one)", from, len(tok), minTokenLen)
	}
	return tok, nil
}

func newToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func unwrapOpError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Err
	}
	return err
}

// workflowStateDir is where the runs of the workflow at path are kept:
// --state-dir, else its workflow block's state_dir, else .weir beside it.
// A workflow that does not load yet still gets the last.
func workflowStateDir(o *options, l *loadFlags, path string) (string, error) {
	if o.stateDir != "" {
		return filepath.Abs(o.stateDir)
	}
	plan, _ := dsl.NewParser().Load(path, l.dslOptions(o))
	if plan != nil && plan.Settings.StateDir != "" {
		return plan.Settings.StateDir, nil
	}
	return filepath.Abs(filepath.Join(filepath.Dir(path), ".weir"))
}

// loadView loads the workflow for the authoring view: its graph when it
// is valid, and every diagnostic at its place.
func loadView(o *options, l *loadFlags, path string) ui.WorkflowView {
	v := ui.WorkflowView{File: path}
	if src, err := os.ReadFile(path); err == nil {
		v.Source = string(src)
	}
	plan, diags := dsl.NewParser().Load(path, l.dslOptions(o))
	for _, d := range diags {
		uid := ui.Diagnostic{Severity: "warning", Summary: d.Summary, Detail: d.Detail}
		if append(diags[:0:0], d).HasErrors() { // a fresh slice: no hcl import for one constant
			uid.Severity = "error"
		}
		if r := d.Subject; r != nil {
			uid.File, uid.Line, uid.Column = r.Filename, r.Start.Line, r.Start.Column
			uid.EndLine, uid.EndColumn = r.End.Line, r.End.Column
		}
		v.Diagnostics = append(v.Diagnostics, uid)
	}
	if plan != nil && !diags.HasErrors() {
		var b bytes.Buffer
		if err := dag.WriteJSON(&b, plan, dag.ExportOptions{}); err == nil {
			v.Graph = b.Bytes()
		}
	}
	return v
}

// dslOptions are the options load passes to the parser.
func (l *loadFlags) dslOptions(o *options) dsl.Options {
	return dsl.Options{Vars: l.vars, VarFiles: l.varFiles, Env: o.env, HostMemory: hostMemory(), NumCPU: runtime.NumCPU()}
}
