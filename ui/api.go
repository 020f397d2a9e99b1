package ui

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// Config tells the page what this server offers.
type Config struct {
	// Mode is "runs" (a state dir's runs) or "workflow" (a workflow file
	// and the runs of its state dir).
	Mode    string `json:"mode"`
	Run     string `json:"run,omitempty"` // the run to open first
	Actions bool   `json:"actions"`
	Static  bool   `json:"static,omitempty"` // a report file: no server behind it
}

func (s *Server) config() Config {
	c := Config{Mode: "runs", Run: s.o.Run, Actions: s.o.Actions != nil}
	if s.o.Workflow != nil {
		c.Mode = "workflow"
	}
	return c
}

func (s *Server) apiConfig(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, s.config())
}

func (s *Server) apiRuns(w http.ResponseWriter, r *http.Request) {
	runs, err := s.listRuns()
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, runs)
}

// apiRun answers the run and every task's state: what weir status shows.
func (s *Server) apiRun(w http.ResponseWriter, r *http.Request) {
	h, err := s.checkRun(r.PathValue("run"))
	if err == nil {
		err = h.refresh()
	}
	if err != nil {
		writeError(w, err)
		return
	}
	snap, _ := h.snapshot()
	writeJSON(w, snap)
}

func (s *Server) apiGraph(w http.ResponseWriter, r *http.Request) {
	h, err := s.checkRun(r.PathValue("run"))
	if err != nil {
		writeError(w, err)
		return
	}
	b, err := h.graphBytes()
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

func (s *Server) apiTask(w http.ResponseWriter, r *http.Request) {
	h, err := s.checkRun(r.PathValue("run"))
	if err != nil {
		writeError(w, err)
		return
	}
	d, err := h.taskDetail(r.URL.Query().Get("task"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, d)
}

func (s *Server) apiAttempts(w http.ResponseWriter, r *http.Request) {
	h, err := s.checkRun(r.PathValue("run"))
	if err != nil {
		writeError(w, err)
		return
	}
	d, err := h.taskDetail(r.URL.Query().Get("task"))
	if err != nil {
		writeError(w, err)
		return
	}
	out := d.Attempts
	if out == nil {
		out = []AttemptView{}
	}
	writeJSON(w, out)
}

// apiLogs answers a piece of an attempt's log: its tail, or what follows
// ?from=OFFSET (for following a log as it grows); with ?download=1, the
// whole file as an attachment.
func (s *Server) apiLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h, err := s.checkRun(r.PathValue("run"))
	if err != nil {
		writeError(w, err)
		return
	}
	stream := q.Get("stream")
	if stream == "" {
		stream = "stderr"
	}
	if stream != "stdout" && stream != "stderr" {
		http.Error(w, "stream must be stdout or stderr", http.StatusBadRequest)
		return
	}
	n, err1 := intParam(q.Get("attempt"), 0)
	from, err2 := intParam(q.Get("from"), -1)
	tail, err3 := intParam(q.Get("tail"), 16<<10)
	if err := errors.Join(err1, err2, err3); err != nil {
		http.Error(w, "attempt, from and tail must be integers", http.StatusBadRequest)
		return
	}
	task := q.Get("task")
	attempt, err := h.attemptOf(task, int(n))
	if err != nil {
		writeError(w, err)
		return
	}
	if q.Get("download") != "" {
		h.serveLog(w, r, task, attempt, stream)
		return
	}
	c, err := h.readLog(task, attempt, stream, from, tail)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, c)
}

func (s *Server) apiMemory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h, err := s.checkRun(r.PathValue("run"))
	if err != nil {
		writeError(w, err)
		return
	}
	n, err := intParam(q.Get("attempt"), 0)
	if err != nil {
		http.Error(w, "attempt must be an integer", http.StatusBadRequest)
		return
	}
	task := q.Get("task")
	attempt, err := h.attemptOf(task, int(n))
	if err != nil {
		writeError(w, err)
		return
	}
	m, err := h.memory(task, attempt)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, m)
}

func (s *Server) apiCancel(w http.ResponseWriter, r *http.Request) {
	if s.o.Actions == nil {
		http.Error(w, "this server was started without actions", http.StatusForbidden)
		return
	}
	h, err := s.checkRun(r.PathValue("run"))
	if err == nil {
		err = s.o.Actions.Cancel(h.id)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) apiRetry(w http.ResponseWriter, r *http.Request) {
	if s.o.Actions == nil {
		http.Error(w, "this server was started without actions", http.StatusForbidden)
		return
	}
	task := r.URL.Query().Get("task")
	h, err := s.checkRun(r.PathValue("run"))
	if err == nil {
		_, err = h.taskDetail(task)
	}
	if err == nil {
		err = s.o.Actions.Retry(h.id, task)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func intParam(v string, def int64) (int64, error) {
	if v == "" {
		return def, nil
	}
	return strconv.ParseInt(v, 10, 64)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.Encode(v)
}

// writeError answers 404 for what does not exist, 503 with Retry-After
// for what is about to, 500 otherwise, with the error as text.
func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, errNotFound):
		code = http.StatusNotFound
	case errors.Is(err, ErrConflict):
		code = http.StatusConflict
	case errors.Is(err, errNotYet):
		code = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "1")
	}
	http.Error(w, err.Error(), code)
}
