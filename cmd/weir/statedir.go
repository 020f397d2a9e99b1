package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/dsl"
)

// The commands that read runs find the state dir the way a user expects
// after `weir run path/to/flow.hcl`: --state-dir, else the state dir of a
// workflow file given as the first argument, else a .weir in the working
// directory or above it. When there is none, the message says where the
// last run was.

// stateDirOrDefault is the state dir the commands that read runs use.
func (o *options) stateDirOrDefault() (string, error) {
	if o.stateDir != "" {
		abs, err := filepath.Abs(o.stateDir)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("no state dir at %s: pass the --state-dir of the workflow's runs (default .weir beside the workflow file)", o.stateDir)
		}
		return abs, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		candidate := filepath.Join(dir, dsl.DefaultStateDir)
		if fi, err := os.Lstat(candidate); err == nil && fi.IsDir() {
			return candidate, nil
		}
		if dir == filepath.Dir(dir) {
			break
		}
	}
	msg := fmt.Sprintf("no state dir (%s) in %s or above it", dsl.DefaultStateDir, wd)
	if last, workflow := o.lastRun(); last != "" {
		return "", fmt.Errorf("%s: the last run was of %s, with its state in %s; pass the workflow file (weir status %s) or --state-dir %s",
			msg, workflow, last, relPath(workflow), relPath(last))
	}
	return "", fmt.Errorf("%s: pass the workflow file (weir status FILE.hcl) or --state-dir DIR", msg)
}

// lastRunFile is where an engine notes the state dir of the latest run
// it started, for the message above: $XDG_STATE_HOME/weir/last-run, else
// ~/.local/state/weir/last-run.
func (o *options) lastRunFile() string {
	if dir := envOr(o.env, "XDG_STATE_HOME", ""); filepath.IsAbs(dir) {
		return filepath.Join(dir, "weir", "last-run")
	}
	if home := envOr(o.env, "HOME", ""); filepath.IsAbs(home) {
		return filepath.Join(home, ".local", "state", "weir", "last-run")
	}
	return ""
}

// noteLastRun records the state dir and workflow of a run. It is a hint
// for a message, so failing to write it is not worth a word.
func (o *options) noteLastRun(stateDir, workflow string) {
	path := o.lastRunFile()
	if path == "" || os.MkdirAll(filepath.Dir(path), 0o700) != nil {
		return
	}
	// A temp file of its own: every weir of the user writes here, often
	// several at once, and a shared name would let two writes interleave.
	f, err := os.CreateTemp(filepath.Dir(path), "last-run.*")
	if err != nil {
		return
	}
	_, werr := f.WriteString(stateDir + "\n" + workflow + "\n")
	if cerr := f.Close(); werr != nil || cerr != nil || os.Rename(f.Name(), path) != nil {
		os.Remove(f.Name())
	}
}

// lastRun is what noteLastRun recorded, when its state dir still exists.
func (o *options) lastRun() (stateDir, workflow string) {
	path := o.lastRunFile()
	if path == "" {
		return "", ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !filepath.IsAbs(lines[0]) {
		return "", ""
	}
	if fi, err := os.Lstat(lines[0]); err != nil || !fi.IsDir() {
		return "", ""
	}
	return lines[0], lines[1]
}

// acceptWorkflow lets cmd take a workflow file before its own arguments:
// `weir status flow.hcl` reads the runs in that workflow's state dir.
func acceptWorkflow(o *options, cmd *cobra.Command) *cobra.Command {
	args, run := cmd.Args, cmd.RunE
	strip := func(a []string) []string {
		if len(a) > 0 && strings.HasSuffix(a[0], ".hcl") {
			if fi, err := os.Stat(a[0]); err == nil && fi.Mode().IsRegular() {
				return a[1:]
			}
		}
		return a
	}
	cmd.Use = strings.Replace(cmd.Use, " ", " [FILE.hcl] ", 1)
	if !strings.Contains(cmd.Use, "FILE.hcl") {
		cmd.Use += " [FILE.hcl]"
	}
	cmd.Args = func(c *cobra.Command, a []string) error {
		if args == nil {
			return nil
		}
		return args(c, strip(a))
	}
	cmd.RunE = func(c *cobra.Command, a []string) error {
		if rest := strip(a); len(rest) < len(a) {
			if o.stateDir == "" {
				o.stateDir = stateDirOf(o, a[0])
			}
			a = rest
		}
		return run(c, a)
	}
	return cmd
}

// stateDirOf is the state dir of the workflow at path: its state_dir, or
// .weir beside it when the file does not load (it may need variables).
func stateDirOf(o *options, path string) string {
	quiet := *o
	quiet.stderr = io.Discard
	var lf loadFlags
	if plan, err := lf.load(&quiet, path); err == nil {
		return plan.Settings.StateDir
	}
	return filepath.Join(filepath.Dir(path), dsl.DefaultStateDir)
}
