package lsp

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// text is a document's content with the byte offset of each line start, for
// turning LSP positions into byte offsets and back.
type text struct {
	src   []byte
	lines []int // byte offset where each line starts; lines[0] == 0
	utf8  bool  // positions count bytes, not UTF-16 code units
}

func newText(src []byte, utf8 bool) *text {
	t := &text{src: src, utf8: utf8, lines: []int{0}}
	for i, c := range src {
		if c == '\n' {
			t.lines = append(t.lines, i+1)
		}
	}
	return t
}

// offset turns a position into a byte offset. A position past the end of
// its line means the line's end, and a line past the end means the end of
// the text, as the protocol asks.
func (t *text) offset(p Position) (int, error) {
	if p.Line < 0 || p.Character < 0 {
		return 0, fmt.Errorf("invalid position %d:%d", p.Line, p.Character)
	}
	if p.Line >= len(t.lines) {
		return len(t.src), nil
	}
	start := t.lines[p.Line]
	end := len(t.src)
	if p.Line+1 < len(t.lines) {
		end = t.lines[p.Line+1] - 1 // the newline
		if end > start && t.src[end-1] == '\r' {
			end--
		}
	}
	if t.utf8 {
		return min(start+p.Character, end), nil
	}
	units := 0
	i := start
	for i < end && units < p.Character {
		r, size := utf8.DecodeRune(t.src[i:end])
		units += utf16.RuneLen(r) // an invalid byte decodes as U+FFFD: one unit
		i += size
	}
	return i, nil
}

// position turns a byte offset into a position.
func (t *text) position(off int) Position {
	off = max(0, min(off, len(t.src)))
	line := search(t.lines, off)
	start := t.lines[line]
	if t.utf8 {
		return Position{Line: line, Character: off - start}
	}
	units := 0
	for i := start; i < off; {
		r, size := utf8.DecodeRune(t.src[i:off])
		units += utf16.RuneLen(r)
		i += size
	}
	return Position{Line: line, Character: units}
}

// span turns byte offsets into a range.
func (t *text) span(start, end int) Range {
	return Range{Start: t.position(start), End: t.position(end)}
}

// search returns the index of the last line starting at or before off.
func search(lines []int, off int) int {
	lo, hi := 0, len(lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// apply returns the text after a change; a change without a range replaces
// everything.
func (t *text) apply(c contentChange) (*text, error) {
	if c.Range == nil {
		return newText([]byte(c.Text), t.utf8), nil
	}
	start, err := t.offset(c.Range.Start)
	if err != nil {
		return nil, err
	}
	end, err := t.offset(c.Range.End)
	if err != nil {
		return nil, err
	}
	if end < start {
		return nil, fmt.Errorf("change range ends before it starts: %v", *c.Range)
	}
	src := make([]byte, 0, len(t.src)-(end-start)+len(c.Text))
	src = append(src, t.src[:start]...)
	src = append(src, c.Text...)
	src = append(src, t.src[end:]...)
	return newText(src, t.utf8), nil
}
