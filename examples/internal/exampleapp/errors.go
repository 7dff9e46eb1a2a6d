package exampleapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/opentok-go/opentok"
)

// StatusError is an error an example reports itself, with the HTTP status
// its page is served with (for example 409 for an archive that cannot be
// downloaded yet).
type StatusError struct {
	Status  int
	Message string
}

// Error returns the message.
func (e *StatusError) Error() string { return e.Message }

// Errorf returns a *StatusError with a formatted message.
func Errorf(status int, format string, args ...any) error {
	return &StatusError{Status: status, Message: fmt.Sprintf(format, args...)}
}

// ErrorMessage says what went wrong in words for the page, starting with
// the kind of failure the SDK reported: input it refused before sending
// anything (*opentok.ValidationError), a refusal by the platform
// (*opentok.APIError), or no answer at all (*opentok.TransportError). The
// SDK's errors never contain secrets or tokens, so they are shown as they
// are.
func ErrorMessage(err error) string {
	var (
		ve *opentok.ValidationError
		ae *opentok.APIError
		te *opentok.TransportError
	)
	switch {
	case errors.As(err, &ve):
		return "Nothing was sent, the input is not valid: " + err.Error()
	case errors.As(err, &ae):
		return fmt.Sprintf("The platform refused the request (HTTP %d): %v", ae.StatusCode, err)
	case errors.As(err, &te):
		return "The platform could not be reached: " + err.Error()
	}
	return err.Error()
}

// ErrorStatus is the HTTP status a page reporting err is served with: 400
// for invalid input, the platform's own status for 400, 404, 409 and 413
// answers, 502 for the platform's other failures (rejected credentials,
// server errors, rate limits: none is the browser's fault), 504 or 502 when
// it did not answer, a StatusError's own status, and 500 otherwise.
func ErrorStatus(err error) int {
	var (
		se *StatusError
		ae *opentok.APIError
	)
	switch {
	case errors.As(err, &se):
		return se.Status
	case errors.Is(err, opentok.ErrInvalidArgument):
		return http.StatusBadRequest
	case errors.As(err, &ae):
		switch ae.StatusCode {
		case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge:
			return ae.StatusCode
		}
		return http.StatusBadGateway
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	case errors.Is(err, opentok.ErrBadResponse):
		return http.StatusBadGateway
	}
	var te *opentok.TransportError
	if errors.As(err, &te) {
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// StartError describes a failure to start what (an archive, a broadcast)
// for the page. The platform answers 404 to such a start when nobody is
// connected to the session, which alone does not say what to do, so the
// message then says it.
func StartError(what string, err error) error {
	if errors.Is(err, opentok.ErrNotFound) {
		return fmt.Errorf("start %s (it needs someone connected to the session: "+
			"open the host page in a browser that has a camera): %w", what, err)
	}
	return fmt.Errorf("start %s: %w", what, err)
}
