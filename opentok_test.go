package opentok

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewValidation(t *testing.T) {
	_, goodPEM := testRSAKey(t)
	key, _ := testRSAKey(t)
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	smallDER, _ := x509.MarshalPKCS8PrivateKey(small)
	smallPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: smallDER})
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})
	garbledPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("not a key")})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("x")})

	// PKCS#1 keys are accepted as well as PKCS#8.
	_, err = NewVonage(testAppID, pkcs1)
	require.NoError(t, err)

	cases := []struct {
		name  string
		make  func() (*OpenTok, error)
		field string
	}{
		{"empty api key", func() (*OpenTok, error) { return New("", testAPISecret) }, "apiKey"},
		{"api key with slash", func() (*OpenTok, error) { return New("12/34", testAPISecret) }, "apiKey"},
		{"empty secret", func() (*OpenTok, error) { return New(testAPIKey, "") }, "apiSecret"},
		{"secret with trailing newline", func() (*OpenTok, error) { return New(testAPIKey, testAPISecret+"\n") }, "apiSecret"},
		{"empty application id", func() (*OpenTok, error) { return NewVonage("", goodPEM) }, "applicationId"},
		{"application id not a uuid", func() (*OpenTok, error) { return NewVonage("123456", goodPEM) }, "applicationId"},
		{"application id without dashes", func() (*OpenTok, error) {
			return NewVonage(strings.ReplaceAll(testAppID, "-", ""), goodPEM)
		}, "applicationId"},
		{"empty key", func() (*OpenTok, error) { return NewVonage(testAppID, nil) }, "privateKey"},
		{"key not pem", func() (*OpenTok, error) { return NewVonage(testAppID, []byte(testAPISecret)) }, "privateKey"},
		{"key garbled", func() (*OpenTok, error) { return NewVonage(testAppID, garbledPEM) }, "privateKey"},
		{"key is ecdsa", func() (*OpenTok, error) { return NewVonage(testAppID, ecPEM) }, "privateKey"},
		{"key too small", func() (*OpenTok, error) { return NewVonage(testAppID, smallPEM) }, "privateKey"},
		{"pem of a certificate", func() (*OpenTok, error) { return NewVonage(testAppID, certPEM) }, "privateKey"},
		{"base url of white space", func() (*OpenTok, error) { return New(testAPIKey, testAPISecret, WithBaseURL(" \t")) }, "baseURL"},
		{"base url plain http", func() (*OpenTok, error) {
			return New(testAPIKey, testAPISecret, WithBaseURL("http://api.example.com"))
		}, "baseURL"},
		{"base url relative", func() (*OpenTok, error) { return New(testAPIKey, testAPISecret, WithBaseURL("/v2")) }, "baseURL"},
		{"base url ftp", func() (*OpenTok, error) { return New(testAPIKey, testAPISecret, WithBaseURL("ftp://127.0.0.1")) }, "baseURL"},
		{"base url with query", func() (*OpenTok, error) {
			return New(testAPIKey, testAPISecret, WithBaseURL("https://api.example.com?x=1"))
		}, "baseURL"},
		{"base url with user", func() (*OpenTok, error) {
			return New(testAPIKey, testAPISecret, WithBaseURL("https://u:p@api.example.com"))
		}, "baseURL"},
		{"base url port 0", func() (*OpenTok, error) { return New(testAPIKey, testAPISecret, WithBaseURL("http://127.0.0.1:0")) }, "baseURL"},
		{"base url port 99999", func() (*OpenTok, error) {
			return New(testAPIKey, testAPISecret, WithBaseURL("https://api.example.com:99999"))
		}, "baseURL"},
		{"api key not digits", func() (*OpenTok, error) { return New("12ab34", testAPISecret) }, "apiKey"},
		{"api key with a line break", func() (*OpenTok, error) { return New(testAPIKey+"\n", testAPISecret) }, "apiKey"},
		{"max response body too small", func() (*OpenTok, error) {
			return New(testAPIKey, testAPISecret, WithMaxResponseBody(100))
		}, "maxResponseBody"},
		{"nil http client", func() (*OpenTok, error) { return New(testAPIKey, testAPISecret, WithHTTPClient(nil)) }, "httpClient"},
		{"zero timeout", func() (*OpenTok, error) { return New(testAPIKey, testAPISecret, WithTimeout(0)) }, "timeout"},
		{"negative timeout", func() (*OpenTok, error) { return New(testAPIKey, testAPISecret, WithTimeout(-time.Second)) }, "timeout"},
		{"empty user agent", func() (*OpenTok, error) { return New(testAPIKey, testAPISecret, WithUserAgent("")) }, "userAgent"},
		{"user agent newline", func() (*OpenTok, error) { return New(testAPIKey, testAPISecret, WithUserAgent("a\r\nX-Evil: 1")) }, "userAgent"},
		{"retry negative", func() (*OpenTok, error) {
			return New(testAPIKey, testAPISecret, WithRetry(RetryPolicy{MaxRetries: -1}))
		}, "retry.MaxRetries"},
		{"retry too many", func() (*OpenTok, error) {
			return New(testAPIKey, testAPISecret, WithRetry(RetryPolicy{MaxRetries: 11}))
		}, "retry.MaxRetries"},
		{"retry negative backoff", func() (*OpenTok, error) {
			return New(testAPIKey, testAPISecret, WithRetry(RetryPolicy{MinBackoff: -1}))
		}, "retry"},
		{"retry min above max", func() (*OpenTok, error) {
			return New(testAPIKey, testAPISecret, WithRetry(RetryPolicy{MinBackoff: time.Minute, MaxBackoff: time.Second}))
		}, "retry.MinBackoff"},
		{"nil logger", func() (*OpenTok, error) { return New(testAPIKey, testAPISecret, WithLogger(nil)) }, "logger"},
		{"nil option", func() (*OpenTok, error) { return New(testAPIKey, testAPISecret, nil) }, "option"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ot, err := tc.make()
			assert.Nil(t, ot)
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "ValidationError, got %v", err)
			assert.Equal(t, tc.field, ve.Field)
			assert.ErrorIs(t, err, ErrInvalidArgument)
			assert.NotContains(t, err.Error(), testAPISecret)
			assert.NotContains(t, err.Error(), "BEGIN")
		})
	}
}

