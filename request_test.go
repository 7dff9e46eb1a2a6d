package opentok

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/opentok-go/opentok/internal/auth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A 2xx answer whose body is over the size limit is success for a call that
// ignores the body (a delete, a stop): the platform did what was asked, and
// reporting ErrBadResponse would make the caller repeat it.
func TestOversizedSuccessBodyIsIgnoredWhenNotDecoded(t *testing.T) {
	big := strings.Repeat(" ", DefaultMaxResponseBody+1) // over the limit
	for _, withLength := range []bool{true, false} {
		t.Run("content-length "+strconv.FormatBool(withLength), func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				if withLength {
					w.Header().Set("Content-Length", strconv.Itoa(len(big)))
				}
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write([]byte(big))
			})
			ot := credKinds()[0].client(t, ts.baseURL())
			require.NoError(t, ot.DeleteArchive(context.Background(), "A"), "the body is not used")
			_, err := ot.GetArchive(context.Background(), "A")
			assert.ErrorIs(t, err, ErrBadResponse, "a body that is needed is still an error")
			var re *ResponseError
			require.ErrorAs(t, err, &re)
			assert.Contains(t, re.Error(), "size limit")
		})
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A cancelled context sent nothing only because http.Transport checks it;
// a RoundTripper given with WithHTTPClient that does not (an instrumenting
// wrapper, a test double) got the request anyway, and a caller's cancelled
// All* loop kept fetching pages. The request path now checks the context
// before every attempt.
func TestEndedContextSendsNothingWhateverTheRoundTripper(t *testing.T) {
	var calls atomic.Int32
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	})
	ot := credKinds()[0].client(t, "https://api.example.test", WithHTTPClient(&http.Client{Transport: rt}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ot.CreateSession(ctx, nil)
	assert.ErrorIs(t, err, context.Canceled)
	var te *TransportError
	assert.ErrorAs(t, err, &te)
	for _, err := range ot.AllArchives(ctx, nil) {
		assert.ErrorIs(t, err, context.Canceled)
	}
	assert.Zero(t, calls.Load(), "nothing was sent")
}

func TestRequestLineIsOriginForm(t *testing.T) {
	var uri string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uri = r.RequestURI
		serveJSON(w, 200, `{"id":"x"}`)
	}))
	defer ts.Close()
	ot := credKinds()[0].client(t, ts.URL+"/base%20path")
	_, err := ot.GetArchive(context.Background(), "a/b c")
	require.NoError(t, err)
	assert.Equal(t, "/base%20path/v2/project/123456/archive/a%2Fb%20c", uri)
}

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

func TestParseErrorBody(t *testing.T) {
	cases := []struct {
		body string
		code int
		msg  string
	}{
		{`{"code":-1,"message":"No suitable authentication found"}`, -1, "No suitable authentication found"},
		{`{"code":"15001","message":"m"}`, 15001, "m"},
		{`{"message":"null"}`, 0, "null"}, // the platform's text, kept as it is
		{`{"message":null}`, 0, ""},
		{`{"error":"remote error message"}`, 0, "remote error message"},
		{`{"code":409,"message":"Conflict","description":"migration in progress"}`, 409, "Conflict (migration in progress)"},
		{`{"description":"only this"}`, 0, "only this"},
		{`<html><body>502 Bad Gateway</body></html>`, 0, ""},
		{`Service Unavailable`, 0, "Service Unavailable"},
		{`{"message":"tab\there"}`, 0, "tab here"},
		{"{\"message\":\"c1\u0085 ls\u2028 bidi\u202e end\"}", 0, "c1  ls  bidi  end"},
		{`{"message":"bad header X-OPENTOK-AUTH: eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiIxIn0.c2lnbmF0dXJl, token T1==cGFydG5lcl9pZD0x"}`, 0,
			"bad header X-OPENTOK-AUTH: REDACTED, token REDACTED"},
		{`{not json`, 0, ""},
		{``, 0, ""},
	}
	for _, tc := range cases {
		code, msg := parseErrorBody([]byte(tc.body))
		assert.Equal(t, tc.code, code, tc.body)
		assert.Equal(t, tc.msg, msg, tc.body)
	}
}

