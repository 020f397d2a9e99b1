package main

import (
	"context"
	"errors"
	"io"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/dsl"
	"github.com/weirflow/weir/lsp"
)

func newLspCmd(o *options) *cobra.Command {
	var lf loadFlags
	var stdio bool
	cmd := &cobra.Command{
		Use:   "lsp",
		Short: "Serve workflow files to an editor (Language Server Protocol on stdio)",
		Long: `Lsp is a language server for weir workflows. An editor starts it and talks
to it over standard input and output: diagnostics as you type (those of
weir validate), completion, hover with the language reference, go to
definition, references, rename, outline, formatting (that of weir fmt) and
quick fixes. Messages of the server itself go to stderr. docs/editors.md
shows how to set up Neovim, Helix and VS Code.`,
		Example: `  weir lsp
  weir lsp --var-file dev.hcl`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rw := stdioStream{Reader: o.stdin, Writer: o.stdout}
			err := lsp.Serve(context.Background(), rw, lsp.Options{
				Load: dsl.Options{
					Vars:       lf.vars,
					VarFiles:   lf.varFiles,
					Env:        o.env,
					HostMemory: hostMemory(),
					NumCPU:     runtime.NumCPU(),
				},
				Version: versionString(),
				Log:     o.stderr,
			})
			if errors.Is(err, lsp.ErrNoShutdown) {
				return &failure{}
			}
			return err
		},
	}
	lf.register(cmd)
	// Editors' clients add --stdio; stdio is the only transport.
	cmd.Flags().BoolVar(&stdio, "stdio", true, "talk over standard input and output (the default and only transport)")
	return cmd
}

// stdioStream joins stdin and stdout into the stream the server reads and
// writes.
type stdioStream struct {
	io.Reader
	io.Writer
}

func (stdioStream) Close() error { return nil }
