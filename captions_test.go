package opentok

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCaptionsRequests(t *testing.T) {
	started := fixture(t, "responses/captions_start_response.json")
	runOpCases(t, credKinds(), []opCase{
		{
			name: "StartCaptions full",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.StartCaptions(ctx, testSessionID, testClientToken, &CaptionsOptions{
					LanguageCode:      "fr-CA",
					MaxDuration:       1800 * time.Second,
					PartialCaptions:   Ptr(false), // false must reach the platform
					StatusCallbackURL: "https://send-status-to.me/captions?x=1",
				})
				return err
			},
			method: http.MethodPost, path: "/captions", golden: "captions_full", status: http.StatusAccepted, answer: started,
		},
		{
			name: "StartCaptions minimal",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.StartCaptions(ctx, testSessionID, testClientToken, nil)
				return err
			},
			method: http.MethodPost, path: "/captions", golden: "captions_minimal", status: http.StatusAccepted, answer: started,
		},
		{
			name: "StartCaptions zero options",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.StartCaptions(ctx, testSessionID, testClientToken, &CaptionsOptions{})
				return err
			},
			method: http.MethodPost, path: "/captions", golden: "captions_minimal", status: http.StatusAccepted, answer: started,
		},
		{
			name: "StartCaptions partial true",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.StartCaptions(ctx, testSessionID, testClientToken, &CaptionsOptions{PartialCaptions: Ptr(true), LanguageCode: "yue-HK"})
				return err
			},
			method: http.MethodPost, path: "/captions", golden: "captions_partial_true", status: http.StatusAccepted, answer: started,
		},
		{
			name: "StopCaptions",
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.StopCaptions(ctx, "7c0680fc-6274-4de5-a66f-d0648e8d3ac2")
			},
			method: http.MethodPost, path: "/captions/7c0680fc-6274-4de5-a66f-d0648e8d3ac2/stop", status: http.StatusAccepted,
		},
	})
}

func TestStartCaptionsDecodesFixture(t *testing.T) {
	for _, kind := range credKinds() {
		t.Run(kind.name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				serveJSON(w, 202, fixture(t, "responses/captions_start_response.json"))
			})
			ot := kind.client(t, ts.baseURL())
			opts := &CaptionsOptions{PartialCaptions: Ptr(false)}
			c, err := ot.StartCaptions(context.Background(), testSessionID, testClientToken, opts)
			require.NoError(t, err)
			assert.Equal(t, &Captions{ID: "my-caption-id"}, c)
			assert.False(t, *opts.PartialCaptions, "options not modified")
		})
	}
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { w.WriteHeader(202) })
	ot := credKinds()[0].client(t, ts.baseURL())
	_, err := ot.StartCaptions(context.Background(), testSessionID, testClientToken, nil)
	assert.ErrorIs(t, err, ErrBadResponse, "202 without captionsId")
}

func TestStartCaptionsTwiceConflicts(t *testing.T) {
	for _, kind := range credKinds() {
		t.Run(kind.name, func(t *testing.T) {
			var running atomic.Bool
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				if running.Swap(true) {
					serveJSON(w, http.StatusConflict, fixture(t, "responses/error_captions_409.json"))
					return
				}
				serveJSON(w, http.StatusAccepted, fixture(t, "responses/captions_start_response.json"))
			})
			ot := kind.client(t, ts.baseURL())
			_, err := ot.StartCaptions(context.Background(), testSessionID, testClientToken, nil)
			require.NoError(t, err)
			_, err = ot.StartCaptions(context.Background(), testSessionID, testClientToken, nil)
			assert.ErrorIs(t, err, ErrConflict)
			var ae *APIError
			require.True(t, errors.As(err, &ae))
			assert.Equal(t, http.StatusConflict, ae.StatusCode)
			assert.Contains(t, ae.Message, "already been started")
			assert.NotContains(t, err.Error(), testClientToken)
			assert.Len(t, ts.requests(), 2, "the 409 is not retried")
		})
	}
}

func TestStopCaptionsUnknown(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		serveJSON(w, 404, `{"code":404,"message":"The captions ID was not found"}`)
	})
	ot := credKinds()[1].client(t, ts.baseURL())
	assert.ErrorIs(t, ot.StopCaptions(context.Background(), "nope"), ErrNotFound)
}

// t1Token builds a T1 token for a role the way the platform's T1 format
// lays it out; the signature is fake (the SDK never verifies tokens).
func t1Token(role string) string {
	data := "session_id=" + testSessionID + "&create_time=1&expire_time=2&nonce=0.5&role=" + role
	return "T1==" + base64.StdEncoding.EncodeToString([]byte("partner_id="+testAPIKey+"&sig=deadbeef:"+data))
}

