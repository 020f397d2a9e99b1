package dsl

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocExamples checks that the complete workflows shown in the README and
// the language reference are valid: a reader copies them first. Fragments
// (with "...") are skipped.
func TestDocExamples(t *testing.T) {
	block := regexp.MustCompile("(?s)```hcl\n(.*?)```")
	checked := 0
	for _, doc := range []string{"../README.md", "../docs/language.md"} {
		src, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range block.FindAllSubmatch(src, -1) {
			text := string(m[1])
			if !strings.Contains(text, `stage "`) || strings.Contains(text, "...") {
				continue
			}
			name := filepath.Join(t.TempDir(), "example.hcl")
			if _, diags := NewParser().LoadSource([]byte(text), name, testOptions); diags.HasErrors() {
				t.Errorf("%s, hcl block %d: %s", doc, i, diags.Error())
			}
			checked++
		}
	}
	if checked < 3 {
		t.Errorf("checked %d examples; the docs should have at least 3", checked)
	}
}
