package lsp

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/weirflow/weir/dsl"
)

// TestIndexReuse edits a workflow and checks that the index built with the
// references of unchanged blocks carried over equals one built afresh.
func TestIndexReuse(t *testing.T) {
	src, err := os.ReadFile("../workflows/etl/etl.hcl")
	if err != nil {
		t.Fatal(err)
	}
	edits := []struct{ name, old, new string }{
		{"nothing", "", ""},
		{"a line above all", "", "# top\n"},
		{"bytes in the middle", "stage \"", "stage  \""},
		{"a reference renamed", "stage.", "stage.x"},
		{"a syntax error", "{", "{ {"},
		{"the error mended", "{ {", "{"},
	}
	p := dsl.NewEditorParser()
	cache := refCache{}
	text := string(src)
	for _, e := range edits {
		switch {
		case e.old == "":
			text = e.new + text
		default:
			text = strings.Replace(text, e.old, e.new, 1)
		}
		a := p.Analyze([]byte(text), "etl.hcl", dsl.Options{})
		got := buildIndexWith(a.File, []byte(text), a.Parsed, cache)
		want := buildIndex(a.File, []byte(text), a.Parsed)
		if !reflect.DeepEqual(got.refs, want.refs) {
			t.Errorf("%s: references differ from a fresh index's\ngot  %v\nwant %v", e.name, got.refs, want.refs)
		}
		if len(got.refs) == 0 {
			t.Errorf("%s: no references", e.name)
		}
	}
}
