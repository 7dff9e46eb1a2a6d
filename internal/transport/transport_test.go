package transport

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// server is a test server that counts requests and answers with handle.
type server struct {
	*httptest.Server
	n      atomic.Int32
	mu     sync.Mutex
	bodies []string
	auths  []string
}

func newServer(t *testing.T, handle func(n int32, w http.ResponseWriter, r *http.Request)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, string(b))
		s.auths = append(s.auths, r.Header.Get("X-Auth"))
		s.mu.Unlock()
		handle(s.n.Add(1), w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) count() int { return int(s.n.Load()) }

// sleeps records the waits between attempts (without sleeping them).
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) get() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// client returns a client with a short backoff, whose auth header counts
// the attempts, and whose waits are recorded in sl (nil: real sleeps).
func client(sl *sleeps) *Client {
	var n atomic.Int32
	c := &Client{
		HTTP:    &http.Client{},
		Timeout: 2 * time.Second,
		Policy:  Policy{MaxRetries: 2, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, MaxRetryAfter: 30 * time.Second},
		Auth: func(time.Time) (string, string, error) {
			return "X-Auth", "attempt-" + strconv.Itoa(int(n.Add(1))), nil
		},
	}
	if sl != nil {
		c.Sleep = sl.sleep
	}
	return c
}

func get(url string) *Request { return &Request{Method: "GET", URL: url, Path: "/x"} }
func post(url string) *Request {
	return &Request{Method: "POST", URL: url, Path: "/x", Body: []byte(`{"a":1}`)}
}

func status(code int, retryAfter string) func(int32, http.ResponseWriter, *http.Request) {
	return func(_ int32, w http.ResponseWriter, _ *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(code)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                               0,
		"5":                              5 * time.Second,
		" 7 ":                            7 * time.Second,
		"0":                              0,
		"-3":                             0,
		"soon":                           0,
		"999999999":                      24 * time.Hour,
		"Fri, 27 Nov 2026 12:00:10 GMT":  10 * time.Second,
		"Fri, 27 Nov 2026 11:59:00 GMT":  0,
		"Friday, 27-Nov-26 12:01:00 GMT": time.Minute,
		"Thu, 01 Jan 2300 00:00:00 GMT":  24 * time.Hour, // a date centuries ahead is capped like the seconds form
	}
	for in, want := range cases {
		assert.Equal(t, want, ParseRetryAfter(in, now), "%q", in)
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	c := &Client{Policy: Policy{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}}
	for _, j := range []float64{0, 0.5, 0.999} {
		c.Jitter = func() float64 { return j }
		for n := 1; n <= 8; n++ {
			d := c.backoff(n)
			base := min(100*time.Millisecond<<(n-1), time.Second)
			assert.GreaterOrEqual(t, d, base/2, "n=%d", n)
			assert.LessOrEqual(t, d, base, "n=%d", n)
		}
	}
}

func TestIdempotent(t *testing.T) {
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE", "HEAD"} {
		assert.True(t, Idempotent(m), m)
	}
	assert.False(t, Idempotent("POST"))
}

func Test429IsRetriedAfterRetryAfterWithAFreshAuthHeader(t *testing.T) {
	s := newServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	var sl sleeps
	resp, err := client(&sl).Do(context.Background(), post(s.URL))
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "ok", string(resp.Body))
	assert.Equal(t, 2, resp.Attempts)
	assert.Equal(t, []time.Duration{2 * time.Second}, sl.get(), "waited what Retry-After asked")
	assert.Equal(t, []string{`{"a":1}`, `{"a":1}`}, s.bodies, "a POST is resent after 429, with the same body")
	assert.Equal(t, []string{"attempt-1", "attempt-2"}, s.auths, "a fresh auth header per attempt")
}

func Test429RetryAfterAsHTTPDate(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	s := newServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", now.Add(3*time.Second).Format(http.TimeFormat))
			w.WriteHeader(429)
		}
	})
	var sl sleeps
	c := client(&sl)
	c.Now = func() time.Time { return now }
	_, err := c.Do(context.Background(), get(s.URL))
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{3 * time.Second}, sl.get())
}

