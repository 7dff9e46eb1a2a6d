package opentok_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
)

// The fault matrix (RELIABILITY.md lists it): every fault below, for a GET
// (GetArchive), a POST (CreateSession) and a DELETE (DeleteArchive), against
// the opentoktest fake served on a loopback listener that counts the
// connections it accepts. Faults the fake can make are injected with
// InjectFault; the others (resets, endless and huge bodies, proxy pages,
// redirects) are written by raw handlers placed in front of the fake.
//
// Each cell checks: the typed error, no panic, the call returning within
// its deadline, the next call on the same client succeeding (against the
// fake's real state), whether the fault cost the keep-alive connection, and
// that no goroutine is left once the client's idle connections are closed.

const (
	matrixAttemptTimeout = 200 * time.Millisecond
	matrixDeadline       = 3 * time.Second
	matrixRetries        = 2
	// matrixMaxSleep shortens long waits (the Retry-After rows) so the suite
	// stays fast; the requested wait is recorded and checked instead.
	matrixMaxSleep = 50 * time.Millisecond
	hugeBodySize   = 100 << 20
)

var matrixPolicy = opentok.RetryPolicy{
	MaxRetries:    matrixRetries,
	MinBackoff:    5 * time.Millisecond,
	MaxBackoff:    20 * time.Millisecond,
	MaxRetryAfter: 10 * time.Second,
}

// faultEnv is one cell's world: a fake behind a counting listener, a client
// with its own transport, and the resources the operations act on.
type faultEnv struct {
	t        *testing.T
	addr     string
	fake     *opentoktest.Server
	hs       *httptest.Server
	accepted atomic.Int64
	raw      atomic.Pointer[http.HandlerFunc]
	tr       *http.Transport
	ot       *opentok.OpenTok
	closers  []func()

	mu    sync.Mutex
	waits []time.Duration

	getID    string // an available archive, read by the GET
	deleteID string // an available archive, deleted by the DELETE
}

func newFaultEnv(t *testing.T, attemptTimeout time.Duration) *faultEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	env := &faultEnv{t: t, addr: ln.Addr().String()}
	env.fake, err = opentoktest.New(opentoktest.WithBaseURL("http://" + env.addr))
	require.NoError(t, err)
	env.hs = env.serve(ln)
	env.tr = http.DefaultTransport.(*http.Transport).Clone()
	env.ot, err = env.fake.NewClient(
		opentok.WithHTTPClient(&http.Client{Transport: env.tr}),
		opentok.WithTimeout(attemptTimeout),
		opentok.WithRetry(matrixPolicy))
	require.NoError(t, err)
	opentok.SetSleepForTest(env.ot, env.sleep)
	t.Cleanup(func() {
		env.tr.CloseIdleConnections()
		env.hs.Close()
	})
	return env
}

// serve serves the fake, or the armed raw fault, on ln.
func (env *faultEnv) serve(ln net.Listener) *httptest.Server {
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := env.raw.Load(); h != nil {
			(*h)(w, r)
			return
		}
		env.fake.ServeHTTP(w, r)
	}))
	_ = hs.Listener.Close()
	hs.Listener = countingListener{ln, &env.accepted}
	hs.Start()
	return hs
}

