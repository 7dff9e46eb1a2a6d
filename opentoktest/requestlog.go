package opentoktest

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"
)

// RequestRecord is one request as the fake received it.
type RequestRecord struct {
	// Op is the name of the SDK method that makes the request
	// ("CreateSession", "StartArchive", "RemoveArchiveStream", ...).
	Op string
	// Method is the HTTP method; Path the escaped path; Query the raw query.
	// The log keeps up to 8 KiB of Path and of Query; URLTruncated is true
	// when either holds less than the client sent.
	Method       string
	Path, Query  string
	URLTruncated bool
	// Header holds the request's headers (auth header included: the fake is
	// for tests), up to 8 KiB of names and values, the auth header first;
	// HeaderTruncated is true when some were left out.
	Header          http.Header
	HeaderTruncated bool
	// Body is the request's body, or its first bytes: the log keeps at most
	// the body limit (WithRequestLogBodyLimit, default 64 KiB) of each.
	// BodySize is the size of the body the client sent (its Content-Length,
	// or the bytes read when it sent none); BodyTruncated is true when Body
	// holds less than that.
	Body          []byte
	BodySize      int64
	BodyTruncated bool
	// Status is the status the fake answered (0 when the connection was
	// dropped).
	Status int
	// Time is when the request arrived, on the fake's clock.
	Time time.Time
}

// Defaults of the request log's limits (see WithRequestLogSize,
// WithRequestLogBodyLimit and WithRequestLogBytes).
const (
	// DefaultRequestLogSize is how many requests the log keeps.
	DefaultRequestLogSize = 10_000
	// DefaultRequestLogBodyLimit is how many bytes of each body it keeps.
	DefaultRequestLogBodyLimit = 64 << 10
	// DefaultRequestLogBytes is how many bytes of paths, queries, headers
	// and bodies it keeps in all (32 MiB).
	DefaultRequestLogBytes = 32 << 20
)

// maxLoggedHeaderBytes bounds the header names and values kept of one
// request (the HTTP server accepts up to 1 MiB of headers);
// maxLoggedURLBytes bounds its path, and its query (which may be as long).
const (
	maxLoggedHeaderBytes = 8 << 10
	maxLoggedURLBytes    = 8 << 10
)

// requestLog is the most recent requests, oldest first: a queue bounded by
// a number of records and a number of stored bytes, the oldest records
// dropped first. Guarded by Server.mu.
type requestLog struct {
	size      int // most records kept
	bodyLimit int // most bytes kept of one body
	maxBytes  int // most bytes of paths, queries, headers and bodies kept in all

	recs    []RequestRecord // recs[head:] are held, oldest first
	head    int
	bytes   int    // stored bytes of the records held
	next    uint64 // sequence number of the next record
	dropped int64  // records dropped since the last clear
}

// recordBytes is what a record counts against the log's byte budget:
// every byte it holds of the request (Op and Method are shared constants).
func recordBytes(r *RequestRecord) int {
	n := len(r.Path) + len(r.Query) + len(r.Body)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	return n
}

// add logs a request and returns its sequence number, for setStatus. The
// path, query, headers and body are copied, in that order, within the
// log's limits: a record never holds more than the log's byte budget, and
// never a reference to the request's own strings (the path and query are
// substrings of the request line, which would keep it all alive).
func (l *requestLog) add(r *http.Request, op string, body []byte, now time.Time) uint64 {
	rec := RequestRecord{Op: op, Method: internMethod(r.Method), Time: now,
		BodySize: max(r.ContentLength, int64(len(body)))}
	var pathCut, queryCut bool
	rec.Path, pathCut = clip(r.URL.EscapedPath(), min(maxLoggedURLBytes, l.maxBytes))
	rec.Query, queryCut = clip(r.URL.RawQuery, min(maxLoggedURLBytes, l.maxBytes-len(rec.Path)))
	rec.URLTruncated = pathCut || queryCut
	rec.Header, rec.HeaderTruncated = boundedHeader(r.Header, min(maxLoggedHeaderBytes, l.maxBytes-recordBytes(&rec)))
	keep := min(len(body), l.bodyLimit, l.maxBytes-recordBytes(&rec))
	if keep > 0 {
		rec.Body = slices.Clone(body[:keep])
	}
	rec.BodyTruncated = int64(keep) < rec.BodySize
	// Drop the oldest records until this one fits.
	n := recordBytes(&rec)
	for l.len() > 0 && (l.len() >= l.size || l.bytes+n > l.maxBytes) {
		l.bytes -= recordBytes(&l.recs[l.head])
		l.recs[l.head] = RequestRecord{}
		l.head++
		l.dropped++
	}
	if l.head > 0 && l.head >= len(l.recs)/2 {
		// Move the records held to the front: amortised O(1) per record,
		// and the array stays within twice the log's size.
		m := copy(l.recs, l.recs[l.head:])
		clear(l.recs[m:])
		l.recs, l.head = l.recs[:m], 0
	}
	l.recs = append(l.recs, rec)
	l.bytes += n
	l.next++
	return l.next - 1
}

