package opentok

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestAPIErrorSentinels(t *testing.T) {
	all := []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrRateLimited, ErrServer}
	cases := map[int]error{
		400: ErrBadRequest, 413: ErrBadRequest, 401: ErrUnauthorized, 403: ErrForbidden, 404: ErrNotFound,
		409: ErrConflict, 429: ErrRateLimited, 500: ErrServer, 502: ErrServer, 503: ErrServer, 599: ErrServer,
		405: nil, 307: nil,
	}
	for status, want := range cases {
		err := fmt.Errorf("wrapped: %w", &APIError{StatusCode: status})
		for _, s := range all {
			assert.Equal(t, s == want, errors.Is(err, s), "status %d vs %v", status, s)
		}
		assert.False(t, errors.Is(err, ErrInvalidArgument))
	}
}

// ErrNoClients matches the platform's answers about a session nobody is
// connected to, whatever their wording, and nothing else: an unknown
// session is ErrNotFound only.
func TestErrNoClients(t *testing.T) {
	for _, tc := range []struct {
		status int
		msg    string
		want   bool
	}{
		{404, "No clients are actively connected to the OpenTok session.", true},
		{404, "Not found. No clients are actively connected to the OpenTok session.", true},
		{400, "No clients are actively connected to the Vonage Video session.", true},
		{404, "The session does not exist, or the session exists but there are no clients connected to it.", true},
		{404, "No connected clients", true},
		{404, "Session not found", false},
		{404, "The client specified by the connectionId property is not connected to the session.", false},
		{404, "", false},
		{409, "No clients are actively connected to the OpenTok session.", false},
		{500, "no clients connected", false},
	} {
		err := fmt.Errorf("wrapped: %w", &APIError{StatusCode: tc.status, Message: tc.msg})
		assert.Equal(t, tc.want, errors.Is(err, ErrNoClients), "%d %q", tc.status, tc.msg)
		if tc.status == 404 {
			assert.ErrorIs(t, err, ErrNotFound, "still a 404")
		}
	}
}

// ErrMaybeApplied matches a TransportError that says the request may have
// been applied, and its text says so.
func TestErrMaybeApplied(t *testing.T) {
	te := &TransportError{Method: "POST", Path: "/v2/project/1/archive", Attempts: 1, MaybeApplied: true, Err: context.DeadlineExceeded}
	err := fmt.Errorf("starting: %w", te)
	assert.ErrorIs(t, err, ErrMaybeApplied)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, "opentok: POST /v2/project/1/archive: context deadline exceeded; no answer came after the request was sent, "+
		"so it may have been applied: check before sending it again", te.Error())
	te.MaybeApplied = false
	assert.NotErrorIs(t, err, ErrMaybeApplied)
	assert.NotContains(t, te.Error(), "applied")
	assert.NotErrorIs(t, &APIError{StatusCode: 500}, ErrMaybeApplied)
}

func TestAPIErrorMessage(t *testing.T) {
	e := &APIError{StatusCode: 409, Code: 15001, Message: "session is already composed", Method: "POST",
		Path: "/v2/project/1/archive", RequestID: "r1", Attempts: 2, RetryAfter: 3 * time.Second}
	assert.Equal(t, "opentok: POST /v2/project/1/archive: 409 Conflict: session is already composed "+
		"(code 15001, request-id r1, retry after 3s, 2 attempts)", e.Error())
	e = &APIError{StatusCode: 404, Code: 404, Method: "GET", Path: "/p", Attempts: 1}
	assert.Equal(t, "opentok: GET /p: 404 Not Found", e.Error())
}

func TestValidationAndOtherErrors(t *testing.T) {
	ve := &ValidationError{Field: "count", Reason: "must be at most 1000"}
	assert.Equal(t, "opentok: invalid count: must be at most 1000", ve.Error())
	assert.ErrorIs(t, fmt.Errorf("x: %w", ve), ErrInvalidArgument)

	re := &ResponseError{StatusCode: 200, Method: "GET", Path: "/p", ContentType: "text/html", Err: errors.New("boom")}
	assert.ErrorIs(t, re, ErrBadResponse)
	assert.Equal(t, "opentok: GET /p: 200 with an unusable body (text/html): boom", re.Error())

	te := &TransportError{Method: "GET", Path: "/p", Attempts: 3, Err: context.DeadlineExceeded}
	assert.ErrorIs(t, te, context.DeadlineExceeded)
	assert.Equal(t, "opentok: GET /p: context deadline exceeded (3 attempts)", te.Error())
}
