package opentok

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sleepRecorder replaces the transport's sleep so tests see the waits.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepRecorder) install(ot *OpenTok) {
	ot.tr.Sleep = func(ctx context.Context, d time.Duration) error {
		s.mu.Lock()
		s.waits = append(s.waits, d)
		s.mu.Unlock()
		return ctx.Err()
	}
}

func (s *sleepRecorder) get() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// getJSON sends a GET through the request path (no GET operation needed).
func getJSON(ctx context.Context, ot *OpenTok) error {
	var out map[string]any
	return ot.do(ctx, &request{method: http.MethodGet, path: ot.projectPath("archive", "A"), out: &out})
}

func TestRetry429ThenSuccessHonoursRetryAfter(t *testing.T) {
	for _, kind := range credKinds() {
		t.Run(kind.name, func(t *testing.T) {
			var n atomic.Int32
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				if n.Add(1) == 1 {
					w.Header().Set("Retry-After", "2")
					serveJSON(w, 429, `{"code":429,"message":"slow down"}`)
					return
				}
				serveJSON(w, 200, `[{"session_id":"S"}]`)
			})
			ot := kind.client(t, ts.baseURL())
			var sl sleepRecorder
			sl.install(ot)
			s, err := ot.CreateSession(context.Background(), nil)
			require.NoError(t, err, "a POST is retried after 429")
			assert.Equal(t, "S", s.ID)
			assert.Equal(t, []time.Duration{2 * time.Second}, sl.get(), "waited what Retry-After asked")
			reqs := ts.requests()
			require.Len(t, reqs, 2)
			assert.Equal(t, reqs[0].Body, reqs[1].Body, "the same body is resent")
			a1 := kind.checkAuth(t, reqs[0].Header)
			a2 := kind.checkAuth(t, reqs[1].Header)
			if kind.name == "opentok" {
				assert.NotEqual(t, a1, a2, "a fresh HS256 JWT per attempt")
			}
		})
	}
}

func TestRetry429HTTPDate(t *testing.T) {
	var n atomic.Int32
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", now.Add(3*time.Second).Format(http.TimeFormat))
			serveJSON(w, 429, `{}`)
			return
		}
		serveJSON(w, 200, `{}`)
	})
	ot := credKinds()[0].client(t, ts.baseURL())
	ot.now = func() time.Time { return now }
	var sl sleepRecorder
	sl.install(ot)
	require.NoError(t, getJSON(context.Background(), ot))
	assert.Equal(t, []time.Duration{3 * time.Second}, sl.get())
}

func TestRetry503OnPostIsNotRetried(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, 503, `{"message":"down"}`) })
	ot := credKinds()[0].client(t, ts.baseURL())
	_, err := ot.CreateSession(context.Background(), nil)
	var ae *APIError
	require.True(t, errors.As(err, &ae))
	assert.Equal(t, 503, ae.StatusCode)
	assert.Equal(t, 1, ae.Attempts)
	assert.ErrorIs(t, err, ErrServer)
	assert.Len(t, ts.requests(), 1)
}

func TestRetry503OnGetIsRetried(t *testing.T) {
	for _, kind := range credKinds() {
		t.Run(kind.name, func(t *testing.T) {
			var n atomic.Int32
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				if n.Add(1) <= 2 {
					serveJSON(w, 503, `{}`)
					return
				}
				serveJSON(w, 200, `{"id":"A"}`)
			})
			ot := kind.client(t, ts.baseURL())
			var sl sleepRecorder
			sl.install(ot)
			require.NoError(t, getJSON(context.Background(), ot))
			reqs := ts.requests()
			require.Len(t, reqs, 3)
			for _, r := range reqs {
				kind.checkAuth(t, r.Header)
			}
			waits := sl.get()
			require.Len(t, waits, 2)
			// Jittered exponential backoff: [min/2, min] then [min, 2min].
			assert.True(t, waits[0] >= 500*time.Microsecond && waits[0] <= time.Millisecond, "%v", waits[0])
			assert.True(t, waits[1] >= time.Millisecond && waits[1] <= 2*time.Millisecond, "%v", waits[1])
		})
	}
}

