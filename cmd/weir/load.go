package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/shirou/gopsutil/v3/mem"
	"github.com/spf13/cobra"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/dsl"
	"github.com/weirflow/weir/engine"
)

// Loading allocates about 340 bytes for every byte of the file, most of it
// garbage by the end (tokens, syntax trees, intermediate values), and at
// the default target the collector runs over and over while it does:
// 40% of loading 1,000 stages (36 ms, against 21 ms at GOGC=400). A small
// file may use a higher target, whose peak stays a few tens of MiB; a
// very large one trades memory for speed more gently.
const (
	smallWorkflow = 256 << 10 // about 3,000 stages
	largeWorkflow = 8 << 20   // about 35,000 stages

	smallWorkflowGCPercent = 400
	largeWorkflowGCPercent = 200
)

// loadFlags are the flags of every command that reads a workflow.
type loadFlags struct {
	// StringArray, not StringSlice: a value such as --var 'list=["a","b"]'
	// must reach the parser with its commas.
	vars     []string
	varFiles []string
	// focus, set by why, loads only the tasks linked to this one.
	focus string
}

func (l *loadFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&l.vars, "var", nil, "set variable `NAME=VALUE` (repeatable; the last one wins)")
	f.StringArrayVar(&l.varFiles, "var-file", nil, "read variables from `FILE`, HCL lines of name = value (repeatable)")
	_ = cmd.MarkFlagFilename("var-file", "hcl")
}

// load reads, checks and plans the workflow at path. Diagnostics, warnings
// included, go to stderr; errors among them make it return errReported.
func (l *loadFlags) load(o *options, path string) (*dag.Plan, error) {
	if err := checkReadable(path, "workflow file"); err != nil {
		return nil, err
	}
	for _, f := range l.varFiles {
		if err := checkReadable(f, "variables file (--var-file)"); err != nil {
			return nil, err
		}
	}
	// A resume turns the collector off while it plans (engine.PlanHeap):
	// a target set here would turn it on again.
	if st, err := os.Stat(path); err == nil && !engine.PlanningHeap() {
		switch {
		case st.Size() <= smallWorkflow:
			defer debug.SetGCPercent(debug.SetGCPercent(smallWorkflowGCPercent))
		case st.Size() > largeWorkflow:
			// The syntax tree of a very large workflow stays live for most
			// of the load, and every garbage collection marks all of it
			// again. A higher target trades memory for fewer marks: at
			// 100,000 stages, 13 s and 2.0 GiB at the default target, 8 s
			// and 2.5 GiB at 200.
			defer debug.SetGCPercent(debug.SetGCPercent(largeWorkflowGCPercent))
		}
	}
	p := dsl.NewParser()
	plan, diags := p.Load(path, dsl.Options{
		Vars:       l.vars,
		VarFiles:   l.varFiles,
		Env:        o.env,
		HostMemory: hostMemory(),
		NumCPU:     runtime.NumCPU(),
		Focus:      l.focus,
	})
	if len(diags) > 0 {
		if err := p.WriteDiagnostics(o.stderr, diags, o.width, o.color()); err != nil {
			return nil, err
		}
	}
	if diags.HasErrors() || plan == nil {
		return nil, errReported
	}
	if o.stateDir != "" {
		// The flag beats the workflow block; make it absolute so the plan
		// reads the same from any directory.
		abs, err := filepath.Abs(o.stateDir)
		if err != nil {
			return nil, err
		}
		plan.Settings.StateDir = abs
	}
	return plan, nil
}

// checkReadable turns a missing or unreadable file into a message that
// names it, before the parser reports it in terms of HCL.
func checkReadable(path, what string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s %s does not exist; check the path", what, path)
	case err != nil:
		return fmt.Errorf("cannot read %s %s: %w", what, path, unwrapPathError(err))
	case st.IsDir():
		return fmt.Errorf("%s %s is a directory; name the .hcl file in it", what, path)
	}
	return nil
}

// unwrapPathError drops the "stat FILE:" prefix of an *fs.PathError, since
// our message names the file already.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// hostMemory is the machine's total memory, which caps what a task may ask
// for. 0 when unknown, which dsl takes as "don't check".
func hostMemory() int64 {
	vm, err := mem.VirtualMemory()
	if err != nil || vm.Total > 1<<62 {
		return 0
	}
	return int64(vm.Total)
}

// workflowArg accepts exactly one workflow file, and completes .hcl files.
func workflowArg(cmd *cobra.Command) {
	cmd.Args = func(c *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return usagef("%s needs a workflow file: %s", c.Name(), c.UseLine())
		case len(args) > 1:
			return usagef("%s takes one workflow file, got %d arguments: %s", c.Name(), len(args), strings.Join(args, " "))
		}
		return nil
	}
	cmd.ValidArgsFunction = func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return []string{"hcl"}, cobra.ShellCompDirectiveFilterFileExt
	}
}
