package ui

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"
)

// ErrConflict is what an Action's error wraps when the action does not
// apply to the run as it is now (cancel a run that ended, retry a task
// that succeeded): the API answers 409 Conflict with its message.
var ErrConflict = errors.New("not possible now")

// Actions change a run. The server offers them (buttons in the page, POST
// endpoints) only when Options.Actions is set; otherwise the endpoints
// answer 403.
type Actions interface {
	// Cancel asks the engine of run runID to stop it.
	Cancel(runID string) error
	// Retry runs a failed task of run runID again.
	Retry(runID, task string) error
}

// Options configure a Server.
type Options struct {
	// StateDir is the state dir whose runs are shown. It may not exist yet
	// (a workflow that has never run).
	StateDir string
	// Run is the run the page opens first ("" = the newest).
	Run string
	// Workflow, when set, adds the authoring view of a workflow file.
	Workflow *Workflow
	// Actions, when set, enables cancel and retry.
	Actions Actions
	// Metrics, when set, is served at /metrics (the Prometheus text
	// format), behind the same token as the rest.
	Metrics http.Handler
	// Token, when set, is required on every request: as "Authorization:
	// Bearer TOKEN", as ?token=TOKEN (which sets a cookie for the rest of
	// the session), or as that cookie.
	Token string
	// Loopback says the server listens on loopback addresses only; then
	// requests must name a loopback host, which keeps other web sites out
	// through DNS rebinding.
	Loopback bool
	// MaxConns caps the open connections (HTTPServer); 0 means 512.
	MaxConns int
	// StreamsPerClient caps the event streams of one remote address; 0
	// means 64.
	StreamsPerClient int
	// Poll is how often a run's event log is read for new events while
	// clients watch it; 0 means 100 ms.
	Poll time.Duration
	// HoldBack is how long an event that arrives ahead of a missing
	// sequence number waits for it before it is sent anyway; 0 means 1 s.
	HoldBack time.Duration
	// WideStage is how many tasks a for_each stage may have before the
	// page gets it as a summary (counts, not tasks); 0 means 5,000.
	WideStage int
}

// Server is the browser view of a state dir. Its Handler serves the page,
// the JSON API and the event streams.
type Server struct {
	o   Options
	mux *http.ServeMux

	ctx    context.Context // cancelled by Close: ends streams and tailers
	cancel context.CancelFunc

	mu   sync.Mutex
	hubs map[string]*hub
	// streams counts the event streams open per remote address.
	streams map[string]int
	wg      sync.WaitGroup // tailers and watchers
}

// New returns a server for o. Close it to end its streams and watchers.
func New(o Options) (*Server, error) {
	if o.StateDir == "" && o.Workflow == nil {
		return nil, errors.New("ui: no state dir and no workflow to show")
	}
	if o.Poll <= 0 {
		o.Poll = 100 * time.Millisecond
	}
	if o.MaxConns <= 0 {
		o.MaxConns = defaultMaxConns
	}
	if o.StreamsPerClient <= 0 {
		o.StreamsPerClient = defaultStreamsPerClient
	}
	if o.HoldBack <= 0 {
		o.HoldBack = time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{o: o, ctx: ctx, cancel: cancel, hubs: map[string]*hub{}, streams: map[string]int{}}
	if o.Workflow != nil {
		if err := o.Workflow.start(ctx, &s.wg); err != nil {
			cancel()
			return nil, err
		}
	}
	s.routes()
	return s, nil
}

// Handler serves the page and the API.
func (s *Server) Handler() http.Handler { return s.guard(s.mux) }

// Close ends every event stream and stops the tailers and the file
// watcher. It waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.serveIndex)
	m.Handle("GET /assets/", assetHandler())
	m.HandleFunc("GET /api/config", s.apiConfig)
	m.HandleFunc("GET /api/runs", s.apiRuns)
	m.HandleFunc("GET /api/runs/{run}", s.apiRun)
	m.HandleFunc("GET /api/grid", s.apiGrid)
	m.HandleFunc("GET /api/compare", s.apiCompare)
	m.HandleFunc("GET /api/runs/{run}/graph", s.apiGraph)
	m.HandleFunc("GET /api/runs/{run}/overview", s.apiOverview)
	m.HandleFunc("GET /api/runs/{run}/groups", s.apiGroups)
	m.HandleFunc("GET /api/runs/{run}/tasks", s.apiTasks)
	m.HandleFunc("GET /api/runs/{run}/task", s.apiTask)
	m.HandleFunc("GET /api/runs/{run}/attempts", s.apiAttempts)
	m.HandleFunc("GET /api/runs/{run}/logs", s.apiLogs)
	m.HandleFunc("GET /api/runs/{run}/memory", s.apiMemory)
	m.HandleFunc("GET /api/runs/{run}/events", s.apiEvents)
	m.HandleFunc("POST /api/runs/{run}/cancel", s.apiCancel)
	m.HandleFunc("POST /api/runs/{run}/retry", s.apiRetry)
	m.HandleFunc("GET /api/workflow", s.apiWorkflow)
	m.HandleFunc("GET /api/workflow/events", s.apiWorkflowEvents)
	if s.o.Metrics != nil {
		m.Handle("GET /metrics", s.o.Metrics)
	}
	s.mux = m
}
