package opentok

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/opentok-go/opentok/internal/auth"
	"github.com/opentok-go/opentok/internal/transport"
)

// Version is the SDK version, sent in the User-Agent header as
// "opentok-go/<Version>".
const Version = "0.1.0"

// Default base URLs of the two credential families.
const (
	// DefaultOpenTokURL is the REST host for OpenTok project credentials.
	DefaultOpenTokURL = "https://api.opentok.com"
	// DefaultVonageURL is the REST host for Vonage application credentials.
	DefaultVonageURL = "https://video.api.vonage.com"
)

// DefaultTimeout is the per-attempt timeout used unless [WithTimeout] says
// otherwise (the Node SDK documents 20 s, but never applies it).
const DefaultTimeout = transport.DefaultTimeout

// OpenTok is a client of the OpenTok / Vonage Video REST API. Create one with
// [New] (OpenTok API key and secret) or [NewVonage] (Vonage application ID
// and private key). It is immutable after construction and safe for
// concurrent use by many goroutines; create one per credential set and share
// it. Printing it with fmt or slog never shows the secret or private key.
type OpenTok struct {
	ownerID string        // API key or application ID: the path owner segment
	project *auth.Project // OpenTok credentials, or nil
	app     *auth.App     // Vonage credentials, or nil
	base    *url.URL
	// baseURL is the base URL as text, its path escaped: every request's
	// escaped path is appended to it.
	baseURL string
	header  http.Header // fixed request headers (Accept, User-Agent)
	// jsonHeader and formHeader add the Content-Type of a JSON or form
	// body; made once so that requests share them.
	jsonHeader, formHeader http.Header
	tr                     *transport.Client

	// now and nonce are replaced by in-package tests to make tokens
	// reproducible; a nil nonce means a random one.
	now   func() time.Time
	nonce func() float64
}

// config collects the options before the client is built.
type config struct {
	baseURL    string
	httpClient *http.Client
	timeout    time.Duration
	userAgent  string
	retry      *RetryPolicy
	logger     *slog.Logger
	maxBody    int64
}

// Option configures a client in [New] or [NewVonage]. Options validate their
// input and make the constructor fail with a [*ValidationError] when it is
// wrong.
type Option func(*config) error

// WithBaseURL sets the REST base URL (default [DefaultOpenTokURL] or
// [DefaultVonageURL]); "" keeps the default, so that an unset environment
// variable can be passed as it is:
//
//	opentok.New(key, secret, opentok.WithBaseURL(os.Getenv("OPENTOK_API_URL")))
//
// Otherwise it must be an absolute https URL, or http when the host is a
// loopback address or "localhost" (for the opentoktest fake and the
// emulator). A path prefix is kept; a trailing slash is removed; a query,
// fragment, user info, a port outside 1–65535 or a URL of nothing but
// white space is rejected with a [*ValidationError].
func WithBaseURL(u string) Option {
	return func(c *config) error {
		if u == "" {
			return nil
		}
		if _, err := parseBaseURL(u); err != nil {
			return err
		}
		c.baseURL = u
		return nil
	}
}

func parseBaseURL(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, invalid("baseURL", "must not be empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, invalid("baseURL", "does not parse as a URL")
	}
	if u.Host == "" || u.Opaque != "" {
		return nil, invalid("baseURL", "must be an absolute URL such as https://api.opentok.com")
	}
	if u.User != nil {
		return nil, invalid("baseURL", "must not contain user info")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, invalid("baseURL", "must not have a query or fragment")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, invalid("baseURL", "port must be between 1 and 65535")
		}
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, invalid("baseURL", "must use https unless the host is a loopback address")
		}
	default:
		return nil, invalid("baseURL", "scheme must be https (or http for a loopback host)")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// WithHTTPClient sets the HTTP client used for requests (default: a client
// with a clone of [http.DefaultTransport] that keeps up to 64 idle
// connections per host and reads at most [MaxResponseHeaderBytes] of an
// answer's headers; set MaxResponseHeaderBytes on your transport too, as
// net/http's default is 10 MiB). The client is copied, never modified: the copy only
// adds a redirect check that refuses to follow a redirect to another host or
// scheme, since the auth header must not reach it. Its Transport, Jar and
// Timeout are used as given.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return invalid("httpClient", "must not be nil")
		}
		c.httpClient = hc
		return nil
	}
}

// WithTimeout sets the per-attempt timeout: the longest one HTTP exchange,
// body included, may take (default [DefaultTimeout], 20 s). The context
// passed to each call bounds all attempts together. It must be positive.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("timeout", "must be positive")
		}
		c.timeout = d
		return nil
	}
}

