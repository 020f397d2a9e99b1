package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The documents whose examples the tests run: what a reader of the
// repository is shown, paths relative to the module root.
func documents(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob("*.md")
	if err != nil || len(docs) == 0 {
		t.Fatalf("no docs/*.md: %v", err)
	}
	out := []string{"README.md", "workflows/README.md"}
	for _, d := range docs {
		out = append(out, "docs/"+d)
	}
	return out
}

// block is one fenced code block of a document.
type block struct {
	doc  string // relative to the module root
	line int    // of the opening fence, from 1
	lang string // the fence's info string: "hcl", "sh", "" ...
	text string
	// check is the text of a "<!-- check: ... -->" comment on the last
	// non-blank line before the fence, "" without one. The docs say there
	// what a block needs or shows when the tests could not tell by
	// themselves: a failure it shows, a reason it is not run.
	check string
}

func (b block) String() string { return fmt.Sprintf("%s:%d", b.doc, b.line) }

var checkComment = regexp.MustCompile(`^<!--\s*check:\s*(.*?)\s*-->$`)

// parseBlocks finds the fenced blocks of a Markdown text, indented ones
// (inside list items) included.
func parseBlocks(doc, src string) ([]block, error) {
	var out []block
	lines := strings.Split(src, "\n")
	prev := "" // the last non-blank line outside blocks
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(trimmed, "```") {
			if trimmed != "" {
				prev = trimmed
			}
			continue
		}
		indent := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " "))]
		b := block{doc: doc, line: i + 1, lang: strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))}
		if m := checkComment.FindStringSubmatch(prev); m != nil {
			b.check = m[1]
		}
		var text strings.Builder
		closed := false
		for i++; i < len(lines); i++ {
			if strings.TrimSpace(lines[i]) == "```" {
				closed = true
				break
			}
			text.WriteString(strings.TrimPrefix(lines[i], indent))
			text.WriteByte('\n')
		}
		if !closed {
			return nil, fmt.Errorf("%s: the block opened at line %d is never closed", doc, b.line)
		}
		b.text = text.String()
		out = append(out, b)
		prev = ""
	}
	return out, nil
}

// docBlocks reads every document's blocks.
func docBlocks(t *testing.T) []block {
	t.Helper()
	var out []block
	for _, doc := range documents(t) {
		src, err := os.ReadFile(filepath.Join("..", doc))
		if err != nil {
			t.Fatal(err)
		}
		bs, err := parseBlocks(doc, string(src))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bs...)
	}
	return out
}

func TestParseBlocks(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []block
		err       bool
	}{
		{"plain", "text\n\n```hcl\na = 1\n```\n", []block{{line: 3, lang: "hcl", text: "a = 1\n"}}, false},
		{"marked", "<!-- check: fails \"Cycle\" -->\n\n```hcl\nx\n```\n", []block{{line: 3, lang: "hcl", text: "x\n", check: `fails "Cycle"`}}, false},
		{"marker not last", "<!-- check: skip: x -->\nprose\n```sh\nls\n```\n", []block{{line: 3, lang: "sh", text: "ls\n"}}, false},
		{"in a list", "- item:\n\n  ```hcl\n  stage \"a\" {}\n  ```\n", []block{{line: 3, lang: "hcl", text: "stage \"a\" {}\n"}}, false},
		{"two", "```\n$ a\n```\n```sh\nb\n```\n", []block{{line: 1, text: "$ a\n"}, {line: 4, lang: "sh", text: "b\n"}}, false},
		{"unclosed", "```sh\nls\n", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseBlocks("", tc.src)
			if (err != nil) != tc.err {
				t.Fatalf("err %v, want error %v", err, tc.err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || len(got) != len(tc.want) {
				t.Fatalf("got %d blocks, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("block %d: %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}
