package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/weirflow/weir/dsl"
)

// Options configure a server.
type Options struct {
	// Load is the base of every workflow's load options: the environment,
	// the host's memory and CPUs, as `weir validate` would use them. The
	// editor's initializationOptions add variables and var files.
	Load dsl.Options
	// Version is the server's version, reported to the client.
	Version string
	// Log receives the server's own messages (stderr for `weir lsp`); nil
	// discards them.
	Log io.Writer
}

// ErrNoShutdown is returned by Serve when the client sent exit without
// shutdown first, or went away; the protocol asks for exit status 1 then.
var ErrNoShutdown = errors.New("lsp: exit without shutdown")

// Server is one language server session.
type Server struct {
	opts Options
	log  *log.Logger
	conn atomic.Pointer[jsonrpc2.Conn] // set by the first message

	mu       sync.Mutex
	docs     map[string]*document // by URI
	utf8     bool                 // positions count bytes
	root     string               // workspace root directory, "" if none
	settings initOptions
	usages   usages // past runs, by state dir and workflow
	shutdown bool
	exit     chan struct{}
	closed   bool
}

// Serve runs a server on rw until the client sends exit or closes the
// stream. It returns nil after shutdown and exit, ErrNoShutdown otherwise.
func Serve(ctx context.Context, rw io.ReadWriteCloser, opts Options) error {
	s := newServer(opts)
	stream := jsonrpc2.NewBufferedStream(rw, jsonrpc2.VSCodeObjectCodec{})
	conn := jsonrpc2.NewConn(ctx, stream, jsonrpc2.HandlerWithError(s.handle), jsonrpc2.SetLogger(s.log))
	select {
	case <-s.exit:
	case <-conn.DisconnectNotify():
	case <-ctx.Done():
	}
	s.stop()
	_ = conn.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.shutdown {
		return ErrNoShutdown
	}
	return nil
}

func newServer(opts Options) *Server {
	w := opts.Log
	if w == nil {
		w = io.Discard
	}
	s := &Server{
		opts: opts,
		log:  log.New(w, "weir lsp: ", 0),
		docs: map[string]*document{},
		exit: make(chan struct{}),
	}
	// New runs change hovers and warnings of open workflows.
	s.usages.changed = s.reanalyzeAll
	return s
}

// stop ends every document's worker.
func (s *Server) stop() {
	s.mu.Lock()
	docs := s.docs
	s.docs = map[string]*document{}
	s.closed = true
	s.mu.Unlock()
	for _, d := range docs {
		d.close()
	}
}