// WithUserAgent appends addendum to the User-Agent header, which is
// "opentok-go/<Version>" by default. It must be 1–256 printable ASCII
// characters.
func WithUserAgent(addendum string) Option {
	return func(c *config) error {
		if addendum == "" || len(addendum) > 256 {
			return invalid("userAgent", "must be 1-256 characters")
		}
		for i := 0; i < len(addendum); i++ {
			if addendum[i] < 0x20 || addendum[i] > 0x7e {
				return invalid("userAgent", "must be printable ASCII")
			}
		}
		c.userAgent = addendum
		return nil
	}
}

// RetryPolicy says when and how often failed requests are retried.
//
// A 429 answer is retried for any method, after the wait its Retry-After
// header asks for (seconds or an HTTP date) or else the backoff. 5xx answers
// (but 501 and 505), lost connections and per-attempt timeouts are retried
// only for GET, PUT, PATCH and DELETE, whose repetition is harmless; a POST
// is retried after those only when the connection could not be made at all.
// Waits grow exponentially from MinBackoff to MaxBackoff with jitter, and
// stop early when the context's deadline would pass first.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt
	// (default 2 when no policy is given); 0 disables retrying; at most 10.
	MaxRetries int
	// MinBackoff is the wait before the first retry before jitter
	// (0 means 250 ms).
	MinBackoff time.Duration
	// MaxBackoff caps the wait between attempts (0 means 8 s).
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After the client honours
	// (0 means 30 s); a longer one ends the retries and the [*APIError]
	// carries the requested wait in RetryAfter.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy is the policy used without [WithRetry]: two retries,
// backoff from 250 ms to 8 s, Retry-After honoured up to 30 s.
var DefaultRetryPolicy = RetryPolicy{
	MaxRetries:    transport.DefaultPolicy.MaxRetries,
	MinBackoff:    transport.DefaultPolicy.MinBackoff,
	MaxBackoff:    transport.DefaultPolicy.MaxBackoff,
	MaxRetryAfter: transport.DefaultPolicy.MaxRetryAfter,
}

// WithRetry sets the retry policy. Zero durations take the defaults of
// [DefaultRetryPolicy], but MaxRetries is taken as given: 0 disables
// retries. To change one setting, start from the default:
//
//	p := opentok.DefaultRetryPolicy
//	p.MaxBackoff = 2 * time.Second
//	ot, err := opentok.New(key, secret, opentok.WithRetry(p))
//
// Negative values, more than 10 retries, or MinBackoff above MaxBackoff are
// rejected with a [*ValidationError].
func WithRetry(p RetryPolicy) Option {
	return func(c *config) error {
		switch {
		case p.MaxRetries < 0 || p.MaxRetries > 10:
			return invalid("retry.MaxRetries", "must be between 0 and 10")
		case p.MinBackoff < 0 || p.MaxBackoff < 0 || p.MaxRetryAfter < 0:
			return invalid("retry", "durations must not be negative")
		}
		if p.MinBackoff == 0 {
			p.MinBackoff = DefaultRetryPolicy.MinBackoff
		}
		if p.MaxBackoff == 0 {
			p.MaxBackoff = DefaultRetryPolicy.MaxBackoff
		}
		if p.MaxRetryAfter == 0 {
			p.MaxRetryAfter = DefaultRetryPolicy.MaxRetryAfter
		}
		if p.MinBackoff > p.MaxBackoff {
			return invalid("retry.MinBackoff", "must not exceed MaxBackoff")
		}
		c.retry = &p
		return nil
	}
}

// DefaultMaxResponseBody is the largest success answer a client reads
// unless [WithMaxResponseBody] says otherwise: 3 MiB, about 1.3 times the
// largest real answer (a full page of 1,000 broadcasts with five RTMP
// targets and ten streams each).
const DefaultMaxResponseBody = transport.DefaultMaxBody

// MaxResponseHeaderBytes bounds the headers of an answer read by a client
// on the default transport (no [WithHTTPClient]): 64 KiB, where net/http's
// default is 10 MiB (the platform sends under 2 KiB). An answer with more
// fails the attempt with a [*TransportError] and is not read. A client
// given with [WithHTTPClient] uses its transport's own
// MaxResponseHeaderBytes: set it there too.
const MaxResponseHeaderBytes = transport.MaxResponseHeaderBytes

