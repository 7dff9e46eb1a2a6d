package opentoktest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opentok-go/opentok"
)

// Default fake credentials. They are made up and only valid against a fake.
const (
	DefaultAPIKey        = "47000000"
	DefaultAPISecret     = "fake0000secret0000for0000opentoktest00"
	DefaultApplicationID = "00000000-0000-4000-8000-00000000f4ce"
)

// Option configures a fake server.
type Option func(*config) error

type config struct {
	apiKey, apiSecret string
	vonage            bool
	appID             string
	privateKey        *rsa.PrivateKey
	webhooks          Webhooks
	archiveDelay      time.Duration
	rtmpDelay         time.Duration
	control           bool
	baseURL           string
}

// WithCredentials sets the OpenTok API key and secret the fake accepts
// (default DefaultAPIKey and DefaultAPISecret).
func WithCredentials(apiKey, apiSecret string) Option {
	return func(c *config) error {
		if apiKey == "" || apiSecret == "" || strings.ContainsAny(apiKey, "/~ ") {
			return errors.New("opentoktest: API key and secret must be non-empty (and the key free of '/', '~' and spaces)")
		}
		c.apiKey, c.apiSecret = apiKey, apiSecret
		return nil
	}
}

// WithVonage makes the fake a Vonage application server: requests must carry
// an "Authorization: Bearer" RS256 JWT signed with the application's private
// key, failures answer 401, and client tokens are RS256 JWTs. The key pair is
// generated (2048 bits) unless WithApplicationKey gives one.
func WithVonage() Option {
	return func(c *config) error {
		c.vonage = true
		return nil
	}
}

// WithApplicationKey sets the application ID and RSA private key of a Vonage
// fake (implies WithVonage).
func WithApplicationKey(applicationID string, key *rsa.PrivateKey) Option {
	return func(c *config) error {
		if applicationID == "" || key == nil {
			return errors.New("opentoktest: application ID and key are required")
		}
		c.vonage = true
		c.appID = applicationID
		c.privateKey = key
		return nil
	}
}

// WithArchiveDelay sets how long (on the fake's clock) a stopped archive
// stays "stopped" before it becomes "available" (default 5 s). Advance the
// clock or call CompleteArchive to get there in a test.
func WithArchiveDelay(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return errors.New("opentoktest: archive delay must not be negative")
		}
		c.archiveDelay = d
		return nil
	}
}

// WithWebhooks makes the fake POST callback events to the given URLs as its
// state changes.
func WithWebhooks(w Webhooks) Option {
	return func(c *config) error {
		c.webhooks = w
		return nil
	}
}

// WithControlAPI serves the control API under /_emulator/ (used by the
// emulator command; Go tests call the Server's methods instead).
func WithControlAPI() Option {
	return func(c *config) error {
		c.control = true
		return nil
	}
}

// WithBaseURL sets the URL the fake reports for itself (archive download and
// HLS URLs) when it is served by something other than NewServer.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		c.baseURL = strings.TrimRight(u, "/")
		return nil
	}
}

// Server is a fake OpenTok / Vonage Video platform: an HTTP server that keeps
// sessions, connections, streams, archives, broadcasts, SIP calls, Audio
// Connector connections, renders and captions in memory and answers the REST
// API the way the platform does. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL of the running server (set by NewServer, or by
	// WithBaseURL).
	URL string
	// APIKey and APISecret are the OpenTok credentials it accepts (empty for
	// a Vonage fake).
	APIKey, APISecret string
	// ApplicationID and PrivateKeyPEM are the Vonage credentials it accepts
	// (empty for an OpenTok fake).
	ApplicationID string
	PrivateKeyPEM []byte

	cfg     config
	pubKey  *rsa.PublicKey
	mux     *http.ServeMux
	hooks   *webhookQueue
	httpSrv *httptest.Server

	mu    sync.Mutex
	clock clock
	st    *state
	// faults by operation name ("*" for any).
	faults map[string][]*faultSlot
	// ops are the operation names the routes report.
	ops map[string]bool
	log []RequestRecord
}

