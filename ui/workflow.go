package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Workflow is the source of the authoring view: a workflow file that Load
// turns into a graph and diagnostics, again each time the file is saved.
type Workflow struct {
	// Path is the workflow file; its directory is watched.
	Path string
	// Load reads the file. It is called once at start and after each save.
	Load func() WorkflowView

	mu      sync.Mutex
	view    WorkflowView
	waiters map[chan struct{}]struct{}
}

// WorkflowView is the workflow as the page draws it.
type WorkflowView struct {
	File    string `json:"file"`
	Version int    `json:"version"` // counts loads
	// Source is the file's text, to show diagnostics at their lines.
	Source string `json:"source"`
	// Graph is dag.WriteJSON's task view of the plan; absent when the
	// workflow has errors.
	Graph       json.RawMessage `json:"graph,omitempty"`
	Diagnostics []Diagnostic    `json:"diagnostics"`
}

// Diagnostic is a problem found in the workflow, at its place.
type Diagnostic struct {
	Severity  string `json:"severity"` // "error" or "warning"
	Summary   string `json:"summary"`
	Detail    string `json:"detail,omitempty"`
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	EndLine   int    `json:"end_line,omitempty"`
	EndColumn int    `json:"end_column,omitempty"`
}

// settle is how long the watcher waits after a change for more: editors
// save in several steps (write a temporary file, rename it over).
const settle = 80 * time.Millisecond

// start loads the workflow and watches its directory until ctx ends.
func (wf *Workflow) start(ctx context.Context, wg *sync.WaitGroup) error {
	if wf.Load == nil {
		return fmt.Errorf("ui: workflow %s has no Load", wf.Path)
	}
	wf.reload()
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("ui: watch %s: %w", wf.Path, err)
	}
	// The directory, not the file: an editor that saves by renaming a new
	// file over the old one would end a watch on the file itself.
	if err := w.Add(filepath.Dir(wf.Path)); err != nil {
		w.Close()
		return fmt.Errorf("ui: watch %s: %w", filepath.Dir(wf.Path), err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer w.Close()
		base := filepath.Clean(wf.Path)
		var timer <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if filepath.Clean(ev.Name) == base && !ev.Has(fsnotify.Chmod) {
					timer = time.After(settle)
				}
			case <-w.Errors:
			case <-timer:
				timer = nil
				wf.reload()
			}
		}
	}()
	return nil
}

// reload loads the file again and wakes the page's streams.
func (wf *Workflow) reload() {
	v := wf.Load()
	wf.mu.Lock()
	defer wf.mu.Unlock()
	v.Version = wf.view.Version + 1
	if v.Diagnostics == nil {
		v.Diagnostics = []Diagnostic{}
	}
	wf.view = v
	for ch := range wf.waiters {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// View is the workflow as last loaded.
func (wf *Workflow) View() WorkflowView {
	wf.mu.Lock()
	defer wf.mu.Unlock()
	return wf.view
}

func (wf *Workflow) watch() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	wf.mu.Lock()
	if wf.waiters == nil {
		wf.waiters = map[chan struct{}]struct{}{}
	}
	wf.waiters[ch] = struct{}{}
	wf.mu.Unlock()
	return ch, func() {
		wf.mu.Lock()
		delete(wf.waiters, ch)
		wf.mu.Unlock()
	}
}

func (s *Server) apiWorkflow(w http.ResponseWriter, r *http.Request) {
	if s.o.Workflow == nil {
		http.Error(w, "this server shows no workflow file (weir ui FILE does)", http.StatusNotFound)
		return
	}
	writeJSON(w, s.o.Workflow.View())
}

// apiWorkflowEvents sends event "workflow" with the view now and after
// every save.
func (s *Server) apiWorkflowEvents(w http.ResponseWriter, r *http.Request) {
	wf := s.o.Workflow
	if wf == nil {
		http.Error(w, "this server shows no workflow file (weir ui FILE does)", http.StatusNotFound)
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming is not supported here", http.StatusInternalServerError)
		return
	}
	release, ok := s.streamSlot(r)
	if !ok {
		http.Error(w, "weir ui: too many event streams from your address; close some pages", http.StatusTooManyRequests)
		return
	}
	defer release()
	wake, stop := wf.watch()
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	sent := 0
	ping := time.NewTicker(keepAlive)
	defer ping.Stop()
	for {
		if v := wf.View(); v.Version != sent {
			b, err := json.Marshal(v)
			if err != nil {
				return
			}
			fmt.Fprintf(w, "id: %d\nevent: workflow\ndata: %s\n\n", v.Version, b)
			fl.Flush()
			sent = v.Version
		}
		if !s.waitStream(w, fl, r, wake, ping.C) {
			return
		}
	}
}
