package opentok

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// handlerRig records what the event function and the error handler saw.
type handlerRig struct {
	mu     sync.Mutex
	events []Event
	claims []*CallbackClaims
	errs   []error
	fnErr  error
}

func (h *handlerRig) fn(ctx context.Context, ev Event) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
	h.claims = append(h.claims, CallbackClaimsFromContext(ctx))
	return h.fnErr
}

func (h *handlerRig) onError(_ *http.Request, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.errs = append(h.errs, err)
}

func (h *handlerRig) handler(opts ...CallbackHandlerOption) http.Handler {
	return NewCallbackHandler(h.fn, append([]CallbackHandlerOption{WithCallbackErrorHandler(h.onError)}, opts...)...)
}

func serve(h http.Handler, method string, body io.Reader, authorization string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/callbacks", body)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestCallbackHandlerDeliversEvents(t *testing.T) {
	rig := &handlerRig{}
	h := rig.handler()
	for _, name := range []string{"archive.status.json", "session-monitoring.streamCreated.json", "sip.callDestroyed.json", "experience-composer.status.json"} {
		rec := serve(h, http.MethodPost, bytes.NewReader(callbackFixture(t, name)), "")
		assert.Equal(t, http.StatusOK, rec.Code, name)
		assert.Empty(t, rec.Body.String())
	}
	require.Len(t, rig.events, 4)
	assert.Equal(t, ArchiveAvailable, rig.events[0].(*ArchiveEvent).Status)
	assert.Equal(t, monStreamID, rig.events[1].(*StreamCreatedEvent).Stream.ID)
	assert.Equal(t, "400", rig.events[2].(*SIPCallDestroyedEvent).ReasonCode)
	assert.Equal(t, RenderStopped, rig.events[3].(*RenderEvent).Status)
	assert.Equal(t, []*CallbackClaims{nil, nil, nil, nil}, rig.claims, "no claims without a secret")
	assert.Empty(t, rig.errs)
}

func TestCallbackHandlerMethod(t *testing.T) {
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodHead} {
		rig := &handlerRig{}
		rec := serve(rig.handler(), m, bytes.NewReader(callbackFixture(t, "archive.status.json")), "")
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Code, m)
		assert.Equal(t, "POST", rec.Header().Get("Allow"))
		assert.Empty(t, rig.events, "fn not called")
		require.Len(t, rig.errs, 1)
		assert.ErrorIs(t, rig.errs[0], ErrMalformedCallback)
		assert.Contains(t, rig.errs[0].Error(), "is not POST")
	}
}

func TestCallbackHandlerBodyLimit(t *testing.T) {
	body := callbackFixture(t, "archive.status.json")
	n := int64(len(body))

	rig := &handlerRig{}
	h := rig.handler(WithCallbackMaxBody(n))
	assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, bytes.NewReader(body), "").Code, "exactly at the limit")

	h = rig.handler(WithCallbackMaxBody(n - 1))
	rec := serve(h, http.MethodPost, bytes.NewReader(body), "") // with Content-Length
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	assert.Equal(t, "callback body too large\n", rec.Body.String())
	// Without Content-Length (chunked): the read is cut at the limit.
	rec = serve(h, http.MethodPost, io.MultiReader(bytes.NewReader(body)), "")
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	assert.Len(t, rig.events, 1, "fn only saw the body within the limit")
	require.Len(t, rig.errs, 2)
	for _, err := range rig.errs {
		assert.ErrorIs(t, err, ErrMalformedCallback)
		assert.Contains(t, err.Error(), "over the limit")
	}
	var mbe *http.MaxBytesError
	assert.ErrorAs(t, rig.errs[1], &mbe)

	// The default is 1 MiB.
	big := append([]byte(`{"event":"archive","id":"a","sessionId":"s","name":"`), bytes.Repeat([]byte("x"), 1<<20)...)
	big = append(big, `"}`...)
	rec = serve(rig.handler(), http.MethodPost, io.MultiReader(bytes.NewReader(big)), "")
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
}

func TestCallbackHandlerBadInput(t *testing.T) {
	for _, body := range []string{"", "not json", `{"event":"archive"`, `[1,2]`, `{"event":"archive","sessionId":"s"}`,
		`{"event":"archive","id":"a","sessionId":"s","name":{"secret":"ECHO-ME"}}`} {
		rig := &handlerRig{}
		rec := serve(rig.handler(), http.MethodPost, strings.NewReader(body), "")
		assert.Equal(t, http.StatusBadRequest, rec.Code, body)
		assert.Equal(t, "malformed callback\n", rec.Body.String(), "generic text, never the body")
		assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
		assert.Empty(t, rig.events)
		require.Len(t, rig.errs, 1)
		assert.ErrorIs(t, rig.errs[0], ErrMalformedCallback)
	}
}

