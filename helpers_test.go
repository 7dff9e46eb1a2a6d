package opentok

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Made-up credentials used by the tests (the API key and secret of the
// token vectors in testdata/token_vectors.json).
const (
	testAPIKey    = "123456"
	testAPISecret = "1234567890abcdef1234567890abcdef1234567890"
	testAppID     = "0b4b0c3e-5bd4-4a55-9a7b-2f2b6b1c9d10"
	// testSessionID decodes to testAPIKey.
	testSessionID = "1_MX4xMjM0NTZ-flNhdCBNYXIgMTUgMTQ6NDI6MjMgUERUIDIwMTR-MC40OTAxMzAyNX4"
	// testPrefix is a base-path prefix every test server sits behind, so a
	// request built from an absolute path instead of the base URL fails.
	testPrefix = "/prefix"
)

var (
	rsaOnce   sync.Once
	rsaKey    *rsa.PrivateKey
	rsaKeyPEM []byte
)

// testRSAKey returns a 2048-bit key generated once per test binary.
func testRSAKey(t testing.TB) (*rsa.PrivateKey, []byte) {
	t.Helper()
	rsaOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			panic(err)
		}
		rsaKey = k
		rsaKeyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	})
	return rsaKey, rsaKeyPEM
}

// recorded is a request as the test server saw it.
type recorded struct {
	Method   string
	Path     string // escaped path without the test prefix
	RawQuery string
	Header   http.Header
	Body     []byte
}

// testServer is an httptest server behind testPrefix that records requests
// and answers with a handler.
type testServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
	// handle answers a request; nil answers 200 {}.
	handle func(w http.ResponseWriter, r *http.Request, body []byte)
}

func newTestServer(t testing.TB, handle func(w http.ResponseWriter, r *http.Request, body []byte)) *testServer {
	t.Helper()
	ts := &testServer{handle: handle}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		path := r.URL.EscapedPath()
		if !strings.HasPrefix(path, testPrefix+"/") {
			t.Errorf("request %s %s does not carry the base path prefix %s", r.Method, path, testPrefix)
			w.WriteHeader(http.StatusTeapot)
			return
		}
		ts.mu.Lock()
		ts.reqs = append(ts.reqs, recorded{
			Method:   r.Method,
			Path:     strings.TrimPrefix(path, testPrefix),
			RawQuery: r.URL.RawQuery,
			Header:   r.Header.Clone(),
			Body:     body,
		})
		ts.mu.Unlock()
		if ts.handle == nil {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, "{}")
			return
		}
		ts.handle(w, r, body)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// requests returns a copy of what the server received.
func (ts *testServer) requests() []recorded {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]recorded(nil), ts.reqs...)
}

// only returns the single request the server received.
func (ts *testServer) only(t testing.TB) recorded {
	t.Helper()
	reqs := ts.requests()
	require.Len(t, reqs, 1, "requests received")
	return reqs[0]
}

// baseURL is the server URL with the test prefix.
func (ts *testServer) baseURL() string { return ts.URL + testPrefix }

// credKind runs a test for both credential families.
type credKind struct {
	name  string
	owner string
	// client makes a client for the base URL.
	client func(t testing.TB, base string, opts ...Option) *OpenTok
	// checkAuth verifies the auth header of a recorded request and returns
	// the JWT it carried.
	checkAuth func(t testing.TB, h http.Header) string
}

func credKinds() []credKind {
	return []credKind{
		{
			name:  "opentok",
			owner: testAPIKey,
			client: func(t testing.TB, base string, opts ...Option) *OpenTok {
				t.Helper()
				ot, err := New(testAPIKey, testAPISecret, append([]Option{WithBaseURL(base), WithRetry(RetryPolicy{MaxRetries: 2, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})}, opts...)...)
				require.NoError(t, err)
				return ot
			},
			checkAuth: checkProjectAuth,
		},
		{
			name:  "vonage",
			owner: testAppID,
			client: func(t testing.TB, base string, opts ...Option) *OpenTok {
				t.Helper()
				_, pemKey := testRSAKey(t)
				ot, err := NewVonage(testAppID, pemKey, append([]Option{WithBaseURL(base), WithRetry(RetryPolicy{MaxRetries: 2, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})}, opts...)...)
				require.NoError(t, err)
				return ot
			},
			checkAuth: checkVonageAuth,
		},
	}
}

