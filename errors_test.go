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
