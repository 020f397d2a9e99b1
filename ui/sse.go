package ui

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// keepAlive is how often an idle stream sends a comment, so that proxies
// and the browser keep the connection.
const keepAlive = 15 * time.Second

// apiEvents streams a run's events as Server-Sent Events. A new client
// gets event "snapshot" (the run and its tasks, as apiRun) and then every
// later event as "event" with id = its Seq. A client that reconnects with
// Last-Event-ID (or ?after=SEQ) gets exactly the events after that Seq and
// no snapshot. The stream ends after run_ended.
func (s *Server) apiEvents(w http.ResponseWriter, r *http.Request) {
	h, err := s.checkRun(r.PathValue("run"))
	if err != nil {
		writeError(w, err)
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
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("after")
	}
	if h.quickStream(w, fl, r, last, s.wideLimit(r)) {
		return
	}
	wake, stop := h.watch()
	defer stop()
	if err := h.refresh(); err != nil {
		writeError(w, err)
		return
	}
	var next int
	if last != "" {
		seq, err := strconv.ParseUint(last, 10, 64)
		if err != nil {
			http.Error(w, "Last-Event-ID must be an event's seq", http.StatusBadRequest)
			return
		}
		next = h.after(seq)
		if len(h.from(next)) == 0 && h.ended() {
			// Nothing will follow: 204 tells EventSource not to reconnect.
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// A reconnecting browser waits this long before trying again.
	fmt.Fprint(w, "retry: 1000\n\n")
	if last == "" {
		var keep func(string, *TaskView) bool
		if r.URL.Query().Get("overview") != "" {
			// The page drew the overview: the tasks of wide stages stay
			// on the server but for their failures, which the header names.
			if g, err := h.liteDoc(); err == nil {
				keep = partialKeep(g, s.wideLimit(r))
			}
		}
		snap, n := h.snapshotOf(keep)
		b, err := json.Marshal(snap)
		if err != nil {
			return
		}
		fmt.Fprintf(w, "id: %d\nevent: snapshot\ndata: %s\n\n", snap.Seq, b)
		next = n
	}
	fl.Flush()

	ping := time.NewTicker(keepAlive)
	defer ping.Stop()
	for {
		frames := h.from(next)
		for _, f := range frames {
			if _, err := w.Write(f); err != nil {
				return // the client went away
			}
		}
		if len(frames) > 0 {
			next += len(frames)
			fl.Flush()
			continue // more may have come meanwhile
		}
		if h.ended() {
			return
		}
		if !s.waitStream(w, fl, r, wake, ping.C) {
			return
		}
	}
}

// waitStream waits, in an event stream, for wake or for ping, when it
// sends a keep-alive comment; false when the client or the server went
// away.
func (s *Server) waitStream(w io.Writer, fl http.Flusher, r *http.Request, wake <-chan struct{}, ping <-chan time.Time) bool {
	select {
	case <-r.Context().Done():
		return false
	case <-s.ctx.Done():
		return false
	case <-wake:
	case <-ping:
		fmt.Fprint(w, ": keep-alive\n\n")
		fl.Flush()
	}
	return true
}

// quickStream answers the event stream of a finished run from its
// outline and summary, without reading its events, where it can: the
// overview's snapshot, or a reconnect that has every event. It reports
// whether it answered.
func (h *hub) quickStream(w http.ResponseWriter, fl http.Flusher, r *http.Request, last string, limit int) bool {
	q := h.quick()
	if q == nil {
		return false
	}
	if last != "" {
		seq, err := strconv.ParseUint(last, 10, 64)
		if err != nil || seq < q.run.Seq {
			return false
		}
		w.WriteHeader(http.StatusNoContent) // nothing will follow
		return true
	}
	if r.URL.Query().Get("overview") == "" || limit > q.outline.Wide {
		return false
	}
	b, err := json.Marshal(q.snapshot(limit))
	if err != nil {
		return false
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 1000\n\nid: %d\nevent: snapshot\ndata: %s\n\n", q.run.Seq, b)
	fl.Flush()
	return true
}
