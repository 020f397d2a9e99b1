package lsp

import (
	"strings"
	"testing"

	"github.com/weirflow/weir/dsl"
)

// TestLspReferenceCoversSchema wants every block and attribute of the
// language to have its text in docs/language.md, where hovers read it.
func TestLspReferenceCoversSchema(t *testing.T) {
	r := languageReference()
	for typ, b := range dsl.Language() {
		if typ == "" || typ == "validation" {
			continue
		}
		if r.blocks[typ] == "" {
			t.Errorf("docs/language.md has no section %q", typ)
		}
		for _, a := range b.Attributes {
			if _, ok := r.attribute(typ, a.Name); !ok {
				t.Errorf("docs/language.md does not describe %s.%s", typ, a.Name)
			}
		}
	}
	for _, f := range dsl.Functions() {
		if r.funcs[f.Name] == "" {
			t.Errorf("docs/language.md does not list function %s", f.Name)
		}
	}
	for _, root := range []string{"var", "local", "path", "pool", "stage", "each", "self"} {
		if r.roots[root] == "" {
			t.Errorf("docs/language.md has no reference row for %s", root)
		}
	}
	if d, _ := r.attribute("stage", "memory"); d.Type != "size" || !strings.Contains(d.Meaning, "Hard memory cap") {
		t.Errorf("stage.memory = %+v", d)
	}
	if d, _ := r.attribute("pool", "qos"); d.Type != "string" {
		t.Errorf("pool.qos = %+v", d)
	}
	if d, _ := r.attribute("input", "from"); !strings.Contains(d.Meaning, "required") {
		t.Errorf("input.from = %+v", d)
	}
}
