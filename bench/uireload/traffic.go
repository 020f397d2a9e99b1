package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/weirflow/weir/bench/internal/uibench"
)

// trafficLog records each request the page makes, as the server answers
// it: when it came and was answered (an event stream: when its first
// bytes were flushed), the server's CPU time meanwhile (in clock ticks of
// 10 ms), status, bytes and the headers that decide caching
// and compression, so that two builds' traffic can be compared line by
// line.
type trafficLog struct {
	next http.Handler
	pid  int // the server's: its CPU time over each request

	mu   sync.Mutex
	t0   time.Time
	recs []*request
}

type request struct {
	method, url, reqH, respH string
	status, bytes            int
	start, end               time.Duration
	cpu0                     uibench.Ticks
	cpu                      time.Duration // the server's, over the request; overlapping requests share theirs
}

func (l *trafficLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	x := &request{method: r.Method, url: r.URL.RequestURI(), start: time.Since(l.t0),
		reqH: headers(r.Header, "Accept-Encoding", "If-None-Match", "If-Modified-Since", "Cache-Control", "Last-Event-ID"), cpu0: uibench.Proc(l.pid)}
	l.recs = append(l.recs, x)
	l.mu.Unlock()
	l.next.ServeHTTP(&loggedWriter{ResponseWriter: w, l: l, r: x}, r)
	l.mu.Lock()
	if x.end == 0 {
		x.end, x.cpu = time.Since(l.t0), uibench.Proc(l.pid).Since(x.cpu0)
	}
	l.mu.Unlock()
}

// take returns the requests since the last take, one a line, and starts
// the clock again.
func (l *trafficLog) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, x := range l.recs {
		fmt.Fprintf(&b, "  %7.0f %7.0f ms  %d %9d B  CPU %4.0f ms  %s %s  [%s] [%s]\n", ms(x.start), ms(x.end), x.status, x.bytes, ms(x.cpu), x.method, x.url, x.reqH, x.respH)
	}
	l.t0, l.recs = time.Now(), nil
	return b.String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type loggedWriter struct {
	http.ResponseWriter
	l       *trafficLog
	r       *request
	written bool
}

func (w *loggedWriter) WriteHeader(code int) {
	if !w.written {
		w.written = true
		w.r.status = code
		w.r.respH = headers(w.Header(), "Content-Type", "Content-Length", "Content-Encoding", "Cache-Control", "ETag", "Last-Modified", "Vary")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *loggedWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	w.r.bytes += len(b)
	return w.ResponseWriter.Write(b)
}

// Flush ends a stream's record at its first flush: the snapshot the page
// waits for. Streams stay open as long as the page.
func (w *loggedWriter) Flush() {
	w.l.mu.Lock()
	if w.r.end == 0 {
		w.r.end, w.r.cpu = time.Since(w.l.t0), uibench.Proc(w.l.pid).Since(w.r.cpu0)
	}
	w.l.mu.Unlock()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func headers(h http.Header, names ...string) string {
	var out []string
	for _, n := range names {
		if v := h.Get(n); v != "" {
			out = append(out, n+"="+v)
		}
	}
	return strings.Join(out, " ")
}
