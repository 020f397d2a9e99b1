package ui

import (
	"container/list"
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Every local user can reach the server's port, so whoever lacks the token
// must not be able to starve whoever has it: connections are capped
// (MaxConns), and when the cap is reached a new one evicts the oldest
// connection that has not shown the token, so the owner's request is
// always accepted and answered. Slow or idle clients are cut by timeouts.
const (
	defaultMaxConns   = 512
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second // bodies are small: cancel and retry have none
	idleTimeout       = 60 * time.Second
	// defaultStreamsPerClient caps a remote address's event streams: a
	// page opens one or two.
	defaultStreamsPerClient = 64
)

// tracked is one accepted connection.
type tracked struct {
	net.Conn
	trusted atomic.Bool // a request on it carried the token
	elem    *list.Element
	cl      *connList
	once    sync.Once
}

func (c *tracked) Close() error {
	c.once.Do(func() { c.cl.drop(c) })
	return c.Conn.Close()
}

// connList is the open connections, oldest first.
type connList struct {
	mu  sync.Mutex
	l   list.List
	max int
}

func (cl *connList) add(c *tracked) {
	cl.mu.Lock()
	c.elem = cl.l.PushBack(c)
	var evict *tracked
	if cl.l.Len() > cl.max {
		for e := cl.l.Front(); e != nil; e = e.Next() {
			if t := e.Value.(*tracked); !t.trusted.Load() && t != c {
				evict = t
				break
			}
		}
	}
	cl.mu.Unlock()
	if evict != nil {
		evict.Close()
	}
}

func (cl *connList) drop(c *tracked) {
	cl.mu.Lock()
	cl.l.Remove(c.elem)
	cl.mu.Unlock()
}

// limitListener tracks what it accepts in a connList.
type limitListener struct {
	net.Listener
	cl *connList
}

func (ln *limitListener) Accept() (net.Conn, error) {
	c, err := ln.Listener.Accept()
	if err != nil {
		return nil, err
	}
	t := &tracked{Conn: c, cl: ln.cl}
	ln.cl.add(t)
	return t, nil
}

type connKey struct{}

// HTTPServer returns the http.Server to serve s on ln with: timeouts, and
// the connection cap of Options.MaxConns. Serve it with hs.Serve(ln2).
func (s *Server) HTTPServer(ln net.Listener) (hs *http.Server, ln2 net.Listener) {
	cl := &connList{max: s.o.MaxConns}
	hs = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    16 << 10,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
	}
	return hs, &limitListener{Listener: ln, cl: cl}
}

// trust marks r's connection as the token holder's: it is never evicted.
func (s *Server) trust(r *http.Request) {
	if c, ok := r.Context().Value(connKey{}).(*tracked); ok {
		c.trusted.Store(true)
	}
}

// streamSlot takes one of the event streams of r's client, and says
// whether there was one left.
func (s *Server) streamSlot(r *http.Request) (release func(), ok bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams[host] >= s.o.StreamsPerClient {
		return nil, false
	}
	s.streams[host]++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.streams[host]--; s.streams[host] <= 0 {
			delete(s.streams, host)
		}
	}, true
}
