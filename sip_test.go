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

func fullDialOptions() *DialOptions {
	return &DialOptions{
		From:             "14155550101@example.com",
		Headers:          map[string]string{"X-Account-Id": "acme-42", "x-lower-case": "ok"},
		Auth:             &SIPAuth{Username: "sip-user", Password: testSIPPassword},
		Secure:           true,
		Video:            true,
		ObserveForceMute: true,
		Streams:          []string{"STREAM1", "STREAM2"},
	}
}

func TestSIPRequests(t *testing.T) {
	dial := fixture(t, "responses/dial_response.json")
	dtmf := fixture(t, "responses/play_dtmf_response.json")
	runOpCases(t, credKinds(), []opCase{
		{
			name: "Dial full",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.Dial(ctx, testSessionID, testClientToken, "sip:user@sip.partner.com;transport=tls", fullDialOptions())
				return err
			},
			method: http.MethodPost, path: "/dial", golden: "dial_full", answer: dial,
		},
		{
			name: "Dial minimal",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.Dial(ctx, testSessionID, testClientToken, "sip:user@sip.partner.com", nil)
				return err
			},
			method: http.MethodPost, path: "/dial", golden: "dial_minimal", answer: dial,
		},
		{
			name: "Dial zero options and username only",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.Dial(ctx, testSessionID, testClientToken, "SIPS:user@sip.partner.com",
					&DialOptions{Auth: &SIPAuth{Username: "sip-user"}, Headers: map[string]string{}, Streams: []string{}})
				return err
			},
			method: http.MethodPost, path: "/dial", golden: "dial_username_only", answer: dial,
		},
		{
			name:   "PlayDTMF",
			call:   func(ctx context.Context, ot *OpenTok) error { return ot.PlayDTMF(ctx, testSessionID, "1713#*p9") },
			method: http.MethodPost, path: sessionPath + "/play-dtmf", golden: "dtmf", answer: dtmf,
		},
		{
			name: "PlayDTMFToConnection",
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.PlayDTMFToConnection(ctx, testSessionID, "CONNECTIONID", "1713#*p9")
			},
			method: http.MethodPost, path: sessionPath + "/connection/CONNECTIONID/play-dtmf", golden: "dtmf", answer: dtmf,
		},
		{
			name:   "PlayDTMF empty 200",
			call:   func(ctx context.Context, ot *OpenTok) error { return ot.PlayDTMF(ctx, testSessionID, "1713#*p9") },
			method: http.MethodPost, path: sessionPath + "/play-dtmf", golden: "dtmf",
		},
	})
}

func TestDialDecodesFixture(t *testing.T) {
	for _, kind := range credKinds() {
		t.Run(kind.name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				serveJSON(w, 200, fixture(t, "responses/dial_response.json"))
			})
			ot := kind.client(t, ts.baseURL())
			opts := fullDialOptions()
			call, err := ot.Dial(context.Background(), testSessionID, testClientToken, "sip:user@sip.partner.com", opts)
			require.NoError(t, err)
			assert.Equal(t, &SIPCall{ID: "CONFERENCEID", ConnectionID: "CONNECTIONID", StreamID: "STREAMID"}, call)
			assert.Equal(t, fullDialOptions(), opts, "options not modified")
		})
	}
}

func TestDialAnswerWithoutID(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, 200, `{"connectionId":"C"}`) })
	ot := credKinds()[0].client(t, ts.baseURL())
	_, err := ot.Dial(context.Background(), testSessionID, testClientToken, "sip:a@b", nil)
	assert.ErrorIs(t, err, ErrBadResponse)

	ts = newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { w.WriteHeader(200) })
	ot = credKinds()[0].client(t, ts.baseURL())
	_, err = ot.Dial(context.Background(), testSessionID, testClientToken, "sip:a@b", nil)
	assert.ErrorIs(t, err, ErrBadResponse, "an empty answer is unusable")
}

