package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

func TestTokenEnforced(t *testing.T) {
	dir := t.TempDir()
	newFakeRun(t, dir, "r1", task("a"))
	_, hs := startServer(t, Options{StateDir: dir, Token: "s3cret"})
	port := hs.URL[strings.LastIndex(hs.URL, ":")+1:]
	tests := []struct {
		name   string
		path   string
		header map[string]string
		want   int
	}{
		{"no token", "/api/runs", nil, http.StatusUnauthorized},
		{"no token, page", "/", nil, http.StatusUnauthorized},
		{"no token, events", "/api/runs/r1/events", nil, http.StatusUnauthorized},
		{"no token, assets", "/assets/app.js", nil, http.StatusUnauthorized},
		{"wrong bearer", "/api/runs", map[string]string{"Authorization": "Bearer nope"}, http.StatusUnauthorized},
		{"bearer", "/api/runs", map[string]string{"Authorization": "Bearer s3cret"}, http.StatusOK},
		{"query", "/api/runs?token=s3cret", nil, http.StatusOK},
		{"wrong query", "/api/runs?token=s3cre", nil, http.StatusUnauthorized},
		{"cookie", "/api/runs", map[string]string{"Cookie": "weir_token_" + port + "=s3cret"}, http.StatusOK},
		{"wrong cookie", "/api/runs", map[string]string{"Cookie": "weir_token_" + port + "=x"}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", hs.URL+tt.path, nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			if resp.Header.Get("Content-Security-Policy") == "" {
				t.Error("no Content-Security-Policy")
			}
		})
	}
	// ?token= becomes an HttpOnly, SameSite=Strict cookie, for EventSource.
	resp, err := http.Get(hs.URL + "/?token=s3cret")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c := resp.Cookies()
	// The cookie is this port's: another weir ui on the host has its own.
	if len(c) != 1 || c[0].Name != "weir_token_"+port || c[0].Value != "s3cret" || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
		t.Errorf("cookies %+v, want an HttpOnly SameSite=Strict %s", c, tokenCookie)
	}
}

func TestLoopbackHostOnly(t *testing.T) {
	dir := t.TempDir()
	_, hs := startServer(t, Options{StateDir: dir, Loopback: true})
	for host, want := range map[string]int{
		"":                    http.StatusOK, // the test server's own 127.0.0.1:port
		"localhost:7450":      http.StatusOK,
		"[::1]:7450":          http.StatusOK,
		"evil.example:7450":   http.StatusForbidden,
		"127.0.0.1.nip.io:80": http.StatusForbidden,
	} {
		req, _ := http.NewRequest("GET", hs.URL+"/api/runs", nil)
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %q: status %d, want %d", host, resp.StatusCode, want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:7450": true, "localhost:80": true, "[::1]:0": true, "127.0.0.2:1": true,
		":7450": false, "0.0.0.0:7450": false, "10.1.2.3:80": false, "example.com:80": false, "bad": false,
	} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

type recordedActions struct {
	mu    sync.Mutex
	calls []string
}

func (a *recordedActions) Cancel(run string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, "cancel "+run)
	return nil
}

func (a *recordedActions) Retry(run, task string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, "retry "+run+" "+task)
	return nil
}

