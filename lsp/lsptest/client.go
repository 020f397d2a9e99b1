// Package lsptest is a language server client for tests: it drives a
// server over a stream as an editor does and collects the diagnostics the
// server publishes.
package lsptest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sourcegraph/jsonrpc2"
)

// Diagnostics are one publishDiagnostics notification.
type Diagnostics struct {
	URI         string            `json:"uri"`
	Version     *int32            `json:"version"`
	Diagnostics []json.RawMessage `json:"diagnostics"`
}

// Client is a connection to a server.
type Client struct {
	conn *jsonrpc2.Conn

	mu      sync.Mutex
	latest  map[string]Diagnostics // by URI
	changed chan struct{}          // closed and replaced on each notification
}

// New connects to the server at the other end of rw.
func New(rw io.ReadWriteCloser) *Client {
	c := &Client{latest: map[string]Diagnostics{}, changed: make(chan struct{})}
	stream := jsonrpc2.NewBufferedStream(rw, jsonrpc2.VSCodeObjectCodec{})
	c.conn = jsonrpc2.NewConn(context.Background(), stream, jsonrpc2.HandlerWithError(c.handle))
	return c
}

func (c *Client) handle(_ context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
	if req.Method != "textDocument/publishDiagnostics" || req.Params == nil {
		return nil, nil
	}
	var d Diagnostics
	if err := json.Unmarshal(*req.Params, &d); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.latest[d.URI] = d
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	return nil, nil
}

// Call sends a request and decodes its result into result (which may be
// nil).
func (c *Client) Call(method string, params, result any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return c.conn.Call(ctx, method, params, result)
}

// Notify sends a notification.
func (c *Client) Notify(method string, params any) error {
	return c.conn.Notify(context.Background(), method, params)
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Done is closed when the server has closed the connection.
func (c *Client) Done() <-chan struct{} { return c.conn.DisconnectNotify() }

// Initialize sends initialize and initialized with the given root URI and
// initializationOptions, and returns the server's capabilities.
func (c *Client) Initialize(rootURI string, options any) (map[string]any, error) {
	var res struct {
		Capabilities map[string]any `json:"capabilities"`
	}
	params := map[string]any{
		"processId":             nil,
		"rootUri":               rootURI,
		"capabilities":          map[string]any{},
		"initializationOptions": options,
	}
	if err := c.Call("initialize", params, &res); err != nil {
		return nil, err
	}
	return res.Capabilities, c.Notify("initialized", map[string]any{})
}

// Open sends didOpen.
func (c *Client) Open(uri, text string, version int32) error {
	return c.Notify("textDocument/didOpen", map[string]any{
		"textDocument": map[string]any{"uri": uri, "languageId": "weir", "version": version, "text": text},
	})
}

// Change sends didChange with one edit replacing the range from
// (line1, char1) to (line2, char2).
func (c *Client) Change(uri string, version int32, line1, char1, line2, char2 int, text string) error {
	return c.Notify("textDocument/didChange", map[string]any{
		"textDocument": map[string]any{"uri": uri, "version": version},
		"contentChanges": []any{map[string]any{
			"range": map[string]any{
				"start": map[string]any{"line": line1, "character": char1},
				"end":   map[string]any{"line": line2, "character": char2},
			},
			"text": text,
		}},
	})
}

// Diagnostics waits for the diagnostics of uri at version (any version if
// version < 0).
func (c *Client) Diagnostics(uri string, version int32, timeout time.Duration) (Diagnostics, error) {
	deadline := time.After(timeout)
	for {
		c.mu.Lock()
		d, ok := c.latest[uri]
		changed := c.changed
		c.mu.Unlock()
		if ok && (version < 0 || d.Version != nil && *d.Version == version) {
			return d, nil
		}
		select {
		case <-changed:
		case <-deadline:
			if ok {
				return d, fmt.Errorf("no diagnostics of %s version %d after %v; the last were of version %v", uri, version, timeout, ptr(d.Version))
			}
			return d, fmt.Errorf("no diagnostics of %s after %v", uri, timeout)
		}
	}
}

// Forget drops what was received for uri, so the next Diagnostics call
// waits for a new notification.
func (c *Client) Forget(uri string) {
	c.mu.Lock()
	delete(c.latest, uri)
	c.mu.Unlock()
}

func ptr(v *int32) any {
	if v == nil {
		return "none"
	}
	return *v
}

// Shutdown sends shutdown and exit.
func (c *Client) Shutdown() error {
	if err := c.Call("shutdown", nil, nil); err != nil {
		return err
	}
	return c.Notify("exit", nil)
}