func TestStartCaptionsTokenRole(t *testing.T) {
	for _, kind := range credKinds() {
		t.Run(kind.name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				serveJSON(w, 202, fixture(t, "responses/captions_start_response.json"))
			})
			ot := kind.client(t, ts.baseURL())
			token := func(role Role) string {
				tok, err := ot.GenerateToken(testSessionID, &TokenOptions{Role: role})
				require.NoError(t, err)
				return tok
			}
			sent := []string{
				token(RoleModerator),
				testClientToken, // opaque: the role cannot be read
				"a.b.c",         // not a JWT payload
				"eyJhbGciOiJIUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(`{"scope":"session.connect"}`)) + ".sig", // no role claim
			}
			refused := []string{token(RolePublisher), token(RoleSubscriber), token(RolePublisherOnly),
				"eyJhbGciOiJIUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(`{"role":"superuser"}`)) + ".sig"}
			if kind.name == "opentok" {
				t1, err := ot.GenerateToken(testSessionID, &TokenOptions{Role: RoleModerator, Format: TokenT1})
				require.NoError(t, err)
				sent = append(sent, t1, t1Token("moderator"))
				t1, err = ot.GenerateToken(testSessionID, &TokenOptions{Format: TokenT1})
				require.NoError(t, err)
				refused = append(refused, t1, t1Token("subscriber"))
			}
			for i, tok := range sent {
				_, err := ot.StartCaptions(context.Background(), testSessionID, tok, nil)
				assert.NoError(t, err, "token %d", i)
			}
			assert.Len(t, ts.requests(), len(sent))
			for i, tok := range refused {
				_, err := ot.StartCaptions(context.Background(), testSessionID, tok, nil)
				var ve *ValidationError
				require.True(t, errors.As(err, &ve), "token %d: %v", i, err)
				assert.Equal(t, "token", ve.Field)
				assert.Contains(t, ve.Reason, "moderator")
				assert.NotContains(t, err.Error(), tok, "the token is never echoed")
			}
			assert.Len(t, ts.requests(), len(sent), "refused tokens are never sent")
		})
	}
}

func TestCaptionsValidation(t *testing.T) {
	start := func(opts *CaptionsOptions) func(ctx context.Context, ot *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.StartCaptions(ctx, testSessionID, testClientToken, opts)
			return err
		}
	}
	runBadCases(t, credKinds(), []badCase{
		{"empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.StartCaptions(ctx, "", testClientToken, nil)
			return err
		}},
		{"empty token", "token", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.StartCaptions(ctx, testSessionID, "", nil)
			return err
		}},
		{"language word", "languageCode", start(&CaptionsOptions{LanguageCode: "english"})},
		{"language without region", "languageCode", start(&CaptionsOptions{LanguageCode: "en"})},
		{"language lower-case region", "languageCode", start(&CaptionsOptions{LanguageCode: "en-us"})},
		{"language upper-case", "languageCode", start(&CaptionsOptions{LanguageCode: "EN-US"})},
		{"language underscore", "languageCode", start(&CaptionsOptions{LanguageCode: "en_US"})},
		{"language with script", "languageCode", start(&CaptionsOptions{LanguageCode: "zh-Hant-TW"})},
		{"maxDuration 299 s", "maxDuration", start(&CaptionsOptions{MaxDuration: 299 * time.Second})},
		{"maxDuration 14401 s", "maxDuration", start(&CaptionsOptions{MaxDuration: 14401 * time.Second})},
		{"maxDuration fractional", "maxDuration", start(&CaptionsOptions{MaxDuration: 300*time.Second + time.Millisecond})},
		{"callback 14 characters", "statusCallbackUrl", start(&CaptionsOptions{StatusCallbackURL: "https://a.io/x"})},
		{"callback 2049 characters", "statusCallbackUrl", start(&CaptionsOptions{StatusCallbackURL: "https://example.com/" + strings.Repeat("c", 2029)})},
		{"callback ftp", "statusCallbackUrl", start(&CaptionsOptions{StatusCallbackURL: "ftp://example.com/captions"})},
		{"StopCaptions empty ID", "captionsId", func(ctx context.Context, ot *OpenTok) error {
			return ot.StopCaptions(ctx, "")
		}},
	})
}

func TestCaptionsLimitsAccepted(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		serveJSON(w, 202, fixture(t, "responses/captions_start_response.json"))
	})
	ot := credKinds()[0].client(t, ts.baseURL())
	for _, o := range []*CaptionsOptions{
		{MaxDuration: MinCaptionsDuration, StatusCallbackURL: "https://a.io/xy"}, // 15 characters
		{MaxDuration: MaxCaptionsDuration, StatusCallbackURL: "https://example.com/" + strings.Repeat("c", 2028)},
		{LanguageCode: "en-AB"}, // in the platform's list though not a real region
		{LanguageCode: "zu-ZA"},
	} {
		_, err := ot.StartCaptions(context.Background(), testSessionID, testClientToken, o)
		require.NoError(t, err, "%+v", o)
	}
	assert.Len(t, ts.requests(), 4)
}