// checkProjectAuth verifies an X-OPENTOK-AUTH header: HS256 signed with the
// secret, iss = API key, ist = project, exp = iat + 300, a jti, and iat
// within a few seconds of now.
func checkProjectAuth(t testing.TB, h http.Header) string {
	t.Helper()
	raw := h.Get("X-OPENTOK-AUTH")
	require.NotEmpty(t, raw, "X-OPENTOK-AUTH header")
	assert.Empty(t, h.Get("Authorization"), "no Authorization header with OpenTok credentials")
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(raw, claims, func(tk *jwt.Token) (any, error) {
		return []byte(testAPISecret), nil
	}, jwt.WithValidMethods([]string{"HS256"}))
	require.NoError(t, err, "auth JWT verifies with the secret")
	require.True(t, tok.Valid)
	assert.Equal(t, testAPIKey, claims["iss"])
	assert.Equal(t, "project", claims["ist"])
	iat, exp := claims["iat"].(float64), claims["exp"].(float64)
	assert.Equal(t, float64(300), exp-iat, "exp = iat + 300")
	assert.InDelta(t, float64(time.Now().Unix()), iat, 10, "iat near now")
	assert.NotEmpty(t, claims["jti"], "jti")
	assert.Len(t, claims, 5, "claims: iss ist iat exp jti")
	return raw
}

// checkVonageAuth verifies an Authorization: Bearer RS256 JWT against the
// test key: application_id, iat, exp, jti.
func checkVonageAuth(t testing.TB, h http.Header) string {
	t.Helper()
	key, _ := testRSAKey(t)
	ah := h.Get("Authorization")
	require.True(t, strings.HasPrefix(ah, "Bearer "), "Authorization: Bearer header, got %q", ah)
	assert.Empty(t, h.Get("X-OPENTOK-AUTH"), "no X-OPENTOK-AUTH with Vonage credentials")
	raw := strings.TrimPrefix(ah, "Bearer ")
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(raw, claims, func(tk *jwt.Token) (any, error) {
		return &key.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}))
	require.NoError(t, err, "auth JWT verifies with the public key")
	require.True(t, tok.Valid)
	assert.Equal(t, testAppID, claims["application_id"])
	iat, exp := claims["iat"].(float64), claims["exp"].(float64)
	assert.Greater(t, exp, iat)
	assert.LessOrEqual(t, exp-iat, float64(24*3600))
	assert.NotEmpty(t, claims["jti"])
	return raw
}

// serveJSON writes status and body with a JSON content type.
func serveJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// fixture returns testdata/<name>.
func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

