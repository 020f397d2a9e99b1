package dsl

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

// TestAnalyzeDiagnostics holds Analyze to LoadSource: an editor must show
// exactly what weir validate prints.
func TestAnalyzeDiagnostics(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.hcl")
	more, _ := filepath.Glob("../workflows/*/*.hcl")
	files = append(append(files, more...), "../workflows/quickstart.hcl")
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		plan, want := NewParser().LoadSource(src, file, testOptions)
		a := NewParser().Analyze(src, file, testOptions)
		if diff := cmp.Diff(summarize(want), summarize(a.Diags)); diff != "" {
			t.Errorf("%s: diagnostics (-LoadSource +Analyze):\n%s", file, diff)
		}
		if (plan == nil) != (a.Plan == nil) {
			t.Errorf("%s: LoadSource plan %v, Analyze plan %v", file, plan != nil, a.Plan != nil)
		}
		// An editor's parser, on the text and then on it again below a
		// new first line (every block reused and moved), says the same.
		ep := NewEditorParser()
		for i, text := range [][]byte{src, append([]byte("# moved\n"), src...)} {
			_, want := NewParser().LoadSource(text, file, testOptions)
			a := ep.Analyze(text, file, testOptions)
			if diff := cmp.Diff(summarize(want), summarize(a.Diags)); diff != "" {
				t.Errorf("%s: editor analysis %d: diagnostics (-LoadSource +Analyze):\n%s", file, i, diff)
			}
		}
	}
}

// TestAnalyzeCancelled checks that a cancelled analysis stops and says so,
// and that a live context changes nothing.
func TestAnalyzeCancelled(t *testing.T) {
	src, err := os.ReadFile("../workflows/etl/etl.hcl")
	if err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		wantErr error
	}{
		{"live", context.Background(), nil},
		{"cancelled", done, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewEditorParser().AnalyzeContext(tt.ctx, src, "etl.hcl", testOptions)
			if err != tt.wantErr {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if (a == nil) != (tt.wantErr != nil) {
				t.Fatalf("analysis %v with err %v", a != nil, err)
			}
			if a != nil && a.Plan == nil {
				t.Errorf("no plan: %v", a.Diags)
			}
		})
	}
}

func summarize(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		s := d.Summary + ": " + d.Detail
		if d.Subject != nil {
			s = d.Subject.String() + ": " + s
		}
		out = append(out, s)
	}
	return out
}

func TestAnalyzeValues(t *testing.T) {
	src := `
variable "rows" {
  type    = number
  default = 3
}
locals {
  shards = [for i in range(var.rows) : "s${i}"]
}
pool "big" {
  processes = 2
  memory    = "4GiB"
}
stage "split" {
  for_each = toset(local.shards)
  pool     = pool.big
  memory   = "1GiB"
  command  = ["echo", each.key]
}
`
	a := NewParser().Analyze([]byte(src), "/work/a.hcl", testOptions)
	if a.Diags.HasErrors() {
		t.Fatal(a.Diags.Error())
	}
	if got := a.Vars["rows"]; got.Text != "3" || got.Source != "its default" {
		t.Errorf("var.rows = %+v", got)
	}
	if got := a.Locals["shards"].Text; got != `["s0", "s1", "s2"]` {
		t.Errorf("local.shards = %s", got)
	}
	want := StageFacts{Pool: "big", Keyed: true, Tasks: 3, Memory: 1 << 30}
	if diff := cmp.Diff(want, a.Stages["split"]); diff != "" {
		t.Errorf("stage split (-want +got):\n%s", diff)
	}
}

// TestLanguage checks the exported view of the language against the
// schemas Load uses.
func TestLanguage(t *testing.T) {
	lang := Language()
	for _, typ := range lang[""].Blocks {
		if lang[typ] == nil {
			t.Errorf("top-level block %q has no schema", typ)
		}
	}
	for _, typ := range lang["stage"].Blocks {
		if lang[typ] == nil {
			t.Errorf("stage block %q has no schema", typ)
		}
	}
	if got := lang["stage"].Labels; len(got) != 1 || got[0] != "name" {
		t.Errorf("stage labels = %v", got)
	}
	for _, block := range []string{"workflow", "pool", "stage", "retry", "output"} {
		for _, a := range lang[block].Attributes {
			_ = AttributeKind(block, a.Name)
		}
	}
	// Every attribute AttributeKind names exists.
	for _, ba := range [][2]string{{"workflow", "memory_budget"}, {"workflow", "shm_reuse"}, {"pool", "memory"},
		{"stage", "memory"}, {"output", "size"}, {"stage", "timeout"}, {"stage", "grace"}, {"stage", "estimate"}, {"retry", "backoff"}} {
		found := false
		for _, a := range lang[ba[0]].Attributes {
			found = found || a.Name == ba[1]
		}
		if !found || AttributeKind(ba[0], ba[1]) == "" {
			t.Errorf("%s.%s: in schema %v, kind %q", ba[0], ba[1], found, AttributeKind(ba[0], ba[1]))
		}
	}
	fns := Functions()
	if len(fns) != len(functions(".")) {
		t.Errorf("Functions lists %d of %d", len(fns), len(functions(".")))
	}
	for _, f := range fns {
		if f.Name == "join" && f.Signature != "join(separator string, lists... list of string)" {
			t.Errorf("join signature = %q", f.Signature)
		}
	}
	if got := SizeUnits(); !contains(got, "GiB") || !contains(got, "GB") || !contains(got, "G") {
		t.Errorf("SizeUnits = %v", got)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
