package dsl

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// summary describes a parse result by what the loader uses: the top-level
// blocks with their ranges, the attributes, and the error diagnostics.
func summary(f *hcl.File, diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "diag %s %v\n", d.Summary, d.Subject)
	}
	if f == nil {
		return b.String()
	}
	body := f.Body.(*hclsyntax.Body)
	for _, blk := range body.Blocks {
		fmt.Fprintf(&b, "block %s %q %v %v\n", blk.Type, blk.Labels, blk.DefRange(), blk.Body.SrcRange)
		for _, name := range sortedKeys(blk.Body.Attributes) {
			fmt.Fprintf(&b, "  attr %s %v\n", name, blk.Body.Attributes[name].SrcRange)
		}
	}
	for _, name := range sortedKeys(body.Attributes) {
		fmt.Fprintf(&b, "attr %s %v\n", name, body.Attributes[name].SrcRange)
	}
	return b.String()
}

func checkChunked(t *testing.T, src []byte) {
	t.Helper()
	whole, wd := hclsyntax.ParseConfig(src, "w.hcl", hcl.InitialPos)
	if wd.HasErrors() {
		whole = nil // on errors only the diagnostics must agree
	}
	for _, threshold := range []int{0, 8, 64} {
		got, gd := parseConfig(src, "w.hcl", threshold)
		if gd.HasErrors() {
			got = nil
		}
		if w, g := summary(whole, wd), summary(got, gd); w != g {
			t.Fatalf("threshold %d: chunked parse differs from whole parse\nwhole:\n%s\nchunked:\n%s\nsource:\n%s", threshold, w, g, src)
		}
	}
}

func TestChunkedParse(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.hcl")
	more, _ := filepath.Glob("../workflows/*/*.hcl")
	for _, f := range append(files, more...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(f, func(t *testing.T) { checkChunked(t, src) })
	}
	tricky := []string{
		"stage \"a\" {\n  script = <<EOT\nstage \"b\" {\nEOT\n  command = [\"x\"]\n}\n",
		"/*\nstage \"a\" {}\n*/\nstage \"b\" {}\n",
		"stage \"a\" {\noutput \"o\" {}\n}\n",
		"x = [\na, b\n]\n",
		"stage \"a\" {}\nstage \"a\" {}\n",
		"x = 1\nx = 2\n",
		"stage \"a\" {\n  command = [\"${\nfoo}\"]\n}\n",
	}
	for i, src := range tricky {
		t.Run(fmt.Sprint("tricky", i), func(t *testing.T) { checkChunked(t, []byte(src)) })
	}
}

// FuzzChunkedParse checks that splitting a file never changes what it means.
func FuzzChunkedParse(f *testing.F) {
	f.Add([]byte("stage \"a\" {\n  script = <<EOT\nstage \"b\" {\nEOT\n}\n"))
	f.Add([]byte("a = 1\nb {\n}\n/*\nc {}\n*/\n"))
	f.Fuzz(func(t *testing.T, src []byte) { checkChunked(t, src) })
}
