// Package transport is the one request path of the SDK: it sends a prepared
// request with a fresh auth header per attempt, a per-attempt timeout,
// bounded body reads, and retries with exponential backoff and jitter that
// honour Retry-After. It knows nothing about OpenTok resources; the opentok
// package builds the requests and maps the results to its error types.
package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Default limits and policy values.
const (
	// DefaultTimeout is the per-attempt timeout (the Node SDK documents 20 s).
	DefaultTimeout = 20 * time.Second
	// DefaultMaxBody is the largest success body read: 3 MiB. The largest
	// real answer, a full page of 1,000 broadcasts with five RTMP targets
	// and ten streams each, is about 2.3 MB.
	DefaultMaxBody = 3 << 20
	// MaxErrorBody is the largest error body read (64 KiB); the rest is
	// discarded.
	MaxErrorBody = 64 << 10
	// MaxResponseHeaderBytes bounds the headers of an answer on the
	// default HTTP transport (NewHTTPTransport): 64 KiB, well under
	// net/http's default of 10 MiB; the platform's headers are under
	// 2 KiB. Past it the answer is not read and the attempt fails. With
	// the 10 MiB default, 64 concurrent answers of ~10 MB of headers took
	// 0.8–1 GiB of heap while the bodies stayed bounded.
	MaxResponseHeaderBytes = 64 << 10
	// maxDrain is how much of an unread body is drained so the connection
	// can be reused; larger bodies close the connection instead.
	maxDrain = 256 << 10
	// maxRetryAfter bounds a parsed Retry-After (seconds or date).
	maxRetryAfter = 24 * time.Hour
)

// NewHTTPTransport returns the transport of clients made without a custom
// HTTP client: a clone of http.DefaultTransport (proxy from the
// environment, HTTP/2, its dial and TLS timeouts) that keeps up to 64 idle
// connections per host (256 in all) and reads at most
// MaxResponseHeaderBytes of an answer's headers.
func NewHTTPTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	t.MaxResponseHeaderBytes = MaxResponseHeaderBytes
	return t
}

// Policy says when and how often to retry.
type Policy struct {
	// MaxRetries is the number of retries after the first attempt; 0
	// disables retrying.
	MaxRetries int
	// MinBackoff is the base wait before the first retry; it doubles per
	// retry up to MaxBackoff, and each wait is jittered to between half and
	// all of that value.
	MinBackoff time.Duration
	// MaxBackoff caps the computed wait.
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits for; a
	// longer one ends the retries and the answer is returned.
	MaxRetryAfter time.Duration
}

// DefaultPolicy is used when no policy is configured.
var DefaultPolicy = Policy{
	MaxRetries:    2,
	MinBackoff:    250 * time.Millisecond,
	MaxBackoff:    8 * time.Second,
	MaxRetryAfter: 30 * time.Second,
}

// Request is a prepared request, sent as is on every attempt.
type Request struct {
	Method string
	// URL is the absolute URL, its path escaped.
	URL string
	// Path is the URL path, used in logs and errors.
	Path string
	// Header holds the fixed headers (Accept, User-Agent, Content-Type);
	// each attempt sends a copy with the auth header added.
	Header http.Header
	// Body is the encoded body, or nil.
	Body []byte
}

// Response is the final answer.
type Response struct {
	StatusCode int
	Header     http.Header
	// Body holds at most MaxBody bytes of a 2xx answer, or MaxErrorBody
	// bytes of another.
	Body []byte
	// Attempts counts the requests sent, retries included.
	Attempts int
	// RetryAfter is the parsed Retry-After header of the final answer.
	RetryAfter time.Duration
	// AfterLostAnswer is set when an earlier attempt got no answer (a lost
	// connection or a timeout): the server may have done the request
	// already, so a 404 for a removal may mean it is done.
	AfterLostAnswer bool
}

// Error is a failure to get any HTTP answer after Attempts attempts; Err
// is the last cause.
type Error struct {
	Attempts int
	Err      error
	// Sent is set when an attempt may have reached the server: it failed
	// after the connection was made (a reset, a timeout, a cancelled
	// context, a body cut short), so the server may have acted on it.
	// Attempts that could not connect at all did not.
	Sent bool
}

// Error returns the cause's message.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// AuthError reports that the auth header of an attempt could not be made
// (a signing failure). Nothing was sent for that attempt, and the request
// is not retried.
type AuthError struct {
	// Attempts is how many requests were sent before, retries included.
	Attempts int
	Err      error
}

// Error returns the cause's message.
func (e *AuthError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *AuthError) Unwrap() error { return e.Err }