func Test5xxIsRetriedForIdempotentMethodsOnly(t *testing.T) {
	t.Run("GET", func(t *testing.T) {
		s := newServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
			if n <= 2 {
				w.WriteHeader(503)
			}
		})
		var sl sleeps
		c := client(&sl)
		resp, err := c.Do(context.Background(), get(s.URL))
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, 3, resp.Attempts)
		waits := sl.get()
		require.Len(t, waits, 2)
		// Jittered exponential backoff: [min/2, min] then [min, 2 min].
		assert.True(t, waits[0] >= 500*time.Microsecond && waits[0] <= time.Millisecond, "%v", waits[0])
		assert.True(t, waits[1] >= time.Millisecond && waits[1] <= 2*time.Millisecond, "%v", waits[1])
	})
	t.Run("POST", func(t *testing.T) {
		s := newServer(t, status(503, ""))
		resp, err := client(nil).Do(context.Background(), post(s.URL))
		require.NoError(t, err)
		assert.Equal(t, 503, resp.StatusCode)
		assert.Equal(t, 1, resp.Attempts)
		assert.Equal(t, 1, s.count())
	})
	t.Run("501 and 505 are not retried", func(t *testing.T) {
		for _, code := range []int{501, 505} {
			s := newServer(t, status(code, ""))
			resp, err := client(nil).Do(context.Background(), get(s.URL))
			require.NoError(t, err)
			assert.Equal(t, 1, resp.Attempts, "%d", code)
		}
	})
}

func TestRetriesEndAfterMaxRetries(t *testing.T) {
	s := newServer(t, status(502, ""))
	resp, err := client(nil).Do(context.Background(), get(s.URL))
	require.NoError(t, err)
	assert.Equal(t, 502, resp.StatusCode)
	assert.Equal(t, 3, resp.Attempts, "1 + 2 retries")
	assert.Equal(t, 3, s.count())

	c := client(nil)
	c.Policy.MaxRetries = 0
	resp, err = c.Do(context.Background(), get(s.URL))
	require.NoError(t, err)
	assert.Equal(t, 1, resp.Attempts, "retries disabled")
}

// A Retry-After longer than MaxRetryAfter ends the retries, for a 429 and,
// as documented, for a 5xx too (a 5xx used to be retried at once).
func TestRetryAfterLongerThanTheCapEndsTheRetries(t *testing.T) {
	for _, code := range []int{429, 503} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			s := newServer(t, status(code, "3600"))
			var sl sleeps
			resp, err := client(&sl).Do(context.Background(), get(s.URL))
			require.NoError(t, err)
			assert.Equal(t, code, resp.StatusCode)
			assert.Equal(t, time.Hour, resp.RetryAfter)
			assert.Equal(t, 1, resp.Attempts)
			assert.Empty(t, sl.get(), "no wait")
			assert.Equal(t, 1, s.count())
		})
	}
	t.Run("a 5xx Retry-After within the cap is honoured", func(t *testing.T) {
		s := newServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				w.Header().Set("Retry-After", "4")
				w.WriteHeader(503)
			}
		})
		var sl sleeps
		_, err := client(&sl).Do(context.Background(), get(s.URL))
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{4 * time.Second}, sl.get())
	})
}