func TestActions(t *testing.T) {
	dir := t.TempDir()
	newFakeRun(t, dir, "r1", task("a"))
	post := func(url, token string) int {
		req, _ := http.NewRequest("POST", url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	t.Run("without actions", func(t *testing.T) {
		_, hs := startServer(t, Options{StateDir: dir})
		for _, p := range []string{"/api/runs/r1/cancel", "/api/runs/r1/retry?task=a"} {
			if got := post(hs.URL+p, ""); got != http.StatusForbidden {
				t.Errorf("POST %s: %d, want 403", p, got)
			}
		}
	})
	t.Run("with actions", func(t *testing.T) {
		acts := &recordedActions{}
		_, hs := startServer(t, Options{StateDir: dir, Actions: acts, Token: "tok"})
		tests := []struct {
			path, token string
			want        int
		}{
			{"/api/runs/r1/cancel", "", http.StatusUnauthorized},
			{"/api/runs/r1/cancel", "tok", http.StatusAccepted},
			{"/api/runs/r1/retry?task=a", "tok", http.StatusAccepted},
			{"/api/runs/r1/retry?task=nope", "tok", http.StatusNotFound},
			{"/api/runs/r2/cancel", "tok", http.StatusNotFound},
		}
		for _, tt := range tests {
			if got := post(hs.URL+tt.path, tt.token); got != tt.want {
				t.Errorf("POST %s: %d, want %d", tt.path, got, tt.want)
			}
		}
		want := []string{"cancel r1", "retry r1 a"}
		if fmt.Sprint(acts.calls) != fmt.Sprint(want) {
			t.Errorf("calls %q, want %q", acts.calls, want)
		}
	})
}

// TestPathsStayInStateDir asks for runs, tasks and attempts that would
// name files outside the run's directory.
func TestPathsStayInStateDir(t *testing.T) {
	dir := t.TempDir()
	r := newFakeRun(t, filepath.Join(dir, "state"), "r1", task("a"))
	r.add(event.Event{Kind: event.AttemptStarted, Task: "a", Attempt: 1})
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("secret"), 0o600)
	_, hs := startServer(t, Options{StateDir: r.dir})
	for _, p := range []string{
		"/api/runs/..%2Fsecret",
		"/api/runs/..%2F..%2Fsecret/graph",
		"/api/runs/r1/logs?task=..%2F..%2F..%2Fsecret",
		"/api/runs/r1/logs?task=a&attempt=2",
		"/api/runs/r1/logs?task=a&stream=..%2Fsecret",
		"/api/runs/r1/memory?task=..%2Fa",
		"/api/runs/r1/task?task=%2Fetc%2Fpasswd",
		"/api/runs/./graph",
	} {
		resp, err := http.Get(hs.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 400 || strings.Contains(string(b), "secret\n") && !strings.Contains(string(b), "no ") {
			t.Errorf("GET %s: %d %q, want an error", p, resp.StatusCode, b)
		}
	}
}

func TestRunTaskLogsMemory(t *testing.T) {
	dir := t.TempDir()
	r := newFakeRun(t, dir, "r1", task("a"), task("b", "a"))
	r.add(
		event.Event{Kind: event.RunStarted},
		event.Event{Kind: event.TaskChanged, Task: "a", State: event.Ready},
		event.Event{Kind: event.TaskChanged, Task: "a", State: event.Running, Attempt: 1},
		event.Event{Kind: event.AttemptStarted, Task: "a", Attempt: 1, Memory: 64 << 20},
		event.Event{Kind: event.AttemptEnded, Task: "a", Attempt: 1, Memory: 64 << 20,
			Result: &event.Result{Reason: event.OOM, PeakMemory: 65 << 20}},
		event.Event{Kind: event.TaskChanged, Task: "a", State: event.TaskFailed, Message: "oom"},
	)
	layout := store.DirLayout{Root: filepath.Join(dir, "runs", "r1")}
	out, errp := layout.Logs("a", 1)
	os.MkdirAll(filepath.Dir(out), 0o700)
	os.WriteFile(out, []byte("hello\n"), 0o600)
	os.WriteFile(errp, []byte(strings.Repeat("x", 100)+"\nlast <script>line</script>\n"), 0o600)
	os.WriteFile(layout.Samples("a", 1), []byte("1000 100\n1100 2000\n1200 300\n1300 4"), 0o600)
	_, hs := startServer(t, Options{StateDir: dir})

	var snap Snapshot
	getJSON(t, hs.URL+"/api/runs/r1", &snap)
	if snap.Run.State != "running" || snap.Tasks["a"].State != event.TaskFailed || snap.Seq != 6 || snap.Run.Counts[event.TaskFailed] != 1 {
		t.Errorf("snapshot %+v", snap)
	}
	var d TaskDetail
	getJSON(t, hs.URL+"/api/runs/r1/task?task=a", &d)
	if d.Task.ID != "a" || len(d.Attempts) != 1 || d.Attempts[0].Result.Reason != event.OOM || d.Attempts[0].Memory != 64<<20 {
		t.Errorf("task %+v", d)
	}
	var c LogChunk
	getJSON(t, hs.URL+"/api/runs/r1/logs?task=a&tail=20", &c)
	if c.Stream != "stderr" || c.Text != "last <script>line</script>\n"[len("last <script>line</script>\n")-20:] || c.Size != 128 || c.Start != 108 {
		t.Errorf("log tail %+v", c)
	}
	getJSON(t, hs.URL+"/api/runs/r1/logs?task=a&stream=stdout&from=2", &c)
	if c.Text != "llo\n" || c.Start != 2 {
		t.Errorf("log from 2: %+v", c)
	}
	var m MemorySeries
	getJSON(t, hs.URL+"/api/runs/r1/memory?task=a", &m)
	// The torn last line "1300 4" is read as it stands: a sample.
	if m.Cap != 64<<20 || m.Peak != 65<<20 || len(m.Samples) != 4 || m.Samples[1] != [2]int64{1100, 2000} {
		t.Errorf("memory %+v", m)
	}
	var runs []RunInfo
	getJSON(t, hs.URL+"/api/runs", &runs)
	if len(runs) != 1 || runs[0].ID != "r1" || runs[0].Name != "fake" {
		t.Errorf("runs %+v", runs)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// sse is one message of an event stream.
type sse struct {
	id, event, data string
}

// openStream connects to url with an optional Last-Event-ID and returns
// its messages as they come.
func openStream(t *testing.T, url, lastID string) (<-chan sse, *http.Response, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ch := make(chan sse, 1000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var m sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if m.event != "" || m.data != "" {
					ch <- m
				}
				m = sse{}
			case strings.HasPrefix(line, "id: "):
				m.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				m.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				m.data = line[6:]
			}
		}
	}()
	return ch, resp, func() {
		cancel()
		resp.Body.Close()
		<-done
	}
}

// next returns the next message, failing after 5 s.
func next(t *testing.T, ch <-chan sse) sse {
	t.Helper()
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("stream ended")
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message within 5s")
	}
	return sse{}
}

func TestEventsResumeWithLastEventID(t *testing.T) {
	dir := t.TempDir()
	r := newFakeRun(t, dir, "r1", task("a"), task("b", "a"))
	r.add(event.Event{Kind: event.RunStarted},
		event.Event{Kind: event.TaskChanged, Task: "a", State: event.Ready})
	_, hs := startServer(t, Options{StateDir: dir, HoldBack: time.Hour})
	url := hs.URL + "/api/runs/r1/events"

	ch, _, stop := openStream(t, url, "")
	m := next(t, ch)
	var snap Snapshot
	if err := json.Unmarshal([]byte(m.data), &snap); err != nil || m.event != "snapshot" || m.id != "2" || snap.Tasks["a"].State != event.Ready {
		t.Fatalf("first message %+v (%v), want a snapshot at seq 2 with a ready", m, err)
	}
	// Out of order and torn: seq 4 is written before seq 3, and seq 5 in
	// two pieces. Nothing may go out before 3 is there, and 5 only whole.
	e3 := r.event(event.Event{Kind: event.TaskChanged, Task: "a", State: event.Running, Attempt: 1})
	e4 := r.event(event.Event{Kind: event.AttemptStarted, Task: "a", Attempt: 1})
	e5 := r.event(event.Event{Kind: event.AttemptEnded, Task: "a", Attempt: 1, Result: &event.Result{Reason: event.Succeeded}})
	r.appendRaw(e4)
	select {
	case m := <-ch:
		t.Fatalf("sent %+v before seq 3 was written", m)
	case <-time.After(100 * time.Millisecond):
	}
	r.appendRaw(e3)
	for _, want := range []string{"3", "4"} {
		if m := next(t, ch); m.id != want || m.event != "event" {
			t.Fatalf("got %+v, want event %s", m, want)
		}
	}
	r.appendRaw(e5[:10])
	select {
	case m := <-ch:
		t.Fatalf("sent %+v from a torn line", m)
	case <-time.After(100 * time.Millisecond):
	}
	r.appendRaw(e5[10:])
	if m := next(t, ch); m.id != "5" {
		t.Fatalf("got %+v, want event 5", m)
	}
	stop() // the connection drops

	r.add(event.Event{Kind: event.TaskChanged, Task: "a", State: event.TaskSucceeded},
		event.Event{Kind: event.TaskChanged, Task: "b", State: event.Ready})
	ch, _, stop = openStream(t, url, "4")
	defer stop()
	var got []string
	for range 3 {
		m := next(t, ch)
		got = append(got, m.event+" "+m.id)
	}
	if want := "[event 5 event 6 event 7]"; fmt.Sprint(got) != want {
		t.Fatalf("after Last-Event-ID 4: %v, want %s", got, want)
	}
	r.add(event.Event{Kind: event.TaskChanged, Task: "b", State: event.Skipped},
		event.Event{Kind: event.RunEnded, Message: "succeeded"})
	for _, want := range []string{"8", "9"} {
		if m := next(t, ch); m.id != want {
			t.Fatalf("got %+v, want %s", m, want)
		}
	}
	if m, ok := <-ch; ok {
		t.Fatalf("stream goes on after run_ended: %+v", m)
	}
	// Resuming an ended run at its end: 204, so EventSource stops.
	_, resp, stop2 := openStream(t, url, "9")
	stop2()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("resume after the end: %d, want 204", resp.StatusCode)
	}
}