// ErrBodyTooLarge is returned (with the response) when a success body is
// larger than MaxBody.
var ErrBodyTooLarge = errors.New("response body exceeds the size limit")

// attemptTimeoutError marks an attempt that hit the per-attempt timeout.
type attemptTimeoutError struct{ d time.Duration }

func (e attemptTimeoutError) Error() string {
	return "no answer within the per-attempt timeout of " + e.d.String()
}
func (attemptTimeoutError) Unwrap() error { return context.DeadlineExceeded }
func (attemptTimeoutError) Timeout() bool { return true }

// AuthFunc returns the auth header for an attempt made at now.
type AuthFunc func(now time.Time) (name, value string, err error)

// Client sends requests. Its fields are set once and not changed after.
type Client struct {
	HTTP    *http.Client
	Timeout time.Duration
	Policy  Policy
	Auth    AuthFunc
	// Rejected is told the auth header value of an attempt answered 401 or
	// 403; it returns true when it dropped a reused credential, so that the
	// next attempt carries a fresh one. The request is then sent once more,
	// at once, whatever its method (the platform did not process it) and
	// beside the policy's retries. Nil: a 401 or 403 is final.
	Rejected func(value string) bool
	Logger   *slog.Logger
	MaxBody  int64

	// Now, Sleep and Jitter may be replaced in tests.
	Now    func() time.Time
	Sleep  func(ctx context.Context, d time.Duration) error
	Jitter func() float64
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Idempotent reports whether a request with this method may be resent after
// a 5xx answer or a lost connection.
func Idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions,
		http.MethodPut, http.MethodDelete, http.MethodPatch:
		return true
	}
	return false
}

// Do sends the request, retrying as the policy allows. It returns a Response
// for any HTTP answer (2xx or not), an *AuthError when an auth header could
// not be made, or an *Error when no answer came. A 2xx body over MaxBody
// gives the response together with ErrBodyTooLarge.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	idempotent := Idempotent(req.Method)
	reauthorized, lost := false, false
	for attempt := 1; ; attempt++ {
		start := c.now()
		if err := ctx.Err(); err != nil {
			return nil, &Error{Attempts: attempt, Err: err, Sent: lost}
		}
		var authName, authValue string
		if c.Auth != nil {
			var err error
			if authName, authValue, err = c.Auth(start); err != nil {
				return nil, &AuthError{Attempts: attempt - 1, Err: err}
			}
		}
		resp, err := c.attempt(ctx, req, authName, authValue)
		if c.Logger != nil && c.Logger.Enabled(ctx, slog.LevelDebug) {
			c.log(ctx, req, attempt, resp, err, start)
		}
		if err != nil && !errors.Is(err, ErrBodyTooLarge) {
			lost = lost || !neverSent(err)
			if ctx.Err() != nil {
				return nil, &Error{Attempts: attempt, Err: ctx.Err(), Sent: lost}
			}
			if attempt > c.Policy.MaxRetries || !(idempotent || neverSent(err)) {
				return nil, &Error{Attempts: attempt, Err: err, Sent: lost}
			}
			if werr := c.wait(ctx, c.backoff(attempt)); werr != nil {
				if ctx.Err() != nil {
					err = ctx.Err()
				}
				return nil, &Error{Attempts: attempt, Err: err, Sent: lost}
			}
			continue
		}
		resp.Attempts = attempt
		resp.AfterLostAnswer = lost
		if err != nil { // body too large
			return resp, err
		}
		if (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) &&
			!reauthorized && c.Rejected != nil && c.Rejected(authValue) {
			reauthorized = true
			continue
		}
		retry, wait := c.shouldRetry(resp, idempotent, attempt)
		if !retry {
			return resp, nil
		}
		if werr := c.wait(ctx, wait); werr != nil {
			if ctx.Err() != nil {
				return nil, &Error{Attempts: attempt, Err: ctx.Err(), Sent: lost}
			}
			return resp, nil // the wait would outlast the deadline
		}
	}
}

// wait sleeps for d unless the context would end first, in which case it
// returns an error at once without sleeping.
func (c *Client) wait(ctx context.Context, d time.Duration) error {
	if dl, ok := ctx.Deadline(); ok && c.now().Add(d).After(dl) {
		return context.DeadlineExceeded
	}
	return c.sleep(ctx, d)
}

