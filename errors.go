package opentok

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors for use with [errors.Is]. An [*APIError] matches the sentinel
// for its HTTP status; a [*ValidationError] matches [ErrInvalidArgument].
var (
	// ErrInvalidArgument matches every [*ValidationError]: the input was
	// rejected before any request was sent.
	ErrInvalidArgument = errors.New("opentok: invalid argument")
	// ErrBadRequest matches an [*APIError] with status 400 or 413: the
	// platform rejected the request's content.
	ErrBadRequest = errors.New("opentok: bad request")
	// ErrUnauthorized matches an [*APIError] with status 401.
	ErrUnauthorized = errors.New("opentok: unauthorized")
	// ErrForbidden matches an [*APIError] with status 403.
	ErrForbidden = errors.New("opentok: forbidden")
	// ErrNotFound matches an [*APIError] with status 404.
	ErrNotFound = errors.New("opentok: not found")
	// ErrNoClients matches an [*APIError] saying that no client is
	// connected to the session: the platform's answer to StartArchive,
	// StartBroadcast and MigrateSession for a session nobody has joined
	// yet (or everybody has left). It is a 404 (some documents say 400)
	// whose message says "No clients are actively connected to the ...
	// session", so it also matches [ErrNotFound] (or [ErrBadRequest]);
	// an unknown session matches ErrNotFound but not ErrNoClients. Where
	// the platform's message does not tell the two apart ("The session
	// does not exist, or the session exists but there are no clients
	// connected to it", the OpenAPI document's example for StartArchive)
	// it matches too: a session ID the platform issued exists. Wait for a
	// client to connect (and publish, for an archive) and try again.
	ErrNoClients = errors.New("opentok: no clients connected to the session")
	// ErrConflict matches an [*APIError] with status 409: the resource is not
	// in a state that allows the operation (for example a second archive
	// without a multiArchiveTag, or stopping an archive that is not recording).
	ErrConflict = errors.New("opentok: conflict")
	// ErrRateLimited matches an [*APIError] with status 429.
	ErrRateLimited = errors.New("opentok: rate limited")
	// ErrServer matches an [*APIError] with a 5xx status.
	ErrServer = errors.New("opentok: server error")
	// ErrBadResponse matches a [*ResponseError]: the platform answered with a
	// success status but a body that could not be understood.
	ErrBadResponse = errors.New("opentok: bad response")
	// ErrMaybeApplied matches a [*TransportError] for a request that may
	// have been applied: it reached the platform (or may have), and no
	// answer came — the connection was reset, the per-attempt timeout
	// expired, the context ended while it was in flight. A POST is not
	// sent again after that (it could start a second archive or call),
	// and a PUT, PATCH or DELETE may have run out of retries: check the
	// state (GetArchive, ListArchives, ...) before sending it again. A
	// GET never matches, nor a request that could not connect at all.
	ErrMaybeApplied = errors.New("opentok: no answer, and the request may have been applied")
)

// APIError is returned for every answer from the platform with a non-2xx
// status. Use [errors.Is] with the sentinels ([ErrNotFound], [ErrConflict],
// [ErrUnauthorized], [ErrForbidden], [ErrRateLimited], [ErrServer],
// [ErrBadRequest]) to branch on the kind of failure, and [errors.As] to read
// the details. It never contains credentials, auth JWTs or client tokens,
// nor the secrets the request carried (cloud storage keys, a SIP password,
// RTMP stream keys), even when the platform or a proxy echoes the request.
type APIError struct {
	// StatusCode is the HTTP status of the final attempt.
	StatusCode int
	// Code is the platform's error code from the body ("code"), which is
	// usually the HTTP status but may be a platform code such as 15001; 0
	// when the body had none.
	Code int
	// Message is the platform's message from the body ("message", or
	// "description" or "error" when that is all there is); empty when the
	// body had none. JWT-shaped strings, T1 tokens and the secrets the
	// request carried are replaced by "REDACTED", control characters by
	// spaces, and it is cut to 500 bytes.
	Message string
	// Method and Path identify the request (the path has no query string).
	Method, Path string
	// RequestID is the platform's request ID header, when it sent one.
	RequestID string
	// RetryAfter is the wait the platform asked for with a Retry-After
	// header; 0 when it sent none.
	RetryAfter time.Duration
	// Attempts is how many times the request was sent, retries included.
	Attempts int
}

// Error describes the failure in words a person can act on.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("opentok: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	if hint := statusHint(e.StatusCode); hint != "" {
		b.WriteString(": ")
		b.WriteString(hint)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	var extra []string
	if e.Code != 0 && e.Code != e.StatusCode {
		extra = append(extra, "code "+strconv.Itoa(e.Code))
	}
	if e.RequestID != "" {
		extra = append(extra, "request-id "+e.RequestID)
	}
	if e.RetryAfter > 0 {
		extra = append(extra, "retry after "+e.RetryAfter.String())
	}
	if e.Attempts > 1 {
		extra = append(extra, strconv.Itoa(e.Attempts)+" attempts")
	}
	if len(extra) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(extra, ", "))
		b.WriteByte(')')
	}
	return b.String()
}