// sleep records each wait between attempts and sleeps it, shortened to
// matrixMaxSleep.
func (env *faultEnv) sleep(ctx context.Context, d time.Duration) error {
	env.mu.Lock()
	env.waits = append(env.waits, d)
	env.mu.Unlock()
	t := time.NewTimer(min(d, matrixMaxSleep))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (env *faultEnv) recordedWaits() []time.Duration {
	env.mu.Lock()
	defer env.mu.Unlock()
	return append([]time.Duration(nil), env.waits...)
}

// setup makes a routed session with a client and two available archives.
func (env *faultEnv) setup() {
	t := env.t
	ctx := context.Background()
	s, err := env.ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	require.NoError(t, err)
	tok, err := env.ot.GenerateToken(s.ID, nil)
	require.NoError(t, err)
	_, err = env.fake.Connect(s.ID, tok)
	require.NoError(t, err)
	archive := func() string {
		a, err := env.ot.StartArchive(ctx, s.ID, nil)
		require.NoError(t, err)
		_, err = env.ot.StopArchive(ctx, a.ID)
		require.NoError(t, err)
		require.True(t, env.fake.CompleteArchive(a.ID))
		return a.ID
	}
	env.getID, env.deleteID = archive(), archive()
	env.fake.ClearRequests()
	env.waits = nil
}

func (env *faultEnv) armRaw(h http.HandlerFunc) { env.raw.Store(&h) }

// disarm removes every fault and closes what the fault opened.
func (env *faultEnv) disarm() {
	env.raw.Store(nil)
	env.fake.ClearFaults()
	for _, c := range env.closers {
		c()
	}
	env.closers = nil
}

// matrixOp is one operation of the matrix.
type matrixOp struct {
	method string
	// name is the SDK operation, also the fake's operation name.
	name string
	call func(ctx context.Context, env *faultEnv) (any, error)
	// check verifies a successful result against the fake's state.
	check func(t *testing.T, env *faultEnv, res any)
}

var matrixOps = []matrixOp{
	{
		method: http.MethodGet, name: "GetArchive",
		call: func(ctx context.Context, env *faultEnv) (any, error) { return env.ot.GetArchive(ctx, env.getID) },
		check: func(t *testing.T, env *faultEnv, res any) {
			a := res.(*opentok.Archive)
			assert.Equal(t, env.getID, a.ID)
			assert.Equal(t, opentok.ArchiveAvailable, a.Status)
		},
	},
	{
		method: http.MethodPost, name: "CreateSession",
		call: func(ctx context.Context, env *faultEnv) (any, error) {
			return env.ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
		},
		check: func(t *testing.T, env *faultEnv, res any) {
			s, ok := env.fake.Session(res.(*opentok.Session).ID)
			assert.True(t, ok, "the fake knows the new session")
			assert.Equal(t, opentok.MediaRouted, s.MediaMode)
		},
	},
	{
		method: http.MethodDelete, name: "DeleteArchive",
		call: func(ctx context.Context, env *faultEnv) (any, error) {
			return nil, env.ot.DeleteArchive(ctx, env.deleteID)
		},
		check: func(t *testing.T, env *faultEnv, _ any) {
			a, _ := env.fake.Archive(env.deleteID)
			assert.Equal(t, opentok.ArchiveDeleted, a.Status)
		},
	},
}

// outcome is what a faulty call must return.
type outcome struct {
	kind     string // "ok", "api", "response" or "transport"
	status   int    // the APIError's status
	attempts int    // the attempts the error reports (0: not checked)
	is       []error
	// cause checks the cause a TransportError wraps.
	cause func(error) bool
	// keepsConn: the fault must not cost the keep-alive connection.
	keepsConn bool
	// within bounds the call's duration (0: the call's deadline).
	within time.Duration
	// maybeApplied: a TransportError that says the request may have been
	// applied and matches ErrMaybeApplied.
	maybeApplied bool
}

type matrixRow struct {
	name string
	arm  func(env *faultEnv, op matrixOp)
	want func(op matrixOp) outcome
	// deadline is the call's context deadline (0: matrixDeadline).
	deadline time.Duration
	// bounded measures the allocations of the call (the 100 MB bodies).
	bounded bool
	// attemptTimeout overrides matrixAttemptTimeout.
	attemptTimeout time.Duration
	// after runs extra checks on the faulty call.
	after func(t *testing.T, env *faultEnv, op matrixOp, err error)
}

// attemptsFor is how many attempts a fault the policy retries only for
// idempotent methods (5xx, lost connections, timeouts) gets.
func attemptsFor(op matrixOp) int {
	if op.method == http.MethodPost {
		return 1
	}
	return matrixRetries + 1
}

// sentAndLost is the maybeApplied of a fault that cuts the answer of a
// request the platform received: every method but GET.
func sentAndLost(op matrixOp) bool { return op.method != http.MethodGet }

func connLost(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// resetConn takes over the connection, writes prefix (raw HTTP), and closes
// it with a TCP RST (SO_LINGER 0).
func resetConn(w http.ResponseWriter, prefix string) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if prefix != "" {
		_, _ = buf.WriteString(prefix)
		_ = buf.Flush()
		time.Sleep(20 * time.Millisecond) // let the client read the headers first
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// endlessBody answers 200 and then trickles JSON that never ends.
func endlessBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_, _ = io.WriteString(w, `{"items":[`)
	_ = rc.Flush()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if _, err := io.WriteString(w, `{"id":"x"},`); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		}
	}
}