// TestEventsGapReleased: an event whose predecessor never comes is sent
// after HoldBack.
func TestEventsGapReleased(t *testing.T) {
	dir := t.TempDir()
	r := newFakeRun(t, dir, "r1", task("a"))
	r.add(event.Event{Kind: event.RunStarted})
	_, hs := startServer(t, Options{StateDir: dir, HoldBack: 50 * time.Millisecond})
	ch, _, stop := openStream(t, hs.URL+"/api/runs/r1/events", "")
	defer stop()
	next(t, ch)                                                                  // snapshot
	r.event(event.Event{Kind: event.TaskChanged, Task: "a", State: event.Ready}) // seq 2, lost
	r.add(event.Event{Kind: event.TaskChanged, Task: "a", State: event.Skipped})
	if m := next(t, ch); m.id != "3" {
		t.Fatalf("got %+v, want 3 after the hold-back", m)
	}
}

// TestManyClientsOneTailer: every client gets every event once.
func TestManyClientsOneTailer(t *testing.T) {
	dir := t.TempDir()
	r := newFakeRun(t, dir, "r1", task("a"))
	r.add(event.Event{Kind: event.RunStarted})
	s, hs := startServer(t, Options{StateDir: dir})
	const clients, events = 20, 200
	var chans []<-chan sse
	for range clients {
		ch, _, stop := openStream(t, hs.URL+"/api/runs/r1/events", "")
		defer stop()
		next(t, ch)
		chans = append(chans, ch)
	}
	s.mu.Lock()
	hubs := len(s.hubs)
	s.mu.Unlock()
	if hubs != 1 {
		t.Errorf("%d hubs for one run", hubs)
	}
	for i := range events {
		st := event.Ready
		if i%2 == 1 {
			st = event.Running
		}
		r.add(event.Event{Kind: event.TaskChanged, Task: "a", State: st})
	}
	for _, ch := range chans {
		for i := range events {
			if m := next(t, ch); m.id != fmt.Sprint(i+2) {
				t.Fatalf("event %d: got id %s", i, m.id)
			}
		}
	}
}

// TestCloseEndsStreams: Close ends open streams and stops the tailers; a
// stream asked for afterwards ends at once.
func TestCloseEndsStreams(t *testing.T) {
	dir := t.TempDir()
	r := newFakeRun(t, dir, "r1", task("a"))
	r.add(event.Event{Kind: event.RunStarted})
	s, hs := startServer(t, Options{StateDir: dir})
	ch, _, stop := openStream(t, hs.URL+"/api/runs/r1/events", "")
	defer stop()
	next(t, ch) // snapshot
	s.Close()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("a message after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream goes on after Close")
	}
	ch2, _, stop2 := openStream(t, hs.URL+"/api/runs/r1/events", "")
	defer stop2()
	for range ch2 { // the snapshot, then the end
	}
}
