package opentok

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
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
// header was even present, and then the whole body for any "Bearer
// <garbage>"; it now verifies the JWT (signature, issuer, age, jti) before
// reading a byte of the body, and checks payload_hash after.
func TestCallbackHandlerRefusesUnauthenticatedBodiesUnread(t *testing.T) {
	body := callbackFixture(t, "archive.status.json")
	sign := func(secret string, claims jwt.MapClaims, method jwt.SigningMethod) string {
		key := any([]byte(secret))
		if method == jwt.SigningMethodNone {
			key = jwt.UnsafeAllowNoneSignatureType
		}
		tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
		require.NoError(t, err)
		return "Bearer " + tok
	}
	valid := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": "Vonage", "iat": time.Now().Unix(), "jti": "j", "payload_hash": sha256Hex(body)}
	}
	old, noHash, foreign := valid(), valid(), valid()
	old["iat"] = time.Now().Add(-time.Hour).Unix()
	delete(noHash, "payload_hash")
	foreign["iss"] = "someone"
	for name, auth := range map[string]string{
		"none": "", "basic": "Basic dXNlcjpwYXNz", "bearer alone": "Bearer", "bearer blank": "Bearer   ",
		"garbage":         "Bearer garbage",
		"three parts":     "Bearer a.b.c",
		"wrong secret":    sign("another-secret", valid(), jwt.SigningMethodHS256),
		"alg none":        sign("", valid(), jwt.SigningMethodNone),
		"too old":         sign(testCallbackSecret, old, jwt.SigningMethodHS256),
		"no payload_hash": sign(testCallbackSecret, noHash, jwt.SigningMethodHS256),
		"foreign issuer":  sign(testCallbackSecret, foreign, jwt.SigningMethodHS256),
		"huge":            "Bearer " + strings.Repeat("a", 9000),
	} {
		rig := &handlerRig{}
		rd := &countingReader{}
		rec := serve(rig.handler(WithCallbackSecret(testCallbackSecret)), http.MethodPost, rd, auth)
		assert.Equal(t, http.StatusUnauthorized, rec.Code, name)
		assert.Zero(t, rd.reads.Load(), "the body was not read (%s)", name)
		require.Len(t, rig.errs, 1, name)
		assert.ErrorIs(t, rig.errs[0], ErrCallbackSignature, name)
	}
}

// A valid JWT sent with another body is refused once the body is in, and
// does not burn the jti: the genuine delivery of that JWT goes through.
func TestCallbackHandlerChecksThePayloadHashAfterTheBody(t *testing.T) {
	rig := &handlerRig{}
	h := rig.handler(WithCallbackSecret(testCallbackSecret))
	body, auth := signedArchiveCallback(t, nil)
	assert.Equal(t, http.StatusUnauthorized, serve(h, http.MethodPost, strings.NewReader(`{"event":"archive","forged":1}`), auth).Code)
	require.Len(t, rig.errs, 1)
	assert.ErrorContains(t, rig.errs[0], "payload_hash does not match the body")
	assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, bytes.NewReader(body), auth).Code)
	assert.Len(t, rig.events, 1)
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

// ctxStore is a store that can forget and, like a network store, honours
// the context it is given: a cancelled one makes Forget fail.
type ctxStore struct {
	*mapStore
	forgetCtxErr  error
	forgetTimeout time.Duration
}

func (c *ctxStore) Forget(ctx context.Context, jti string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgetCtxErr = ctx.Err()
	if dl, ok := ctx.Deadline(); ok {
		c.forgetTimeout = time.Until(dl)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	delete(c.seen, jti)
	return nil
}

// A callback whose fn panicked kept its jti recorded, so that the sender's
// retry of the same request was refused as a replay; the handler now
// forgets it, then lets the panic go on.
func TestCallbackHandlerForgetsTheJTIWhenFnPanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []CallbackHandlerOption
	}{
		{"default memory store", nil},
		{"store with Forget", []CallbackHandlerOption{WithCallbackReplayStore(&ctxStore{mapStore: &mapStore{seen: map[string]time.Time{}}})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			fn := func(context.Context, Event) error {
				if calls.Add(1) == 1 {
					panic("fn's bug")
				}
				return nil
			}
			h := NewCallbackHandler(fn, append([]CallbackHandlerOption{WithCallbackSecret(testCallbackSecret)}, tc.opts...)...)
			body, auth := signedArchiveCallback(t, nil)
			assert.PanicsWithValue(t, "fn's bug", func() { serve(h, http.MethodPost, bytes.NewReader(body), auth) },
				"the panic goes on")
			assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, bytes.NewReader(body), auth).Code, "the sender's retry")
			assert.Equal(t, int32(2), calls.Load())
			assert.Equal(t, http.StatusUnauthorized, serve(h, http.MethodPost, bytes.NewReader(body), auth).Code,
				"once processed, a repeat is a replay again")
		})
	}
}

