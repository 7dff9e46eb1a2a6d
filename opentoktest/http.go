package opentoktest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
)

// ServeHTTP serves the fake REST API (and, with WithControlAPI, the control
// API under /_emulator/). A request whose Host header is neither the host of
// the server's URL nor a loopback name with its port is answered 403, so
// that a web page cannot reach the fake through DNS rebinding.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.hostAllowed(r) {
		refuseHost(w)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// handlerFunc handles one REST operation with the state lock held.
type handlerFunc func(r *http.Request, body []byte) (reply, *apiError)

// reply is what a handler answers.
type reply struct {
	status int
	body   any // JSON-encoded unless nil
}

// ok is a 200 answer with a JSON body.
func ok(body any) reply { return reply{status: http.StatusOK, body: body} }

// apiError is the platform's error body.
type apiError struct {
	status  int
	code    int
	message string
}

// Error returns the error message the platform would send.
func (e *apiError) Error() string { return e.message }

// errf returns a platform error whose code is its HTTP status.
func errf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, code: status, message: fmt.Sprintf(format, args...)}
}

// maxBodyBytes is the largest request body the fake reads; a larger one is
// answered 413.
const maxBodyBytes = 1 << 20

// bodyKind is the Content-Type a route's body must have.
type bodyKind int

const (
	jsonBody bodyKind = iota // application/json (or none: see checkContentType)
	formBody                 // application/x-www-form-urlencoded
)

// route registers a REST operation: it logs the request, applies injected
// faults, checks authentication and the project segment, then calls h with
// the state lock held.
func (s *Server) route(pattern, op string, h handlerFunc) {
	s.handle(pattern, []string{op}, func([]byte) string { return op }, jsonBody, s.projectOnly(h))
}

// formRoute registers a REST operation whose body is form-encoded.
func (s *Server) formRoute(pattern, op string, h handlerFunc) {
	s.handle(pattern, []string{op}, func([]byte) string { return op }, formBody, s.projectOnly(h))
}

// accountRoute registers an account-management operation: the only ones
// the account-level credentials may call.
func (s *Server) accountRoute(pattern, op string, h handlerFunc) {
	s.handle(pattern, []string{op}, func([]byte) string { return op }, jsonBody, h)
}

// projectOnly refuses a project operation called with the account-level
// credentials, as the platform does: they manage projects, nothing else.
func (s *Server) projectOnly(h handlerFunc) handlerFunc {
	return func(r *http.Request, body []byte) (reply, *apiError) {
		if s.curAccount {
			return reply{}, s.authFailure("Invalid token: the account-level credentials cannot call project APIs")
		}
		return h(r, body)
	}
}

// routeOps registers a route whose operation name depends on the body
// (the SDK calls several operations through one endpoint); ops lists the
// names opOf can return.
func (s *Server) routeOps(pattern string, ops []string, opOf func(body []byte) string, h handlerFunc) {
	s.handle(pattern, ops, opOf, jsonBody, s.projectOnly(h))
}

// handle registers pattern, and the same path with a trailing slash (the
// platform accepts both, and @vonage/video sends .../broadcast/).
func (s *Server) handle(pattern string, ops []string, opOf func(body []byte) string, kind bodyKind, h handlerFunc) {
	for _, op := range ops {
		s.ops[op] = true
	}
	s.patterns = append(s.patterns, pattern)
	serve := func(w http.ResponseWriter, r *http.Request) { s.serveOp(w, r, opOf, kind, h) }
	s.mux.HandleFunc(pattern, serve)
	s.mux.HandleFunc(pattern+"/{$}", serve)
}

// serveOp answers one REST request: read the body (413 past
// maxBodyBytes), log it, apply an injected fault, authenticate, check the
// Content-Type (415), then run the handler.
func (s *Server) serveOp(w http.ResponseWriter, r *http.Request, opOf func([]byte) string, kind bodyKind, h handlerFunc) {
	body, readErr := readBody(w, r)
	op := opOf(body)

	// The request log: one record per request, its status set below.
	s.mu.Lock()
	seq := s.log.add(r, op, body, s.nowLocked())
	fault, faulty := s.takeFaultLocked(op)
	s.mu.Unlock()
	setStatus := func(code int) {
		s.mu.Lock()
		s.log.setStatus(seq, code)
		s.mu.Unlock()
	}

	if readErr != nil {
		setStatus(readErr.status)
		writeError(w, readErr)
		return
	}
	if faulty && s.applyFault(w, r, fault, setStatus) {
		return
	}

	s.mu.Lock()
	s.tickLocked()
	var rep reply
	aerr := s.authenticateLocked(r)
	if aerr == nil {
		if pid := r.PathValue("pid"); pid != "" && pid != s.curOwnerLocked() {
			aerr = s.authFailure("the project ID in the URL does not match the credentials")
		}
	}
	if aerr == nil {
		aerr = checkContentType(r, body, kind)
	}
	if aerr == nil {
		rep, aerr = h(r, body)
	}
	s.cur, s.curAccount = nil, false
	s.mu.Unlock()

	if aerr != nil {
		setStatus(aerr.status)
		writeError(w, aerr)
		return
	}
	setStatus(rep.status)
	if faulty && fault.Malformed {
		writeRaw(w, rep.status, `{"id":"truncated`)
		return
	}
	if faulty && fault.Body != "" {
		writeRaw(w, rep.status, fault.Body)
		return
	}
	if rep.body == nil {
		w.WriteHeader(rep.status)
		return
	}
	if x, isXML := rep.body.(rawXML); isXML {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, string(x))
		return
	}
	writeJSON(w, rep.status, rep.body)
}

