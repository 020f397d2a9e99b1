package dsl

import (
	"sort"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// chunkSize is the source size above which a file is parsed in pieces of
// at least pieceSize. HCL's lexer holds every token of a file at once
// (about 100 bytes a token), so a workflow of 100,000 stages would cost
// gigabytes and most of its time in copying a growing token slice; pieces
// keep that small and use every core. Mid-size files gain too: 1,000
// stages (84 KB) load in 15 ms instead of 21 on two cores (10,000 stages:
// no change).
const chunkSize = 64 << 10

// pieceSize keeps a piece's token slice under the runtime's 32 KiB limit
// for small objects: a larger one is a fresh span of its own, paged in and
// zeroed, and a quarter of chunkSize made five uneven pieces of 1,000
// stages. Parsing them took 7.8 ms instead of 11-12 on two cores; 10,000
// and 100,000 stages the same time as before, with 60 MB less peak memory
// at 100,000.
const pieceSize = 4 << 10

// parseConfig parses src like hclsyntax.ParseConfig, splitting a large file
// at top-level items. A line that starts with a letter or underscore in
// column 1 is where a top-level item starts. If such a line sits inside a
// multi-line construct (a heredoc, a comment, a block written without
// indentation), the piece before it is left unterminated and fails to parse;
// any failure falls back to parsing the whole file, so the result and the
// diagnostics are always those of one whole-file parse.
func parseConfig(src []byte, filename string, threshold int) (*hcl.File, hcl.Diagnostics) {
	if len(src) <= threshold {
		return hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	}
	pieces := split(src, min(pieceSize, threshold/4))
	if len(pieces) < 2 {
		return hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	}
	bodies := make([]*hclsyntax.Body, len(pieces))
	all := make([]int, len(pieces))
	for i := range all {
		all[i] = i
	}
	if parsePieces(src, filename, pieces, all, bodies) {
		return hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	}
	if f, ok := mergeBodies(src, bodies); ok {
		return f, nil
	}
	return hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
}

type piece struct {
	start, end int
	pos        hcl.Pos
}

// split cuts src at item starts into pieces of at least min bytes.
func split(src []byte, minSize int) []piece {
	var out []piece
	cur := piece{pos: hcl.InitialPos}
	line := 1
	for i := 0; i < len(src); i++ {
		if src[i] != '\n' {
			continue
		}
		line++
		next := i + 1
		if next >= len(src) || next-cur.start < minSize || !itemStart(src[next]) {
			continue
		}
		cur.end = next
		out = append(out, cur)
		cur = piece{start: next, pos: hcl.Pos{Line: line, Column: 1, Byte: next}}
	}
	cur.end = len(src)
	return append(out, cur)
}

func itemStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// blockNav names the top-level block around an offset ("stage \"x\""), as
// hclsyntax's own navigation does for a whole-file parse, from an index of
// block headers, so that keeping it for messages does not keep the syntax
// tree alive.
type blockNav []navEntry

type navEntry struct {
	start, end int
	context    string
}

func newBlockNav(body *hclsyntax.Body) blockNav {
	nav := make(blockNav, len(body.Blocks))
	for i, b := range body.Blocks {
		s := b.Type
		for _, l := range b.Labels {
			s += " " + strconv.Quote(l)
		}
		r := b.Range()
		nav[i] = navEntry{start: r.Start.Byte, end: r.End.Byte, context: s}
	}
	return nav
}

func (n blockNav) ContextString(offset int) string {
	// Blocks come in source order, so the candidate is found by bisection.
	i := sort.Search(len(n), func(i int) bool { return n[i].end > offset })
	if i < len(n) && n[i].start <= offset {
		return n[i].context
	}
	return ""
}