func TestBaseURLs(t *testing.T) {
	ot, err := New(testAPIKey, testAPISecret)
	require.NoError(t, err)
	assert.Equal(t, DefaultOpenTokURL, ot.BaseURL())
	assert.False(t, ot.IsVonage())
	assert.Equal(t, testAPIKey, ot.OwnerID())

	_, pemKey := testRSAKey(t)
	vg, err := NewVonage(testAppID, pemKey)
	require.NoError(t, err)
	assert.Equal(t, DefaultVonageURL, vg.BaseURL())
	assert.True(t, vg.IsVonage())
	assert.Equal(t, testAppID, vg.OwnerID())

	for _, u := range []string{"http://127.0.0.1:4010", "http://localhost:8080/", "http://[::1]:1", "https://proxy.example.com/opentok/"} {
		c, err := New(testAPIKey, testAPISecret, WithBaseURL(u))
		require.NoError(t, err, u)
		assert.Equal(t, strings.TrimSuffix(u, "/"), c.BaseURL())
	}

	// "" is the default, so that an unset variable can be passed as it is,
	// and does not undo an earlier WithBaseURL.
	c, err := New(testAPIKey, testAPISecret, WithBaseURL(""))
	require.NoError(t, err)
	assert.Equal(t, DefaultOpenTokURL, c.BaseURL())
	c, err = NewVonage(testAppID, pemKey, WithBaseURL(""))
	require.NoError(t, err)
	assert.Equal(t, DefaultVonageURL, c.BaseURL())
	c, err = New(testAPIKey, testAPISecret, WithBaseURL("http://127.0.0.1:4010"), WithBaseURL(""))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:4010", c.BaseURL())
	a, err := NewAccount(testAccountKey, testAccountSecret, WithBaseURL(""))
	require.NoError(t, err)
	assert.Contains(t, a.String(), DefaultOpenTokURL)
}

