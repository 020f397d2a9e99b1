package lsp

import (
	"bytes"
	"regexp"
)

// cursor is what surrounds a position, read from the raw text so that it
// works while the text is half typed and does not parse.
type cursor struct {
	blocks []frame // enclosing blocks, outermost first
	attr   string  // the attribute whose value holds the cursor; "" at a name
	// inString is true inside a quoted string or heredoc (outside ${...});
	// str is its text before the cursor.
	inString bool
	str      string
	// prefix is the identifier or traversal just before the cursor:
	// "stage.ext" or "stage.extract.output.".
	prefix string
}

// block returns the innermost block type, "" at the top level.
func (c *cursor) block() string {
	if len(c.blocks) == 0 {
		return ""
	}
	return c.blocks[len(c.blocks)-1].typ
}

// stage returns the name of the enclosing stage block, or "".
func (c *cursor) stage() string {
	for _, f := range c.blocks {
		if f.typ == "stage" && len(f.labels) == 1 {
			return f.labels[0]
		}
	}
	return ""
}

type frameKind int

const (
	frameBlock   frameKind = iota // stage "x" { ... }
	frameBracket                  // ( [ or an object's {
	frameString                   // "..."
	frameHeredoc                  // <<EOT ... EOT
	frameInterp                   // ${ ... } or %{ ... }
)

type frame struct {
	kind   frameKind
	typ    string   // block type
	labels []string // block labels
	attr   string   // the attribute being assigned when the frame opened
	marker string   // heredoc end marker
}

var (
	headerRE  = regexp.MustCompile(`^\s*([A-Za-z_][\w-]*)((?:\s+(?:"[^"]*"|[A-Za-z_][\w-]*))*)\s*$`)
	labelRE   = regexp.MustCompile(`"([^"]*)"|([A-Za-z_][\w-]*)`)
	prefixRE  = regexp.MustCompile(`[A-Za-z_][\w-]*(?:\.[\w-]*|\[[^\]\n]*\]|\[\*\])*$`)
	attrRE    = regexp.MustCompile(`([A-Za-z_][\w-]*)\s*$`)
	heredocRE = regexp.MustCompile(`^<<-?([A-Za-z_][\w-]*)\r?\n`)
)

var topHeaderRE = regexp.MustCompile(`^[A-Za-z_][\w-]*(?:[ \t]+(?:"[^"\n]*"|[A-Za-z_][\w-]*))*[ \t]*\{[ \t]*\r?$`)

// scan reads src up to off and says where off is. It starts at the
// top-level block header before off (a line in column 1 such as
// `stage "x" {`), so its cost is that of one block, not of the file; a
// header written inside a heredoc would mislead it, which costs at worst a
// wrong proposal.
func scan(src []byte, off int) cursor {
	src = src[:min(off, len(src))]
	from := 0
	for end := len(src); end > 0; {
		lineStart := bytes.LastIndexByte(src[:end], '\n') + 1
		lineEnd := bytes.IndexByte(src[lineStart:], '\n')
		if lineEnd >= 0 && topHeaderRE.Match(src[lineStart:lineStart+lineEnd]) {
			from = lineStart
			break
		}
		end = lineStart - 1
	}
	return scanFrom(src, from)
}

func scanFrom(src []byte, from int) cursor {
	var stack []frame
	attr := ""   // attribute being assigned at the innermost body
	stmt := from // where the current statement of the innermost body started
	top := func() *frame {
		if len(stack) == 0 {
			return nil
		}
		return &stack[len(stack)-1]
	}
	inBody := func() bool { f := top(); return f == nil || f.kind == frameBlock }
	for i := from; i < len(src); i++ {
		c := src[i]
		f := top()
		if f != nil && (f.kind == frameString || f.kind == frameHeredoc) {
			switch {
			case f.kind == frameString && c == '\\':
				i++
			case f.kind == frameString && c == '"':
				stack = stack[:len(stack)-1]
			case (c == '$' || c == '%') && i+2 < len(src) && src[i+1] == c && src[i+2] == '{':
				i += 2 // $${ and %%{ are literal
			case (c == '$' || c == '%') && i+1 < len(src) && src[i+1] == '{':
				stack = append(stack, frame{kind: frameInterp, attr: attr})
				i++
			case f.kind == frameHeredoc && c == '\n':
				rest := src[i+1:]
				end := bytes.IndexByte(rest, '\n')
				if end < 0 {
					end = len(rest)
				}
				if string(bytes.TrimSpace(rest[:end])) == f.marker && end < len(rest) {
					stack = stack[:len(stack)-1]
					i += end
				}
			}
			continue
		}
		switch c {
		case '#':
			i = skipLine(src, i)
		case '/':
			if i+1 < len(src) && src[i+1] == '/' {
				i = skipLine(src, i)
			} else if i+1 < len(src) && src[i+1] == '*' {
				end := bytes.Index(src[i+2:], []byte("*/"))
				if end < 0 {
					return cursor{blocks: blocksOf(stack)} // in a comment: nothing to offer
				}
				i += 2 + end + 1
			}
		case '"':
			stack = append(stack, frame{kind: frameString, attr: attr})
		case '<':
			if m := heredocRE.FindSubmatch(src[i:]); m != nil {
				stack = append(stack, frame{kind: frameHeredoc, marker: string(m[1]), attr: attr})
				i += len(m[0]) - 1
			}
		case '=':
			if inBody() && attr == "" && (i+1 >= len(src) || src[i+1] != '=') && (i == 0 || !bytes.ContainsRune([]byte("=!<>"), rune(src[i-1]))) {
				if m := attrRE.FindSubmatch(src[stmt:i]); m != nil {
					attr = string(m[1])
				}
			}
		case '\n':
			if inBody() {
				attr, stmt = "", i+1
			}
		case '{':
			if inBody() && attr == "" {
				fr := frame{kind: frameBlock}
				if m := headerRE.FindSubmatch(src[stmt:i]); m != nil {
					fr.typ = string(m[1])
					for _, l := range labelRE.FindAllSubmatch(m[2], -1) {
						fr.labels = append(fr.labels, string(l[1])+string(l[2]))
					}
				}
				stack = append(stack, fr)
				stmt = i + 1
				continue
			}
			stack = append(stack, frame{kind: frameBracket, attr: attr})
		case '(', '[':
			stack = append(stack, frame{kind: frameBracket, attr: attr})
		case '}', ')', ']':
			if f == nil {
				continue
			}
			stack = stack[:len(stack)-1]
			switch f.kind {
			case frameBlock:
				attr, stmt = "", i+1
			case frameInterp, frameBracket:
				attr = f.attr
			}
		}
	}
	cur := cursor{blocks: blocksOf(stack), attr: attr}
	if f := top(); f != nil && (f.kind == frameString || f.kind == frameHeredoc) {
		cur.inString = true
		cur.attr = f.attr
		start := bytes.LastIndexAny(src, "\"\n") + 1
		cur.str = string(src[start:])
		return cur
	} else if f != nil && f.kind != frameBlock {
		cur.attr = f.attr
	}
	line := src[bytes.LastIndexByte(src, '\n')+1:]
	if m := prefixRE.Find(line); m != nil {
		cur.prefix = string(m)
	}
	return cur
}

func skipLine(src []byte, i int) int {
	end := bytes.IndexByte(src[i:], '\n')
	if end < 0 {
		return len(src)
	}
	return i + end - 1 // the newline itself is seen by the caller's loop
}

func blocksOf(stack []frame) []frame {
	var out []frame
	for _, f := range stack {
		if f.kind == frameBlock {
			out = append(out, f)
		}
	}
	return out
}