// clip returns a copy of at most n bytes of s, and whether it cut s.
func clip(s string, n int) (string, bool) {
	if len(s) <= n {
		return strings.Clone(s), false
	}
	return strings.Clone(s[:max(n, 0)]), true
}

// internMethod returns the method as a shared constant (the routes take
// no other methods), so that a record holds no copy of it.
func internMethod(m string) string {
	for _, known := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodHead, http.MethodOptions} {
		if m == known {
			return known
		}
	}
	return "OTHER"
}

// len returns the number of records held.
func (l *requestLog) len() int { return len(l.recs) - l.head }

// held returns the records held, oldest first (shared, not copied).
func (l *requestLog) held() []RequestRecord { return l.recs[l.head:] }

// setStatus sets the status of the record with sequence number seq, if it
// is still held.
func (l *requestLog) setStatus(seq uint64, status int) {
	first := l.next - uint64(l.len())
	if seq >= first && seq < l.next {
		l.recs[l.head+int(seq-first)].Status = status
	}
}

// clear empties the log (sequence numbers go on, so that a request in
// flight does not set the status of a newer record).
func (l *requestLog) clear() {
	l.recs, l.head, l.bytes, l.dropped = nil, 0, 0, 0
}

// boundedHeader copies h, keeping names and values (the auth headers
// first, then in name order) up to limit bytes; it reports whether any
// were left out.
func boundedHeader(h http.Header, limit int) (http.Header, bool) {
	keys := make([]string, 0, len(h))
	nv := 0
	for k, vs := range h {
		keys = append(keys, k)
		nv += len(vs)
	}
	rank := func(k string) int {
		if k == "X-Opentok-Auth" || k == "Authorization" {
			return 0
		}
		return 1
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(rank(a)-rank(b), strings.Compare(a, b)) })
	out := make(http.Header, len(keys))
	values := make([]string, 0, nv) // one array for all values, as Header.Clone
	used, truncated := 0, false
	for _, k := range keys {
		start := len(values)
		for _, v := range h[k] {
			if used+len(k)+len(v) > limit {
				truncated = true
				continue
			}
			used += len(k) + len(v)
			values = append(values, v)
		}
		if len(values) > start {
			out[k] = values[start:len(values):len(values)]
		}
	}
	return out, truncated
}

// Requests returns the requests received, oldest first: the most recent
// ones, up to the log's limits (WithRequestLogSize, WithRequestLogBytes);
// DroppedRequests counts the older ones. Every REST request is logged,
// answered or not (refused credentials, an injected fault), and counts
// against the same limits.
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log.held())
}

// RequestsFor returns the requests of one operation still in the log,
// oldest first.
func (s *Server) RequestsFor(op string) []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RequestRecord
	for _, r := range s.log.held() {
		if r.Op == op {
			out = append(out, r)
		}
	}
	return out
}

// DroppedRequests returns how many requests the log has dropped, oldest
// first, to stay within its limits since it was created or last cleared.
func (s *Server) DroppedRequests() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.dropped
}

// RequestLogBytes returns the bytes the request log holds: of paths,
// queries, headers and bodies, never more than WithRequestLogBytes.
func (s *Server) RequestLogBytes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.bytes
}

// ClearRequests empties the request log and zeroes DroppedRequests.
func (s *Server) ClearRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.clear()
}
