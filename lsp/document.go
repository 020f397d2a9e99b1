package lsp

import (
	"context"
	"sync"
	"time"

	"github.com/weirflow/weir/dsl"
)

// document is an open file: its newest text and the newest analysis of it.
// Edits replace text at once; a worker goroutine analyzes in the
// background and publishes diagnostics.
type document struct {
	uri  string
	path string

	mu      sync.Mutex
	text    *text
	version int32
	snap    *snapshot     // newest analysis; nil until the first is done
	names   *snapshot     // newest snapshot of a text that parsed, for completion
	ready   chan struct{} // closed and replaced when snap changes
	closed  bool
	cancel  context.CancelFunc // stops the analysis in progress
	// published are the other files (var files) this document's last
	// diagnostics went to, to clear when they are gone.
	published map[string]bool

	// parser keeps the syntax trees of unchanged blocks from one analysis
	// to the next, and moves them into place; tree is held for writing
	// while it does, and for reading by whoever walks a snapshot's tree.
	parser *dsl.Parser
	refs   refCache // the worker's
	tree   sync.RWMutex

	dirty chan struct{} // a pending change; capacity 1
	done  chan struct{} // closed by close
	idle  sync.WaitGroup
}

// snapshot is one analysis of one version of a document.
type snapshot struct {
	version  int32
	text     *text
	index    *index
	analysis *dsl.Analysis
	doc      *document
	usage    *usage       // what past runs used; nil without any
	runDiags []Diagnostic // what past runs showed that the text still has
	// moved is set, under doc.tree, when an analysis of a newer text
	// starts: it may move the trees this one's index walks.
	moved bool
}

// readTree calls f while the snapshot's syntax tree holds still. The next
// analysis may move the trees it reuses, so once one has started this
// snapshot's tree is not read: readTree reports false without calling f.
func (snap *snapshot) readTree(f func()) bool {
	d := snap.doc
	d.tree.RLock()
	defer d.tree.RUnlock()
	if snap.moved {
		return false
	}
	f()
	return true
}

// newParser is dsl.NewEditorParser; benchmarks swap in dsl.NewParser, which
// parses every text from scratch, for a baseline.
var newParser = dsl.NewEditorParser

func newDocument(uri string, t *text, version int32) *document {
	return &document{
		uri: uri, path: uriPath(uri), text: t, version: version,
		ready: make(chan struct{}), dirty: make(chan struct{}, 1), done: make(chan struct{}),
		published: map[string]bool{}, parser: newParser(), refs: refCache{},
	}
}

// touch tells the worker that the text changed.
func (d *document) touch() {
	select {
	case d.dirty <- struct{}{}:
	default: // a change is pending already; the worker reads the newest text
	}
}

func (d *document) close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	close(d.done)
	if d.cancel != nil {
		d.cancel()
	}
	d.mu.Unlock()
	d.idle.Wait()
}

// next returns the newest text and its version, and a context that the next
// change cancels.
func (d *document) next() (*text, int32, context.Context) {
	ctx, cancel := context.WithCancel(context.Background())
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cancel != nil {
		d.cancel()
	}
	d.cancel = cancel
	return d.text, d.version, ctx
}

// current returns the newest text and its version.
func (d *document) current() (*text, int32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.text, d.version
}

// latest returns the newest snapshot, waiting up to wait for one of the
// current version. It returns nil only if no analysis has finished yet.
func (d *document) latest(wait time.Duration) *snapshot {
	deadline := time.After(wait)
	for {
		d.mu.Lock()
		snap, ready, version := d.snap, d.ready, d.version
		d.mu.Unlock()
		if snap != nil && snap.version == version {
			return snap
		}
		select {
		case <-ready:
		case <-deadline:
			return snap
		}
	}
}

// analyzed is told of every analysis as it ends, and whether an edit
// cancelled it; tests count them.
var analyzed = func(cancelled bool) {}

// work analyzes the document after each change until it is closed.
func (s *Server) work(d *document) {
	defer d.idle.Done()
	for {
		select {
		case <-d.done:
			return
		case <-d.dirty:
		}
		t, v, ctx := d.next()
		d.tree.Lock()
		d.mu.Lock()
		if d.snap != nil {
			d.snap.moved = true
		}
		d.mu.Unlock()
		snap := s.analyze(ctx, d, t, v)
		analyzed(snap == nil)
		if snap == nil {
			// An edit came: its touch brings the worker back for it.
			d.tree.Unlock()
			continue
		}
		d.mu.Lock()
		d.snap = snap
		d.tree.Unlock()
		if snap.index.parsed || d.names == nil {
			d.names = snap
		}
		close(d.ready)
		d.ready = make(chan struct{})
		stale := d.version != v || d.closed
		d.mu.Unlock()
		if !stale {
			s.publish(d, snap)
		}
	}
}

// analyze analyzes one text of a document; it returns nil when ctx was
// cancelled first.
func (s *Server) analyze(ctx context.Context, d *document, t *text, v int32) *snapshot {
	defer boostGC(len(t.src))()
	a, err := d.parser.AnalyzeContext(ctx, t.src, d.path, s.loadOptions())
	if err != nil {
		return nil
	}
	x := buildIndexWith(a.File, t.src, a.Parsed, d.refs)
	a.File = nil // the index holds it
	u := s.usages.of(a)
	return &snapshot{version: v, text: t, index: x, analysis: a, doc: d, usage: u, runDiags: runDiagnostics(x, a, u, t)}
}

func (s *Server) didOpen(p didOpenParams) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if old := s.docs[p.TextDocument.URI]; old != nil {
		s.mu.Unlock()
		old.close()
		s.mu.Lock()
	}
	d := newDocument(p.TextDocument.URI, newText([]byte(p.TextDocument.Text), s.utf8), p.TextDocument.Version)
	s.docs[d.uri] = d
	s.mu.Unlock()
	d.idle.Add(1)
	go s.work(d)
	d.touch()
}

func (s *Server) didChange(p didChangeParams) error {
	d := s.doc(p.TextDocument.URI)
	if d == nil {
		return rpcError(codeInvalidParams, "%s is not open", p.TextDocument.URI)
	}
	d.mu.Lock()
	t := d.text
	for _, c := range p.ContentChanges {
		next, err := t.apply(c)
		if err != nil {
			d.mu.Unlock()
			return rpcError(codeInvalidParams, "%s: %v", p.TextDocument.URI, err)
		}
		t = next
	}
	d.text, d.version = t, p.TextDocument.Version
	if d.cancel != nil {
		d.cancel() // the analysis of the text before is wasted work now
	}
	d.mu.Unlock()
	d.touch()
	return nil
}

func (s *Server) didClose(p didCloseParams) {
	s.mu.Lock()
	d := s.docs[p.TextDocument.URI]
	delete(s.docs, p.TextDocument.URI)
	s.mu.Unlock()
	if d == nil {
		return
	}
	d.close()
	s.clear(d)
}

// reanalyzeAll analyzes every open document again, for a change outside
// them (a var file saved).
func (s *Server) reanalyzeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.docs {
		d.touch()
	}
}

func (s *Server) doc(uri string) *document {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.docs[uri]
}