func TestCallbackHandlerNilBody(t *testing.T) {
	rig := &handlerRig{}
	req := httptest.NewRequest(http.MethodPost, "/callbacks", nil)
	req.Body = nil
	rec := httptest.NewRecorder()
	rig.handler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Empty(t, rig.events)
}

func TestCallbackHandlerUnknownEventReachesFn(t *testing.T) {
	rig := &handlerRig{}
	body := `{"event":"streamPropertyChanged","sessionId":"s1","stream":{"id":"x"}}`
	rec := serve(rig.handler(), http.MethodPost, strings.NewReader(body), "")
	assert.Equal(t, http.StatusOK, rec.Code)
	require.Len(t, rig.events, 1)
	assert.Equal(t, &UnknownEvent{EventHeader: EventHeader{Type: "streamPropertyChanged", SessionID: "s1"}, Body: []byte(body)}, rig.events[0])
	assert.Equal(t, "streamPropertyChanged", rig.events[0].EventType())
	assert.Equal(t, "s1", rig.events[0].EventSessionID())

	// The header has whatever the body has of it.
	rig = &handlerRig{}
	body = `{"event":"somethingNew","sessionId":5,"partnerId":42,"timestamp":1700000000000}`
	assert.Equal(t, http.StatusOK, serve(rig.handler(), http.MethodPost, strings.NewReader(body), "").Code)
	assert.Equal(t, &UnknownEvent{
		EventHeader: EventHeader{Type: "somethingNew", ProjectID: "42", Timestamp: ms(1700000000000)},
		Body:        []byte(body),
	}, rig.events[0], "a sessionId of the wrong type is left empty")

	// fn decides: an error makes the platform retry.
	rig = &handlerRig{fnErr: errors.New("not handled")}
	rec = serve(rig.handler(), http.MethodPost, strings.NewReader(`{}`), "")
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Equal(t, &UnknownEvent{Body: []byte(`{}`)}, rig.events[0])
}

func TestCallbackHandlerFnError(t *testing.T) {
	rig := &handlerRig{fnErr: errors.New("database down at 10.0.0.7")}
	rec := serve(rig.handler(), http.MethodPost, bytes.NewReader(callbackFixture(t, "sip.callUpdated.json")), "")
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Equal(t, "callback processing failed\n", rec.Body.String())
	assert.NotContains(t, rec.Body.String(), "database")
	require.Len(t, rig.events, 1, "fn was called")
	require.Len(t, rig.errs, 1)
	assert.Same(t, rig.fnErr, rig.errs[0], "the error handler sees fn's error")
}

