package opentoktest

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// The HTTP side of real clients (OpenTok.js). A page points OpenTok.js at
// the fake with OT.setProxyUrl(<the fake's URL>), before OT.initSession:
// every URL the client would fetch then becomes <fake>/<original
// host>/<original path>, so the fake serves
//
//	GET  /{host}/project/{apiKey}/config.json   the client's configuration: {}
//	GET  /{host}/session/{sessionId}            session info ("anvil"): checks the token
//	POST /{host}/prod/logging/{kind}            the client's analytics: a sink
//	GET  /rumor.opentoktest/rumorsvc            the signalling WebSocket
//
// The page is
// served from another origin (another port): these routes answer CORS
// preflights for loopback origins, and refuse any other origin, as the
// WebSocket does (a page on another site must not reach a fake on the
// developer's machine).

// clientRoutes registers the client side's routes.
func (s *Server) clientRoutes() {
	m := s.mux
	for pattern, h := range map[string]http.HandlerFunc{
		"GET /{host}/project/{key}/config.json": s.serveClientConfig,
		"GET /{host}/session/{sid}":             s.serveSessionInfo,
		"POST /{host}/prod/logging/{kind}":      serveLogSink,
	} {
		m.HandleFunc(pattern, s.cors(h))
		_, path, _ := strings.Cut(pattern, " ")
		m.HandleFunc("OPTIONS "+path, s.cors(nil))
	}
	m.HandleFunc("GET /"+messagingHost+"/rumorsvc", s.serveClientSocket)
}

// messagingHost is the host of the signalling WebSocket URL the session
// info gives a client behind setProxyUrl (which makes it a path of the
// fake's URL).
const messagingHost = "rumor.opentoktest"

// loopbackOrigin reports whether an Origin header names a page on this
// machine: http(s) on localhost, 127.0.0.0/8 or [::1], any port.
func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Path != "" {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// clientOriginAllowed refuses (403, with a log line) a request from a page
// that is not on a loopback origin. A request without Origin (not from a
// page: a test, a tool) is allowed.
func (s *Server) clientOriginAllowed(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || loopbackOrigin(origin) {
		return true
	}
	s.logger().Warn("opentoktest: refusing a client request from a page that is not on this machine",
		"origin", origin, "path", r.URL.Path)
	writeError(w, errf(http.StatusForbidden, "Origin not allowed: the fake serves pages on loopback origins only"))
	return false
}

// cors wraps a client route: it refuses foreign origins, answers a
// preflight (OPTIONS, or h nil), and lets a loopback page read the answer.
func (s *Server) cors(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.clientOriginAllowed(w, r) {
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions || h == nil {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
				w.Header().Set("Access-Control-Allow-Headers", req)
			}
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h(w, r)
	}
}

// serveClientConfig answers the client's configuration request: no
// settings (OpenTok.js then uses its defaults).
func (s *Server) serveClientConfig(w http.ResponseWriter, r *http.Request) {
	writeRaw(w, http.StatusOK, "{}")
}

// serveLogSink takes the client's analytics and QoS reports and drops
// them (OpenTok.js ignores the answer; failures only cost it retries).
func serveLogSink(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxBodyBytes))
	w.WriteHeader(http.StatusOK)
}

// serveSessionInfo answers OpenTok.js's session-info ("anvil") request,
// which carries the client token in X-OPENTOK-AUTH: the token is checked
// as the platform checks it (a refusal is an error node that OpenTok.js
// reports as OT_AUTHENTICATION_ERROR, 1004, or for an unknown session
// OT_INVALID_SESSION_ID, 1005), and the answer points the client at the
// signalling WebSocket. Every session is relayed here, routed ones too:
// the fake has no media router, so the clients send media to each other.
func (s *Server) serveSessionInfo(w http.ResponseWriter, r *http.Request) {
	sid := r.PathValue("sid")
	s.mu.Lock()
	s.tickLocked()
	var err error
	if _, found := s.st.sessions[sid]; !found {
		err = ErrSessionNotFound
	} else {
		_, err = s.verifyToken(sid, r.Header.Get("X-OPENTOK-AUTH"), s.nowLocked())
	}
	owner := s.ownerOf(sid)
	s.mu.Unlock()
	if err != nil {
		code := http.StatusForbidden
		if errors.Is(err, ErrSessionNotFound) {
			code = http.StatusNotFound
		}
		writeJSON(w, http.StatusOK, []any{map[string]any{"error": map[string]any{"code": code,
			"errorMessage": map[string]any{"message": clientRefusal(err)}}}})
		return
	}
	// Behind setProxyUrl the client rewrites wss://<host>/<path> to
	// <fake>/<host>/<path>.
	messaging := "wss://" + messagingHost + "/rumorsvc"
	writeJSON(w, http.StatusOK, []any{map[string]any{
		"session_id": sid, "partner_id": owner,
		"messaging_url": messaging, "messaging_server_url": messagingHost,
		"media_server_hostname": "media.opentoktest", "symphony_address": symphonyAddress,
		"ice_servers": []any{},
		"properties": map[string]any{
			"p2p":       map[string]any{"preference": map[string]any{"value": "enabled"}},
			"simulcast": false, "reconnection": false, "renegotiation": false,
		},
	}})
}

// clientRefusal is the message a client sees for a refused token: the
// reason, never the token.
func clientRefusal(err error) string {
	switch {
	case errors.Is(err, ErrSessionNotFound):
		return "Invalid session ID: the fake created no such session"
	case errors.Is(err, ErrWrongSession):
		return "Invalid token: the token is for another session"
	case errors.Is(err, ErrTokenExpired):
		return "Invalid token: the token has expired"
	}
	return "Invalid token: " + strings.TrimPrefix(err.Error(), ErrInvalidToken.Error()+": ")
}

// logger is where the fake logs for its operator (WithLogger).
func (s *Server) logger() *slog.Logger {
	if s.cfg.logger != nil {
		return s.cfg.logger
	}
	return slog.Default()
}