// When the sender gave up waiting, the request's context had ended and a
// store honouring it failed to forget the jti of a failed callback: the
// retry was then refused. Forget now gets a detached context with its own
// timeout.
func TestCallbackHandlerForgetsWithADetachedContext(t *testing.T) {
	store := &ctxStore{mapStore: &mapStore{seen: map[string]time.Time{}}}
	rig := &handlerRig{}
	var cancel context.CancelFunc
	fail := true
	h := NewCallbackHandler(func(ctx context.Context, ev Event) error {
		if fail {
			cancel() // the sender hangs up while fn works
			return errors.New("database busy")
		}
		return rig.fn(ctx, ev)
	}, WithCallbackSecret(testCallbackSecret), WithCallbackReplayStore(store), WithCallbackErrorHandler(rig.onError))
	body, auth := signedArchiveCallback(t, nil)
	req := httptest.NewRequest(http.MethodPost, "/callbacks", bytes.NewReader(body))
	req.Header.Set("Authorization", auth)
	ctx, c := context.WithCancel(req.Context())
	cancel = c
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req.WithContext(ctx))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.NoError(t, store.forgetCtxErr, "Forget's context is not the ended request's")
	assert.Greater(t, store.forgetTimeout, time.Duration(0), "Forget's context has a deadline")
	assert.LessOrEqual(t, store.forgetTimeout, callbackForgetTimeout)
	require.Len(t, rig.errs, 1)
	assert.NotContains(t, rig.errs[0].Error(), "replay store", "Forget did not fail")

	fail = false
	assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, bytes.NewReader(body), auth).Code, "the retry is processed")
	assert.Len(t, rig.events, 1)
}

// A typed-nil store was accepted and every callback then panicked; the
// zero MemoryReplayStore panicked on first use.
func TestReplayStoreMisuse(t *testing.T) {
	rig := &handlerRig{}
	assert.PanicsWithValue(t, "opentok: NewCallbackHandler: WithCallbackReplayStore: the store is a nil *opentok.MemoryReplayStore",
		func() { NewCallbackHandler(rig.fn, WithCallbackReplayStore((*MemoryReplayStore)(nil))) })
	assert.PanicsWithValue(t, "opentok: NewCallbackHandler: WithCallbackReplayStore: the store is a nil *opentok.mapStore",
		func() { NewCallbackHandler(rig.fn, WithCallbackReplayStore((*mapStore)(nil))) })

	// The zero value works, in the handler and on its own.
	h := rig.handler(WithCallbackSecret(testCallbackSecret), WithCallbackReplayStore(&MemoryReplayStore{}))
	body, auth := signedArchiveCallback(t, nil)
	assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, bytes.NewReader(body), auth).Code)
	assert.Equal(t, http.StatusUnauthorized, serve(h, http.MethodPost, bytes.NewReader(body), auth).Code)
	ctx := context.Background()
	var m MemoryReplayStore
	assert.Zero(t, m.Len())
	require.NoError(t, m.Forget(ctx, "a"))
	seen, err := m.Seen(ctx, "a", time.Now().Add(time.Minute))
	require.NoError(t, err)
	assert.False(t, seen)
	seen, _ = m.Seen(ctx, "a", time.Now().Add(time.Minute))
	assert.True(t, seen)
	assert.Equal(t, 1, m.Len())
	assert.Equal(t, DefaultReplayStoreSize, m.max)

	// A nil *MemoryReplayStore fails instead of panicking.
	var nilStore *MemoryReplayStore
	_, err = nilStore.Seen(ctx, "a", time.Now())
	assert.Error(t, err)
	assert.Error(t, nilStore.Forget(ctx, "a"))
	assert.Zero(t, nilStore.Len())
}

// jtis were unbounded: 5.8 KB jtis made the store of DefaultReplayStoreSize
// entries take ~900 MiB. A jti over MaxCallbackJTILength bytes is refused
// as invalid before the store sees it.
func TestCallbackJTILengthIsCapped(t *testing.T) {
	store := &mapStore{seen: map[string]time.Time{}}
	rig := &handlerRig{}
	h := rig.handler(WithCallbackSecret(testCallbackSecret), WithCallbackReplayStore(store))
	body, auth := signedArchiveCallback(t, &SignCallbackOptions{ID: strings.Repeat("j", MaxCallbackJTILength)})
	assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, bytes.NewReader(body), auth).Code, "at the cap")
	for _, n := range []int{MaxCallbackJTILength + 1, 5800} {
		body, auth := signedArchiveCallback(t, &SignCallbackOptions{ID: strings.Repeat("j", n)})
		assert.Equal(t, http.StatusUnauthorized, serve(h, http.MethodPost, bytes.NewReader(body), auth).Code, "%d bytes", n)
		_, err := VerifyCallbackSignature(auth, body, testCallbackSecret, nil)
		assert.ErrorIs(t, err, ErrCallbackSignature)
		assert.ErrorContains(t, err, "jti")
		_, err = NewMemoryReplayStore(0).Seen(context.Background(), strings.Repeat("j", n), time.Now().Add(time.Minute))
		assert.Error(t, err, "the memory store refuses it too")
	}
	assert.Equal(t, 1, store.calls, "the store saw only the jti at the cap")
	require.Len(t, rig.errs, 2)
	assert.ErrorIs(t, rig.errs[1], ErrCallbackSignature)
}

// The memory a full default store takes, with the platform's UUID jtis and
// with jtis of the maximum length (DefaultReplayStoreSize's doc quotes
// these figures).
func TestMemoryReplayStoreSize(t *testing.T) {
	if testing.Short() {
		t.Skip("fills two stores of DefaultReplayStoreSize jtis")
	}
	for _, n := range []int{36, MaxCallbackJTILength} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m := NewMemoryReplayStore(0)
		until := time.Now().Add(time.Hour)
		pad := strings.Repeat("j", n-8)
		for i := range DefaultReplayStoreSize {
			_, err := m.Seen(context.Background(), fmt.Sprintf("%s%08x", pad, i), until)
			require.NoError(t, err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		mib := float64(after.HeapInuse-before.HeapInuse) / (1 << 20)
		t.Logf("%d jtis of %d bytes: %.1f MiB", m.Len(), n, mib)
		assert.Less(t, mib, 48.0)
		runtime.KeepAlive(m)
	}
}
