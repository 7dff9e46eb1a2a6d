package opentok

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSignalRequests(t *testing.T) {
	full := SignalPayload{Type: "chat", Data: `{"text":"Hello <all> & welcome","from":"moderator"}`}
	runOpCases(t, credKinds(), []opCase{
		{
			name:   "Signal full",
			call:   func(ctx context.Context, ot *OpenTok) error { return ot.Signal(ctx, testSessionID, full) },
			method: http.MethodPost, path: sessionPath + "/signal", golden: "signal_full", status: http.StatusNoContent,
		},
		{
			name:   "Signal minimal",
			call:   func(ctx context.Context, ot *OpenTok) error { return ot.Signal(ctx, testSessionID, SignalPayload{}) },
			method: http.MethodPost, path: sessionPath + "/signal", golden: "signal_minimal", status: http.StatusNoContent,
		},
		{
			name: "SignalConnection full",
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.SignalConnection(ctx, testSessionID, "CONNECTIONID", full)
			},
			method: http.MethodPost, path: sessionPath + "/connection/CONNECTIONID/signal", golden: "signal_full", status: http.StatusNoContent,
		},
		{
			name: "SignalConnection minimal",
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.SignalConnection(ctx, testSessionID, "CONNECTIONID", SignalPayload{})
			},
			method: http.MethodPost, path: sessionPath + "/connection/CONNECTIONID/signal", golden: "signal_minimal", status: http.StatusNoContent,
		},
		{
			// The older OpenAPI document said 200: any 2xx is accepted.
			name:   "Signal 200 with a body",
			call:   func(ctx context.Context, ot *OpenTok) error { return ot.Signal(ctx, testSessionID, full) },
			method: http.MethodPost, path: sessionPath + "/signal", golden: "signal_full", answer: `{}`,
		},
	})
}

func TestSignalSizeLimits(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { w.WriteHeader(204) })
	ot := credKinds()[0].client(t, ts.baseURL())
	ctx := context.Background()
	// At the limits: sent.
	require.NoError(t, ot.Signal(ctx, testSessionID, SignalPayload{Type: strings.Repeat("t", MaxSignalType), Data: strings.Repeat("d", MaxSignalData)}))
	// Multi-byte characters count as bytes: 2730 × "€" (3 bytes) = 8190.
	require.NoError(t, ot.Signal(ctx, testSessionID, SignalPayload{Type: "€", Data: strings.Repeat("€", 2730)}))
	assert.Len(t, ts.requests(), 2)
}

func TestSignalValidation(t *testing.T) {
	sig := func(s SignalPayload) func(ctx context.Context, ot *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error { return ot.Signal(ctx, testSessionID, s) }
	}
	runBadCases(t, credKinds(), []badCase{
		{"empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			return ot.Signal(ctx, "", SignalPayload{Type: "t"})
		}},
		{"type 129 bytes", "type", sig(SignalPayload{Type: strings.Repeat("t", MaxSignalType+1)})},
		{"type 43 × € = 129 bytes", "type", sig(SignalPayload{Type: strings.Repeat("€", 43)})},
		{"type not UTF-8", "type", sig(SignalPayload{Type: "\xff"})},
		{"data 8193 bytes", "data", sig(SignalPayload{Type: "t", Data: strings.Repeat("d", MaxSignalData+1)})},
		{"data 2731 × € = 8193 bytes", "data", sig(SignalPayload{Data: strings.Repeat("€", 2731)})},
		{"data not UTF-8", "data", sig(SignalPayload{Data: "ok\xfe"})},
		{"SignalConnection empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			return ot.SignalConnection(ctx, "", "C", SignalPayload{Type: "t"})
		}},
		{"SignalConnection empty connection never widens to the session", "connectionId", func(ctx context.Context, ot *OpenTok) error {
			return ot.SignalConnection(ctx, testSessionID, "", SignalPayload{Type: "t"})
		}},
		{"SignalConnection data too long", "data", func(ctx context.Context, ot *OpenTok) error {
			return ot.SignalConnection(ctx, testSessionID, "C", SignalPayload{Data: strings.Repeat("d", MaxSignalData+1)})
		}},
	})
}

func TestSignalStatusMapping(t *testing.T) {
	cases := []struct {
		status   int
		body     string
		sentinel error
	}{
		{413, fixture(t, "responses/error_signal_413.json"), ErrBadRequest},
		{400, `{"code":400,"message":"One of the signal properties — data, type, sessionId or connectionId — is invalid."}`, ErrBadRequest},
		{404, `{"code":404,"message":"The client specified by the connectionId property is not connected to the session."}`, ErrNotFound},
		{403, `{"code":403,"message":"You are not authorized to send the signal."}`, ErrForbidden},
	}
	for _, kind := range credKinds() {
		for _, tc := range cases {
			t.Run(kind.name+"/"+http.StatusText(tc.status), func(t *testing.T) {
				ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, tc.status, tc.body) })
				ot := kind.client(t, ts.baseURL())
				for _, err := range []error{
					ot.Signal(context.Background(), testSessionID, SignalPayload{Type: "t", Data: "d"}),
					ot.SignalConnection(context.Background(), testSessionID, "C", SignalPayload{Type: "t", Data: "d"}),
				} {
					assert.ErrorIs(t, err, tc.sentinel)
					var ae *APIError
					require.True(t, errors.As(err, &ae))
					assert.Equal(t, tc.status, ae.StatusCode)
					assert.NotEmpty(t, ae.Message)
				}
				want := 2 // a POST answered 4xx is not retried
				if kind.name == "vonage" && tc.status == http.StatusForbidden {
					want = 4 // but a refused application JWT is replaced once
				}
				assert.Len(t, ts.requests(), want)
			})
		}
	}
}