// WithMaxResponseBody sets the largest success answer the client reads, in
// bytes (default [DefaultMaxResponseBody]); a larger one is a
// [*ResponseError] for the calls that decode it. The buffer grows with the
// bytes that arrive, never from the announced length, so a stalled or
// endless answer costs at most this much per call. It must be between
// 4 KiB and 1 GiB. Error answers are read up to 64 KiB whatever it is.
func WithMaxResponseBody(n int64) Option {
	return func(c *config) error {
		if n < 4<<10 || n > 1<<30 {
			return invalid("maxResponseBody", "must be between 4 KiB and 1 GiB, not %d bytes", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithLogger makes the client log each HTTP attempt at debug level: method,
// path, attempt number, status and latency. Credentials, auth JWTs, client
// tokens and bodies are never logged. Default: no logging.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return invalid("logger", "must not be nil")
		}
		c.logger = l
		return nil
	}
}

// New returns a client for OpenTok project credentials: the project API key
// and API secret from the account dashboard. Requests go to
// [DefaultOpenTokURL] with an X-OPENTOK-AUTH header holding an HS256 JWT
// signed with the secret, freshly made for every request. Client tokens are
// HS256 JWTs (or legacy T1 tokens) signed with the secret.
//
// New does no I/O. It returns a [*ValidationError] when the key is empty or
// not digits, the secret is empty or has surrounding white space, or an
// option is invalid.
func New(apiKey, apiSecret string, opts ...Option) (*OpenTok, error) {
	if err := checkAPIKey("apiKey", apiKey); err != nil {
		return nil, err
	}
	if err := checkAPISecret("apiSecret", apiSecret); err != nil {
		return nil, err
	}
	ot := &OpenTok{ownerID: apiKey, project: auth.NewProject(apiKey, []byte(apiSecret))}
	if err := ot.configure(DefaultOpenTokURL, opts); err != nil {
		return nil, err
	}
	return ot, nil
}

// NewVonage returns a client for Vonage application credentials: the
// application ID (a UUID) and the application's RSA private key in PEM form
// (PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY"). Requests go to
// [DefaultVonageURL] with an "Authorization: Bearer" RS256 JWT (valid
// 5 minutes). RSA signing costs about a millisecond of CPU, so a JWT is
// reused for up to a minute (the official SDKs sign one per request); one
// the platform refuses with 401 or 403 is dropped and the request sent once
// more with a fresh JWT, so that a JWT signed while the clock was wrong
// does not outlive the clock's correction.
// Client tokens are RS256 JWTs signed with the key.
//
// NewVonage does no I/O. It returns a [*ValidationError] when the ID is not a
// UUID, the key does not parse as an RSA private key, or an option is
// invalid. The error never quotes the key.
func NewVonage(applicationID string, privateKeyPEM []byte, opts ...Option) (*OpenTok, error) {
	if applicationID == "" {
		return nil, invalid("applicationId", "must not be empty")
	}
	if len(applicationID) != 36 || uuid.Validate(applicationID) != nil {
		return nil, invalid("applicationId", "must be a UUID such as 0b4b0c3e-5bd4-4a55-9a7b-2f2b6b1c9d10")
	}
	key, err := parsePrivateKey(privateKeyPEM)
	if err != nil {
		return nil, err
	}
	ot := &OpenTok{ownerID: applicationID, app: auth.NewApp(applicationID, key)}
	if err := ot.configure(DefaultVonageURL, opts); err != nil {
		return nil, err
	}
	return ot, nil
}

func parsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	if len(bytes.TrimSpace(pemBytes)) == 0 {
		return nil, invalid("privateKey", "must not be empty")
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, invalid("privateKey", "is not PEM-encoded (expected a PRIVATE KEY block)")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, invalid("privateKey", "does not parse as a PKCS#8 private key")
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, invalid("privateKey", "is not an RSA key")
		}
		return checkRSA(rk)
	case "RSA PRIVATE KEY":
		rk, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, invalid("privateKey", "does not parse as a PKCS#1 RSA private key")
		}
		return checkRSA(rk)
	default:
		return nil, invalid("privateKey", "PEM block type must be PRIVATE KEY or RSA PRIVATE KEY")
	}
}

func checkRSA(k *rsa.PrivateKey) (*rsa.PrivateKey, error) {
	if k.N.BitLen() < 2048 {
		return nil, invalid("privateKey", "RSA key must be at least 2048 bits")
	}
	if err := k.Validate(); err != nil {
		return nil, invalid("privateKey", "RSA key is inconsistent")
	}
	k.Precompute()
	return k, nil
}

