package ui

import (
	"net/http"
	"testing"
)

// TestAssetsRevalidated: the page's script and styles may be kept by the
// browser and revalidated (a reload gets 304 and reuses the compiled
// code), while the API's answers are never stored.
func TestAssetsRevalidated(t *testing.T) {
	dir := t.TempDir()
	newFakeRun(t, dir, "r1", task("a"))
	_, hs := startServer(t, Options{StateDir: dir})
	get := func(path, etag string) *http.Response {
		t.Helper()
		req, err := http.NewRequest("GET", hs.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, path := range []string{"/assets/app.js", "/assets/app.css", "/assets/elk-worker.js"} {
		first := get(path, "")
		tag := first.Header.Get("ETag")
		if first.StatusCode != http.StatusOK || tag == "" || first.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: %d, ETag %q, Cache-Control %q; want 200 with an ETag and no-cache", path, first.StatusCode, tag, first.Header.Get("Cache-Control"))
			continue
		}
		if again := get(path, tag); again.StatusCode != http.StatusNotModified {
			t.Errorf("%s again with its ETag: %d, want 304", path, again.StatusCode)
		}
		if other := get(path, `"not-it"`); other.StatusCode != http.StatusOK {
			t.Errorf("%s with another ETag: %d, want 200", path, other.StatusCode)
		}
	}
	for _, path := range []string{"/api/runs", "/api/runs/r1/graph", "/"} {
		if got := get(path, "").Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", path, got)
		}
	}
}