func statusHint(status int) string {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return "the platform rejected the credentials; check the API key and secret (or the application ID and private key), " +
			"that they belong to this host, and the system clock (a skewed clock is a common cause)"
	case http.StatusTooManyRequests:
		return "rate limited by the platform"
	case http.StatusMisdirectedRequest, http.StatusMovedPermanently, http.StatusFound,
		http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return "redirects to another host are not followed"
	}
	return ""
}

// noClients matches the platform's messages for a session no client is
// connected to.
var noClients = regexp.MustCompile(`(?i)\bno (connected )?clients?\b.*\bconnected\b|\bno connected clients\b`)

// Is reports whether target is the sentinel for this error's status, or
// [ErrNoClients] for the platform's answer about a session nobody is
// connected to.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusRequestEntityTooLarge
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrNoClients:
		return (e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusBadRequest) && noClients.MatchString(e.Message)
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	return false
}

// ValidationError reports input rejected before any request was sent: an
// empty ID, a value out of its documented range, a bad enum, conflicting
// options. It matches [ErrInvalidArgument] with [errors.Is].
type ValidationError struct {
	// Field names the offending input, using the REST field name where there
	// is one (for example "maxBitrate", "outputs.rtmp", "sessionId").
	Field string
	// Reason says what is wrong and what is allowed.
	Reason string
}

// Error returns "opentok: invalid <field>: <reason>".
func (e *ValidationError) Error() string {
	return "opentok: invalid " + e.Field + ": " + e.Reason
}

// Is reports whether target is [ErrInvalidArgument].
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidArgument }

func invalid(field, format string, args ...any) *ValidationError {
	if len(args) == 0 {
		return &ValidationError{Field: field, Reason: format}
	}
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// ResponseError reports a success status whose body could not be understood:
// malformed or truncated JSON, an unexpected shape, an empty body where one
// was required, or a body larger than the SDK reads. It matches
// [ErrBadResponse] with [errors.Is] and wraps the decoding error.
type ResponseError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Method and Path identify the request.
	Method, Path string
	// ContentType is the answer's Content-Type header.
	ContentType string
	// Err is the underlying decoding error.
	Err error
}

// Error describes the bad answer.
func (e *ResponseError) Error() string {
	s := "opentok: " + e.Method + " " + e.Path + ": " + strconv.Itoa(e.StatusCode) + " with an unusable body"
	if e.ContentType != "" {
		s += " (" + e.ContentType + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying decoding error.
func (e *ResponseError) Unwrap() error { return e.Err }

// Is reports whether target is [ErrBadResponse].
func (e *ResponseError) Is(target error) bool { return target == ErrBadResponse }

// TransportError reports a request that got no HTTP answer: the connection
// was refused or reset, the per-attempt timeout expired, or the context was
// cancelled. It wraps the cause, so errors.Is(err, context.DeadlineExceeded)
// and errors.Is(err, context.Canceled) work, and it matches
// [ErrMaybeApplied] when MaybeApplied is set.
type TransportError struct {
	// Method and Path identify the request.
	Method, Path string
	// Attempts is how many times the request was sent, retries included.
	Attempts int
	// MaybeApplied is set when the request may have been applied: an
	// attempt reached the platform (or may have) and no answer came back,
	// and the method is not GET. The error's text says so.
	MaybeApplied bool
	// Err is the cause.
	Err error
}

// Error describes the failure.
func (e *TransportError) Error() string {
	s := "opentok: " + e.Method + " " + e.Path + ": "
	if e.Err != nil {
		s += e.Err.Error()
	} else {
		s += "request failed"
	}
	if e.Attempts > 1 {
		s += " (" + strconv.Itoa(e.Attempts) + " attempts)"
	}
	if e.MaybeApplied {
		s += "; no answer came after the request was sent, so it may have been applied: check before sending it again"
	}
	return s
}

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }

// Is reports whether target is [ErrMaybeApplied] and the request may have
// been applied.
func (e *TransportError) Is(target error) bool { return target == ErrMaybeApplied && e.MaybeApplied }

// SigningError reports that a JWT could not be signed with the client's
// credentials: the auth JWT of a request (nothing was sent) or a client
// token. It is not an input error: it wraps the cause from the signing
// code (with Vonage credentials, an RSA failure of the private key). Its
// text never contains the key or a token.
type SigningError struct {
	// Method and Path identify the request whose auth JWT failed; both are
	// empty for a client token.
	Method, Path string
	// Err is the cause.
	Err error
}

// Error describes the failure.
func (e *SigningError) Error() string {
	s := "opentok: "
	if e.Method != "" {
		s += e.Method + " " + e.Path + ": nothing sent: "
	}
	s += "signing failed"
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *SigningError) Unwrap() error { return e.Err }
