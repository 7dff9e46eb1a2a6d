package opentoktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ServeHTTP serves the fake REST API (and, with WithControlAPI, the control
// API under /_emulator/).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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

// route registers a REST operation: it logs the request, applies injected
// faults, checks authentication and the project segment, then calls h with
// the state lock held.
func (s *Server) route(pattern, op string, h handlerFunc) {
	s.routeOps(pattern, []string{op}, func([]byte) string { return op }, h)
}

// routeOps registers a route whose operation name depends on the body
// (the SDK calls several operations through one endpoint); ops lists the
// names opOf can return.
func (s *Server) routeOps(pattern string, ops []string, opOf func(body []byte) string, h handlerFunc) {
	for _, op := range ops {
		s.ops[op] = true
	}
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		op := opOf(body)
		s.mu.Lock()
		rec := RequestRecord{Op: op, Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: body, Time: s.nowLocked()}
		idx := len(s.log)
		s.log = append(s.log, rec)
		fault, faulty := s.takeFaultLocked(op)
		s.mu.Unlock()

		setStatus := func(code int) {
			s.mu.Lock()
			if idx < len(s.log) {
				s.log[idx].Status = code
			}
			s.mu.Unlock()
		}
		if faulty {
			if fault.Delay > 0 {
				t := time.NewTimer(fault.Delay)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return
				}
			}
			if fault.DropConnection {
				dropConnection(w)
				return
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
				return
			}
		}

		s.mu.Lock()
		s.tickLocked()
		var rep reply
		aerr := s.authenticateLocked(r)
		if aerr == nil {
			if pid := r.PathValue("pid"); pid != "" && pid != s.OwnerID() {
				aerr = s.authFailure("the project ID in the URL does not match the credentials")
			}
		}
		if aerr == nil {
			rep, aerr = h(r, body)
		}
		s.mu.Unlock()

		if aerr != nil {
			setStatus(aerr.status)
			writeJSON(w, aerr.status, map[string]any{"code": aerr.code, "message": aerr.message})
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
	})
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

func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// decodeBody decodes a JSON request body strictly enough to catch type
// errors, as the platform does (400).
func decodeBody(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return errf(http.StatusBadRequest, "the request body is missing")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errf(http.StatusBadRequest, "invalid JSON: %v", err)
	}
	return nil
}

// boolField reads an optional JSON boolean, defaulting when absent.
func boolField(raw json.RawMessage, def bool) (bool, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return def, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return false, errf(http.StatusBadRequest, "a boolean field has a non-boolean value")
	}
	return b, nil
}
