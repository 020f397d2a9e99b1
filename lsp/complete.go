package lsp

import (
	"regexp"
	"strings"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/dsl"
)

// completion proposes what may be written at a position. The context is
// read from the newest text, so it works while a line is half typed; the
// declared names come from the newest analysis, which may be one edit
// behind: completion never waits for it. While the text does not parse
// (a reference half typed), the names are those of the last text that did.
func (s *Server) completion(p positionParams) (*CompletionList, error) {
	d := s.doc(p.TextDocument.URI)
	if d == nil {
		return nil, rpcError(codeInvalidParams, "%s is not open", p.TextDocument.URI)
	}
	t, _ := d.current()
	off, err := t.offset(p.Position)
	if err != nil {
		return nil, rpcError(codeInvalidParams, "%v", err)
	}
	d.mu.Lock()
	names := d.names
	d.mu.Unlock()
	x, a := &index{}, (*dsl.Analysis)(nil)
	if names != nil {
		x, a = names.index, names.analysis
	}
	return &CompletionList{Items: complete(scan(t.src, off), x, a)}, nil
}

var numberEndRE = regexp.MustCompile(`[0-9.]+$`)

func complete(cur cursor, x *index, a *dsl.Analysis) []CompletionItem {
	items := []CompletionItem{}
	block := cur.block()
	switch {
	case cur.inString:
		for _, v := range dsl.Enum(block, cur.attr) {
			items = append(items, CompletionItem{Label: v, Kind: kindEnum})
		}
		if block == "retry" && cur.attr == "on" {
			items = append(items, CompletionItem{Label: "exit:", Kind: kindEnum, Detail: "exit:N, one exit status"})
		}
		if numberEndRE.MatchString(cur.str) {
			var units []string
			switch dsl.AttributeKind(block, cur.attr) {
			case dsl.KindSize:
				units = dsl.SizeUnits()
			case dsl.KindDuration:
				units = dsl.DurationUnits()
			}
			n := numberEndRE.FindString(cur.str)
			for _, u := range units {
				items = append(items, CompletionItem{Label: n + u, Kind: kindUnit, InsertText: n + u, Detail: "unit " + u})
			}
		}
		return items
	case strings.Contains(cur.prefix, ".") || strings.HasSuffix(cur.prefix, "]"):
		return completeTraversal(cur, x, a)
	case cur.attr == "":
		return completeBody(block)
	}
	for _, root := range []string{"var", "local", "stage", "pool", "path", "each", "self"} {
		items = append(items, CompletionItem{Label: root, Kind: kindKeyword, Documentation: docFor(languageReference().roots[root])})
	}
	for _, f := range dsl.Functions() {
		items = append(items, CompletionItem{Label: f.Name, Kind: kindFunction, Detail: f.Signature,
			InsertText: f.Name + "($1)", InsertTextFormat: insertSnippet})
	}
	return items
}

func docFor(s string) *MarkupContent {
	if s == "" {
		return nil
	}
	return markdown(s)
}

// completeBody proposes the blocks and attributes a body takes.
func completeBody(block string) []CompletionItem {
	items := []CompletionItem{}
	lang := dsl.Language()
	schema := lang[block]
	if schema == nil {
		return items
	}
	ref := languageReference()
	for _, at := range schema.Attributes {
		item := CompletionItem{Label: at.Name, Kind: kindProperty, InsertText: at.Name + " = "}
		if d, ok := ref.attribute(block, at.Name); ok {
			item.Detail = d.Type
			if d.Default != "" && d.Default != "none" && d.Default != "—" {
				item.Detail += ", default " + d.Default
			}
			if at.Required {
				item.Detail += ", required"
			}
			item.Documentation = markdown(d.Meaning)
		}
		items = append(items, item)
	}
	for _, typ := range schema.Blocks {
		snippet := typ
		for i, l := range lang[typ].Labels {
			snippet += ` "${` + string(rune('1'+i)) + ":" + l + `}"`
		}
		snippet += " {\n\t$0\n}"
		items = append(items, CompletionItem{Label: typ, Kind: kindClass, Detail: "block",
			Documentation: docFor(ref.blocks[typ]), InsertText: snippet, InsertTextFormat: insertSnippet})
	}
	return items
}

var indexStepRE = regexp.MustCompile(`\[[^\]]*\]`)

// completeTraversal proposes the next name of a reference.
func completeTraversal(cur cursor, x *index, a *dsl.Analysis) []CompletionItem {
	items := []CompletionItem{}
	path := cur.prefix[:strings.LastIndex(cur.prefix, ".")+1]
	path = strings.TrimSuffix(indexStepRE.ReplaceAllString(path, ""), ".")
	parts := strings.Split(path, ".")
	names := func(kind symKind, stage string, k int) {
		for _, d := range x.names(kind, stage) {
			item := CompletionItem{Label: d.key.name, Kind: k}
			if a != nil {
				switch kind {
				case symVariable:
					if v, ok := a.Vars[d.key.name]; ok {
						item.Detail = v.Text
					}
				case symLocal:
					if v, ok := a.Locals[d.key.name]; ok {
						item.Detail = v.Text
					}
				case symStage:
					if f, ok := a.Stages[d.key.name]; ok && f.Tasks > 0 {
						item.Detail = plural(f.Tasks, "task")
					}
				}
			}
			items = append(items, item)
		}
	}
	switch {
	case len(parts) == 1 && parts[0] == "stage":
		names(symStage, "", kindModule)
	case len(parts) == 2 && parts[0] == "stage", len(parts) == 1 && parts[0] == "self":
		items = append(items, CompletionItem{Label: "output", Kind: kindField})
	case len(parts) == 3 && parts[0] == "stage" && parts[2] == "output":
		names(symOutput, parts[1], kindField)
	case len(parts) == 2 && parts[0] == "self" && parts[1] == "output":
		names(symOutput, cur.stage(), kindField)
	case len(parts) == 1 && parts[0] == "pool":
		names(symPool, "", kindValue)
		if x.decls[symKey{kind: symPool, name: dag.DefaultPool}] == nil {
			items = append(items, CompletionItem{Label: dag.DefaultPool, Kind: kindValue, Detail: "the default pool"})
		}
	case len(parts) == 1 && parts[0] == "var":
		names(symVariable, "", kindVariable)
	case len(parts) == 1 && parts[0] == "local":
		names(symLocal, "", kindConstant)
	case len(parts) == 1 && parts[0] == "each":
		items = append(items, CompletionItem{Label: "key", Kind: kindField}, CompletionItem{Label: "value", Kind: kindField})
	case len(parts) == 1 && parts[0] == "path":
		items = append(items, CompletionItem{Label: "root", Kind: kindField, Detail: "the workflow file's directory"},
			CompletionItem{Label: "cwd", Kind: kindField, Detail: "the directory weir was started in"})
	}
	return items
}
