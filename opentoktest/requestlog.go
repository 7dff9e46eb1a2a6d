package opentoktest

import (
	"net/http"
	"time"
)

// RequestRecord is one request as the fake received it.
type RequestRecord struct {
	// Op is the name of the SDK method that makes the request
	// ("CreateSession", "StartArchive", "RemoveArchiveStream", ...).
	Op string
	// Method is the HTTP method; Path the escaped path; Query the raw query.
	Method      string
	Path, Query string
	// Header and Body are the request's headers (auth header included: the
	// fake is for tests) and body.
	Header http.Header
	Body   []byte
	// Status is the status the fake answered (0 when the connection was
	// dropped).
	Status int
	// Time is when the request arrived, on the fake's clock.
	Time time.Time
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RequestRecord, len(s.log))
	copy(out, s.log)
	return out
}

// RequestsFor returns the requests of one operation.
func (s *Server) RequestsFor(op string) []RequestRecord {
	var out []RequestRecord
	for _, r := range s.Requests() {
		if r.Op == op {
			out = append(out, r)
		}
	}
	return out
}

// ClearRequests empties the request log.
func (s *Server) ClearRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}