func TestRetryExhaustedReportsAttempts(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("X-Request-Id", "req-42")
		serveJSON(w, 502, `{"code":502,"message":"bad gateway"}`)
	})
	ot := credKinds()[0].client(t, ts.baseURL())
	err := getJSON(context.Background(), ot)
	var ae *APIError
	require.True(t, errors.As(err, &ae))
	assert.Equal(t, 3, ae.Attempts, "1 + 2 retries by default")
	assert.Equal(t, "req-42", ae.RequestID)
	assert.Contains(t, err.Error(), "3 attempts")
	assert.Contains(t, err.Error(), "request-id req-42")
	assert.Len(t, ts.requests(), 3)
}

func TestRetryDisabled(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, 503, `{}`) })
	ot := credKinds()[0].client(t, ts.baseURL(), WithRetry(RetryPolicy{MaxRetries: 0}))
	assert.ErrorIs(t, getJSON(context.Background(), ot), ErrServer)
	assert.Len(t, ts.requests(), 1)
}

func TestRetryAfterTooLongIsNotWaited(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Retry-After", "3600")
		serveJSON(w, 429, `{}`)
	})
	ot := credKinds()[0].client(t, ts.baseURL())
	var sl sleepRecorder
	sl.install(ot)
	err := getJSON(context.Background(), ot)
	var ae *APIError
	require.True(t, errors.As(err, &ae))
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.Equal(t, time.Hour, ae.RetryAfter)
	assert.Empty(t, sl.get())
	assert.Len(t, ts.requests(), 1)
}

func TestRetryAfterBeyondDeadlineReturnsAtOnce(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Retry-After", "20")
		serveJSON(w, 429, `{}`)
	})
	ot := credKinds()[0].client(t, ts.baseURL())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	err := getJSON(ctx, ot)
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.Less(t, time.Since(start), time.Second)
	assert.Len(t, ts.requests(), 1)
}

func TestCancelledContextStopsAtOnce(t *testing.T) {
	t.Run("before the call", func(t *testing.T) {
		ts := newTestServer(t, nil)
		ot := credKinds()[0].client(t, ts.baseURL())
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := ot.CreateSession(ctx, nil)
		assert.ErrorIs(t, err, context.Canceled)
		var te *TransportError
		assert.True(t, errors.As(err, &te))
		assert.Empty(t, ts.requests())
	})
	t.Run("during backoff", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			serveJSON(w, 503, `{}`)
			go func() { time.Sleep(20 * time.Millisecond); cancel() }()
		})
		ot := credKinds()[0].client(t, ts.baseURL(), WithRetry(RetryPolicy{MaxRetries: 5, MinBackoff: 10 * time.Second, MaxBackoff: 10 * time.Second}))
		start := time.Now()
		err := getJSON(ctx, ot)
		assert.Less(t, time.Since(start), 2*time.Second)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Len(t, ts.requests(), 1)
	})
	t.Run("while waiting for headers", func(t *testing.T) {
		release := make(chan struct{})
		ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		defer close(release)
		ot := credKinds()[0].client(t, ts.baseURL())
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := getJSON(ctx, ot)
		assert.Less(t, time.Since(start), 2*time.Second)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Len(t, ts.requests(), 1, "no retry once the caller's deadline passed")
	})
}

func TestPerAttemptTimeout(t *testing.T) {
	var n atomic.Int32
	release := make(chan struct{})
	defer close(release)
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if n.Add(1) == 1 {
			select { // the first attempt hangs
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		serveJSON(w, 200, `{}`)
	})
	ot := credKinds()[0].client(t, ts.baseURL(), WithTimeout(100*time.Millisecond))
	require.NoError(t, getJSON(context.Background(), ot), "GET retried after the attempt timed out")
	assert.Len(t, ts.requests(), 2)

	// A POST that times out is not resent: it may have been processed.
	n.Store(0)
	_, err := ot.CreateSession(context.Background(), nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var te *TransportError
	require.True(t, errors.As(err, &te))
	assert.Equal(t, 1, te.Attempts)
	assert.Contains(t, err.Error(), "timeout")
}

func TestConnectionRefusedIsRetriedEvenForPost(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	ot := credKinds()[0].client(t, "http://"+addr)
	var sl sleepRecorder
	sl.install(ot)
	_, err = ot.CreateSession(context.Background(), nil)
	var te *TransportError
	require.True(t, errors.As(err, &te), "got %T %v", err, err)
	assert.Equal(t, 3, te.Attempts, "the request never left, so retrying is safe")
	assert.Len(t, sl.get(), 2)
	assert.Contains(t, err.Error(), "/session/create")
	assert.Contains(t, err.Error(), strconv.Itoa(3)+" attempts")
}
