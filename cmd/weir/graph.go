package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/dag"
)

// graphFormats are the writers of `weir graph --format`, in the order help
// lists them. JSON takes the whole plan (it carries task details); the
// drawings need only the graph.
var graphFormats = []struct {
	name  string
	write func(io.Writer, *dag.Plan, dag.ExportOptions) error
}{
	{"dot", func(w io.Writer, p *dag.Plan, o dag.ExportOptions) error { return dag.WriteDOT(w, p.Graph, o) }},
	{"mermaid", func(w io.Writer, p *dag.Plan, o dag.ExportOptions) error { return dag.WriteMermaid(w, p.Graph, o) }},
	{"json", dag.WriteJSON},
}

func graphFormatNames() []string {
	names := make([]string, len(graphFormats))
	for i, f := range graphFormats {
		names[i] = f.name
	}
	return names
}

type graphFlags struct {
	load   loadFlags
	format string
	full   bool
	stages bool
	output string
}

func newGraphCmd(o *options) *cobra.Command {
	var gf graphFlags
	cmd := &cobra.Command{
		Use:   "graph FILE",
		Short: "Print a workflow's task graph as DOT, Mermaid or JSON",
		Long: `Graph prints the edges between a workflow's tasks. Edges implied by others
are left out (a transitive reduction) unless --full is given; --stages draws
one node per stage instead of one per for_each instance.`,
		Example: `  weir graph etl.hcl | dot -Tsvg > etl.svg
  weir graph etl.hcl --format mermaid --stages -o etl.mmd`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return gf.run(o, args[0])
		},
	}
	workflowArg(cmd)
	gf.load.register(cmd)
	f := cmd.Flags()
	f.StringVar(&gf.format, "format", "dot", "output `FORMAT`: "+strings.Join(graphFormatNames(), ", "))
	f.BoolVar(&gf.full, "full", false, "keep every edge instead of the transitive reduction")
	f.BoolVar(&gf.stages, "stages", false, "one node per stage, collapsing for_each instances")
	f.StringVarP(&gf.output, "output", "o", "", "write to `FILE` instead of standard output")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(graphFormatNames(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (gf *graphFlags) run(o *options, path string) error {
	var write func(io.Writer, *dag.Plan, dag.ExportOptions) error
	for _, f := range graphFormats {
		if f.name == gf.format {
			write = f.write
		}
	}
	// Checked before loading, so a typo is a usage error even when the
	// workflow is broken too.
	if write == nil {
		return usagef("unknown graph format %q; use one of %s", gf.format, strings.Join(graphFormatNames(), ", "))
	}
	plan, err := gf.load.load(o, path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := write(&buf, plan, dag.ExportOptions{Full: gf.full, Stages: gf.stages}); err != nil {
		return fmt.Errorf("graph of %s: %w", path, err)
	}
	if gf.output == "" || gf.output == "-" {
		_, err := o.stdout.Write(buf.Bytes())
		return err
	}
	return writeFileAtomic(gf.output, buf.Bytes())
}
