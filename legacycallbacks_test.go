package opentok

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLegacyCallbackRequests(t *testing.T) {
	runOpCases(t, openTokOnly(), []opCase{
		{
			name: "RegisterCallback",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.RegisterCallback(ctx, CallbackRegistration{Group: "connection", Event: "created", URL: "https://example.com/callbacks?x=1&y=2"})
				return err
			},
			method: http.MethodPost, path: "/callback", golden: "callback_register",
			answer: fixture(t, "responses/callback_register_response.json"),
		},
		{
			name: "ListCallbacks",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.ListCallbacks(ctx)
				return err
			},
			method: http.MethodGet, path: "/callback",
			answer: fixture(t, "responses/callback_list_response.json"),
		},
		{
			name:   "UnregisterCallback",
			call:   func(ctx context.Context, ot *OpenTok) error { return ot.UnregisterCallback(ctx, "CALLBACKID") },
			method: http.MethodDelete, path: "/callback/CALLBACKID", status: http.StatusNoContent,
		},
	})
}

func TestLegacyCallbackFixtures(t *testing.T) {
	var answer string
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, 200, answer) })
	ot := credKinds()[0].client(t, ts.baseURL())
	want := &RegisteredCallback{ID: "ID", Group: "connection", Event: "created", URL: "https://", CreatedAt: time.UnixMilli(1391149936527)}

	answer = fixture(t, "responses/callback_register_response.json")
	cb, err := ot.RegisterCallback(context.Background(), CallbackRegistration{Group: "connection", Event: "created", URL: "https://example.com/cb"})
	require.NoError(t, err)
	assertCallback(t, want, cb)

	answer = fixture(t, "responses/callback_list_response.json")
	list, err := ot.ListCallbacks(context.Background())
	require.NoError(t, err)
	require.Len(t, list.Items, 2)
	assert.Equal(t, 2, list.Total)
	assertCallback(t, want, list.Items[0])
	assertCallback(t, want, list.Items[1])

	answer = `[]`
	list, err = ot.ListCallbacks(context.Background())
	require.NoError(t, err)
	assert.NotNil(t, list.Items)
	assert.Empty(t, list.Items)
	assert.Zero(t, list.Total)

	answer = `{"items":[]}`
	_, err = ot.ListCallbacks(context.Background())
	assert.ErrorIs(t, err, ErrBadResponse, "not an array")

	answer = `{"group":"connection"}`
	_, err = ot.RegisterCallback(context.Background(), CallbackRegistration{Group: "connection", Event: "created", URL: "https://example.com/cb"})
	assert.ErrorIs(t, err, ErrBadResponse, "no id in the answer")
}

func assertCallback(t *testing.T, want, got *RegisteredCallback) {
	t.Helper()
	require.NotNil(t, got)
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt))
	w, g := *want, *got
	w.CreatedAt, g.CreatedAt = time.Time{}, time.Time{}
	assert.Equal(t, w, g)
}

func TestLegacyCallbacksRefuseVonageCredentials(t *testing.T) {
	ops := map[string]func(ctx context.Context, ot *OpenTok) error{
		"RegisterCallback": func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.RegisterCallback(ctx, CallbackRegistration{Group: "connection", Event: "created", URL: "https://example.com/cb"})
			return err
		},
		"ListCallbacks": func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListCallbacks(ctx)
			return err
		},
		"UnregisterCallback": func(ctx context.Context, ot *OpenTok) error { return ot.UnregisterCallback(ctx, "CALLBACKID") },
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			ot := credKinds()[1].client(t, ts.baseURL())
			err := op(context.Background(), ot)
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "got %T %v", err, err)
			assert.Equal(t, "credentials", ve.Field)
			assert.Contains(t, ve.Reason, "OpenTok project credentials")
			assert.Empty(t, ts.requests(), "nothing sent")
		})
	}
}

func TestLegacyCallbackValidation(t *testing.T) {
	reg := func(r CallbackRegistration) func(ctx context.Context, ot *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.RegisterCallback(ctx, r)
			return err
		}
	}
	const u = "https://example.com/cb"
	runBadCases(t, openTokOnly(), []badCase{
		{"empty group", "group", reg(CallbackRegistration{Event: "created", URL: u})},
		{"empty event", "event", reg(CallbackRegistration{Group: "connection", URL: u})},
		{"empty url", "url", reg(CallbackRegistration{Group: "connection", Event: "created"})},
		{"ftp url", "url", reg(CallbackRegistration{Group: "connection", Event: "created", URL: "ftp://example.com/cb"})},
		{"relative url", "url", reg(CallbackRegistration{Group: "connection", Event: "created", URL: "/cb"})},
		{"empty callback ID", "callbackId", func(ctx context.Context, ot *OpenTok) error {
			return ot.UnregisterCallback(ctx, "")
		}},
	})
}
