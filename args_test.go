package opentok

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

func TestWireSeconds(t *testing.T) {
	s, err := wireSeconds("maxDuration", 0, 60, 100)
	require.NoError(t, err)
	assert.Equal(t, 0, s, "zero means platform default")
	s, err = wireSeconds("maxDuration", 90*time.Second, 60, 100)
	require.NoError(t, err)
	assert.Equal(t, 90, s)
	for _, d := range []time.Duration{59 * time.Second, 101 * time.Second, -time.Second, 90*time.Second + time.Millisecond} {
		_, err := wireSeconds("maxDuration", d, 60, 100)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, "%s", d)
		assert.Equal(t, "maxDuration", ve.Field)
	}
}

func TestCheckHTTPURL(t *testing.T) {
	assert.NoError(t, checkHTTPURL("url", "https://example.com/", 15, 2048))
	assert.NoError(t, checkHTTPURL("url", "http://example.com/", 15, 2048))
	for _, bad := range []string{
		"https://a.io/", // 13 characters
		"ftp://example.com/x",
		"https:///nohost/path",
		"example.com/path/abc",
		"https://example.com/a b",
		"https://example.com/" + strings.Repeat("a", 2048),
	} {
		assert.ErrorIs(t, checkHTTPURL("url", bad, 15, 2048), ErrInvalidArgument, bad)
	}
}
