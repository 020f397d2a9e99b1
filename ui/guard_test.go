package ui

import (
	"net/http"
	"strings"
	"testing"
)

// TestWritesCheckOrigin: a page on another port of the same host is
// same-site, so the token cookie goes along with its POSTs; the Origin
// check refuses them, and a cookie-authenticated write without Origin.
func TestWritesCheckOrigin(t *testing.T) {
	dir := t.TempDir()
	newFakeRun(t, dir, "r1", task("a"))
	acts := &recordedActions{}
	_, hs := startServer(t, Options{StateDir: dir, Actions: acts, Token: "s3cret"})
	host := strings.TrimPrefix(hs.URL, "http://")
	port := host[strings.LastIndex(host, ":")+1:]
	cookie := "weir_token_" + port + "=s3cret"
	tests := []struct {
		name   string
		header map[string]string
		ctype  string
		want   int
	}{
		{"cookie, own origin", map[string]string{"Cookie": cookie, "Origin": hs.URL}, "", http.StatusAccepted},
		{"cookie, no origin", map[string]string{"Cookie": cookie}, "", http.StatusForbidden},
		{"cookie, other port form", map[string]string{"Cookie": cookie, "Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"}, "text/plain", http.StatusForbidden},
		{"cookie, origin of another host name", map[string]string{"Cookie": cookie, "Origin": "http://" + strings.Replace(host, "127.0.0.1", "localhost", 1)}, "", http.StatusForbidden},
		{"cookie, null origin", map[string]string{"Cookie": cookie, "Origin": "null"}, "", http.StatusForbidden},
		{"cookie, cross-site", map[string]string{"Cookie": cookie, "Origin": hs.URL, "Sec-Fetch-Site": "cross-site"}, "", http.StatusForbidden},
		{"query token, no origin", map[string]string{}, "", http.StatusForbidden},
		{"other port's cookie", map[string]string{"Cookie": "weir_token_1=s3cret", "Origin": hs.URL}, "", http.StatusUnauthorized},
		{"bearer, no origin", map[string]string{"Authorization": "Bearer s3cret"}, "", http.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := hs.URL + "/api/runs/r1/cancel"
			if tt.name == "query token, no origin" {
				u += "?token=s3cret"
			}
			req, _ := http.NewRequest("POST", u, strings.NewReader("x=1"))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
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
		})
	}
}

// TestUnauthorizedCloses: a 401 ends the connection, so a client without
// the token holds no keep-alive connection.
func TestUnauthorizedCloses(t *testing.T) {
	dir := t.TempDir()
	_, hs := startServer(t, Options{StateDir: dir, Token: "s3cret"})
	resp, err := http.Get(hs.URL + "/api/runs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !resp.Close {
		t.Fatalf("status %d, close %v; want 401 and Connection: close", resp.StatusCode, resp.Close)
	}
}
