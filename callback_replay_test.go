package opentok

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signedArchiveCallback returns an archive callback body and its
// Authorization header, signed now.
func signedArchiveCallback(t *testing.T, opts *SignCallbackOptions) ([]byte, string) {
	t.Helper()
	body := callbackFixture(t, "archive.status.json")
	tok, err := SignCallback(body, testCallbackSecret, opts)
	require.NoError(t, err)
	return body, "Bearer " + tok
}

// A valid signed callback sent again (same jti) was accepted again and
// again within its maximum age; the handler now refuses the repeat.
func TestCallbackHandlerRefusesReplays(t *testing.T) {
	rig := &handlerRig{}
	h := rig.handler(WithCallbackSecret(testCallbackSecret))
	body, auth := signedArchiveCallback(t, nil)
	assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, bytes.NewReader(body), auth).Code)
	rec := serve(h, http.MethodPost, bytes.NewReader(body), auth)
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "the same callback again")
	require.Len(t, rig.events, 1, "fn saw it once")
	require.Len(t, rig.errs, 1)
	assert.ErrorIs(t, rig.errs[0], ErrCallbackReplay)
	var ce *CallbackError
	assert.ErrorAs(t, rig.errs[0], &ce)

	// Another callback (its own jti) goes through.
	body2, auth2 := signedArchiveCallback(t, nil)
	assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, bytes.NewReader(body2), auth2).Code)

	// Without the check, a replay passes (until its maximum age).
	open := (&handlerRig{}).handler(WithCallbackSecret(testCallbackSecret), WithoutCallbackReplayCheck())
	for range 2 {
		assert.Equal(t, http.StatusOK, serve(open, http.MethodPost, bytes.NewReader(body), auth).Code)
	}

	// A JWT without a jti cannot be told apart from its replay.
	noJTI, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "Vonage", "iat": time.Now().Unix(),
		"payload_hash": sha256Hex(body)}).SignedString([]byte(testCallbackSecret))
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, serve(h, http.MethodPost, bytes.NewReader(body), "Bearer "+noJTI).Code)
}

// mapStore is a shared ReplayStore, as several instances behind a load
// balancer would use.
type mapStore struct {
	mu    sync.Mutex
	seen  map[string]time.Time
	err   error
	calls int
}

func (m *mapStore) Seen(_ context.Context, jti string, until time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.err != nil {
		return false, m.err
	}
	if _, ok := m.seen[jti]; ok {
		return true, nil
	}
	m.seen[jti] = until
	return false, nil
}

func TestCallbackHandlerSharedReplayStore(t *testing.T) {
	store := &mapStore{seen: map[string]time.Time{}}
	a := (&handlerRig{}).handler(WithCallbackSecret(testCallbackSecret), WithCallbackReplayStore(store))
	b := (&handlerRig{}).handler(WithCallbackSecret(testCallbackSecret), WithCallbackReplayStore(store))
	now := time.Now().Truncate(time.Second)
	body, auth := signedArchiveCallback(t, &SignCallbackOptions{IssuedAt: now, ID: "jti-1"})
	assert.Equal(t, http.StatusOK, serve(a, http.MethodPost, bytes.NewReader(body), auth).Code)
	assert.Equal(t, http.StatusUnauthorized, serve(b, http.MethodPost, bytes.NewReader(body), auth).Code,
		"another instance sharing the store refuses the replay")
	assert.Equal(t, now.Add(DefaultCallbackMaxAge+DefaultCallbackLeeway), store.seen["jti-1"],
		"kept until the age check alone refuses it")

	// A failing store makes the handler answer 500, so that the platform retries.
	store.err = errors.New("redis down")
	rig := &handlerRig{}
	body2, auth2 := signedArchiveCallback(t, nil)
	rec := serve(rig.handler(WithCallbackSecret(testCallbackSecret), WithCallbackReplayStore(store)), http.MethodPost, bytes.NewReader(body2), auth2)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Empty(t, rig.events)
	require.Len(t, rig.errs, 1)
	assert.ErrorIs(t, rig.errs[0], store.err)
	assert.NotContains(t, rec.Body.String(), "redis")

	assert.PanicsWithValue(t, "opentok: NewCallbackHandler: WithCallbackReplayStore: the store is nil (use WithoutCallbackReplayCheck to turn the check off)",
		func() { NewCallbackHandler(rig.fn, WithCallbackReplayStore(nil)) })
}

