package ui

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/internal/browser"
)

// TestCrossPortPageCannotAct drives Chromium: the owner opens the page
// with its token (the cookie is set), then visits a page served from
// another port of the same host. That page is same-site, so the cookie
// goes along with its text/plain form POST to cancel and its no-cors
// fetch to retry; neither may act.
func TestCrossPortPageCannotAct(t *testing.T) {
	tab := browser.New(t)
	dir := t.TempDir()
	newFakeRun(t, dir, "r1", task("a"))
	acts := &recordedActions{}
	const token = "s3cret0123456789abcdef"
	s, err := New(Options{StateDir: dir, Actions: acts, Token: token, Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	type seen struct {
		path, origin string
		cookie       bool
		status       int
	}
	var mu sync.Mutex
	var writes []seen
	h := s.Handler()
	weir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if r.Method == http.MethodPost {
			mu.Lock()
			writes = append(writes, seen{r.URL.Path, r.Header.Get("Origin"), strings.Contains(r.Header.Get("Cookie"), "weir_token_"), rec.status})
			mu.Unlock()
		}
	}))
	defer weir.Close()
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><title>hostile</title>
<form id="f" method="POST" enctype="text/plain" action="%[1]s/api/runs/r1/cancel"><input name="x" value="y"></form>
<script>
fetch("%[1]s/api/runs/r1/retry?task=a", {method: "POST", mode: "no-cors", credentials: "include", body: "x"})
  .then(() => { document.title = "fetched"; }, () => { document.title = "fetched"; });
</script>`, weir.URL)
	}))
	defer hostile.Close()

	do(t, tab, chromedp.Navigate(weir.URL+"/?token="+token))
	do(t, tab, chromedp.Navigate(hostile.URL+"/"))
	waitJS(t, tab, "the hostile fetch", `document.title === "fetched"`)
	do(t, tab, chromedp.Evaluate[chromedp.Void](`document.getElementById("f").submit()`))
	// The form navigates away: wait for the server to see its POST.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(writes)
		mu.Unlock()
		if n >= 2 {
			break
		}
	}

	mu.Lock()
	defer mu.Unlock()
	if len(writes) != 2 {
		t.Fatalf("the page's writes reached the server %d times, want 2: %+v", len(writes), writes)
	}
	for _, w := range writes {
		if !w.cookie {
			t.Errorf("%s: the browser sent no token cookie, so the test shows nothing", w.path)
		}
		if w.status != http.StatusForbidden {
			t.Errorf("%s from origin %q: status %d, want 403", w.path, w.origin, w.status)
		}
	}
	if len(acts.calls) != 0 {
		t.Errorf("the hostile page acted: %q", acts.calls)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}