func (ot *OpenTok) configure(defaultURL string, opts []Option) error {
	cfg := config{baseURL: defaultURL, timeout: DefaultTimeout}
	for _, o := range opts {
		if o == nil {
			return invalid("option", "must not be nil")
		}
		if err := o(&cfg); err != nil {
			return err
		}
	}
	base, err := parseBaseURL(cfg.baseURL)
	if err != nil {
		return err
	}
	ot.base = base
	ot.baseURL = base.Scheme + "://" + base.Host + base.EscapedPath()
	ua := "opentok-go/" + Version
	if cfg.userAgent != "" {
		ua += " " + cfg.userAgent
	}
	ot.header = http.Header{
		"Accept":     {"application/json"},
		"User-Agent": {ua},
	}
	ot.jsonHeader = ot.header.Clone()
	ot.jsonHeader.Set("Content-Type", "application/json")
	ot.formHeader = ot.header.Clone()
	ot.formHeader.Set("Content-Type", "application/x-www-form-urlencoded")
	policy := transport.DefaultPolicy
	if cfg.retry != nil {
		policy = transport.Policy{
			MaxRetries:    cfg.retry.MaxRetries,
			MinBackoff:    cfg.retry.MinBackoff,
			MaxBackoff:    cfg.retry.MaxBackoff,
			MaxRetryAfter: cfg.retry.MaxRetryAfter,
		}
	}
	ot.now = time.Now
	ot.tr = &transport.Client{
		HTTP:    guardRedirects(cfg.httpClient),
		Timeout: cfg.timeout,
		Policy:  policy,
		Logger:  cfg.logger,
		MaxBody: cfg.maxBody,
		Now:     func() time.Time { return ot.now() },
	}
	ot.tr.Auth = ot.authHeader
	ot.tr.Rejected = ot.authRejected
	return nil
}

// defaultTransport is shared by all clients made without WithHTTPClient, so
// that they share one connection pool.
var defaultTransport = sync.OnceValue(func() http.RoundTripper { return transport.NewHTTPTransport() })

// guardRedirects returns a copy of hc (or a default client) that refuses
// redirects to another host or scheme: the auth header would follow them.
func guardRedirects(hc *http.Client) *http.Client {
	var cp http.Client
	if hc != nil {
		cp = *hc
	} else {
		cp.Transport = defaultTransport()
	}
	next := cp.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		if req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cp
}

// authHeader returns the REST auth header for an attempt made at now.
func (ot *OpenTok) authHeader(now time.Time) (string, string, error) {
	if ot.project != nil {
		tok, err := ot.project.RESTToken(now)
		return "X-Opentok-Auth", tok, err
	}
	tok, err := ot.app.RESTToken(now)
	if err != nil {
		return "", "", err
	}
	return "Authorization", "Bearer " + tok, nil
}

// authRejected drops the reused application JWT a 401 or 403 answered, so
// that the request is sent once more with a fresh one; OpenTok project JWTs
// are fresh for every attempt already.
func (ot *OpenTok) authRejected(value string) bool {
	return ot.app != nil && ot.app.Invalidate(strings.TrimPrefix(value, "Bearer "))
}

// CloseIdleConnections closes the idle keep-alive connections of the
// client's HTTP client, as [http.Client.CloseIdleConnections] does; use it
// when a client is done with (calls in flight are not affected, and later
// calls open new connections). Clients made without [WithHTTPClient] share
// one transport, whose idle connections this closes for all of them; with
// WithHTTPClient it closes those of the given client's transport.
func (ot *OpenTok) CloseIdleConnections() { ot.tr.HTTP.CloseIdleConnections() }

// IsVonage reports whether the client uses Vonage application credentials
// (made by [NewVonage]) rather than OpenTok project credentials.
func (ot *OpenTok) IsVonage() bool { return ot.app != nil }

// OwnerID returns the API key (OpenTok credentials) or the application ID
// (Vonage credentials): the project segment of REST paths, and the first
// argument a client SDK passes to OT.initSession.
func (ot *OpenTok) OwnerID() string { return ot.ownerID }

// BaseURL returns the REST base URL the client sends requests to.
func (ot *OpenTok) BaseURL() string { return ot.base.String() }

// String describes the client without its secret.
func (ot *OpenTok) String() string {
	if ot == nil {
		return "opentok.OpenTok(nil)"
	}
	kind := "apiKey"
	if ot.app != nil {
		kind = "applicationId"
	}
	return "opentok.OpenTok{" + kind + ": " + strconv.Quote(ot.ownerID) + ", baseURL: " + strconv.Quote(ot.base.String()) + ", secret: REDACTED}"
}

// GoString is used by %#v; it never shows the secret.
func (ot *OpenTok) GoString() string { return ot.String() }

// Format implements fmt.Formatter so that every verb (%v, %+v, %#v, %s, %q,
// %x) prints the redacted form of [OpenTok.String].
func (ot *OpenTok) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		_, _ = io.WriteString(f, strconv.Quote(ot.String()))
	default:
		_, _ = io.WriteString(f, ot.String())
	}
}

// LogValue implements slog.LogValuer: the client logs as its owner ID and
// base URL only.
func (ot *OpenTok) LogValue() slog.Value {
	if ot == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(
		slog.String("ownerId", ot.ownerID),
		slog.String("baseURL", ot.base.String()),
		slog.Bool("vonage", ot.app != nil),
	)
}

// Ptr returns a pointer to v. Use it for optional fields whose platform
// default is not the zero value, such as HasAudio or PartialCaptions, which
// must still be sendable as false:
//
//	opts := &opentok.ArchiveOptions{HasVideo: opentok.Ptr(false)}
func Ptr[T any](v T) *T { return &v }
