package opentok

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
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
	"unicode/utf8"

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
	// basePath and baseRawPath are the base URL's path, unescaped and
	// escaped, that every request path follows.
	basePath, baseRawPath string
	header                http.Header // fixed request headers (Accept, User-Agent)
	// jsonHeader and formHeader add the Content-Type of a JSON or form
	// body; made once so that requests share them.
	jsonHeader, formHeader http.Header
	tr                     *transport.Client

	// now and nonce are replaced by in-package tests to make tokens
	// reproducible; a nil nonce means 15 random digits.
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
}

// Option configures a client in [New] or [NewVonage]. Options validate their
// input and make the constructor fail with a [*ValidationError] when it is
// wrong.
type Option func(*config) error

// WithBaseURL sets the REST base URL (default [DefaultOpenTokURL] or
// [DefaultVonageURL]). It must be an absolute https URL, or http when the
// host is a loopback address or "localhost" (for the opentoktest fake and the
// emulator). A path prefix is kept; a trailing slash is removed; a query,
// fragment or user info is rejected.
func WithBaseURL(u string) Option {
	return func(c *config) error {
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
// connections per host). The client is copied, never modified: the copy only
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
// New does no I/O. It returns a [*ValidationError] when the key or secret is
// empty or contains white space, or when an option is invalid.
func New(apiKey, apiSecret string, opts ...Option) (*OpenTok, error) {
	if apiKey == "" {
		return nil, invalid("apiKey", "must not be empty")
	}
	if strings.ContainsAny(apiKey, " \t\r\n/?#%") || !utf8.ValidString(apiKey) || apiKey == "." || apiKey == ".." {
		return nil, invalid("apiKey", "must not contain white space or URL delimiters")
	}
	if apiSecret == "" {
		return nil, invalid("apiSecret", "must not be empty")
	}
	if strings.TrimSpace(apiSecret) != apiSecret {
		return nil, invalid("apiSecret", "must not have leading or trailing white space")
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
// [DefaultVonageURL] with an "Authorization: Bearer" RS256 JWT, which is
// reused until shortly before it expires because RSA signing is costly.
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
	ot.basePath, ot.baseRawPath = base.Path, base.EscapedPath()
	ua := "opentok-go/" + Version
	if cfg.userAgent != "" {
		ua += " " + cfg.userAgent
	}
	ot.header = http.Header{
		"Accept":     {"application/json"},
		"User-Agent": {ua},
	}
	ot.jsonHeader = withContentType(ot.header, "application/json")
	ot.formHeader = withContentType(ot.header, "application/x-www-form-urlencoded")
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
		Now:     func() time.Time { return ot.now() },
	}
	ot.tr.Auth = ot.authHeader
	return nil
}

// defaultTransport is shared by all clients made without WithHTTPClient, so
// that they share one connection pool.
var defaultTransport = sync.OnceValue(func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	return t
})

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
		return "X-Opentok-Auth", ot.project.RESTToken(now), nil
	}
	tok, err := ot.app.RESTToken(now)
	if err != nil {
		return "", "", err
	}
	return "Authorization", "Bearer " + tok, nil
}

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

// ---- the request path -------------------------------------------------------

// escapeSegment escapes one path segment so that no ID can change the path:
// '/', '?', '#', '%' and spaces are percent-encoded, and the segments "." and
// ".." are encoded as %2E.
func escapeSegment(s string) string {
	switch s {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return url.PathEscape(s)
}

// projectPath returns the escaped path /v2/project/{owner}/{segs...}.
func (ot *OpenTok) projectPath(segs ...string) string {
	var b strings.Builder
	b.Grow(64)
	b.WriteString("/v2/project/")
	b.WriteString(escapeSegment(ot.ownerID))
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(escapeSegment(s))
	}
	return b.String()
}

// request describes one REST call.
type request struct {
	method string
	path   string     // escaped path below the base URL
	query  url.Values // optional
	body   any        // nil, a formBody, or a value encoded as JSON
	out    any        // decode target for a 2xx body, or nil to ignore it
	// optionalOut tolerates an empty 2xx body even when out is set.
	optionalOut bool
}

// formBody is an application/x-www-form-urlencoded body.
type formBody []byte

// add appends key=value (escaped as url.Values does); empty values are
// left out.
func (f formBody) add(key, value string) formBody {
	if value == "" {
		return f
	}
	if len(f) > 0 {
		f = append(f, '&')
	}
	f = append(f, url.QueryEscape(key)...)
	f = append(f, '=')
	return append(f, url.QueryEscape(value)...)
}

// jsonEncoder is a pooled buffer with an encoder writing into it.
type jsonEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var jsonEncoderPool = sync.Pool{New: func() any {
	e := &jsonEncoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}

// encodeJSON encodes v without HTML escaping, as the wire bodies in the
// tests and the platform documentation show it.
func encodeJSON(v any) ([]byte, error) {
	e := jsonEncoderPool.Get().(*jsonEncoder)
	e.buf.Reset()
	defer jsonEncoderPool.Put(e)
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	b := bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))
	return append([]byte(nil), b...), nil
}

