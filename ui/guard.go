package ui

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// csp allows only the server's own scripts, styles and API: no inline
// script, no eval, no other origin. Cytoscape draws on canvas and sets
// styles through the CSSOM, which style-src does not govern.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; worker-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// tokenCookie prefixes the cookie that keeps a ?token= for the page's own
// requests, EventSource included, which cannot set headers. Browsers send
// a cookie to every port of its host, so the name carries the port
// (cookieName): a weir ui on another port, or a page served there, never
// gets this server's cookie mistaken for its own, and a write must also
// pass the Origin check (checkOrigin).
const tokenCookie = "weir_token"

// cookieName is the token cookie of the server that r reached.
func cookieName(r *http.Request) string {
	if _, port, err := net.SplitHostPort(r.Host); err == nil && port != "" {
		return tokenCookie + "_" + port
	}
	return tokenCookie
}

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
		byHeader := false
		if s.o.Token != "" {
			tok, from := requestToken(r)
			if subtle.ConstantTimeCompare([]byte(tok), []byte(s.o.Token)) != 1 {
				h.Set("WWW-Authenticate", `Bearer realm="weir"`)
				// A client without the token gets no keep-alive connection
				// to hold on to.
				h.Set("Connection", "close")
				http.Error(w, "weir ui: a token is required: open the address weir printed, with its ?token=, or send Authorization: Bearer TOKEN", http.StatusUnauthorized)
				return
			}
			s.trust(r)
			byHeader = from == fromHeader
			if from == fromQuery {
				http.SetCookie(w, &http.Cookie{Name: cookieName(r), Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			}
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !byHeader {
			if err := checkOrigin(r); err != "" {
				http.Error(w, "weir ui: "+err, http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Where a request's token came from.
const (
	fromNone = iota
	fromHeader
	fromQuery
	fromCookie
)

// requestToken finds the token in the Authorization header, the query or
// the cookie, and says where.
func requestToken(r *http.Request) (tok string, from int) {
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(v), fromHeader
	}
	if v := r.URL.Query().Get("token"); v != "" {
		return v, fromQuery
	}
	if c, err := r.Cookie(cookieName(r)); err == nil {
		return c.Value, fromCookie
	}
	return "", fromNone
}

// checkOrigin refuses a write that a browser may have sent for another
// page: a page on another port of this host is same-site, so SameSite
// cookies go along, but its Origin differs. Browsers send Origin on every
// POST, so a write without one (and without an Authorization header,
// which no page can add across origins) is refused too. It returns why,
// or "" for a write that came from this server's own page.
func checkOrigin(r *http.Request) string {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return "cross-site requests may not change runs"
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return "a write needs an Origin header (the page sends one) or Authorization: Bearer TOKEN"
	}
	u, err := url.Parse(origin)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || !strings.EqualFold(u.Host, r.Host) {
		return "origin " + origin + " may not change runs here: only this server's own page may"
	}
	return ""
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
