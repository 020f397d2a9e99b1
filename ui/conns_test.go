package ui

import (
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// TestIdleConnectionsDoNotStarveOwner: 5,000 idle connections without the
// token are open; a request with the token still answers within 1 s.
func TestIdleConnectionsDoNotStarveOwner(t *testing.T) {
	const idle = 5000
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < 2*idle+1000 {
		if lim.Max < 2*idle+1000 {
			t.Skipf("RLIMIT_NOFILE hard limit %d is too low for %d connections", lim.Max, idle)
		}
		old := lim
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
	}
	dir := t.TempDir()
	newFakeRun(t, dir, "r1", task("a"))
	s, err := New(Options{StateDir: dir, Token: "s3cret", Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs, lln := s.HTTPServer(ln)
	go hs.Serve(lln)
	defer hs.Close()
	addr := ln.Addr().String()

	conns := make([]net.Conn, 0, idle)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for len(conns) < idle {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("after %d connections: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	time.Sleep(200 * time.Millisecond) // let the server accept them all

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/runs", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := client.Do(req)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("owner's request: %v after %v", err, took)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || took > time.Second {
		t.Fatalf("owner's request: status %d after %v; want 200 within 1s", resp.StatusCode, took)
	}
	t.Logf("owner answered in %v with %d idle connections open", took, idle)
}