// errInvalidParams and friends are the protocol's error codes.
func rpcError(code int64, format string, args ...any) *jsonrpc2.Error {
	return &jsonrpc2.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

const (
	codeInvalidParams        = jsonrpc2.CodeInvalidParams
	codeServerNotInitialized = -32002
	codeInvalidRequest       = jsonrpc2.CodeInvalidRequest
	codeRequestFailed        = -32803
)

// handle dispatches one message. Messages are handled one at a time, in
// the order they arrive, so an edit is never applied out of turn.
func (s *Server) handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
	s.conn.CompareAndSwap(nil, conn)
	params := func(v any) error {
		if req.Params == nil {
			return rpcError(codeInvalidParams, "%s needs params", req.Method)
		}
		if err := json.Unmarshal(*req.Params, v); err != nil {
			return rpcError(codeInvalidParams, "%s: %v", req.Method, err)
		}
		return nil
	}
	switch req.Method {
	case "initialize":
		var p initializeParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return s.initialize(p), nil
	case "initialized", "$/setTrace", "$/cancelRequest", "workspace/didChangeConfiguration", "workspace/didChangeWatchedFiles":
		return nil, nil
	case "shutdown":
		s.mu.Lock()
		s.shutdown = true
		s.mu.Unlock()
		s.stop()
		return nil, nil
	case "exit":
		close(s.exit)
		return nil, nil
	}
	s.mu.Lock()
	down := s.shutdown
	s.mu.Unlock()
	if down && !req.Notif {
		return nil, rpcError(codeInvalidRequest, "%s after shutdown", req.Method)
	}
	switch req.Method {
	case "textDocument/didOpen":
		var p didOpenParams
		if err := params(&p); err != nil {
			return nil, err
		}
		s.didOpen(p)
	case "textDocument/didChange":
		var p didChangeParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return nil, s.didChange(p)
	case "textDocument/didClose":
		var p didCloseParams
		if err := params(&p); err != nil {
			return nil, err
		}
		s.didClose(p)
	case "textDocument/didSave":
		// A saved file may be another workflow's var file.
		s.reanalyzeAll()
	case "textDocument/formatting":
		var p documentParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return s.formatting(p)
	case "textDocument/completion":
		var p positionParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return s.completion(p)
	case "textDocument/hover":
		var p positionParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return s.hover(p)
	case "textDocument/definition":
		var p positionParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return s.definition(p)
	case "textDocument/references":
		var p referenceParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return s.references(p)
	case "textDocument/prepareRename":
		var p positionParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return s.prepareRename(p)
	case "textDocument/rename":
		var p renameParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return s.rename(p)
	case "textDocument/documentSymbol":
		var p documentParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return s.documentSymbol(p)
	case "textDocument/codeAction":
		var p codeActionParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return s.codeAction(p)
	default:
		if req.Notif {
			return nil, nil
		}
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: "weir lsp does not serve " + req.Method}
	}
	return nil, nil
}

func (s *Server) initialize(p initializeParams) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, enc := range p.Capabilities.General.PositionEncodings {
		if enc == "utf-8" {
			s.utf8 = true
		}
	}
	root := p.RootURI
	if len(p.WorkspaceFolders) > 0 {
		root = p.WorkspaceFolders[0].URI
	}
	if root != "" {
		s.root = uriPath(root)
	}
	if len(p.InitializationOptions) > 0 {
		if err := json.Unmarshal(p.InitializationOptions, &s.settings); err != nil {
			s.log.Printf("initializationOptions: %v", err)
		}
	}
	encoding := "utf-16"
	if s.utf8 {
		encoding = "utf-8"
	}
	return map[string]any{
		"capabilities": map[string]any{
			"positionEncoding": encoding,
			"textDocumentSync": map[string]any{
				"openClose": true,
				"change":    2, // incremental
				"save":      map[string]any{"includeText": false},
			},
			"completionProvider":         map[string]any{"triggerCharacters": []string{".", "\"", "["}},
			"hoverProvider":              true,
			"definitionProvider":         true,
			"referencesProvider":         true,
			"renameProvider":             map[string]any{"prepareProvider": true},
			"documentSymbolProvider":     true,
			"documentFormattingProvider": true,
			"codeActionProvider":         map[string]any{"codeActionKinds": []string{"quickfix"}},
		},
		"serverInfo": map[string]any{"name": "weir", "version": s.opts.Version},
	}
}

// loadOptions are the dsl options of every workflow of the workspace.
func (s *Server) loadOptions() dsl.Options {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.opts.Load
	o.Vars = append(append([]string(nil), o.Vars...), s.settings.Vars...)
	o.VarFiles = append([]string(nil), o.VarFiles...)
	for _, f := range s.settings.VarFiles {
		if !filepath.IsAbs(f) && s.root != "" {
			f = filepath.Join(s.root, f)
		}
		o.VarFiles = append(o.VarFiles, f)
	}
	return o
}

// uriPath turns a file URI into a path; other URIs keep their path part.
func uriPath(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Path == "" {
		return uri
	}
	return filepath.FromSlash(u.Path)
}

// pathURI turns a path into a file URI.
func pathURI(path string) string {
	abs, err := filepath.Abs(path)
	if err == nil {
		path = abs
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}