func TestMemoryReplayStore(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	m := NewMemoryReplayStore(3)
	m.now = func() time.Time { return now }
	seen := func(jti string, ttl time.Duration) bool {
		s, err := m.Seen(ctx, jti, now.Add(ttl))
		require.NoError(t, err)
		return s
	}
	assert.False(t, seen("a", time.Minute))
	assert.True(t, seen("a", time.Minute), "a repeat")
	assert.False(t, seen("b", time.Hour))
	assert.False(t, seen("c", time.Hour))
	assert.Equal(t, 3, m.Len())
	assert.False(t, seen("d", time.Hour), "full: the oldest (a) is dropped")
	assert.Equal(t, 3, m.Len())
	assert.False(t, seen("a", time.Minute), "a was dropped")

	now = now.Add(2 * time.Minute) // a has expired
	assert.Equal(t, 3, m.Len())
	assert.False(t, seen("e", time.Hour))
	assert.True(t, seen("d", time.Hour), "d is still there")
	assert.LessOrEqual(t, m.Len(), 3)
	assert.Equal(t, DefaultReplayStoreSize, NewMemoryReplayStore(0).max)
}

// countingReader records whether its body was read.
type countingReader struct{ reads atomic.Int32 }

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return 0, io.EOF
}

// The handler read up to 1 MiB before it checked that an Authorization
// header was even present; it now refuses a missing or malformed header
// without reading the body.
func TestCallbackHandlerRefusesUnauthenticatedBodiesUnread(t *testing.T) {
	for _, auth := range []string{"", "Basic dXNlcjpwYXNz", "Bearer", "Bearer   "} {
		rig := &handlerRig{}
		body := &countingReader{}
		rec := serve(rig.handler(WithCallbackSecret(testCallbackSecret)), http.MethodPost, body, auth)
		assert.Equal(t, http.StatusUnauthorized, rec.Code, "%q", auth)
		assert.Zero(t, body.reads.Load(), "the body was not read (%q)", auth)
		require.Len(t, rig.errs, 1)
		assert.ErrorIs(t, rig.errs[0], ErrCallbackSignature)
	}
}

// A body that arrives too slowly is cut off by a read deadline (it was held
// as long as the client liked).
func TestCallbackHandlerBodyReadTimeout(t *testing.T) {
	rig := &handlerRig{}
	ts := httptest.NewServer(rig.handler(WithCallbackSecret(testCallbackSecret), WithCallbackReadTimeout(150*time.Millisecond)))
	defer ts.Close()
	body, auth := signedArchiveCallback(t, nil)
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	start := time.Now()
	_, err = io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: "+auth+"\r\nContent-Length: "+
		strconv.Itoa(len(body))+"\r\n\r\n"+string(body[:10])) // then nothing more
	require.NoError(t, err)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Empty(t, rig.events)

	assert.Panics(t, func() { NewCallbackHandler(rig.fn, WithCallbackReadTimeout(0)) })
}

