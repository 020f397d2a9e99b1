package lsp

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/weirflow/weir/lsp/lsptest"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/golden from the current answers")

// cursorMark is where a request is made in a golden case's w.hcl; it is
// removed before the file is opened.
const cursorMark = "‸"

// TestLspGolden runs the cases in testdata/golden/<feature>/*.txtar. The
// archive's comment is the request (completion [TYPED], hover, definition,
// references, rename NEWNAME, symbols, actions, diagnostics, formatting); w.hcl is the
// workflow, with ‸ at the cursor; want is the answer, rendered as text.
// Other files of the archive are written beside w.hcl.
func TestLspGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*/*.txtar")
	if len(files) == 0 {
		t.Fatal("no golden cases")
	}
	for _, file := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "testdata/golden/"), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var src string
			wantIdx := -1
			for i, f := range ar.Files {
				switch f.Name {
				case "want":
					wantIdx = i
					continue
				case "w.hcl":
					src = string(f.Data)
				}
				// Past runs sit in .weir/runs/<id>/, as an engine leaves them.
				if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f.Name)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, f.Name), []byte(strings.ReplaceAll(string(f.Data), cursorMark, "")), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := runGolden(t, dir, strings.TrimSpace(string(ar.Comment)), src)
			if *update {
				if wantIdx < 0 {
					ar.Files = append(ar.Files, txtar.File{Name: "want"})
					wantIdx = len(ar.Files) - 1
				}
				ar.Files[wantIdx].Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if wantIdx < 0 {
				t.Fatalf("no want section; run with -update")
			}
			if diff := cmp.Diff(string(ar.Files[wantIdx].Data), got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func runGolden(t *testing.T, dir, request, src string) string {
	path := filepath.Join(dir, "w.hcl")
	uri := pathURI(path)
	c := start(t, dir)
	pos := Position{}
	clean := src
	if i := strings.Index(src, cursorMark); i >= 0 {
		clean = src[:i] + src[i+len(cursorMark):]
		pos = newText([]byte(clean), false).position(i)
	}
	diags := open(t, c, path, clean)
	tx := newText([]byte(clean), false)
	at := map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos}
	verb, arg, _ := strings.Cut(request, " ")
	var b strings.Builder
	switch verb {
	case "diagnostics":
		for _, d := range diags {
			fmt.Fprintf(&b, "%s %d: %s\n", rangeText(d.Range), d.Severity, strings.ReplaceAll(d.Message, "\n", "\n    "))
		}
	case "completion":
		// "completion TYPED": TYPED is typed at the cursor after the file
		// is opened, as an editor sends it, and completion is asked after it.
		if arg != "" {
			if err := c.Change(uri, 2, pos.Line, pos.Character, pos.Line, pos.Character, arg); err != nil {
				t.Fatal(err)
			}
			diagnostics(t, c, uri, 2)
			at["position"] = Position{Line: pos.Line, Character: pos.Character + len(arg)}
		}
		var list CompletionList
		call(t, c, "textDocument/completion", at, &list)
		for _, it := range list.Items {
			fmt.Fprintf(&b, "%s\t%d\t%s", it.Label, it.Kind, it.Detail)
			if it.InsertText != "" && it.InsertText != it.Label {
				fmt.Fprintf(&b, "\tinsert %q", it.InsertText)
			}
			b.WriteString("\n")
		}
	case "hover":
		var h *Hover
		call(t, c, "textDocument/hover", at, &h)
		if h == nil {
			b.WriteString("(none)\n")
			break
		}
		if h.Range != nil {
			fmt.Fprintf(&b, "@ %s %q\n", rangeText(*h.Range), slice(tx, *h.Range))
		}
		b.WriteString(h.Contents.Value + "\n")
	case "definition":
		var locs []Location
		call(t, c, "textDocument/definition", at, &locs)
		writeLocations(&b, tx, locs)
	case "references":
		var locs []Location
		at["context"] = map[string]any{"includeDeclaration": true}
		call(t, c, "textDocument/references", at, &locs)
		writeLocations(&b, tx, locs)
	case "rename":
		var prep *Range
		call(t, c, "textDocument/prepareRename", at, &prep)
		if prep != nil {
			fmt.Fprintf(&b, "prepare %s %q\n", rangeText(*prep), slice(tx, *prep))
		}
		at["newName"] = arg
		var edit *WorkspaceEdit
		if err := c.Call("textDocument/rename", at, &edit); err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
			break
		}
		b.WriteString(applyEdits(tx, edit.Changes[uri]))
	case "symbols":
		var syms []DocumentSymbol
		call(t, c, "textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": uri}}, &syms)
		writeSymbols(&b, syms, "")
	case "actions":
		var actions []CodeAction
		call(t, c, "textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": uri},
			"range": Range{}, "context": map[string]any{"diagnostics": diags}}, &actions)
		for _, a := range actions {
			fmt.Fprintf(&b, "== %s\n", a.Title)
			b.WriteString(applyEdits(tx, a.Edit.Changes[uri]))
		}
	case "formatting":
		var edits []TextEdit
		call(t, c, "textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uri}, "options": map[string]any{}}, &edits)
		b.WriteString(applyEdits(tx, edits))
	default:
		t.Fatalf("unknown request %q", request)
	}
	return b.String()
}

func call(t *testing.T, c *lsptest.Client, method string, params, result any) {
	t.Helper()
	var raw json.RawMessage
	if err := c.Call(method, params, &raw); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	if err := json.Unmarshal(raw, result); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
}

func rangeText(r Range) string {
	return fmt.Sprintf("%d:%d-%d:%d", r.Start.Line+1, r.Start.Character+1, r.End.Line+1, r.End.Character+1)
}

func slice(t *text, r Range) string {
	s, _ := t.offset(r.Start)
	e, _ := t.offset(r.End)
	return string(t.src[s:e])
}

func writeLocations(b *strings.Builder, t *text, locs []Location) {
	for _, l := range locs {
		fmt.Fprintf(b, "%s %q\n", rangeText(l.Range), slice(t, l.Range))
	}
}

func writeSymbols(b *strings.Builder, syms []DocumentSymbol, indent string) {
	for _, s := range syms {
		fmt.Fprintf(b, "%s%s %q (%s) %s\n", indent, kindName(s.Kind), s.Name, s.Detail, rangeText(s.SelectionRange))
		writeSymbols(b, s.Children, indent+"  ")
	}
}

func kindName(k int) string {
	for name, v := range symbolKinds {
		if v == k && name != "retry" {
			return name
		}
	}
	if k == symbolConstant {
		return "local"
	}
	return fmt.Sprint(k)
}

// applyEdits returns the text with the edits made.
func applyEdits(t *text, edits []TextEdit) string {
	type e struct {
		s, end int
		text   string
	}
	var es []e
	for _, ed := range edits {
		s, _ := t.offset(ed.Range.Start)
		end, _ := t.offset(ed.Range.End)
		es = append(es, e{s, end, ed.NewText})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].s > es[j].s })
	out := string(t.src)
	for _, x := range es {
		out = out[:x.s] + x.text + out[x.end:]
	}
	return out
}