func FuzzParseErrorBody(f *testing.F) {
	for _, s := range []string{`{"code":-1,"message":"x"}`, `{"code":"1"}`, `<html>`, "", `{"message":"` + string(make([]byte, 600)) + `"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, msg := parseErrorBody(body)
		if len(msg) > 520 {
			t.Fatalf("message not bounded: %d bytes", len(msg))
		}
		for _, r := range msg {
			if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
				t.Fatalf("control character %U in message %q", r, msg)
			}
		}
		if credentialShaped.MatchString(msg) {
			t.Fatalf("credential-shaped text in message %q", msg)
		}
	})
}

// A failure to sign the auth JWT sends nothing and is reported as a
// *SigningError, not retried as a network failure.
func TestAuthSigningFailureSendsNothing(t *testing.T) {
	ts := newTestServer(t, nil)
	ot := credKinds()[1].client(t, ts.baseURL())
	ot.app = auth.NewApp(testAppID, &rsa.PrivateKey{})
	_, err := ot.GetArchive(context.Background(), "A")
	var se *SigningError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "GET", se.Method)
	assert.Equal(t, "/v2/project/"+testAppID+"/archive/A", se.Path)
	var te *TransportError
	assert.False(t, errors.As(err, &te), "not a transport error")
	assert.NotErrorIs(t, err, ErrInvalidArgument)
	assert.Contains(t, err.Error(), "nothing sent")
	assert.Empty(t, ts.requests())
}

// An answer without the ID of the resource is reported by do itself, with
// the status and Content-Type actually received (the call sites guessed
// the status before).
func TestAnswerWithoutTheResourceID(t *testing.T) {
	needID := map[string]string{"CreateSession": "session_id", "StartArchive": "id", "StopArchive": "id", "GetArchive": "id",
		"StartBroadcast": "id", "StopBroadcast": "id", "GetBroadcast": "id", "Dial": "id", "ConnectWebSocket": "id",
		"StartCaptions": "captionsId", "StartRender": "id", "GetRender": "id", "RegisterCallback": "id"}
	seen := 0
	for _, op := range Operations() {
		field, ok := needID[op.Name]
		if !ok {
			continue
		}
		seen++
		t.Run(op.Name, func(t *testing.T) {
			body := `{"status":"started","sessionId":"S"}`
			if op.Name == "CreateSession" {
				body = `[{"project_id":"1"}]`
			}
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				w.Header().Set("Content-Type", "application/vnd.test+json")
				w.WriteHeader(203)
				_, _ = io.WriteString(w, body)
			})
			_, err := op.Call(context.Background(), credKinds()[0].client(t, ts.baseURL()), constantArgs())
			var re *ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 203, re.StatusCode)
			assert.Equal(t, "application/vnd.test+json", re.ContentType)
			assert.Equal(t, op.Method, re.Method)
			assert.Contains(t, err.Error(), "holds no "+field)
			assert.ErrorIs(t, err, ErrBadResponse)
		})
	}
	assert.Equal(t, len(needID), seen, "every name is a row of the table")
}

// A reused application JWT the platform refuses (401 or 403) is dropped and
// the request sent once more with a fresh one, even a POST; an OpenTok
// project JWT, fresh for every attempt already, is not resent.
func TestRefusedApplicationJWTIsReplaced(t *testing.T) {
	var refused sync.Map // JWTs the server no longer accepts
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		tok := r.Header.Get("Authorization") + r.Header.Get("X-Opentok-Auth")
		if _, no := refused.Load(tok); no {
			serveJSON(w, 401, `{"code":401,"message":"token revoked"}`)
			return
		}
		refused.Store(tok, true) // each JWT is accepted once
		serveJSON(w, 200, `[{"session_id":"S"}]`)
	})
	vonage := credKinds()[1].client(t, ts.baseURL(), WithRetry(RetryPolicy{MaxRetries: 0}))
	ctx := context.Background()
	_, err := vonage.CreateSession(ctx, nil)
	require.NoError(t, err)
	_, err = vonage.CreateSession(ctx, nil)
	require.NoError(t, err, "the cached JWT was refused, a fresh one accepted")
	reqs := ts.requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, reqs[0].Header.Get("Authorization"), reqs[1].Header.Get("Authorization"), "the JWT was reused")
	assert.NotEqual(t, reqs[1].Header.Get("Authorization"), reqs[2].Header.Get("Authorization"), "then replaced")

	project := credKinds()[0].client(t, ts.baseURL(), WithRetry(RetryPolicy{MaxRetries: 0}))
	_, err = project.CreateSession(ctx, nil)
	require.NoError(t, err, "a fresh project JWT each time")
}

// A proxy that echoes the request's headers in its error page put the live
// auth JWT into err.Error(); the messages kept in errors (and so in logs)
// have JWT-shaped and T1 strings replaced, and the request ID header is
// cleaned like the message.
func TestAPIErrorNeverCarriesAnEchoedCredential(t *testing.T) {
	for _, kind := range credKinds() {
		t.Run(kind.name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				echo := r.Header.Get("X-Opentok-Auth") + r.Header.Get("Authorization")
				w.Header().Set("X-Request-Id", "req\u202e-1")
				serveJSON(w, 400, `{"code":400,"message":"bad request; you sent `+echo+` with T1==abc"}`)
			})
			ot := kind.client(t, ts.baseURL())
			_, err := ot.GetArchive(context.Background(), "A")
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			jwt := kind.checkAuth(t, ts.only(t).Header)
			assert.NotContains(t, err.Error(), jwt)
			assert.NotContains(t, err.Error(), "T1==")
			assert.Contains(t, ae.Message, "you sent")
			assert.Contains(t, ae.Message, "REDACTED")
			assert.Equal(t, "req -1", ae.RequestID)
		})
	}
}

// A DELETE (or a removeStream PATCH) whose answer was lost is retried; the
// retry finds the thing gone and gets 404. That 404 reports something that
// happened, so an idempotent removal takes it as done; without a lost
// attempt a 404 is still ErrNotFound, and other calls keep the 404.
func TestRemovalRetriedAfterALostAnswerIsDone(t *testing.T) {
	lostThen404 := func(t *testing.T) *testServer {
		var n atomic.Int32
		return newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			if n.Add(1) == 1 {
				conn, _, err := w.(http.Hijacker).Hijack() // done, but the answer is lost
				require.NoError(t, err)
				_ = conn.Close()
				return
			}
			serveJSON(w, 404, `{"code":404,"message":"not found"}`)
		})
	}
	ctx := context.Background()
	removals := map[string]func(ot *OpenTok) error{
		"DeleteArchive":         func(ot *OpenTok) error { return ot.DeleteArchive(ctx, "A") },
		"StopRender":            func(ot *OpenTok) error { return ot.StopRender(ctx, "R") },
		"ForceDisconnect":       func(ot *OpenTok) error { return ot.ForceDisconnect(ctx, testSessionID, "C") },
		"UnregisterCallback":    func(ot *OpenTok) error { return ot.UnregisterCallback(ctx, "CB") },
		"RemoveArchiveStream":   func(ot *OpenTok) error { return ot.RemoveArchiveStream(ctx, "A", "S") },
		"RemoveBroadcastStream": func(ot *OpenTok) error { return ot.RemoveBroadcastStream(ctx, "B", "S") },
	}
	for name, call := range removals {
		t.Run(name, func(t *testing.T) {
			ts := lostThen404(t)
			require.NoError(t, call(credKinds()[0].client(t, ts.baseURL())))
			assert.Len(t, ts.requests(), 2)

			plain := sweepServer(t, 404, `{"code":404,"message":"not found"}`)
			assert.ErrorIs(t, call(credKinds()[0].client(t, plain.baseURL())), ErrNotFound, "a first 404 stays an error")
		})
	}
	t.Run("not a removal", func(t *testing.T) {
		ts := lostThen404(t)
		_, err := credKinds()[0].client(t, ts.baseURL()).GetArchive(ctx, "A")
		assert.ErrorIs(t, err, ErrNotFound)
		ts = lostThen404(t)
		err = credKinds()[0].client(t, ts.baseURL()).AddArchiveStream(ctx, "A", "S", nil)
		assert.ErrorIs(t, err, ErrNotFound, "adding a stream is not a removal")
	})
}

// A platform or a proxy that echoes the request body in its error answer
// put the secrets the SDK had just sent (cloud storage keys, a SIP
// password, RTMP stream keys) into APIError messages. They are taken out as
// tokens are, in every form the echo can show them: the JSON body as text
// (escaped), the decoded value, a short plain-text line.
func TestAPIErrorNeverCarriesAnEchoedSecret(t *testing.T) {
	const (
		s3Key    = `wJalrXUtnFEMI/K7MDENG+bPxRfi"CY<&>`
		azureKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
		sipPass  = `p@ss\word"42`
		rtmpKeyA = "live-key-a1b2-c3d4"
		rtmpKeyB = "live-key-a1b2" // a prefix of the other one
	)
	echoes := map[string]func(body []byte) string{
		"the body as a JSON string": func(body []byte) string {
			msg, _ := json.Marshal("bad request: " + string(body))
			return `{"code":400,"message":` + string(msg) + `}`
		},
		"the body as a JSON value": func(body []byte) string {
			return `{"code":400,"message":"bad request","description":` + strconv.Quote(string(body)) + `}`
		},
		"the decoded values": func(body []byte) string {
			var v any
			_ = json.Unmarshal(body, &v)
			msg, _ := json.Marshal(fmt.Sprintf("bad request: %v", v))
			return `{"code":400,"message":` + string(msg) + `}`
		},
	}
	calls := map[string]struct {
		secrets []string
		call    func(ot *OpenTok) error
	}{
		"S3 storage": {[]string{s3Key}, func(ot *OpenTok) error {
			_, err := ot.SetArchiveStorage(context.Background(), ArchiveStorage{Target: S3Storage{AccessKey: "AKIA1", SecretKey: s3Key, Bucket: "b"}})
			return err
		}},
		"Azure storage": {[]string{azureKey}, func(ot *OpenTok) error {
			_, err := ot.SetArchiveStorage(context.Background(), ArchiveStorage{Target: AzureStorage{AccountName: "acct", AccountKey: azureKey, Container: "c"}})
			return err
		}},
		"SIP password": {[]string{sipPass}, func(ot *OpenTok) error {
			_, err := ot.Dial(context.Background(), testSessionID, testClientToken, "sip:user@sip.partner.com",
				&DialOptions{Auth: &SIPAuth{Username: "bob", Password: sipPass}})
			return err
		}},
		"RTMP stream keys": {[]string{rtmpKeyA, rtmpKeyB}, func(ot *OpenTok) error {
			_, err := ot.StartBroadcast(context.Background(), testSessionID, &BroadcastOptions{Outputs: BroadcastOutputs{RTMP: []RTMPOutput{
				{ID: "a", ServerURL: "rtmp://a.example/app", StreamName: rtmpKeyA},
				{ID: "b", ServerURL: "rtmps://b.example/app", StreamName: rtmpKeyB},
			}}})
			return err
		}},
	}
	for name, c := range calls {
		for how, echo := range echoes {
			t.Run(name+"/"+how, func(t *testing.T) {
				ts := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, body []byte) {
					serveJSON(w, 400, echo(body))
				})
				err := c.call(credKinds()[0].client(t, ts.baseURL()))
				var ae *APIError
				require.ErrorAs(t, err, &ae)
				sent := string(ts.only(t).Body)
				for _, sec := range c.secrets {
					require.Contains(t, sent, strings.Trim(string(mustJSON(t, sec)), `"`), "the secret was sent")
					for _, out := range []string{err.Error(), ae.Message, fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", ae)} {
						assert.NotContains(t, out, sec)
						assert.NotContains(t, out, strings.Trim(string(mustJSON(t, sec)), `"`))
					}
				}
				assert.Contains(t, ae.Message, "bad request")
				assert.Contains(t, ae.Message, "REDACTED")
			})
		}
	}
	t.Run("plain text", func(t *testing.T) {
		ts := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
			w.WriteHeader(400)
			_, _ = w.Write([]byte("refused key " + rtmpKeyA))
		})
		err := calls["RTMP stream keys"].call(credKinds()[0].client(t, ts.baseURL()))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), rtmpKeyB)
		assert.Contains(t, err.Error(), "refused key REDACTED")
	})
	t.Run("a message cut to its bound keeps no prefix of a secret", func(t *testing.T) {
		long := strings.Repeat("x", 490) + rtmpKeyA
		assert.NotContains(t, cleanMessage(long, []string{rtmpKeyA}), "live-")
		assert.Equal(t, "a REDACTED b", cleanMessage("a "+rtmpKeyA+" b", []string{"", rtmpKeyA}), "an empty secret is skipped")
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := encodeJSON(v)
	require.NoError(t, err)
	return b
}