// hugeBody streams a 100 MB success body from one 64 KiB buffer, with or
// without a Content-Length.
func hugeBody(withLength bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if withLength {
			w.Header().Set("Content-Length", strconv.Itoa(hugeBodySize))
		}
		w.WriteHeader(http.StatusOK)
		chunk := []byte(strings.Repeat(" ", 64<<10))
		for n := 0; n < hugeBodySize; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
}

const proxyPage = `<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title></head>
<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p></body></html>
`

func matrixRows() []matrixRow {
	inject := func(f opentoktest.Fault) func(env *faultEnv, op matrixOp) {
		return func(env *faultEnv, op matrixOp) { require.NoError(env.t, env.fake.InjectFault(op.name, f)) }
	}
	raw := func(h http.HandlerFunc) func(env *faultEnv, op matrixOp) {
		return func(env *faultEnv, _ matrixOp) { env.armRaw(h) }
	}
	lost := func(op matrixOp, want outcome) outcome {
		want.kind = "transport"
		want.cause = connLost
		want.maybeApplied = sentAndLost(op)
		return want
	}
	badBody := func(op matrixOp) outcome {
		if op.method == http.MethodDelete {
			// DeleteArchive expects no body: any 2xx is success.
			return outcome{kind: "ok", keepsConn: true}
		}
		return outcome{kind: "response", is: []error{opentok.ErrBadResponse}, keepsConn: true}
	}
	retriedWait := func(lo, hi time.Duration) func(t *testing.T, env *faultEnv, op matrixOp, err error) {
		return func(t *testing.T, env *faultEnv, op matrixOp, err error) {
			waits := env.recordedWaits()
			require.Len(t, waits, 1, "one wait before the retry")
			assert.GreaterOrEqual(t, waits[0], lo, "waited what Retry-After asked")
			assert.LessOrEqual(t, waits[0], hi)
			recs := env.fake.RequestsFor(op.name)
			require.Len(t, recs, 2)
			assert.Equal(t, []int{429, recs[1].Status}, []int{recs[0].Status, recs[1].Status})
		}
	}
	return []matrixRow{
		{
			name: "connection refused",
			arm: func(env *faultEnv, _ matrixOp) {
				// The platform goes away: nothing listens on its port.
				env.hs.Close()
				env.tr.CloseIdleConnections()
				env.closers = append(env.closers, func() {
					// ... and comes back on the same port.
					ln, err := net.Listen("tcp", env.addr)
					require.NoError(env.t, err, "listen again on %s", env.addr)
					env.hs = env.serve(ln)
				})
			},
			want: func(op matrixOp) outcome {
				// Never sent, so even the POST is retried.
				return outcome{kind: "transport", attempts: matrixRetries + 1, is: []error{syscall.ECONNREFUSED}}
			},
		},
		{
			name: "reset before headers",
			arm:  raw(func(w http.ResponseWriter, r *http.Request) { resetConn(w, "") }),
			want: func(op matrixOp) outcome { return lost(op, outcome{attempts: attemptsFor(op)}) },
		},
		{
			name: "closed before headers",
			arm:  inject(opentoktest.Fault{DropConnection: true, Times: -1}),
			want: func(op matrixOp) outcome { return lost(op, outcome{attempts: attemptsFor(op)}) },
		},
		{
			name: "reset mid-body",
			arm: raw(func(w http.ResponseWriter, r *http.Request) {
				resetConn(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"+
					`{"id":"`+strings.Repeat("a", 100))
			}),
			want: func(op matrixOp) outcome { return lost(op, outcome{attempts: attemptsFor(op)}) },
		},
		{
			name: "headers slower than the attempt timeout",
			arm:  inject(opentoktest.Fault{Delay: 2 * time.Second, Times: -1}),
			want: func(op matrixOp) outcome {
				n := attemptsFor(op)
				return outcome{kind: "transport", attempts: n, is: []error{context.DeadlineExceeded},
					within: time.Duration(n)*matrixAttemptTimeout + 500*time.Millisecond, maybeApplied: sentAndLost(op)}
			},
		},
		{
			name:     "headers slower than the caller's deadline",
			deadline: 100 * time.Millisecond,
			arm:      inject(opentoktest.Fault{Delay: 2 * time.Second, Times: -1}),
			want: func(op matrixOp) outcome {
				return outcome{kind: "transport", attempts: 1, is: []error{context.DeadlineExceeded}, within: 400 * time.Millisecond,
					maybeApplied: sentAndLost(op)}
			},
		},
		{
			name: "body that never ends",
			arm:  raw(endlessBody),
			want: func(op matrixOp) outcome {
				n := attemptsFor(op)
				return outcome{kind: "transport", attempts: n, is: []error{context.DeadlineExceeded},
					within: time.Duration(n)*matrixAttemptTimeout + 500*time.Millisecond, maybeApplied: sentAndLost(op)}
			},
		},
		{
			name: "truncated JSON",
			arm:  inject(opentoktest.Fault{Status: 200, Body: `{"id":"6d8b3fd2-truncat`}),
			want: badBody,
		},
		{
			name: "malformed JSON",
			arm:  inject(opentoktest.Fault{Status: 200, Body: `{"id":"a",,"status":}`}),
			want: badBody,
		},
		{
			name: "HTML 502 page from a proxy",
			arm: raw(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = io.WriteString(w, proxyPage)
			}),
			want: func(op matrixOp) outcome {
				return outcome{kind: "api", status: 502, attempts: attemptsFor(op), is: []error{opentok.ErrServer}, keepsConn: true}
			},
			after: func(t *testing.T, env *faultEnv, op matrixOp, err error) {
				var ae *opentok.APIError
				require.ErrorAs(t, err, &ae)
				assert.Empty(t, ae.Message, "an HTML page gives no message")
				assert.NotContains(t, err.Error(), "<")
				assert.Contains(t, err.Error(), "502 Bad Gateway")
			},
		},
		{
			name: "200 with an empty body",
			arm: raw(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "0")
				w.WriteHeader(http.StatusOK)
			}),
			want: badBody,
		},
		{
			name: "204 where JSON is expected",
			arm:  raw(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }),
			want: badBody,
		},
		{
			name:    "100 MB body with Content-Length",
			arm:     raw(hugeBody(true)),
			bounded: true,
			// Reading the 3 MiB limit under the race detector can take
			// longer than 200 ms.
			attemptTimeout: 2 * time.Second,
			want:           hugeOutcome,
		},
		{
			name:           "100 MB body, chunked",
			arm:            raw(hugeBody(false)),
			bounded:        true,
			attemptTimeout: 2 * time.Second,
			want:           hugeOutcome,
		},
		{
			name:  "429 with Retry-After in seconds",
			arm:   inject(opentoktest.Fault{Status: 429, RetryAfter: "1"}),
			want:  func(op matrixOp) outcome { return outcome{kind: "ok", keepsConn: true} },
			after: retriedWait(time.Second, time.Second),
		},
		{
			name: "429 with Retry-After as an HTTP date",
			arm: func(env *faultEnv, op matrixOp) {
				at := time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
				require.NoError(env.t, env.fake.InjectFault(op.name, opentoktest.Fault{Status: 429, RetryAfter: at}))
			},
			want:  func(op matrixOp) outcome { return outcome{kind: "ok", keepsConn: true} },
			after: retriedWait(time.Second, 2*time.Second),
		},
		{
			name: "429 with a Retry-After beyond the policy",
			arm:  inject(opentoktest.Fault{Status: 429, RetryAfter: "3600"}),
			want: func(op matrixOp) outcome {
				return outcome{kind: "api", status: 429, attempts: 1, is: []error{opentok.ErrRateLimited}, keepsConn: true,
					within: 500 * time.Millisecond}
			},
			after: func(t *testing.T, env *faultEnv, op matrixOp, err error) {
				var ae *opentok.APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, time.Hour, ae.RetryAfter, "the requested wait is reported")
				assert.Empty(t, env.recordedWaits(), "not waited")
			},
		},
		{
			name: "storm of 503s",
			arm:  inject(opentoktest.Fault{Status: 503, Times: -1}),
			want: func(op matrixOp) outcome {
				// Bounded: MaxRetries+1 attempts, waits of at most MaxBackoff.
				return outcome{kind: "api", status: 503, attempts: attemptsFor(op), is: []error{opentok.ErrServer}, keepsConn: true,
					within: time.Duration(matrixRetries)*matrixPolicy.MaxBackoff + 500*time.Millisecond}
			},
			after: func(t *testing.T, env *faultEnv, op matrixOp, err error) {
				assert.Len(t, env.fake.RequestsFor(op.name), attemptsFor(op), "requests the platform received")
				for _, w := range env.recordedWaits() {
					assert.LessOrEqual(t, w, matrixPolicy.MaxBackoff)
				}
			},
		},
		{
			name: "redirect to another host",
			arm: func(env *faultEnv, _ matrixOp) {
				var hits atomic.Int64
				var authSeen atomic.Bool
				other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					if r.Header.Get("X-OPENTOK-AUTH") != "" || r.Header.Get("Authorization") != "" {
						authSeen.Store(true)
					}
					w.WriteHeader(http.StatusOK)
				}))
				// localhost is another host than 127.0.0.1 to the client.
				target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1) + "/stolen"
				env.armRaw(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, target, http.StatusTemporaryRedirect)
				})
				env.closers = append(env.closers, func() {
					other.Close()
					assert.Zero(env.t, hits.Load(), "the other host was never contacted")
					assert.False(env.t, authSeen.Load(), "the auth header never reached the other host")
				})
			},
			want: func(op matrixOp) outcome {
				return outcome{kind: "api", status: http.StatusTemporaryRedirect, attempts: 1, keepsConn: true}
			},
			after: func(t *testing.T, env *faultEnv, op matrixOp, err error) {
				assert.Contains(t, err.Error(), "redirects to another host are not followed")
			},
		},
	}
}

