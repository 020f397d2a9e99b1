package ui

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
)

// csp allows only the server's own scripts, styles and API: no inline
// script, no eval, no other origin. Cytoscape draws on canvas and sets
// styles through the CSSOM, which style-src does not govern.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; worker-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// tokenCookie keeps a ?token= for the page's own requests, EventSource
// included, which cannot set headers.
const tokenCookie = "weir_token"

// guard sets the security headers and checks the host and the token.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		if s.o.Loopback && !loopbackHost(r.Host) {
			http.Error(w, "weir ui: this server answers only to localhost, 127.0.0.1 or [::1]", http.StatusForbidden)
			return
		}
		if s.o.Token != "" {
			tok, fromQuery := requestToken(r)
			if subtle.ConstantTimeCompare([]byte(tok), []byte(s.o.Token)) != 1 {
				h.Set("WWW-Authenticate", `Bearer realm="weir"`)
				http.Error(w, "weir ui: a token is required: open the address weir printed, with its ?token=, or send Authorization: Bearer TOKEN", http.StatusUnauthorized)
				return
			}
			if fromQuery {
				http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			}
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			http.Error(w, "weir ui: cross-site requests may not change runs", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requestToken finds the token in the Authorization header, the query or
// the cookie; fromQuery says it came from the query.
func requestToken(r *http.Request) (tok string, fromQuery bool) {
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(v), false
	}
	if v := r.URL.Query().Get("token"); v != "" {
		return v, true
	}
	if c, err := r.Cookie(tokenCookie); err == nil {
		return c.Value, false
	}
	return "", false
}

// loopbackHost reports whether a Host header names this machine's loopback.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsLoopback reports whether a listen address (host:port) binds loopback
// addresses only: "127.0.0.1:8080", "[::1]:0", "localhost:9000". An empty
// host (":8080") binds every address and is not loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	return loopbackHost(host)
}
