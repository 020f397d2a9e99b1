package dsl

import (
	"runtime"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// blockCache keeps the syntax tree of each top-level item of the last
// parse of an edited text, by the item's text. An edit changes one item or
// a few; the others parse to the same trees, only moved when the edit
// added or removed bytes above them. Parsing is half of analyzing a large
// workflow, and each hit also spares the garbage its tokens make.
type blockCache struct {
	items map[string]*cachedItem
	gen   int // of the newest parse
}

type cachedItem struct {
	body *hclsyntax.Body
	pos  hcl.Pos
	gen  int // of the last parse that used it
}

// NewEditorParser returns a Parser for one text edited over and over: each
// Analyze reuses the syntax trees of the top-level blocks whose text did
// not change since the last one, moving them into place. A tree handed out
// by one Analyze (Analysis.File) may be moved by the next, so a caller
// reads it only until it calls Analyze again. Not for concurrent use.
func NewEditorParser() *Parser {
	p := NewParser()
	p.blocks = &blockCache{items: map[string]*cachedItem{}}
	p.memo = newStageMemo()
	return p
}

// parse is parseConfig through the block cache when the Parser has one.
func (p *Parser) parse(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	if p.blocks == nil {
		return parseConfig(src, filename, chunkSize)
	}
	// hclparse keeps every file it read by name: a var file saved since
	// the last analysis must be read again.
	p.p = hclparse.NewParser()
	f, ok := p.blocks.parse(src, filename)
	if !ok {
		// Syntax errors, or an item split where the whole file would not
		// be: the whole file's parse gives the true diagnostics.
		return parseConfig(src, filename, chunkSize)
	}
	return f, nil
}

// parse parses src an item at a time, from the cache where it can. It
// reports false where a whole-file parse must decide.
func (c *blockCache) parse(src []byte, filename string) (*hcl.File, bool) {
	c.gen++
	pieces := split(src, 0)
	bodies := make([]*hclsyntax.Body, len(pieces))
	var misses []int
	for i, pc := range pieces {
		it := c.items[string(src[pc.start:pc.end])]
		if it == nil || it.gen == c.gen { // the second of two equal items parses its own
			misses = append(misses, i)
			continue
		}
		if it.pos != pc.pos {
			shift(it.body, delta{lines: pc.pos.Line - it.pos.Line, bytes: pc.pos.Byte - it.pos.Byte})
			it.pos = pc.pos
		}
		it.gen = c.gen
		bodies[i] = it.body
	}
	failed := parsePieces(src, filename, pieces, misses, bodies)
	for _, i := range misses {
		if bodies[i] == nil {
			continue
		}
		pc := pieces[i]
		key := string(src[pc.start:pc.end])
		if it := c.items[key]; it != nil && it.gen == c.gen {
			continue
		}
		c.items[key] = &cachedItem{body: bodies[i], pos: pc.pos, gen: c.gen}
	}
	// What this parse did not use goes, so memory follows the text.
	for k, it := range c.items {
		if it.gen != c.gen {
			delete(c.items, k)
		}
	}
	if failed {
		return nil, false
	}
	return mergeBodies(src, bodies)
}

// parsePieces parses the pieces at idx on every core into bodies. It
// reports whether any failed.
func parsePieces(src []byte, filename string, pieces []piece, idx []int, bodies []*hclsyntax.Body) bool {
	var mu sync.Mutex
	failed := false
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(idx)) {
		wg.Go(func() {
			for i := range work {
				p := pieces[i]
				f, diags := hclsyntax.ParseConfig(src[p.start:p.end], filename, p.pos)
				if len(diags) > 0 {
					mu.Lock()
					failed = true
					mu.Unlock()
					continue
				}
				bodies[i] = f.Body.(*hclsyntax.Body)
			}
		})
	}
	for _, i := range idx {
		work <- i
	}
	close(work)
	wg.Wait()
	return failed
}

// mergeBodies joins the bodies of consecutive pieces into one file, as one
// parse of all of src would give it. It reports false when a name is set
// twice at the top level, which only a whole-file parse reports.
func mergeBodies(src []byte, bodies []*hclsyntax.Body) (*hcl.File, bool) {
	merged := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}}
	for _, b := range bodies {
		for name, attr := range b.Attributes {
			if _, dup := merged.Attributes[name]; dup {
				return nil, false
			}
			merged.Attributes[name] = attr
		}
		merged.Blocks = append(merged.Blocks, b.Blocks...)
	}
	first, last := bodies[0], bodies[len(bodies)-1]
	merged.SrcRange = hcl.RangeBetween(first.SrcRange, last.SrcRange)
	merged.EndRange = last.EndRange
	return &hcl.File{Body: merged, Bytes: src, Nav: newBlockNav(merged)}, true
}
