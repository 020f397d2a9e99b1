package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/diff"
	"github.com/spf13/cobra"

	"github.com/weirflow/weir/dsl"
)

type fmtFlags struct {
	check bool
	diff  bool
}

func newFmtCmd(o *options) *cobra.Command {
	var ff fmtFlags
	cmd := &cobra.Command{
		Use:   "fmt [--check] [--diff] FILE|DIR...",
		Short: "Rewrite workflow files in the canonical layout",
		Long: `Fmt rewrites each file in the canonical HCL layout, in place.
With --check it changes nothing, lists the files that need formatting and
fails if there are any; with --diff it prints the changes as a unified diff.
A DIR stands for every .hcl file below it, hidden directories (such as
.weir) left out. A FILE of "-" reads standard input and writes the result
to standard output.`,
		Example: `  weir fmt etl.hcl
  weir fmt --check workflows/
  weir fmt - < etl.hcl`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("fmt needs at least one file: %s", c.UseLine())
			}
			return nil
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"hcl"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return ff.run(o, args)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&ff.check, "check", false, "change nothing; list files that need formatting and exit 1 if any")
	f.BoolVar(&ff.diff, "diff", false, "print the changes as a unified diff instead of rewriting")
	return cmd
}

// run formats every file, even after one fails, so one call reports all.
func (ff *fmtFlags) run(o *options, args []string) error {
	failed, unformatted := false, false
	files, err := expandDirs(args)
	if err != nil {
		fmt.Fprintf(o.stderr, "weir: %v\n", err)
		failed = true
	}
	for _, name := range files {
		changed, err := ff.one(o, name)
		switch {
		case errors.Is(err, errReported):
			failed = true
		case err != nil:
			fmt.Fprintf(o.stderr, "weir: %v\n", err)
			failed = true
		case changed:
			unformatted = true
		}
	}
	if failed || (ff.check && unformatted) {
		return errReported
	}
	return nil
}

// one formats a single file and reports whether it was (or would be) changed.
func (ff *fmtFlags) one(o *options, name string) (bool, error) {
	stdin := name == "-"
	display := name
	var src []byte
	var err error
	if stdin {
		display = "<stdin>"
		src, err = io.ReadAll(o.stdin)
	} else {
		if err := checkReadable(name, "file"); err != nil {
			return false, err
		}
		src, err = os.ReadFile(name)
	}
	if err != nil {
		return false, fmt.Errorf("cannot read %s: %w", display, unwrapPathError(err))
	}

	p := dsl.NewParser()
	out, diags := p.Format(src, display)
	if diags.HasErrors() {
		if err := p.WriteDiagnostics(o.stderr, diags, o.width, o.color()); err != nil {
			return false, err
		}
		return false, errReported
	}
	changed := !bytes.Equal(src, out)

	if ff.check && changed {
		fmt.Fprintln(o.stdout, display)
	}
	if ff.diff && changed {
		if _, err := o.stdout.Write(diff.Diff(diffLabel("a", name), src, diffLabel("b", name), out)); err != nil {
			return changed, err
		}
	}
	if ff.check || ff.diff {
		return changed, nil
	}
	if stdin {
		_, err := o.stdout.Write(out)
		return changed, err
	}
	if !changed {
		// Leave the file alone: no new inode, no touched mtime.
		return false, nil
	}
	return true, writeFileAtomic(name, out)
}

// diffLabel names the two sides as git does, so the output applies with
// `git apply` or `patch -p1`.
func diffLabel(side, name string) string {
	if name == "-" {
		return "<stdin>"
	}
	return side + "/" + filepath.ToSlash(name)
}

// expandDirs replaces each directory among args with the .hcl files below
// it, in lexical order. Other arguments pass through, to be reported by
// name if they can't be read.
func expandDirs(args []string) ([]string, error) {
	var files []string
	var errs []error
	for _, arg := range args {
		st, err := os.Stat(arg)
		if arg == "-" || err != nil || !st.IsDir() {
			files = append(files, arg)
			continue
		}
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && path != arg && strings.HasPrefix(d.Name(), "."):
				return filepath.SkipDir // .weir state, .git
			case !d.IsDir() && strings.HasSuffix(d.Name(), ".hcl"):
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot list %s: %w", arg, err))
		}
	}
	return files, errors.Join(errs...)
}