// An iat that overflows time (1e19) passed when the age check was off; an
// iat in the future or out of range is refused whatever MaxAge is.
func TestVerifyCallbackSignatureRefusesFarFutureIat(t *testing.T) {
	body := []byte(`{"event":"archive"}`)
	for _, iat := range []any{1e19, float64(time.Now().Add(time.Hour).Unix()), -5} {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "Vonage", "iat": iat, "jti": "j",
			"payload_hash": sha256Hex(body)}).SignedString([]byte(testCallbackSecret))
		require.NoError(t, err)
		for _, maxAge := range []time.Duration{-1, 0, time.Hour} {
			_, err := VerifyCallbackSignature("Bearer "+tok, body, testCallbackSecret, &VerifyCallbackOptions{MaxAge: maxAge})
			assert.ErrorIs(t, err, ErrCallbackSignature, "iat %v, max age %v", iat, maxAge)
		}
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// forgetStore is a mapStore that can forget, and fail to.
type forgetStore struct {
	*mapStore
	forgetErr error
}

func (f forgetStore) Forget(_ context.Context, jti string) error {
	if f.forgetErr != nil {
		return f.forgetErr
	}
	delete(f.seen, jti)
	return nil
}

// When fn fails the handler answers 500 so that the sender delivers the
// callback again; the very same signed request then gets through, with
// the default store and any store that can forget. A store that cannot
// forget keeps refusing it.
func TestCallbackHandlerForgetsTheJTIWhenFnFails(t *testing.T) {
	fnErr := errors.New("database busy")
	for _, tc := range []struct {
		name  string
		opts  []CallbackHandlerOption
		again int
	}{
		{"default memory store", nil, http.StatusOK},
		{"store with Forget", []CallbackHandlerOption{WithCallbackReplayStore(forgetStore{mapStore: &mapStore{seen: map[string]time.Time{}}})}, http.StatusOK},
		{"store without Forget", []CallbackHandlerOption{WithCallbackReplayStore(&mapStore{seen: map[string]time.Time{}})}, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rig := &handlerRig{fnErr: fnErr}
			h := rig.handler(append([]CallbackHandlerOption{WithCallbackSecret(testCallbackSecret)}, tc.opts...)...)
			body, auth := signedArchiveCallback(t, nil)
			assert.Equal(t, http.StatusInternalServerError, serve(h, http.MethodPost, bytes.NewReader(body), auth).Code)
			rig.mu.Lock()
			rig.fnErr = nil
			rig.mu.Unlock()
			assert.Equal(t, tc.again, serve(h, http.MethodPost, bytes.NewReader(body), auth).Code, "the same request again")
			wantCalls := 1
			if tc.again == http.StatusOK {
				wantCalls = 2
				assert.Equal(t, http.StatusUnauthorized, serve(h, http.MethodPost, bytes.NewReader(body), auth).Code,
					"once processed, a repeat is a replay again")
			}
			assert.Len(t, rig.events, wantCalls)
		})
	}

	// A failing Forget is reported with fn's error.
	rig := &handlerRig{fnErr: fnErr}
	store := forgetStore{mapStore: &mapStore{seen: map[string]time.Time{}}, forgetErr: errors.New("redis down")}
	h := rig.handler(WithCallbackSecret(testCallbackSecret), WithCallbackReplayStore(store))
	body, auth := signedArchiveCallback(t, nil)
	assert.Equal(t, http.StatusInternalServerError, serve(h, http.MethodPost, bytes.NewReader(body), auth).Code)
	require.Len(t, rig.errs, 1)
	assert.ErrorIs(t, rig.errs[0], fnErr)
	assert.ErrorIs(t, rig.errs[0], store.forgetErr)
}

func TestMemoryReplayStoreForget(t *testing.T) {
	m := NewMemoryReplayStore(4)
	ctx := context.Background()
	until := time.Now().Add(time.Minute)
	seen, _ := m.Seen(ctx, "a", until)
	assert.False(t, seen)
	require.NoError(t, m.Forget(ctx, "a"))
	require.NoError(t, m.Forget(ctx, "never-seen"))
	assert.Zero(t, m.Len())
	seen, _ = m.Seen(ctx, "a", until)
	assert.False(t, seen, "forgotten")
	seen, _ = m.Seen(ctx, "a", until)
	assert.True(t, seen)
}