// shouldRetry decides whether an answer is retried and after how long. A
// Retry-After longer than the policy's MaxRetryAfter ends the retries,
// whatever the status: the server asked for more patience than the caller
// allows.
func (c *Client) shouldRetry(resp *Response, idempotent bool, attempt int) (bool, time.Duration) {
	if attempt > c.Policy.MaxRetries {
		return false, 0
	}
	retryable := resp.StatusCode == http.StatusTooManyRequests ||
		idempotent && resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented &&
			resp.StatusCode != http.StatusHTTPVersionNotSupported
	switch {
	case !retryable:
		return false, 0
	case resp.RetryAfter > c.Policy.MaxRetryAfter:
		return false, 0
	case resp.RetryAfter > 0:
		return true, resp.RetryAfter
	}
	return true, c.backoff(attempt)
}

// backoff returns the jittered exponential wait before retry number n.
func (c *Client) backoff(n int) time.Duration {
	d := c.Policy.MinBackoff
	for i := 1; i < n && d < c.Policy.MaxBackoff; i++ {
		d *= 2
	}
	if d > c.Policy.MaxBackoff {
		d = c.Policy.MaxBackoff
	}
	j := rand.Float64
	if c.Jitter != nil {
		j = c.Jitter
	}
	return d/2 + time.Duration(j()*float64(d/2))
}

func (c *Client) attempt(ctx context.Context, req *Request, authName, authValue string) (*Response, error) {
	// An ended context sends nothing. http.Transport checks this itself,
	// but a RoundTripper given with WithHTTPClient may not.
	if err := ctx.Err(); err != nil {
		return nil, notSentError{err}
	}
	header := req.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	if authName != "" {
		header.Set(authName, authValue)
	}
	actx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(actx, req.Method, req.URL, body)
	if err != nil {
		return nil, notSentError{err}
	}
	hreq.Header = header

	hresp, err := c.HTTP.Do(hreq)
	if err != nil {
		return nil, c.classify(ctx, actx, err)
	}
	resp := &Response{StatusCode: hresp.StatusCode, Header: hresp.Header}
	resp.RetryAfter = ParseRetryAfter(hresp.Header.Get("Retry-After"), c.now())
	limit := int64(MaxErrorBody)
	success := hresp.StatusCode >= 200 && hresp.StatusCode <= 299
	if success {
		limit = c.MaxBody
		if limit <= 0 {
			limit = DefaultMaxBody
		}
	}
	b, tooLarge, rerr := readBounded(hresp, limit)
	if rerr != nil {
		return nil, c.classify(ctx, actx, rerr)
	}
	resp.Body = b
	if tooLarge && success {
		return resp, ErrBodyTooLarge
	}
	return resp, nil
}

// classify turns a transport error into the error to report, telling a
// per-attempt timeout apart from the caller's context ending.
func (c *Client) classify(ctx, actx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		return attemptTimeoutError{c.Timeout}
	}
	return err
}

// readBounded reads at most limit bytes of the body and closes it. A body
// announced larger than the limit is not read at all, and the announced
// length is never allocated ahead: the buffer starts small and doubles as
// bytes arrive, up to limit+1 (to tell a body at the limit from one over
// it). A modest unread remainder is drained so that the connection can be
// reused.
func readBounded(resp *http.Response, limit int64) (body []byte, tooLarge bool, err error) {
	defer resp.Body.Close()
	if resp.ContentLength > limit {
		return nil, true, nil
	}
	max := int(limit + 1)
	buf := make([]byte, 0, min(512, max))
	for len(buf) < max {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), max-cap(buf)))
		}
		n, err := resp.Body.Read(buf[len(buf):min(cap(buf), max)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
	}
	if len(buf) > int(limit) {
		return buf[:limit], true, nil
	}
	_, _ = io.CopyN(io.Discard, resp.Body, maxDrain)
	return buf, false, nil
}

// notSentError wraps the error of an attempt that sent nothing: its
// context had ended, or the request could not be made.
type notSentError struct{ error }

func (e notSentError) Unwrap() error { return e.error }

// neverSent reports whether the error shows the request never reached the
// server (the connection could not be made, or nothing was sent), so even
// a POST may be retried.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var ns notSentError
	return errors.As(err, &ns) || errors.Is(err, syscall.ECONNREFUSED)
}

// ParseRetryAfter parses a Retry-After value given as delay seconds or as an
// HTTP date; it returns 0 for an absent, past or malformed value, and caps
// either form at 24 hours.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return min(time.Duration(min(secs, int64(maxRetryAfter/time.Second)))*time.Second, maxRetryAfter)
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return min(d.Round(time.Second), maxRetryAfter)
}

func (c *Client) log(ctx context.Context, req *Request, attempt int, resp *Response, err error, start time.Time) {
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("path", req.Path),
		slog.Int("attempt", attempt),
		slog.Duration("latency", c.now().Sub(start)),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.Logger.LogAttrs(ctx, slog.LevelDebug, "opentok request", attrs...)
}