// do sends the request and decodes the answer into r.out. It returns
// *APIError for non-2xx answers, *ResponseError for unusable 2xx bodies and
// *TransportError when no answer came.
func (ot *OpenTok) do(ctx context.Context, r *request) error {
	if ctx == nil {
		return invalid("ctx", "must not be nil")
	}
	// The path goes in both forms: net/http sends RawPath, which keeps each
	// escaped ID one segment, because it is a valid encoding of Path.
	p, err := url.PathUnescape(r.path)
	if err != nil {
		return invalid("path", "is not a valid escaped path")
	}
	u := &url.URL{Scheme: ot.base.Scheme, Host: ot.base.Host, Path: ot.basePath + p, RawPath: ot.baseRawPath + r.path}
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	treq := &transport.Request{Method: r.method, URL: u, Path: r.path, Header: ot.header}
	switch b := r.body.(type) {
	case nil:
	case formBody:
		treq.Body = b
		treq.Header = ot.formHeader
	default:
		enc, err := encodeJSON(b)
		if err != nil {
			return invalid("body", "cannot be encoded as JSON: %v", err)
		}
		treq.Body = enc
		treq.Header = ot.jsonHeader
	}

	resp, err := ot.tr.Do(ctx, treq)
	defer resp.Release() // every decoder copies what it keeps
	if err != nil && resp == nil {
		te := &TransportError{Method: r.method, Path: r.path, Err: err}
		var terr *transport.Error
		if errors.As(err, &terr) {
			te.Attempts = terr.Attempts
			te.Err = terr.Err
		}
		return te
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newAPIError(r.method, r.path, resp)
	}
	if r.out == nil {
		// The body is not used, so any 2xx is success, even one whose body
		// was over the limit (the delete or stop did happen).
		return nil
	}
	if err != nil { // 2xx body too large
		return &ResponseError{StatusCode: resp.StatusCode, Method: r.method, Path: r.path,
			ContentType: resp.Header.Get("Content-Type"), Err: err}
	}
	body := bytes.TrimSpace(resp.Body)
	if len(body) == 0 {
		if r.optionalOut {
			return nil
		}
		return &ResponseError{StatusCode: resp.StatusCode, Method: r.method, Path: r.path,
			ContentType: resp.Header.Get("Content-Type"), Err: errors.New("empty body where JSON was expected")}
	}
	if fd, ok := r.out.(fastDecoder); ok && fd.decodeFast(body) {
		return nil
	}
	if err := json.Unmarshal(body, r.out); err != nil {
		return &ResponseError{StatusCode: resp.StatusCode, Method: r.method, Path: r.path,
			ContentType: resp.Header.Get("Content-Type"), Err: err}
	}
	return nil
}

func withContentType(h http.Header, ct string) http.Header {
	out := make(http.Header, len(h)+1)
	for k, v := range h {
		out[k] = v
	}
	out["Content-Type"] = []string{ct}
	return out
}

// errorBody is the platform's error shape, decoded leniently.
type errorBody struct {
	Code        json.RawMessage `json:"code"`
	Message     string          `json:"message"`
	Description string          `json:"description"`
	Error       string          `json:"error"`
}

func newAPIError(method, path string, resp *transport.Response) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		Method:     method,
		Path:       path,
		RequestID:  resp.Header.Get("X-Request-Id"),
		RetryAfter: resp.RetryAfter,
		Attempts:   resp.Attempts,
	}
	e.Code, e.Message = parseErrorBody(resp.Body)
	return e
}

// parseErrorBody extracts the code and message of an error body: JSON
// {"code","message"} (or "description"/"error"), or a short plain-text line.
// HTML pages and long bodies give no message.
func parseErrorBody(body []byte) (code int, msg string) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return 0, ""
	}
	if body[0] == '{' {
		var eb errorBody
		if json.Unmarshal(body, &eb) == nil {
			code = parseLenientInt(eb.Code)
			switch {
			case eb.Message != "" && eb.Message != "null":
				msg = eb.Message
			case eb.Description != "":
				msg = eb.Description
			case eb.Error != "":
				msg = eb.Error
			}
			if eb.Description != "" && msg != eb.Description {
				msg += " (" + eb.Description + ")"
			}
			return code, cleanMessage(msg)
		}
		return 0, ""
	}
	if body[0] == '<' || len(body) > 200 || bytes.ContainsAny(body, "\r\n") {
		return 0, ""
	}
	return 0, cleanMessage(string(body))
}

// cleanMessage bounds a server message and strips control characters.
func cleanMessage(s string) string {
	if len(s) > 500 {
		s = s[:500]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// parseLenientInt reads a JSON number or numeric string; anything else is 0.
func parseLenientInt(raw json.RawMessage) int {
	if len(raw) == 0 {
		return 0
	}
	s := string(raw)
	if s[0] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			s = u
		}
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= -1e9 && f <= 1e9 {
		return int(f)
	}
	return 0
}