func TestRetryAfterBeyondTheDeadlineReturnsAtOnce(t *testing.T) {
	s := newServer(t, status(429, "20"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	resp, err := client(nil).Do(ctx, get(s.URL))
	require.NoError(t, err)
	assert.Equal(t, 429, resp.StatusCode)
	assert.Less(t, time.Since(start), time.Second)
	assert.Equal(t, 1, s.count())
}

func TestCancellation(t *testing.T) {
	t.Run("before the call", func(t *testing.T) {
		s := newServer(t, status(200, ""))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := client(nil).Do(ctx, get(s.URL))
		var te *Error
		require.ErrorAs(t, err, &te)
		assert.ErrorIs(t, err, context.Canceled)
		assert.False(t, te.Sent, "nothing was sent")
		assert.Zero(t, s.count())
	})
	t.Run("during backoff", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s := newServer(t, func(_ int32, w http.ResponseWriter, _ *http.Request) {
			go func() { time.Sleep(20 * time.Millisecond); cancel() }()
			w.WriteHeader(503)
		})
		c := client(nil)
		c.Policy = Policy{MaxRetries: 5, MinBackoff: 10 * time.Second, MaxBackoff: 10 * time.Second, MaxRetryAfter: time.Minute}
		start := time.Now()
		_, err := c.Do(ctx, get(s.URL))
		assert.Less(t, time.Since(start), 2*time.Second)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, s.count())
	})
	t.Run("while waiting for headers", func(t *testing.T) {
		release := make(chan struct{})
		s := newServer(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		defer close(release)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := client(nil).Do(ctx, post(s.URL))
		assert.Less(t, time.Since(start), 2*time.Second)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var te *Error
		require.ErrorAs(t, err, &te)
		assert.True(t, te.Sent, "the request was in flight when the deadline passed")
		assert.Equal(t, 1, s.count(), "no retry once the caller's deadline passed")
	})
}

func TestPerAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := newServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		if n == 1 || r.Method == "POST" {
			select { // hangs
			case <-release:
			case <-r.Context().Done():
			}
		}
	})
	c := client(nil)
	c.Timeout = 100 * time.Millisecond
	resp, err := c.Do(context.Background(), get(s.URL))
	require.NoError(t, err, "a GET is retried after its attempt timed out")
	assert.Equal(t, 2, resp.Attempts)

	// A POST that times out is not resent: it may have been processed.
	_, err = c.Do(context.Background(), post(s.URL))
	var te *Error
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 1, te.Attempts)
	assert.True(t, te.Sent, "it may have been processed")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "per-attempt timeout")
}

func TestConnectionRefusedIsRetriedEvenForAPost(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	var sl sleeps
	_, err = client(&sl).Do(context.Background(), post("http://"+addr+"/x"))
	var te *Error
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 3, te.Attempts, "the request never left, so retrying is safe")
	assert.False(t, te.Sent, "no attempt reached a server")
	assert.Len(t, sl.get(), 2)
}

// An auth header that cannot be made is not a network failure: nothing is
// sent, nothing is retried, and the error says so (it used to be retried
// and reported as "no answer came").
func TestAuthFailureIsNotRetried(t *testing.T) {
	s := newServer(t, status(200, ""))
	c := client(nil)
	cause := errors.New("rsa: key broken")
	c.Auth = func(time.Time) (string, string, error) { return "", "", cause }
	_, err := c.Do(context.Background(), get(s.URL))
	var ae *AuthError
	require.ErrorAs(t, err, &ae)
	assert.ErrorIs(t, err, cause)
	assert.Zero(t, ae.Attempts)
	var te *Error
	assert.False(t, errors.As(err, &te), "not a transport error")
	assert.Zero(t, s.count(), "nothing sent")

	// A failure on a retry reports the attempts already sent.
	var calls atomic.Int32
	c.Auth = func(time.Time) (string, string, error) {
		if calls.Add(1) > 1 {
			return "", "", cause
		}
		return "X-Auth", "ok", nil
	}
	s2 := newServer(t, status(503, ""))
	_, err = c.Do(context.Background(), get(s2.URL))
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 1, ae.Attempts)
	assert.Equal(t, 1, s2.count())
}

func TestBodyLimits(t *testing.T) {
	big := strings.Repeat("x", 2000)
	t.Run("a 2xx body over the limit", func(t *testing.T) {
		for _, withLength := range []bool{true, false} {
			s := newServer(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
				if withLength {
					w.Header().Set("Content-Length", strconv.Itoa(len(big)))
				} else {
					w.(http.Flusher).Flush() // chunked: the length is not announced
				}
				_, _ = io.WriteString(w, big)
			})
			c := client(nil)
			c.MaxBody = 1000
			resp, err := c.Do(context.Background(), get(s.URL))
			assert.ErrorIs(t, err, ErrBodyTooLarge, "length announced: %v", withLength)
			require.NotNil(t, resp, "the answer comes with the error")
			assert.Equal(t, 200, resp.StatusCode)
			assert.LessOrEqual(t, len(resp.Body), 1000)
			if withLength {
				assert.Empty(t, resp.Body, "an announced oversized body is not read")
			}
		}
	})
	t.Run("a 2xx body at the limit", func(t *testing.T) {
		s := newServer(t, func(_ int32, w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, big[:1000]) })
		c := client(nil)
		c.MaxBody = 1000
		resp, err := c.Do(context.Background(), get(s.URL))
		require.NoError(t, err)
		assert.Len(t, resp.Body, 1000)
	})
	t.Run("an error body is cut at MaxErrorBody", func(t *testing.T) {
		s := newServer(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, strings.Repeat("e", MaxErrorBody+5000))
		})
		resp, err := client(nil).Do(context.Background(), get(s.URL))
		require.NoError(t, err, "a long error body is not an error of the transport")
		assert.Equal(t, 400, resp.StatusCode)
		assert.Len(t, resp.Body, MaxErrorBody)
	})
}