func TestClientNeverPrintsSecrets(t *testing.T) {
	ot, err := New(testAPIKey, testAPISecret)
	require.NoError(t, err)
	_, pemKey := testRSAKey(t)
	vg, err := NewVonage(testAppID, pemKey)
	require.NoError(t, err)
	keyBody := strings.Split(string(pemKey), "\n")[1] // a line of the key's base64

	var logBuf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, c := range []*OpenTok{ot, vg} {
		for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			out := fmt.Sprintf(format, c)
			assert.NotContains(t, out, testAPISecret, format)
			assert.NotContains(t, out, keyBody, format)
			assert.Contains(t, out, c.OwnerID(), format)
		}
		wrapped := fmt.Sprintf("%+v", struct{ C *OpenTok }{c})
		assert.NotContains(t, wrapped, testAPISecret)
		logger.Info("client", "ot", c)
	}
	assert.NotContains(t, logBuf.String(), testAPISecret)
	assert.NotContains(t, logBuf.String(), keyBody)
	assert.Contains(t, logBuf.String(), testAPIKey)
}

func TestUserAgentAddendum(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		serveJSON(w, 200, `[{"session_id":"S"}]`)
	})
	ot := credKinds()[0].client(t, ts.baseURL(), WithUserAgent("myapp/1.2"))
	_, err := ot.CreateSession(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "opentok-go/"+Version+" myapp/1.2", ts.only(t).Header.Get("User-Agent"))
}

func TestPathSegmentsAreEscaped(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, 200, `{}`) })
	ot := credKinds()[0].client(t, ts.baseURL())
	for _, tc := range []struct{ seg, want string }{
		{"a/b", "a%2Fb"},
		{"..", "%2E%2E"},
		{".", "%2E"},
		{"x y?z#w", "x%20y%3Fz%23w"},
		{"100%", "100%25"},
	} {
		err := ot.do(context.Background(), &request{method: http.MethodGet, path: ot.projectPath("archive", tc.seg), out: &struct{}{}})
		require.NoError(t, err)
		reqs := ts.requests()
		assert.Equal(t, "/v2/project/123456/archive/"+tc.want, reqs[len(reqs)-1].Path, tc.seg)
	}
}

func TestCrossHostRedirectIsNotFollowed(t *testing.T) {
	var otherHits atomic.Int32
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		leaked.Store(r.Header.Get("X-OPENTOK-AUTH"))
		serveJSON(w, 200, `[{"session_id":"evil"}]`)
	}))
	defer other.Close()
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		// 127.0.0.1 and localhost are different hosts to the client.
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/session/create", http.StatusTemporaryRedirect)
	})
	ot := credKinds()[0].client(t, ts.baseURL())
	_, err := ot.CreateSession(context.Background(), nil)
	var ae *APIError
	require.True(t, errors.As(err, &ae), "got %v", err)
	assert.Equal(t, http.StatusTemporaryRedirect, ae.StatusCode)
	assert.Contains(t, err.Error(), "redirect")
	assert.Zero(t, otherHits.Load(), "the other host was never contacted")
	assert.Nil(t, leaked.Load())
}

func TestSameHostRedirectIsFollowed(t *testing.T) {
	var n atomic.Int32
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if n.Add(1) == 1 {
			http.Redirect(w, r, testPrefix+"/session/create2", http.StatusTemporaryRedirect)
			return
		}
		serveJSON(w, 200, `[{"session_id":"S"}]`)
	})
	ot := credKinds()[0].client(t, ts.baseURL())
	s, err := ot.CreateSession(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "S", s.ID)
	reqs := ts.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, reqs[0].Body, reqs[1].Body, "body resent on a 307")
	checkProjectAuth(t, reqs[1].Header)
}