// hugeOutcome: a success body over the SDK's limit is a ResponseError where
// the body is needed; the connection is closed rather than drained.
func hugeOutcome(op matrixOp) outcome {
	if op.method == http.MethodDelete {
		return outcome{kind: "ok"}
	}
	return outcome{kind: "response", is: []error{opentok.ErrBadResponse}}
}

func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault matrix takes a few seconds")
	}
	for _, row := range matrixRows() {
		t.Run(row.name, func(t *testing.T) {
			for _, op := range matrixOps {
				t.Run(op.method, func(t *testing.T) { runMatrixCell(t, row, op) })
			}
		})
	}
}

func runMatrixCell(t *testing.T, row matrixRow, op matrixOp) {
	timeout := row.attemptTimeout
	if timeout == 0 {
		timeout = matrixAttemptTimeout
	}
	env := newFaultEnv(t, timeout)
	// The baseline: the fake is listening, the client has no connection.
	baseline := runtime.NumGoroutine()
	env.setup()
	before := env.accepted.Load()
	want := row.want(op)

	row.arm(env, op)
	deadline := row.deadline
	if deadline == 0 {
		deadline = matrixDeadline
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	var m0, m1 runtime.MemStats
	if row.bounded {
		runtime.GC()
		runtime.ReadMemStats(&m0)
	}
	start := time.Now()
	_, err := op.call(ctx, env)
	elapsed := time.Since(start)
	if row.bounded {
		runtime.ReadMemStats(&m1)
	}
	cancel()
	env.disarm()

	checkOutcome(t, want, err)
	within := want.within
	if within == 0 {
		within = deadline
	}
	assert.Less(t, elapsed, within, "the call returned within its bound")
	if row.bounded {
		// Reading all of the body would allocate over 100 MiB. The SDK reads
		// at most its 3 MiB limit; doubling the buffer up to it allocates
		// about 6 MiB in all, and nothing of it is kept.
		alloc := m1.TotalAlloc - m0.TotalAlloc
		limit := uint64(12 << 20)
		if raceEnabled {
			limit *= 2
		}
		assert.Less(t, alloc, limit, "bytes allocated by the call: %d", alloc)
		var m2 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m2)
		kept := int64(m2.HeapInuse) - int64(m0.HeapInuse)
		assert.Less(t, kept, int64(4<<20), "heap kept after the call: %d", kept)
		t.Logf("allocated %.1f MiB during the call, kept %.1f MiB", float64(alloc)/(1<<20), float64(kept)/(1<<20))
	}
	if row.after != nil {
		row.after(t, env, op, err)
	}

	// The next call on the same client succeeds.
	res, err := op.call(context.Background(), env)
	require.NoError(t, err, "the call after the fault")
	op.check(t, env, res)
	if want.keepsConn {
		assert.Equal(t, before, env.accepted.Load(), "the fault did not cost the keep-alive connection")
	} else {
		assert.Greater(t, env.accepted.Load(), before, "the broken connection was replaced")
	}

	// No goroutine is left behind once the idle connections are closed.
	env.tr.CloseIdleConnections()
	settleGoroutines(t, baseline)
}

