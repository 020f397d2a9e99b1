package lsp

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/weirflow/weir/dsl"
)

// pieces are what the fuzzer inserts: the characters and words that change
// the structure of a workflow, and a character outside the BMP, which is
// two UTF-16 units.
var pieces = []string{`"`, "{", "}", "[", "]", "=", "\n", "stage.", ".output.", "${", "#", "<<EOT\n", "EOT\n", "x", "é", "𝄞", " ", "var.", "pool."}

// FuzzLspEdits applies random insertions, deletions and swapped names to
// valid workflows as incremental changes and wants, after the last one, the diagnostics of
// the final text: the server must neither crash nor leave stale results.
func FuzzLspEdits(f *testing.F) {
	files, _ := filepath.Glob("../workflows/*/*.hcl")
	files = append(files, "../workflows/quickstart.hcl")
	var seeds []string
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, string(b))
	}
	for i := range seeds {
		f.Add(uint8(i), []byte{0, 40, 3, 1, 128, 2, 2, 200, 9})
		f.Add(uint8(i), []byte{1, 10, 30, 0, 90, 5, 0, 91, 6, 1, 255, 1})
		f.Add(uint8(i), []byte{2, 120, 30, 2, 200, 7, 2, 60, 250, 2, 10, 128})
	}
	dir := f.TempDir()
	c := start(f, dir)
	n := 0
	f.Fuzz(func(t *testing.T, seed uint8, ops []byte) {
		if len(ops) > 300 {
			return
		}
		n++
		path := filepath.Join(dir, fmt.Sprintf("w%d.hcl", n))
		uri := pathURI(path)
		src := seeds[int(seed)%len(seeds)]
		if err := c.Open(uri, src, 1); err != nil {
			t.Fatal(err)
		}
		version := int32(1)
		for i := 0; i+2 < len(ops); i += 3 {
			at := runeStart(src, int(ops[i+1])*len(src)/256)
			var end int
			text := ""
			switch ops[i] % 3 {
			case 0:
				end = at
				text = pieces[int(ops[i+2])%len(pieces)]
			case 1:
				end = runeStart(src, min(len(src), at+int(ops[i+2])%16))
			default:
				// A name for another name of the text: the text mostly
				// still parses, so the loader's reuse of unchanged
				// stages, not only the parser's, meets the edit.
				words := word.FindAllStringIndex(src, -1)
				if len(words) == 0 {
					end = at
					break
				}
				w := words[int(ops[i+1])*len(words)/256]
				with := words[int(ops[i+2])*len(words)/256]
				at, end, text = w[0], w[1], src[with[0]:with[1]]
			}
			l1, c1 := utf16Pos(src, at)
			l2, c2 := utf16Pos(src, end)
			version++
			if err := c.Change(uri, version, l1, c1, l2, c2, text); err != nil {
				t.Fatal(err)
			}
			src = src[:at] + text + src[end:]
		}
		got := diagnostics(t, c, uri, version)
		_, diags := dsl.NewParser().LoadSource([]byte(src), path, testLoad)
		tx := newText([]byte(src), false)
		want := []Diagnostic{}
		for _, d := range diags {
			if d.Subject == nil || samePath(d.Subject.Filename, path) {
				want = append(want, convert(d, tx))
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("diagnostics of version %d are not those of its text (-want +got):\n%s\ntext:\n%s", version, diff, src)
		}
		if err := c.Notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}}); err != nil {
			t.Fatal(err)
		}
	})
}

var word = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// runeStart moves off back to the start of the UTF-8 sequence it is in.
func runeStart(s string, off int) int {
	for off > 0 && off < len(s) && !utf8.RuneStart(s[off]) {
		off--
	}
	return off
}

// utf16Pos is an LSP position of a byte offset, counted independently of
// the server's own conversion.
func utf16Pos(s string, off int) (int, int) {
	before := s[:off]
	line := strings.Count(before, "\n")
	col := before[strings.LastIndex(before, "\n")+1:]
	return line, len(utf16.Encode([]rune(col)))
}
