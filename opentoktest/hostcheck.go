package opentoktest

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// hostAllowed reports whether a request's Host header names this server:
// the host of its URL, or a loopback name (127.0.0.1, [::1], localhost) with
// the URL's port. A web page that reaches the fake through DNS rebinding
// sends its own host name, and is refused, so it can neither read the
// credentials the control API serves nor call the REST API. A server whose
// URL is not known yet (New without WithBaseURL) checks nothing.
func (s *Server) hostAllowed(r *http.Request) bool {
	if s.URL == "" {
		return true
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		return false
	}
	host := strings.ToLower(r.Host)
	if host == strings.ToLower(u.Host) {
		return true
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	name, p, err := net.SplitHostPort(host)
	if err != nil {
		// No port in the header: only a URL on the scheme's default port
		// matches.
		name, p = strings.Trim(host, "[]"), ""
		if u.Port() == "" {
			p = port
		}
	}
	return p == port && (name == "localhost" || name == "127.0.0.1" || name == "::1")
}

// refuseHost answers a request whose Host header is not this server's.
func refuseHost(w http.ResponseWriter) {
	writeError(w, errf(http.StatusForbidden, "Host not allowed: the fake answers only its own loopback address (DNS rebinding protection)"))
}