// applyFault carries out the part of an injected fault that replaces the
// answer (delay, dropped connection, error status); it reports whether the
// request has been answered.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, fault Fault, setStatus func(int)) bool {
	if fault.Delay > 0 {
		t := time.NewTimer(fault.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if fault.DropConnection {
		dropConnection(w)
		return true
	}
	if fault.RetryAfter != "" {
		w.Header().Set("Retry-After", fault.RetryAfter)
	}
	if fault.Status != 0 {
		b := fault.Body
		if b == "" {
			b = fmt.Sprintf(`{"code":%d,"message":"injected fault"}`, fault.Status)
		}
		setStatus(fault.Status)
		writeRaw(w, fault.Status, b)
		return true
	}
	return false
}

// readBody reads a request body of at most maxBodyBytes: a larger one is a
// 413 (its first maxBodyBytes are returned for the log), one that cannot be
// read (the client stalled past the server's ReadTimeout, or went away) a
// 400.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	if r.ContentLength > maxBodyBytes {
		return nil, errf(http.StatusRequestEntityTooLarge, "the request body exceeds %d bytes", maxBodyBytes)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return body, errf(http.StatusRequestEntityTooLarge, "the request body exceeds %d bytes", maxBodyBytes)
	case err != nil:
		return body, errf(http.StatusBadRequest, "the request body could not be read")
	}
	return body, nil
}

// checkContentType answers 415 for a body in a format the route does not
// take: a JSON route's body must be application/json (a body without any
// Content-Type is read as JSON, as lenient servers do), the form route's
// application/x-www-form-urlencoded. Requests without a body pass.
func checkContentType(r *http.Request, body []byte, kind bodyKind) *apiError {
	if len(body) == 0 {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if kind == formBody {
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return errf(http.StatusUnsupportedMediaType, "Unsupported Media Type: the body must be application/x-www-form-urlencoded")
		}
		return nil
	}
	if ct == "" {
		return nil
	}
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return errf(http.StatusUnsupportedMediaType, "Unsupported Media Type: the body must be application/json")
	}
	return nil
}

// notFoundOrMethod answers a request no route took: 405 with an Allow
// header when the path is a known one with other methods, else the
// platform's 404.
func (s *Server) notFoundOrMethod(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		if slices.Contains(allow, http.MethodGet) {
			allow = slices.Insert(allow, 1, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"code": 405, "message": "Method Not Allowed: " + r.Method + " " + r.URL.Path})
		return
	}
	writeJSON(w, http.StatusNotFound, map[string]any{"code": 404, "message": "Not Found: " + r.Method + " " + r.URL.Path})
}

func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeError writes the platform's error body.
func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, map[string]any{"code": e.code, "message": e.message})
}

func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// decodeBody decodes a JSON request body strictly enough to catch type
// errors, as the platform does (400). The body must be a JSON object: a
// missing body or a bare null is a 400 too.
func decodeBody(body []byte, v any) *apiError {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return errf(http.StatusBadRequest, "the request body is missing")
	}
	if trimmed[0] != '{' {
		return errf(http.StatusBadRequest, "the request body must be a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errf(http.StatusBadRequest, "invalid JSON: %v", err)
	}
	return nil
}

// boolField reads an optional JSON boolean, defaulting when absent. The
// strings "true" and "false" count as booleans: @vonage/video types
// partialCaptions as one of them, and the platform takes them.
func boolField(raw json.RawMessage, def bool) (bool, *apiError) {
	switch string(raw) {
	case "", "null":
		return def, nil
	case `"true"`:
		return true, nil
	case `"false"`:
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return false, errf(http.StatusBadRequest, "a boolean field has a non-boolean value")
	}
	return b, nil
}
