package dsl

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// everySyntax uses every kind of node the parser makes.
const everySyntax = `stage "all" {
  a = [1, -2, !true, (3 + 4) * 5, x ? "y" : "z", "t${var.v}u", "${local.w}"]
  b = { k = 1, "q" = 2, (local.k) = 3 }
  c = [for i, v in var.list : "${i}-${v}" if v != ""]
  d = { for k, v in var.m : k => v... }
  e = values(stage.s)[*].output.part
  f = stage.s.*.id
  g = var.list[0]["x"].y
  h = lookup(var.m, "k", null)
  i = f(var.list...)
  j = <<EOT
heredoc ${var.v}
EOT
  k = "%{ if true }x%{ endif }"
  nested "label" "two" {
    z = 1
  }
}
`

func TestShift(t *testing.T) {
	to := []hcl.Pos{
		{Line: 1, Column: 1, Byte: 0},
		{Line: 2, Column: 1, Byte: 17},
		{Line: 4000, Column: 1, Byte: 123456},
	}
	for _, at := range to {
		t.Run(fmt.Sprintf("line %d", at.Line), func(t *testing.T) {
			f, diags := hclsyntax.ParseConfig([]byte(everySyntax), "w.hcl", hcl.InitialPos)
			if len(diags) > 0 {
				t.Fatal(diags)
			}
			shift(f.Body.(*hclsyntax.Body), delta{lines: at.Line - 1, bytes: at.Byte})
			want, _ := hclsyntax.ParseConfig([]byte(everySyntax), "w.hcl", at)
			if !reflect.DeepEqual(f.Body, want.Body) {
				t.Errorf("a tree moved to %v differs from the same text parsed there", at)
			}
		})
	}
}

// TestEditorParser edits the example workflows and checks that each parse
// through the block cache gives the tree a parse from scratch gives.
func TestEditorParser(t *testing.T) {
	files, _ := filepath.Glob("../workflows/*/*.hcl")
	if len(files) == 0 {
		t.Fatal("no example workflows")
	}
	type edit struct {
		name       string
		old, inNew string
	}
	edits := []edit{
		{"same text", "", ""},
		{"a line added at the top", "", "# a comment\n"},
		{"bytes added in the middle", "}\n", "}\n\n"},
		{"a block changed", "stage \"", "stage \"x"},
		{"a syntax error", "}", "} }"},
		{"a block duplicated", "", everySyntax + everySyntax},
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			p := NewEditorParser()
			text := string(src)
			check := func(step string) {
				t.Helper()
				got, gd := p.parse([]byte(text), "w.hcl")
				want, wd := hclsyntax.ParseConfig([]byte(text), "w.hcl", hcl.InitialPos)
				if summary(got, gd) != summary(want, wd) {
					t.Fatalf("%s: parse differs from a whole parse\ngot:\n%s\nwant:\n%s", step, summary(got, gd), summary(want, wd))
				}
				if wd.HasErrors() {
					return
				}
				gb, wb := got.Body.(*hclsyntax.Body), want.Body.(*hclsyntax.Body)
				if !reflect.DeepEqual(gb.Blocks, wb.Blocks) {
					t.Fatalf("%s: blocks differ from a whole parse's", step)
				}
			}
			check("first parse")
			for _, e := range edits {
				if e.old == "" {
					text = e.inNew + text
				} else if i := strings.Index(text[len(text)/2:], e.old); i >= 0 {
					i += len(text) / 2
					text = text[:i] + e.inNew + text[i+len(e.old):]
				}
				check(e.name)
			}
		})
	}
}

// TestEditorParserForgets checks that the cache holds only what the last
// parse used, so memory follows the text over any number of edits.
func TestEditorParserForgets(t *testing.T) {
	p := NewEditorParser()
	for i := range 50 {
		src := fmt.Sprintf("stage \"s%d\" {\n  command = [\"x\"]\n}\n\nstage \"t\" {\n  command = [\"y\"]\n}\n", i)
		if _, diags := p.parse([]byte(src), "w.hcl"); diags.HasErrors() {
			t.Fatal(diags)
		}
	}
	if n := len(p.blocks.items); n != 2 {
		t.Errorf("cache holds %d items after edits of a two-block text, want 2", n)
	}
}