func checkOutcome(t *testing.T, want outcome, err error) {
	t.Helper()
	switch want.kind {
	case "ok":
		require.NoError(t, err)
	case "api":
		var ae *opentok.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, want.status, ae.StatusCode)
		if want.attempts > 0 {
			assert.Equal(t, want.attempts, ae.Attempts, "attempts")
		}
	case "response":
		var re *opentok.ResponseError
		require.ErrorAs(t, err, &re)
		assert.True(t, re.StatusCode >= 200 && re.StatusCode <= 299, "a success status, got %d", re.StatusCode)
	case "transport":
		var te *opentok.TransportError
		require.ErrorAs(t, err, &te)
		if want.attempts > 0 {
			assert.Equal(t, want.attempts, te.Attempts, "attempts")
		}
		if want.cause != nil {
			assert.True(t, want.cause(te.Err), "cause: %v", te.Err)
		}
		assert.Equal(t, want.maybeApplied, te.MaybeApplied, "may have been applied")
		assert.Equal(t, want.maybeApplied, errors.Is(err, opentok.ErrMaybeApplied), "matches ErrMaybeApplied")
		assert.Equal(t, want.maybeApplied, strings.Contains(err.Error(), "may have been applied"), "says so: %v", err)
	default:
		t.Fatalf("unknown outcome %q", want.kind)
	}
	for _, target := range want.is {
		assert.ErrorIs(t, err, target)
	}
}

