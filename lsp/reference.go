package lsp

import (
	"regexp"
	"strings"
	"sync"

	"github.com/weirflow/weir/docs"
)

// reference is docs/language.md cut into the pieces a hover or a completion
// shows. It is parsed from the embedded document itself, so the editor
// shows what the reference says, with no second copy to drift.
type reference struct {
	blocks map[string]string             // block type -> its section up to the attribute table
	attrs  map[string]map[string]attrDoc // block type -> attribute -> row
	roots  map[string]string             // var, local, path, pool, stage, each, self -> rows of the References table
	funcs  map[string]string             // function -> its kind ("Strings")
	notes  map[string]string             // other sections by heading: "Units", "for_each", "Functions"
}

// attrDoc is one row of an attribute table.
type attrDoc struct {
	Type, Default, Meaning string
}

var (
	refOnce sync.Once
	refDoc  *reference
)

// languageReference returns the parsed reference, parsing it once.
func languageReference() *reference {
	refOnce.Do(func() { refDoc = parseReference(docs.Language) })
	return refDoc
}

var (
	headingRE  = regexp.MustCompile(`^(#{2,3}) (.+)$`)
	backtickRE = regexp.MustCompile("`([^`]+)`")
	bulletRE   = regexp.MustCompile("^- `([a-z_]+)` (.*)$")
	leadRE     = regexp.MustCompile(`^[a-z_]+`)
)

func parseReference(md string) *reference {
	r := &reference{
		blocks: map[string]string{}, attrs: map[string]map[string]attrDoc{},
		roots: map[string]string{}, funcs: map[string]string{}, notes: map[string]string{},
	}
	lang := map[string]bool{"workflow": true, "variable": true, "locals": true, "pool": true,
		"stage": true, "retry": true, "input": true, "output": true}
	heading := ""
	var body []string // lines of the current section before its first table
	var all []string  // lines of the current section outside tables
	tableSeen := false
	fence := false
	var table [][]string // rows of the current table, header first
	flushTable := func() {
		if len(table) == 0 {
			return
		}
		header := table[0][0]
		for _, row := range table[1:] {
			switch {
			case header == "Attribute" && len(row) == 4:
				for _, m := range backtickRE.FindAllStringSubmatch(row[0], -1) {
					if r.attrs[heading] == nil {
						r.attrs[heading] = map[string]attrDoc{}
					}
					r.attrs[heading][m[1]] = attrDoc{Type: row[1], Default: row[2], Meaning: row[3]}
				}
			case header == "Reference" && len(row) == 3:
				root := leadRE.FindString(strings.Trim(row[0], "`"))
				if root == "values" {
					root = "stage"
				}
				r.roots[root] += "- " + row[0] + ": " + row[1] + " (" + row[2] + ")\n"
			case header == "Kind" && len(row) == 2:
				for _, m := range backtickRE.FindAllStringSubmatch(row[1], -1) {
					r.funcs[leadRE.FindString(m[1])] = row[0]
				}
			}
		}
		table = nil
	}
	finish := func() {
		flushTable()
		if heading == "" {
			return
		}
		text := strings.TrimSpace(strings.Join(body, "\n"))
		if lang[heading] {
			r.blocks[heading] = text
		} else {
			r.notes[heading] = strings.TrimSpace(strings.Join(all, "\n"))
		}
	}
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
		}
		if m := headingRE.FindStringSubmatch(line); m != nil && !fence {
			finish()
			heading, body, all, tableSeen = m[2], nil, nil, false
			continue
		}
		if !fence && strings.HasPrefix(line, "|") {
			cells := strings.Split(strings.Trim(line, "|"), " | ")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			if !strings.HasPrefix(cells[0], "---") {
				table = append(table, cells)
			}
			tableSeen = true
			continue
		}
		flushTable()
		if m := bulletRE.FindStringSubmatch(line); m != nil && lang[heading] {
			// Blocks without a table describe attributes in a list:
			// "- `from` (required) is one segment reference".
			if r.attrs[heading] == nil {
				r.attrs[heading] = map[string]attrDoc{}
			}
			if _, ok := r.attrs[heading][m[1]]; !ok {
				r.attrs[heading][m[1]] = attrDoc{Meaning: "`" + m[1] + "` " + m[2]}
			}
		}
		if !tableSeen {
			body = append(body, line)
		}
		all = append(all, line)
	}
	finish()
	return r
}

// attribute returns the row of attr in block, searching the enclosing
// block's table for nested blocks listed there (variable's validation).
func (r *reference) attribute(block, attr string) (attrDoc, bool) {
	d, ok := r.attrs[block][attr]
	return d, ok
}

// attrMarkdown is the hover text of an attribute.
func (d attrDoc) markdown(block, name string) string {
	var b strings.Builder
	b.WriteString("**" + block + "." + name + "**")
	if d.Type != "" {
		b.WriteString(" (" + d.Type)
		if d.Default != "" && d.Default != "none" && d.Default != "—" {
			b.WriteString(", default " + d.Default)
		}
		b.WriteString(")")
	}
	b.WriteString("\n\n" + d.Meaning)
	return b.String()
}
