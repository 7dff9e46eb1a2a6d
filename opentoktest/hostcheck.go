package opentoktest

import (
	"mime"
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

// controlGuard refuses the control API requests a web page on another site
// can make without a CORS preflight — a "simple" POST of text/plain, a
// form, an image's GET — so that a page the user visits cannot inject
// faults or move the clock of an emulator on their machine:
//   - an Origin header that is not a loopback origin (any port) or the
//     server's own: 403; "null" (sandboxed frames, files) is foreign;
//   - without Origin, Sec-Fetch-Site "cross-site" (a browser's no-cors
//     request from another site): 403;
//   - a body whose Content-Type is not application/json (or a +json
//     type): 415. Requests without a body need no Content-Type.
//
// Programs (curl, the CLI, Node's fetch) send no Origin and pass.
func (s *Server) controlGuard(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if (origin != "" && !s.originAllowed(origin)) ||
			(origin == "" && strings.EqualFold(r.Header.Get("Sec-Fetch-Site"), "cross-site")) {
			writeJSON(w, http.StatusForbidden, map[string]any{
				"message": "Origin not allowed: the control API answers programs and pages on a loopback origin only"})
			return
		}
		if r.ContentLength != 0 { // -1: a body of unknown length
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
				writeJSON(w, http.StatusUnsupportedMediaType, map[string]any{
					"message": "Unsupported Media Type: a control API body must be application/json"})
				return
			}
		}
		h(w, r)
	}
}

// originAllowed reports whether an Origin header names a loopback origin
// (http or https on 127.0.0.0/8, [::1] or localhost, any port) or the
// server's own.
func (s *Server) originAllowed(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Path != "" || u.User != nil {
		return false
	}
	if own, err := url.Parse(s.URL); err == nil && s.URL != "" && strings.EqualFold(u.Host, own.Host) {
		return true
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