// memoryPeak runs f while sampling the heap in use, and returns the highest
// sample above the heap in use before f (after a GC).
func memoryPeak(t *testing.T, f func()) int64 {
	t.Helper()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := int64(m.HeapInuse)
	var peak atomic.Int64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			var s runtime.MemStats
			runtime.ReadMemStats(&s)
			if d := int64(s.HeapInuse) - base; d > peak.Load() {
				peak.Store(d)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	<-sampled
	return peak.Load()
}

// An answer is read into a buffer that grows with the bytes that arrive,
// up to the limit: 64 concurrent calls against an endless 2xx body peak
// well under 320 MiB of heap in all (they took 935–1,338 MiB with an 8 MiB
// limit and bytes.Buffer's growth), and 64 answers that announce a length
// under the limit and then stall cost next to nothing (the announced
// length was allocated before a byte arrived: 514 MiB).
func TestAnswerMemoryIsBounded(t *testing.T) {
	const calls = 64
	run := func(t *testing.T, h http.HandlerFunc, timeout time.Duration) {
		ts := httptest.NewServer(h)
		defer ts.Close()
		tr := &http.Transport{MaxIdleConnsPerHost: calls}
		defer tr.CloseIdleConnections()
		ot, err := opentok.New("123456", "made-up-secret", opentok.WithBaseURL(ts.URL),
			opentok.WithHTTPClient(&http.Client{Transport: tr}), opentok.WithTimeout(timeout),
			opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 0}))
		require.NoError(t, err)
		var wg sync.WaitGroup
		errs := make(chan error, calls)
		for range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := ot.GetArchive(context.Background(), "A")
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.Error(t, err)
		}
	}
	t.Run("endless body", func(t *testing.T) {
		chunk := []byte(strings.Repeat("x", 32<<10))
		peak := memoryPeak(t, func() {
			run(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(200)
				for r.Context().Err() == nil {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			}, 30*time.Second)
		})
		t.Logf("peak heap for %d endless answers: %.1f MiB", calls, float64(peak)/(1<<20))
		// Each read grows its buffer by doubling up to the limit, so it
		// holds at most twice the limit; 64 MiB for the rest (the fake's
		// chunks, the race detector's shadow). Unbounded reads pass a GiB
		// within seconds on loopback. (320 MiB flaked at 333 under -race.)
		assert.Less(t, peak, int64(calls)*2*opentok.DefaultMaxResponseBody+64<<20)
	})
	t.Run("stalled announced length", func(t *testing.T) {
		peak := memoryPeak(t, func() {
			run(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(opentok.DefaultMaxResponseBody))
				w.WriteHeader(200)
				w.(http.Flusher).Flush()
				<-r.Context().Done() // never sends the body
			}, 300*time.Millisecond)
		})
		t.Logf("peak heap for %d stalled answers: %.1f MiB", calls, float64(peak)/(1<<20))
		assert.Less(t, peak, int64(16<<20), "nothing is allocated from the announced length")
	})
}
