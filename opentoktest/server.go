package opentoktest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/opentok-go/opentok"
)

// Server is a fake OpenTok / Vonage Video platform: an HTTP server that keeps
// sessions, connections, streams, archives, broadcasts, SIP calls, Audio
// Connector connections, renders and captions in memory and answers the REST
// API the way the platform does. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL of the running server (set by NewServer, or by
	// WithBaseURL).
	URL string
	// APIKey and APISecret are the OpenTok credentials it accepts (empty for
	// a Vonage fake). RefreshProjectSecret on the fake's own project
	// replaces APISecret: while requests may be served, read the secret
	// with Project(APIKey), or let Client and NewClient read it.
	APIKey, APISecret string
	// ApplicationID and PrivateKeyPEM are the Vonage credentials it accepts
	// (empty for an OpenTok fake).
	ApplicationID string
	PrivateKeyPEM []byte
	// AccountKey and AccountSecret are the account-level credentials of
	// account management (empty for a Vonage fake); see AccountClient.
	AccountKey, AccountSecret string

	cfg     config
	pubKey  *rsa.PublicKey
	mux     *http.ServeMux
	hooks   *webhookQueue
	httpSrv *httptest.Server
	// tb is the test given to NewServer (nil for New and Start): Client
	// fails it instead of panicking.
	tb testing.TB

	mu    sync.Mutex
	clock clock
	st    *state
	// faults by operation name ("*" for any).
	faults map[string][]*faultSlot
	// ops are the operation names the routes report; patterns the REST
	// routes' patterns ("POST /v2/project/{pid}/archive"), in order.
	ops      map[string]bool
	patterns []string
	log      requestLog
	// projects are the account's projects by API key (OpenTok fakes).
	projects map[string]*Project
	// cur and curAccount say whom the request being served authenticated
	// as: a project (nil for a Vonage fake) or the account.
	cur        *Project
	curAccount bool
	// cl is the client side: real clients' signalling sockets and what
	// only they need (clientpush.go); sockets counts their handlers.
	cl      clients
	sockets sync.WaitGroup
}

// New returns a fake platform that is not yet listening; serve it with any
// http.Server (it is an http.Handler). Most tests want NewServer instead.
func New(opts ...Option) (*Server, error) {
	cfg := config{apiKey: DefaultAPIKey, apiSecret: DefaultAPISecret, accountKey: DefaultAccountKey,
		accountSecret: DefaultAccountSecret, archiveDelay: 5 * time.Second, rtmpDelay: 2 * time.Second}
	cfg.setLimitDefaults()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	s := &Server{cfg: cfg, faults: map[string][]*faultSlot{}, ops: map[string]bool{UploadArchive: true}, URL: cfg.baseURL,
		projects: map[string]*Project{}}
	s.log = requestLog{size: cfg.logSize, bodyLimit: cfg.logBodyLimit, maxBytes: cfg.logBytes}
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
		s.AccountKey, s.AccountSecret = cfg.accountKey, cfg.accountSecret
		s.projects[s.APIKey] = &Project{APIKey: s.APIKey, APISecret: s.APISecret, Status: opentok.ProjectActive,
			Name: "opentoktest", Environment: "standard", CreatedAt: time.Now()}
	}
	s.cfg = cfg
	s.st = newState()
	s.cl = clients{all: map[*clientSocket]struct{}{}, joined: map[string]map[string]*clientSocket{},
		streams: map[string]*clientStream{}, subscribers: map[string]*clientSubscriber{}}
	s.hooks = newWebhookQueue(cfg.webhooks)
	s.hooks.keep = cfg.stateLimit
	s.hooks.sign = func(body []byte, secret string) (string, error) {
		// Signed at the real time: the receiver checks iat against its own
		// clock, not the fake's.
		return opentok.SignCallback(body, secret, &opentok.SignCallbackOptions{
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
	s.tb = tb
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

// Close stops the server started by NewServer or Start, closes the
// signalling sockets of real clients (for a server made by New too) and
// waits for their handlers and for the queued webhook deliveries: at most
// twice Webhooks.Timeout for the queue, after which the events still
// waiting are recorded as not sent, and then at most one Timeout for the
// one in delivery (so at most 15 s by default when a receiver hangs). It
// is safe to call more than once.
func (s *Server) Close() {
	s.closeClients()
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
// and base URL, then the options given. When the options are invalid it
// fails the test given to NewServer (with Fatalf, so call it from that
// test's goroutine), or panics for a server made by New or Start.
func (s *Server) Client(opts ...opentok.Option) *opentok.OpenTok {
	ot, err := s.NewClient(opts...)
	if err != nil {
		if s.tb != nil {
			s.tb.Helper()
			s.tb.Fatalf("opentoktest: Client: %v", err)
			return nil // reached only if Fatalf returns (a testing.TB that records)
		}
		panic(fmt.Sprintf("opentoktest: Client: %v", err))
	}
	return ot
}

// NewClient is Client returning the error instead of failing the test or
// panicking.
func (s *Server) NewClient(opts ...opentok.Option) (*opentok.OpenTok, error) {
	all := append([]opentok.Option{opentok.WithBaseURL(s.URL)}, opts...)
	if s.cfg.vonage {
		return opentok.NewVonage(s.ApplicationID, s.PrivateKeyPEM, all...)
	}
	s.mu.Lock() // RefreshProjectSecret may be replacing the secret
	secret := s.APISecret
	s.mu.Unlock()
	return opentok.New(s.APIKey, secret, all...)
}

// ownerJSON adds the owner fields of an archive or broadcast answer of a
// session: applicationId for a Vonage fake, projectId and partnerId
// otherwise (the session's API key as a number, see apiKeyJSON).
func (s *Server) ownerJSON(m map[string]any, sessionID string) map[string]any {
	if s.cfg.vonage {
		m["applicationId"] = s.ApplicationID
	} else {
		key := s.apiKeyJSON(s.ownerOf(sessionID))
		m["projectId"], m["partnerId"] = key, key
	}
	return m
}

// apiKeyJSON is the API key as the platform writes it in the objects of
// the v2 REST API (archives, broadcasts, renders, connection lists) and in
// archive callbacks and manifests: a JSON number, which the Java SDK and
// the community Go SDK decode into an int. A key that is not a plain
// integer (possible with WithCredentials) stays a string. Session creation
// and the session-monitoring and SIP callbacks write it as a string.
func (s *Server) apiKeyJSON(key string) any {
	n, err := strconv.ParseInt(key, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != key {
		return key
	}
	return n
}