func TestCallbackHandlerVerifiesSignatures(t *testing.T) {
	body := callbackFixture(t, "session-monitoring.connectionCreated.json")
	now := cbT0
	clock := withCallbackClock(func() time.Time { return now })
	sign := func(secret string, iat time.Time) string {
		tok, err := SignCallback(body, secret, &SignCallbackOptions{IssuedAt: iat, ID: "jti-9", APIKey: "123456"})
		require.NoError(t, err)
		return "Bearer " + tok
	}

	rig := &handlerRig{}
	h := rig.handler(WithCallbackSecret(testCallbackSecret), clock)
	good := sign(testCallbackSecret, now.Add(-time.Minute))
	rec := serve(h, http.MethodPost, bytes.NewReader(body), good)
	assert.Equal(t, http.StatusOK, rec.Code)
	require.Len(t, rig.events, 1)
	assert.Equal(t, "TOKENDATA", rig.events[0].(*ConnectionCreatedEvent).Connection.Data)
	assert.Equal(t, &CallbackClaims{IssuedAt: time.Unix(now.Add(-time.Minute).Unix(), 0), ID: "jti-9", PayloadHash: hashHex(body), APIKey: "123456"}, rig.claims[0])

	bad := []struct {
		name, auth string
		body       []byte
	}{
		{"missing header", "", body},
		{"wrong secret", sign(otherCallbackSecret, now), body},
		{"body changed", good, bytes.Replace(body, []byte("TOKENDATA"), []byte("OTHERDATA"), 1)},
		{"expired", sign(testCallbackSecret, now.Add(-10*time.Minute)), body},
		{"alg none", "Bearer " + signClaims(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, goodClaims(body)), body},
	}
	for _, tt := range bad {
		rig := &handlerRig{}
		h := rig.handler(WithCallbackSecret(testCallbackSecret), clock)
		rec := serve(h, http.MethodPost, bytes.NewReader(tt.body), tt.auth)
		assert.Equal(t, http.StatusUnauthorized, rec.Code, tt.name)
		assert.Equal(t, "Bearer", rec.Header().Get("WWW-Authenticate"))
		assert.Equal(t, "callback signature not valid\n", rec.Body.String())
		assert.Empty(t, rig.events, tt.name)
		require.Len(t, rig.errs, 1)
		assert.ErrorIs(t, rig.errs[0], ErrCallbackSignature, tt.name)
		for _, s := range []string{testCallbackSecret, otherCallbackSecret, strings.TrimPrefix(tt.auth, "Bearer "), "TOKENDATA"} {
			if s != "" {
				assert.NotContains(t, rec.Body.String(), s)
				assert.NotContains(t, rig.errs[0].Error(), s)
			}
		}
	}

	// A custom max age.
	rig = &handlerRig{}
	h = rig.handler(WithCallbackSecret(testCallbackSecret), WithCallbackMaxAge(30*time.Second), clock)
	assert.Equal(t, http.StatusUnauthorized, serve(h, http.MethodPost, bytes.NewReader(body), sign(testCallbackSecret, now.Add(-90*time.Second))).Code)
	assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, bytes.NewReader(body), sign(testCallbackSecret, now.Add(-50*time.Second))).Code)

	// Verification comes before parsing: a malformed, unsigned body is 401.
	rig = &handlerRig{}
	h = rig.handler(WithCallbackSecret(testCallbackSecret), clock)
	assert.Equal(t, http.StatusUnauthorized, serve(h, http.MethodPost, strings.NewReader("not json"), "").Code)
}

func TestCallbackHandlerSeveralSecrets(t *testing.T) {
	body := callbackFixture(t, "archive.status.json")
	rig := &handlerRig{}
	h := rig.handler(WithCallbackSecret(testCallbackSecret), WithCallbackSecret(otherCallbackSecret))
	for _, secret := range []string{testCallbackSecret, otherCallbackSecret} {
		tok, err := SignCallback(body, secret, nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, bytes.NewReader(body), "Bearer "+tok).Code)
	}
	tok, err := SignCallback(body, "made-up-third-secret", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, serve(h, http.MethodPost, bytes.NewReader(body), "Bearer "+tok).Code)
	assert.Len(t, rig.events, 2)
}

func TestCallbackHandlerOverHTTP(t *testing.T) {
	rig := &handlerRig{}
	mux := http.NewServeMux()
	mux.Handle("/opentok/callbacks", rig.handler(WithCallbackSecret(testCallbackSecret), WithCallbackMaxBody(4096)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	post := func(body []byte, auth string) *http.Response {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/opentok/callbacks", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp
	}
	body := callbackFixture(t, "sip.callCreated.json")
	tok, err := SignCallback(body, testCallbackSecret, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, post(body, "Bearer "+tok).StatusCode)
	assert.Equal(t, http.StatusUnauthorized, post(body, "").StatusCode)
	assert.Equal(t, http.StatusRequestEntityTooLarge, post(bytes.Repeat([]byte(" "), 5000), "Bearer "+tok).StatusCode)
	require.Len(t, rig.events, 1)
	assert.Equal(t, "<conference-id>", rig.events[0].(*SIPCallCreatedEvent).Call.ID)
}

func TestNewCallbackHandlerPanicsOnMisuse(t *testing.T) {
	fn := func(context.Context, Event) error { return nil }
	assert.PanicsWithValue(t, "opentok: NewCallbackHandler: fn is nil", func() { NewCallbackHandler(nil) })
	assert.PanicsWithValue(t, "opentok: NewCallbackHandler: WithCallbackSecret: the secret is empty",
		func() { NewCallbackHandler(fn, WithCallbackSecret("")) })
	assert.PanicsWithValue(t, "opentok: NewCallbackHandler: WithCallbackMaxBody: the limit must be positive",
		func() { NewCallbackHandler(fn, WithCallbackMaxBody(0)) })
	assert.NotPanics(t, func() { NewCallbackHandler(fn, nil, WithCallbackMaxAge(0), WithCallbackMaxAge(-1)) })
}