// assertJSONBody checks that body is JSON equal to want (key order and
// spacing aside).
func assertJSONBody(t testing.TB, want string, body []byte) {
	t.Helper()
	var w, g any
	require.NoError(t, json.Unmarshal([]byte(want), &w), "want JSON")
	require.NoError(t, json.Unmarshal(body, &g), "body is JSON: %s", body)
	assert.Equal(t, w, g, "body %s", body)
}

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// assertGolden checks that body is JSON equal to testdata/golden/<name>.json;
// with -update it writes the file instead.
func assertGolden(t testing.TB, name string, body []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".json")
	if *updateGolden {
		var pretty bytes.Buffer
		require.NoError(t, json.Indent(&pretty, body, "", "  "), "body is JSON: %s", body)
		pretty.WriteByte('\n')
		require.NoError(t, os.WriteFile(path, pretty.Bytes(), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file (run go test -update to create it)")
	assertJSONBody(t, string(want), body)
}

// Test values of the session-level resource tests. testClientToken is
// opaque (no readable role), so StartCaptions sends it; no error may ever
// contain it or testSIPPassword.
const (
	testClientToken = "FAKE-CLIENT-TOKEN-never-echo-me"
	testSIPPassword = "s3cr3t-sip-password"
)

// opCase is one request an operation must send, and the answer it gets.
type opCase struct {
	name   string
	call   func(ctx context.Context, ot *OpenTok) error
	method string
	path   string // below /v2/project/{owner}, escaped
	query  string // raw query, "" when none
	golden string // golden body name, "" when no body may be sent
	status int    // answer status; 0 means 200
	answer string // answer body; "" answers with no body
}

// runOpCases runs each case for the given credential kinds and checks the
// method, path, query, auth, content type and body of the one request.
func runOpCases(t *testing.T, kinds []credKind, cases []opCase) {
	t.Helper()
	for _, kind := range kinds {
		for _, tc := range cases {
			t.Run(kind.name+"/"+tc.name, func(t *testing.T) {
				status := tc.status
				if status == 0 {
					status = http.StatusOK
				}
				ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
					if tc.answer == "" {
						w.WriteHeader(status)
						return
					}
					serveJSON(w, status, tc.answer)
				})
				ot := kind.client(t, ts.baseURL())
				require.NoError(t, tc.call(context.Background(), ot))
				r := ts.only(t)
				assert.Equal(t, tc.method, r.Method)
				assert.Equal(t, "/v2/project/"+kind.owner+tc.path, r.Path)
				assert.Equal(t, tc.query, r.RawQuery)
				assert.Equal(t, "application/json", r.Header.Get("Accept"))
				kind.checkAuth(t, r.Header)
				if tc.golden == "" {
					assert.Empty(t, r.Body, "no body")
					assert.Empty(t, r.Header.Get("Content-Type"), "no content type without a body")
					return
				}
				assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
				assertGolden(t, tc.golden, r.Body)
			})
		}
	}
}

// badCase is a call that must be refused before any I/O.
type badCase struct {
	name  string
	field string // the ValidationError's Field
	call  func(ctx context.Context, ot *OpenTok) error
}

// vcase is a badCase written as {name, call, field}.
type vcase struct {
	name  string
	call  func(ctx context.Context, ot *OpenTok) error
	field string
}

func badCases(vs []vcase) []badCase {
	out := make([]badCase, len(vs))
	for i, v := range vs {
		out[i] = badCase{name: v.name, field: v.field, call: v.call}
	}
	return out
}

// runBadCases checks that each call gives a *ValidationError naming the
// field, that the server receives nothing, and that the error never holds
// the client token or the SIP password.
func runBadCases(t *testing.T, kinds []credKind, cases []badCase) {
	t.Helper()
	for _, kind := range kinds {
		for _, tc := range cases {
			t.Run(kind.name+"/"+tc.name, func(t *testing.T) {
				ts := newTestServer(t, nil)
				ot := kind.client(t, ts.baseURL())
				err := tc.call(context.Background(), ot)
				var ve *ValidationError
				require.True(t, errors.As(err, &ve), "want *ValidationError, got %T %v", err, err)
				assert.Equal(t, tc.field, ve.Field, "field of %v", err)
				assert.ErrorIs(t, err, ErrInvalidArgument)
				assert.NotContains(t, err.Error(), testClientToken)
				assert.NotContains(t, err.Error(), testSIPPassword)
				assert.Empty(t, ts.requests(), "nothing sent")
			})
		}
	}
}

// sessionPath is the escaped path segment of testSessionID below the owner.
const sessionPath = "/session/" + testSessionID

// openTokOnly is the credential kind the legacy callback API serves.
func openTokOnly() []credKind { return credKinds()[:1] }