// The default transport reads at most MaxResponseHeaderBytes of headers
// (net/http's default is 10 MiB): headers past it fail the attempt, and an
// answer just under it is read.
func TestHeaderLimitOfTheDefaultTransport(t *testing.T) {
	tr := NewHTTPTransport()
	defer tr.CloseIdleConnections()
	assert.Equal(t, int64(MaxResponseHeaderBytes), tr.MaxResponseHeaderBytes)
	assert.Equal(t, 64, tr.MaxIdleConnsPerHost)
	for _, tc := range []struct {
		size int
		ok   bool
	}{{MaxResponseHeaderBytes - 1000, true}, {MaxResponseHeaderBytes + 1, false}, {5 << 20, false}} {
		s := newServer(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Pad", strings.Repeat("a", tc.size))
			_, _ = io.WriteString(w, "{}")
		})
		c := client(nil)
		c.HTTP = &http.Client{Transport: tr}
		c.Policy.MaxRetries = 0
		resp, err := c.Do(context.Background(), get(s.URL))
		if tc.ok {
			require.NoError(t, err, "%d bytes of headers", tc.size)
			assert.Equal(t, "{}", string(resp.Body))
			continue
		}
		var te *Error
		require.ErrorAs(t, err, &te, "%d bytes of headers", tc.size)
		assert.Contains(t, err.Error(), "exceeded")
		assert.Equal(t, 1, te.Attempts)
	}
}

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestLoggerSeesEveryAttempt(t *testing.T) {
	s := newServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.WriteHeader(503)
		}
	})
	var lines strings.Builder
	c := client(nil)
	c.Logger = newTextLogger(&lines)
	_, err := c.Do(context.Background(), get(s.URL))
	require.NoError(t, err)
	out := lines.String()
	assert.Equal(t, 2, strings.Count(out, "opentok request"), out)
	assert.Contains(t, out, "status=503")
	assert.Contains(t, out, "attempt=2")
	assert.NotContains(t, out, "attempt-", "the auth header is not logged")
}

// A 401 or 403 tells Rejected which credential failed; when it dropped a
// reused one, the request goes once more at once with a fresh one (a JWT
// made while the clock was wrong must not keep failing after the clock is
// corrected).
func TestRejectedCredentialIsReplacedOnce(t *testing.T) {
	for _, code := range []int{401, 403} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			s := newServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					w.WriteHeader(code)
				}
			})
			c := client(nil)
			var rejected []string
			c.Rejected = func(v string) bool { rejected = append(rejected, v); return true }
			resp, err := c.Do(context.Background(), post(s.URL))
			require.NoError(t, err)
			assert.Equal(t, 200, resp.StatusCode, "a POST too: the platform did not process it")
			assert.Equal(t, 2, resp.Attempts)
			assert.Equal(t, []string{"attempt-1"}, rejected)
			assert.Equal(t, []string{"attempt-1", "attempt-2"}, s.auths, "the second attempt carries a fresh credential")
		})
	}
	t.Run("only once", func(t *testing.T) {
		s := newServer(t, status(401, ""))
		c := client(nil)
		n := 0
		c.Rejected = func(string) bool { n++; return true }
		resp, err := c.Do(context.Background(), get(s.URL))
		require.NoError(t, err)
		assert.Equal(t, 401, resp.StatusCode)
		assert.Equal(t, 2, resp.Attempts)
		assert.Equal(t, 1, n)
	})
	t.Run("nothing dropped, nothing resent", func(t *testing.T) {
		s := newServer(t, status(403, ""))
		c := client(nil)
		c.Rejected = func(string) bool { return false }
		resp, err := c.Do(context.Background(), get(s.URL))
		require.NoError(t, err)
		assert.Equal(t, 1, resp.Attempts)
	})
}
