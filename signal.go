package opentok

import (
	"context"
	"net/http"
	"unicode/utf8"
)

// Signal limits, in bytes of UTF-8 (the platform answers 413 beyond them).
const (
	// MaxSignalType is the longest signal type.
	MaxSignalType = 128
	// MaxSignalData is the longest signal data (8 kB).
	MaxSignalData = 8192
)

// SignalPayload is a signal sent by [OpenTok.Signal] or
// [OpenTok.SignalConnection]. Clients receive it in their signal handlers
// (the "signal:<type>" event) with an empty "from", as it comes from the
// server.
//
// The OpenAPI document marks both fields required, so both are always sent,
// even when empty; the SDK does not reject empty values itself (a signal
// without a type reaches the clients' generic signal handler), and leaves
// it to the platform to refuse them.
type SignalPayload struct {
	// Type is the signal type; at most 128 bytes of UTF-8.
	Type string
	// Data is the signal data; at most 8192 bytes of UTF-8.
	Data string
}

// signalBody is the wire form of a signal; both fields are always sent.
type signalBody struct {
	Type string `json:"type"`
	Data string `json:"data"`
}

func (s *SignalPayload) validate() error {
	if err := checkText("type", s.Type, true); err != nil {
		return err
	}
	if len(s.Type) > MaxSignalType {
		return invalid("type", "must be at most %d bytes, not %d", MaxSignalType, len(s.Type))
	}
	if !utf8.ValidString(s.Data) {
		return invalid("data", "must be valid UTF-8")
	}
	if len(s.Data) > MaxSignalData {
		return invalid("data", "must be at most %d bytes, not %d", MaxSignalData, len(s.Data))
	}
	return nil
}

// Signal sends a signal to every client connected to a session. A session
// nobody is connected to accepts it (204) and it reaches no one: signals
// are not kept for clients that connect later (the platform documents a
// 404 only for the connection of [OpenTok.SignalConnection]).
//
// REST: POST /v2/project/{id}/session/{sessionId}/signal with
// {"type","data"}; 204 (any 2xx is accepted).
//
// Errors: [*ValidationError] for an empty session ID, a type over 128 bytes,
// data over 8192 bytes, or either not UTF-8 (nothing is sent); [*APIError]
// otherwise: 400 or 413 ([ErrBadRequest]) for a rejected signal or session
// ID, 404 ([ErrNotFound]) for a session the platform does not know;
// [*TransportError] when no answer came.
func (ot *OpenTok) Signal(ctx context.Context, sessionID string, s SignalPayload) error {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return err
	}
	if err := s.validate(); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodPost, path: ot.projectPath("session", sessionID, "signal"), body: signalBody(s)})
}

// SignalConnection sends a signal to one client connection of a session.
// An empty connection ID is an error: it never widens to a signal to the
// whole session.
//
// REST: POST /v2/project/{id}/session/{sessionId}/connection/{connectionId}/signal
// with {"type","data"}; 204 (any 2xx is accepted).
//
// Errors: as [OpenTok.Signal], plus [*ValidationError] for an empty
// connection ID; 404 ([ErrNotFound]) when the client is not connected.
func (ot *OpenTok) SignalConnection(ctx context.Context, sessionID, connectionID string, s SignalPayload) error {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return err
	}
	if err := checkResourceID("connectionId", connectionID); err != nil {
		return err
	}
	if err := s.validate(); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodPost, path: ot.projectPath("session", sessionID, "connection", connectionID, "signal"), body: signalBody(s)})
}