// New returns a fake platform that is not yet listening; serve it with any
// http.Server (it is an http.Handler). Most tests want NewServer instead.
func New(opts ...Option) (*Server, error) {
	cfg := config{apiKey: DefaultAPIKey, apiSecret: DefaultAPISecret, archiveDelay: 5 * time.Second, rtmpDelay: 2 * time.Second}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	s := &Server{cfg: cfg, faults: map[string][]*faultSlot{}, ops: map[string]bool{}, URL: cfg.baseURL}
	if cfg.vonage {
		if cfg.privateKey == nil {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				return nil, err
			}
			cfg.privateKey = k
		}
		if cfg.appID == "" {
			cfg.appID = DefaultApplicationID
		}
		der, err := x509.MarshalPKCS8PrivateKey(cfg.privateKey)
		if err != nil {
			return nil, err
		}
		s.ApplicationID = cfg.appID
		s.PrivateKeyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		s.pubKey = &cfg.privateKey.PublicKey
	} else {
		s.APIKey, s.APISecret = cfg.apiKey, cfg.apiSecret
	}
	s.cfg = cfg
	s.st = newState()
	s.hooks = newWebhookQueue(cfg.webhooks)
	s.hooks.sign = func(body []byte) (string, error) {
		// Signed at the real time: the receiver checks iat against its own
		// clock, not the fake's.
		return opentok.SignCallback(body, cfg.webhooks.Secret, &opentok.SignCallbackOptions{
			APIKey: s.APIKey, ApplicationID: s.ApplicationID})
	}
	s.mux = http.NewServeMux()
	s.routes()
	return s, nil
}

// NewServer starts a fake platform on a loopback port and closes it when the
// test ends. It fails the test if an option is invalid.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := Start(opts...)
	if err != nil {
		tb.Fatalf("opentoktest.NewServer: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Start starts a fake platform on a loopback port, for use outside tests
// (examples, demos, local development). Call Close when done.
func Start(opts ...Option) (*Server, error) {
	s, err := New(opts...)
	if err != nil {
		return nil, err
	}
	s.httpSrv = httptest.NewServer(s)
	s.URL = s.httpSrv.URL
	return s, nil
}

// Close stops the server started by NewServer or Start and waits for webhook
// deliveries in flight. It is safe to call more than once.
func (s *Server) Close() {
	if s.httpSrv != nil {
		s.httpSrv.Close()
	}
	s.hooks.close()
}

// OwnerID returns the API key or, for a Vonage fake, the application ID.
func (s *Server) OwnerID() string {
	if s.cfg.vonage {
		return s.ApplicationID
	}
	return s.APIKey
}

// IsVonage reports whether the fake serves Vonage application credentials.
func (s *Server) IsVonage() bool { return s.cfg.vonage }

// Client returns an SDK client configured for this fake: its credentials
// and base URL, then the options given. It fails the test (or panics, for a
// server made by New) when the options are invalid.
func (s *Server) Client(opts ...opentok.Option) *opentok.OpenTok {
	ot, err := s.NewClient(opts...)
	if err != nil {
		panic(fmt.Sprintf("opentoktest: Client: %v", err))
	}
	return ot
}

// NewClient is Client returning the error instead of panicking.
func (s *Server) NewClient(opts ...opentok.Option) (*opentok.OpenTok, error) {
	all := append([]opentok.Option{opentok.WithBaseURL(s.URL)}, opts...)
	if s.cfg.vonage {
		return opentok.NewVonage(s.ApplicationID, s.PrivateKeyPEM, all...)
	}
	return opentok.New(s.APIKey, s.APISecret, all...)
}

// ---- clock -------------------------------------------------------------------

// clock is real time plus an offset the test controls. It drives the
// fake's state (archives becoming available, durations, broadcast limits)
// and the expiry of client tokens. REST auth JWTs are checked against real
// time plus authSkew instead, so that moving the clock forward does not
// expire the short-lived JWTs a client signs with its own clock.
type clock struct {
	offset   time.Duration
	authSkew time.Duration
}

func (c clock) now() time.Time { return time.Now().Add(c.offset) }

// Now returns the fake's current time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock.now()
}

// Advance moves the fake's clock forward by d and applies every change that
// was waiting on time (archives becoming available, RTMP targets going
// live, broadcasts reaching their maximum duration).
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.clock.offset += d
	}
	s.tickLocked()
}