func TestWithHTTPClientIsNotModified(t *testing.T) {
	hc := &http.Client{Timeout: 7 * time.Second}
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, 200, `[{"session_id":"S"}]`) })
	ot := credKinds()[0].client(t, ts.baseURL(), WithHTTPClient(hc))
	_, err := ot.CreateSession(context.Background(), nil)
	require.NoError(t, err)
	assert.Nil(t, hc.CheckRedirect, "caller's client untouched")
	assert.Nil(t, hc.Transport)
	assert.Equal(t, 7*time.Second, hc.Timeout)
}

func TestLoggerLogsRequestsWithoutSecrets(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&buf, &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, 403, `{"message":"no"}`) })
	ot := credKinds()[0].client(t, ts.baseURL(), WithLogger(logger))
	_, err := ot.CreateSession(context.Background(), nil)
	require.Error(t, err)
	tok, _ := ot.GenerateToken(testSessionID, nil)
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	assert.Contains(t, out, "method=POST")
	assert.Contains(t, out, "path=/session/create")
	assert.Contains(t, out, "status=403")
	assert.Contains(t, out, "latency=")
	assert.NotContains(t, out, testAPISecret)
	auth := ts.only(t).Header.Get("X-OPENTOK-AUTH")
	assert.NotContains(t, out, auth)
	assert.NotContains(t, out, tok)
	assert.NotContains(t, err.Error(), auth)
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func TestNilContextIsRejected(t *testing.T) {
	ts := newTestServer(t, nil)
	ot := credKinds()[0].client(t, ts.baseURL())
	//lint:ignore SA1012 testing the nil-context guard
	_, err := ot.CreateSession(nil, nil) //nolint:staticcheck
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.Empty(t, ts.requests())
}

// countingServer answers a canned session answer and counts the TCP
// connections it accepts.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		serveJSON(w, 200, `[{"session_id":"S"}]`)
	}))
	ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	return ts, &conns
}

// TestConnectionsAreReused checks that the default client keeps its
// connections alive: 1,000 sequential calls use one connection, and 1,000
// calls from 32 goroutines open no more connections than the idle pool
// keeps (64 per host), so none is thrown away and redialled.
func TestConnectionsAreReused(t *testing.T) {
	ts, conns := countingServer(t)
	ot, err := New(testAPIKey, testAPISecret, WithBaseURL(ts.URL))
	require.NoError(t, err)
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		_, err := ot.CreateSession(ctx, nil)
		require.NoError(t, err)
	}
	assert.Equal(t, int64(1), conns.Load(), "sequential calls share one connection")

	ts2, conns2 := countingServer(t)
	ot2, err := New(testAPIKey, testAPISecret, WithBaseURL(ts2.URL))
	require.NoError(t, err)
	var wg sync.WaitGroup
	var failures atomic.Int64
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < 1000; i += 32 {
				if _, err := ot2.CreateSession(ctx, nil); err != nil {
					failures.Add(1)
				}
			}
		}(g)
	}
	wg.Wait()
	assert.Zero(t, failures.Load())
	idle := defaultTransport().(*http.Transport).MaxIdleConnsPerHost
	assert.LessOrEqual(t, conns2.Load(), int64(idle), "no more connections than the idle pool keeps")
	t.Logf("32 goroutines, 1000 calls: %d connections", conns2.Load())
}

// A client on the default transport can release its idle connections: the
// next call opens a new one.
func TestCloseIdleConnections(t *testing.T) {
	for _, withClient := range []bool{false, true} {
		ts, conns := countingServer(t)
		var opts []Option
		if withClient {
			opts = append(opts, WithHTTPClient(&http.Client{Transport: &http.Transport{}}))
		}
		ot, err := New(testAPIKey, testAPISecret, append(opts, WithBaseURL(ts.URL))...)
		require.NoError(t, err)
		ctx := context.Background()
		_, err = ot.CreateSession(ctx, nil)
		require.NoError(t, err)
		_, err = ot.CreateSession(ctx, nil)
		require.NoError(t, err)
		require.Equal(t, int64(1), conns.Load(), "kept alive")
		ot.CloseIdleConnections()
		_, err = ot.CreateSession(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, int64(2), conns.Load(), "a new connection after CloseIdleConnections (own client: %v)", withClient)
	}
}