func TestSIPValidation(t *testing.T) {
	dial := func(uri string, opts *DialOptions) func(ctx context.Context, ot *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.Dial(ctx, testSessionID, testClientToken, uri, opts)
			return err
		}
	}
	const uri = "sip:user@sip.partner.com"
	runBadCases(t, credKinds(), []badCase{
		{"empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.Dial(ctx, "", testClientToken, uri, nil)
			return err
		}},
		{"empty token", "token", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.Dial(ctx, testSessionID, "", uri, nil)
			return err
		}},
		{"token with surrounding space", "token", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.Dial(ctx, testSessionID, " "+testClientToken+"\n", uri, nil)
			return err
		}},
		{"empty URI", "sip.uri", dial("", nil)},
		{"http URI", "sip.uri", dial("https://sip.partner.com", nil)},
		{"tel URI", "sip.uri", dial("tel:+14155550101", nil)},
		{"scheme only", "sip.uri", dial("sip:", nil)},
		{"URI with space", "sip.uri", dial("sip:user@sip partner.com", nil)},
		{"URI with CRLF", "sip.uri", dial("sip:user@sip.partner.com\r\nX-Injected: 1", nil)},
		{"from without at", "sip.from", dial(uri, &DialOptions{From: "14155550101"})},
		{"from without user", "sip.from", dial(uri, &DialOptions{From: "@example.com"})},
		{"from without domain", "sip.from", dial(uri, &DialOptions{From: "joe@"})},
		{"header without X-", "sip.headers", dial(uri, &DialOptions{Headers: map[string]string{"Account": "1"}})},
		{"header X- only", "sip.headers", dial(uri, &DialOptions{Headers: map[string]string{"X-": "1"}})},
		{"header name with space", "sip.headers", dial(uri, &DialOptions{Headers: map[string]string{"X-Bad Name": "1"}})},
		{"header value with CRLF", "sip.headers", dial(uri, &DialOptions{Headers: map[string]string{"X-Ok": "1\r\nX-Injected: 2"}})},
		{"password without username", "sip.auth.username", dial(uri, &DialOptions{Auth: &SIPAuth{Password: testSIPPassword}})},
		{"empty auth", "sip.auth.username", dial(uri, &DialOptions{Auth: &SIPAuth{}})},
		{"empty stream ID", "sip.streams[1]", dial(uri, &DialOptions{Streams: []string{"S", ""}, Auth: &SIPAuth{Username: "u", Password: testSIPPassword}})},
		{"DTMF empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			return ot.PlayDTMF(ctx, "", "1")
		}},
		{"DTMF empty digits", "digits", func(ctx context.Context, ot *OpenTok) error {
			return ot.PlayDTMF(ctx, testSessionID, "")
		}},
		{"DTMF letter", "digits", func(ctx context.Context, ot *OpenTok) error {
			return ot.PlayDTMF(ctx, testSessionID, "12a")
		}},
		{"DTMF upper-case pause", "digits", func(ctx context.Context, ot *OpenTok) error {
			return ot.PlayDTMF(ctx, testSessionID, "1P2")
		}},
		{"DTMF space", "digits", func(ctx context.Context, ot *OpenTok) error {
			return ot.PlayDTMF(ctx, testSessionID, "1 2")
		}},
		{"DTMF to connection empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			return ot.PlayDTMFToConnection(ctx, "", "C", "1")
		}},
		{"DTMF to connection empty connection never widens to the session", "connectionId", func(ctx context.Context, ot *OpenTok) error {
			return ot.PlayDTMFToConnection(ctx, testSessionID, "", "1")
		}},
		{"DTMF to connection bad digits", "digits", func(ctx context.Context, ot *OpenTok) error {
			return ot.PlayDTMFToConnection(ctx, testSessionID, "C", "zz")
		}},
	})
}

func TestDialSendsRealPasswordOnlyInBody(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		serveJSON(w, 500, `{"message":"Internal server error","code":-1}`)
	})
	ot := credKinds()[0].client(t, ts.baseURL())
	_, err := ot.Dial(context.Background(), testSessionID, testClientToken, "sip:user@sip.partner.com", fullDialOptions())
	var ae *APIError
	require.True(t, errors.As(err, &ae))
	assert.ErrorIs(t, err, ErrServer)
	assert.Equal(t, -1, ae.Code)
	assert.Len(t, ts.requests(), 1, "a POST answered 500 is not retried")
	assert.NotContains(t, err.Error(), testSIPPassword)
	assert.NotContains(t, err.Error(), testClientToken)
	body := string(ts.only(t).Body)
	assert.Contains(t, body, `"password":"`+testSIPPassword+`"`, "the platform gets the real password")
	assert.Contains(t, body, `"token":"`+testClientToken+`"`)
}

func TestSIPURICaseInsensitiveScheme(t *testing.T) {
	for _, uri := range []string{"sip:a@b", "sips:a@b", "SIP:a@b", "Sips:a@b;transport=tls"} {
		assert.NoError(t, checkSIPURI(uri), uri)
	}
	assert.True(t, strings.HasPrefix(checkSIPURI("sipx:a@b").Error(), "opentok: invalid sip.uri"))
}