// SetNow sets the fake's clock to t (it then runs on from there).
func (s *Server) SetNow(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock.offset = time.Until(t)
	s.tickLocked()
}

func (s *Server) nowLocked() time.Time { return s.clock.now() }

// SetAuthClockSkew makes the fake check REST auth JWTs as a platform whose
// clock is off by d (positive: ahead of real time), to test how a client
// copes with clock skew (the platform tolerates Leeway). The fake's own
// clock (Advance, SetNow) does not affect auth JWTs.
func (s *Server) SetAuthClockSkew(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock.authSkew = d
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// ---- request log ---------------------------------------------------------------

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

// ---- fault injection -------------------------------------------------------------

// Fault is a failure the fake produces instead of its normal answer.
type Fault struct {
	// Status, when non-zero, is answered with Body (default: a platform
	// error body) instead of the real answer.
	Status int
	// Body replaces the answer's body (with Status, or with the real status
	// when Status is 0 — e.g. to corrupt a success body).
	Body string
	// RetryAfter is sent as the Retry-After header (e.g. "2" or an HTTP
	// date).
	RetryAfter string
	// Delay holds the answer back (the request's context still ends it).
	Delay time.Duration
	// DropConnection closes the connection without any answer.
	DropConnection bool
	// Malformed answers the real status with a truncated JSON body.
	Malformed bool
	// Times is how many requests the fault applies to (default 1; -1 for
	// every request until ClearFaults).
	Times int
}

type faultSlot struct {
	f    Fault
	left int
}

// InjectFault makes the next requests of an operation fail as f says. op is
// the name of the SDK method that makes the request ("StartArchive",
// "DisableForceMute", ... as in RequestRecord.Op), or "*" for any
// operation. Faults queue: each applies to its Times requests, in order.
// It returns an error, and injects nothing, for an unknown operation, a
// Status outside 100–599, a negative Delay or Times below -1.
func (s *Server) InjectFault(op string, f Fault) error {
	switch {
	case op != "*" && !s.ops[op]:
		return fmt.Errorf("opentoktest: InjectFault: unknown operation %q (use an SDK method name such as \"StartArchive\", or \"*\")", op)
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("opentoktest: InjectFault: status %d is not an HTTP status", f.Status)
	case f.Delay < 0:
		return errors.New("opentoktest: InjectFault: delay must not be negative")
	case f.Times < -1:
		return errors.New("opentoktest: InjectFault: times must be -1 (always), 0 (once) or more")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.faults[op] = append(s.faults[op], &faultSlot{f: f, left: left})
	return nil
}

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string][]*faultSlot{}
}

// takeFaultLocked returns the fault for the next request of op, if any.
func (s *Server) takeFaultLocked(op string) (Fault, bool) {
	for _, key := range []string{op, "*"} {
		q := s.faults[key]
		for len(q) > 0 {
			slot := q[0]
			if slot.left == 0 {
				q = q[1:]
				continue
			}
			if slot.left > 0 {
				slot.left--
			}
			s.faults[key] = q
			return slot.f, true
		}
		s.faults[key] = q
	}
	return Fault{}, false
}

// ---- HTTP plumbing -----------------------------------------------------------------

// ServeHTTP serves the fake REST API (and, with WithControlAPI, the control
// API under /_emulator/).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// apiError is the platform's error body.
type apiError struct {
	status  int
	code    int
	message string
}

func (e *apiError) Error() string { return e.message }

func errf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, code: status, message: fmt.Sprintf(format, args...)}
}

// reply is what a handler answers.
type reply struct {
	status int
	body   any // JSON-encoded unless nil
}

func ok(body any) reply { return reply{status: http.StatusOK, body: body} }

// handlerFunc handles one REST operation with the state lock held.
type handlerFunc func(r *http.Request, body []byte) (reply, *apiError)

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
