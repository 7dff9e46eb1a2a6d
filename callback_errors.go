package opentok

import "errors"

// The errors of callback parsing, verification and the handler.

// Sentinel errors of callback parsing and verification, matched with
// [errors.Is]; the error itself is a [*CallbackError].
var (
	// ErrCallbackSignature matches a signed callback that failed
	// verification: no or a malformed Authorization header, a JWT that is
	// not HS256 or not signed with the secret, an issuer other than
	// "Vonage", an iat older than the maximum age or in the future, or a
	// payload_hash that does not match the body.
	ErrCallbackSignature = errors.New("opentok: callback signature not valid")
	// ErrMalformedCallback matches a body that is not a JSON object, one
	// whose fields (those of the header and of its kind) have the wrong
	// JSON types, or an event of a known kind
	// that lacks its identifying fields (sessionId and the ID of the
	// connection, stream, call, archive, broadcast, render or captions);
	// the handler also uses it for a wrong method or an oversized body.
	ErrMalformedCallback = errors.New("opentok: malformed callback")
	// ErrUnknownCallback matches a well-formed JSON object that is not a
	// callback this package knows: an "event" value it has no type for, or
	// a body without "event" that has none of the shapes described at
	// [ParseCallback].
	ErrUnknownCallback = errors.New("opentok: unknown callback")
)

// CallbackError is the error of [ParseCallback], [VerifyCallbackSignature]
// and [NewCallbackHandler] for a body or request that is not an acceptable
// callback. It matches one of [ErrCallbackSignature], [ErrMalformedCallback]
// and [ErrUnknownCallback] with [errors.Is], and unwraps to the underlying
// JSON or JWT error when there is one. Its text never contains the secret,
// the JWT or the body (a JSON syntax error may quote one character).
type CallbackError struct {
	// Reason says what is wrong, for logs.
	Reason string
	// Err is the underlying error (a JSON or JWT error), or nil.
	Err  error
	kind error
}

// Error returns the kind of failure and the reason, for example
// "opentok: callback signature not valid: payload_hash does not match the
// body".
func (e *CallbackError) Error() string {
	kind := ErrMalformedCallback
	if e.kind != nil {
		kind = e.kind
	}
	if e.Reason == "" {
		return kind.Error()
	}
	return kind.Error() + ": " + e.Reason
}

// Is reports whether target is the sentinel for this kind of failure.
func (e *CallbackError) Is(target error) bool {
	if e.kind == nil {
		return target == ErrMalformedCallback
	}
	return target == e.kind
}

// Unwrap returns the underlying error.
func (e *CallbackError) Unwrap() error { return e.Err }

func cbMalformed(reason string, err error) *CallbackError {
	return &CallbackError{kind: ErrMalformedCallback, Reason: reason, Err: err}
}

func cbSignature(reason string, err error) *CallbackError {
	return &CallbackError{kind: ErrCallbackSignature, Reason: reason, Err: err}
}
