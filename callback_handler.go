package opentok

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"time"
)

// The http.Handler that receives callbacks: it reads the body, verifies the
// signature, parses the event and passes it to the application's function.

// CallbackHandlerOption configures [NewCallbackHandler].
type CallbackHandlerOption func(*cbHandlerConfig)

type cbHandlerConfig struct {
	secrets     []string
	maxBody     int64
	maxAge      time.Duration
	readTimeout time.Duration
	replay      ReplayStore
	noReplay    bool
	onError     func(*http.Request, error)
	now         func() time.Time
	bad         string // the first invalid option, reported by NewCallbackHandler
}

// DefaultCallbackReadTimeout is how long the handler waits for a callback's
// body unless [WithCallbackReadTimeout] says otherwise: 10 seconds.
const DefaultCallbackReadTimeout = 10 * time.Second

func (c *cbHandlerConfig) reject(reason string) {
	if c.bad == "" {
		c.bad = reason
	}
}

// WithCallbackSecret makes the handler verify every callback's signature
// (see [VerifyCallbackSignature]) with secret, the signature secret of the
// callback type; unsigned or badly signed callbacks are answered 401. It may
// be given more than once: a signature made with any of the secrets is
// accepted (for rotating a secret, or one URL serving several callback
// types). NewCallbackHandler panics when secret is empty, so a missing
// configuration value cannot silently turn verification off. Default: no
// verification.
func WithCallbackSecret(secret string) CallbackHandlerOption {
	return func(c *cbHandlerConfig) {
		if secret == "" {
			c.reject("WithCallbackSecret: the secret is empty")
			return
		}
		c.secrets = append(c.secrets, secret)
	}
}

// WithCallbackMaxBody sets the largest body the handler reads, in bytes
// (default [DefaultCallbackMaxBody], 1 MiB); a larger one is answered 413.
// NewCallbackHandler panics when n is not positive.
func WithCallbackMaxBody(n int64) CallbackHandlerOption {
	return func(c *cbHandlerConfig) {
		if n <= 0 {
			c.reject("WithCallbackMaxBody: the limit must be positive")
			return
		}
		c.maxBody = n
	}
}

// WithCallbackMaxAge sets the oldest iat a signed callback may carry
// (default [DefaultCallbackMaxAge], 5 minutes, which 0 also selects; the
// leeway of [DefaultCallbackLeeway] is added). A negative d turns the age
// check off, which allows replays. It matters only with
// [WithCallbackSecret].
func WithCallbackMaxAge(d time.Duration) CallbackHandlerOption {
	return func(c *cbHandlerConfig) {
		if d == 0 {
			d = DefaultCallbackMaxAge
		}
		c.maxAge = d
	}
}

// WithCallbackReadTimeout sets how long the handler waits for a callback's
// body once it has checked the Authorization header (default
// [DefaultCallbackReadTimeout]), through [http.ResponseController]: a
// client that sends its body slowly is cut off. NewCallbackHandler panics
// when d is not positive.
func WithCallbackReadTimeout(d time.Duration) CallbackHandlerOption {
	return func(c *cbHandlerConfig) {
		if d <= 0 {
			c.reject("WithCallbackReadTimeout: the timeout must be positive")
			return
		}
		c.readTimeout = d
	}
}

// WithCallbackReplayStore sets where the handler remembers the jti of each
// verified callback, to refuse one sent again (401, [ErrCallbackReplay]).
// By default it is a [MemoryReplayStore] of [DefaultReplayStoreSize] jtis,
// enough for one process; a service whose instances share callbacks behind
// a load balancer gives all of them one shared store (on Redis: the module
// github.com/opentok-go/opentok/contrib/redisreplay). It matters only with
// [WithCallbackSecret]. NewCallbackHandler panics when s is nil, or a nil
// pointer (map, func, chan) in an interface, since every callback would
// then fail.
func WithCallbackReplayStore(s ReplayStore) CallbackHandlerOption {
	return func(c *cbHandlerConfig) {
		if s == nil {
			c.reject("WithCallbackReplayStore: the store is nil (use WithoutCallbackReplayCheck to turn the check off)")
			return
		}
		if isTypedNil(s) {
			c.reject(fmt.Sprintf("WithCallbackReplayStore: the store is a nil %T", s))
			return
		}
		c.replay = s
	}
}

// isTypedNil reports whether v holds a nil pointer, map, func or chan (a
// "typed nil" in a non-nil interface).
func isTypedNil(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return rv.IsNil()
	}
	return false
}

// WithoutCallbackReplayCheck turns off the refusal of replayed callbacks:
// a captured signed callback is then accepted again until its maximum age.
func WithoutCallbackReplayCheck() CallbackHandlerOption {
	return func(c *cbHandlerConfig) { c.noReplay = true }
}

// WithCallbackErrorHandler sets a function the handler calls, before
// answering, for every request it does not answer 2xx, so the failure can be
// logged: err is a [*CallbackError] for a rejected request (wrong method,
// oversized body, failed verification, malformed body) or the error the
// event function returned. It must be safe for concurrent use. Default:
// errors are not reported anywhere (the handler never logs).
func WithCallbackErrorHandler(f func(r *http.Request, err error)) CallbackHandlerOption {
	return func(c *cbHandlerConfig) { c.onError = f }
}

// withCallbackClock replaces time.Now in tests.
func withCallbackClock(now func() time.Time) CallbackHandlerOption {
	return func(c *cbHandlerConfig) { c.now = now }
}

type cbClaimsKey struct{}

// CallbackClaimsFromContext returns the verified claims of the callback
// being handled, from the context [NewCallbackHandler] passes to its
// function; nil when the handler verifies no signatures.
func CallbackClaimsFromContext(ctx context.Context) *CallbackClaims {
	c, _ := ctx.Value(cbClaimsKey{}).(*CallbackClaims)
	return c
}

type cbHandler struct {
	fn       func(context.Context, Event) error
	cfg      cbHandlerConfig
	verifier *cbVerifier // nil without secrets
}

// NewCallbackHandler returns an http.Handler that receives the platform's
// callbacks and passes each as an [Event] to fn, with the request's context
// (carrying the verified claims, see [CallbackClaimsFromContext]). Mount it
// at the URL configured for the callbacks.
//
// It answers:
//   - 405 to any method but POST;
//   - 401 when a secret is set ([WithCallbackSecret]) and the
//     "Authorization: Bearer" JWT is missing or does not verify (signature,
//     issuer, age, a jti of at most [MaxCallbackJTILength] bytes) — before
//     reading the body;
//   - 413 to a body over the limit ([WithCallbackMaxBody], 1 MiB by default),
//     and 408 to one that takes longer than the read timeout
//     ([WithCallbackReadTimeout], 10 s by default);
//   - 401 when a secret is set and the JWT's payload_hash does not match
//     the body, or when the callback's jti was seen already (a replay; see
//     [WithCallbackReplayStore]); without a secret nothing is verified, and
//     anyone who knows the URL can send events;
//   - 500 when the replay store fails (the sender retries later; the
//     error handler gets the store's error), never an unchecked 200;
//   - 400 to a body [ParseCallback] finds malformed;
//   - 500 when fn returns an error, so that the platform retries (the
//     callback's jti is forgotten first when the replay store can, so that
//     the same signed request is processed when it comes again; see
//     [ReplayForgetter]). When fn panics the jti is forgotten too, then the
//     panic goes on (net/http recovers it and drops the connection);
//   - 200 once fn returns nil.
//
// A well-formed JSON object of no kind this package knows reaches fn as an
// [*UnknownEvent], so that new platform events are neither refused (which
// would make the platform retry them, or disable the callback) nor dropped
// unseen. Answers carry a short generic text: never the body, the secret,
// the JWT or the text of fn's error; use [WithCallbackErrorHandler] to see
// the details. The handler does not log.
//
// NewCallbackHandler panics if fn is nil or an option is invalid (an empty
// secret, a non-positive body limit), as these are programming errors.
func NewCallbackHandler(fn func(context.Context, Event) error, opts ...CallbackHandlerOption) http.Handler {
	if fn == nil {
		panic("opentok: NewCallbackHandler: fn is nil")
	}
	h := &cbHandler{fn: fn, cfg: cbHandlerConfig{maxBody: DefaultCallbackMaxBody, maxAge: DefaultCallbackMaxAge,
		readTimeout: DefaultCallbackReadTimeout}}
	for _, o := range opts {
		if o != nil {
			o(&h.cfg)
		}
	}
	if h.cfg.bad != "" {
		panic("opentok: NewCallbackHandler: " + h.cfg.bad)
	}
	if len(h.cfg.secrets) > 0 {
		h.verifier = newCBVerifier(h.cfg.secrets, VerifyCallbackOptions{MaxAge: h.cfg.maxAge, now: h.cfg.now})
		h.cfg.secrets = nil // the verifier holds them
	}
	if h.cfg.noReplay {
		h.cfg.replay = nil
	} else if h.cfg.replay == nil {
		h.cfg.replay = NewMemoryReplayStore(DefaultReplayStoreSize)
	}
	return h
}

// String describes the handler without its secrets.
func (h *cbHandler) String() string {
	return "opentok.CallbackHandler{signed: " + strconv.FormatBool(h.verifier != nil) + "}"
}

// Format prints the handler as String for every verb, so that no verb
// reaches the secrets it holds.
func (h *cbHandler) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, h.String()) }

// LogValue logs the handler as String.
func (h *cbHandler) LogValue() slog.Value { return slog.StringValue(h.String()) }

func (h *cbHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.fail(w, r, http.StatusMethodNotAllowed, "method not allowed",
			cbMalformed(fmt.Sprintf("method %q is not POST", cbClip(r.Method)), nil))
		return
	}
	signed := h.verifier != nil
	ctx := r.Context()
	var claims *CallbackClaims
	if signed {
		// Verify the JWT before reading a byte of the body; its
		// payload_hash is checked once the body is in.
		var err error
		claims, err = h.verifier.verifyJWT(r.Header.Get("Authorization"))
		if err != nil {
			w.Header().Set("WWW-Authenticate", "Bearer")
			h.fail(w, r, http.StatusUnauthorized, "callback signature not valid", err)
			return
		}
	}
	if r.ContentLength > h.cfg.maxBody {
		h.fail(w, r, http.StatusRequestEntityTooLarge, "callback body too large",
			cbMalformed(fmt.Sprintf("body of %d bytes is over the limit of %d", r.ContentLength, h.cfg.maxBody), nil))
		return
	}
	// Not every ResponseWriter supports deadlines (a test recorder does
	// not); the server's own timeouts then apply.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(h.cfg.readTimeout))
	var body []byte
	var err error
	if r.Body != nil {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.maxBody))
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			h.fail(w, r, http.StatusRequestEntityTooLarge, "callback body too large",
				cbMalformed(fmt.Sprintf("body is over the limit of %d bytes", h.cfg.maxBody), err))
		case errors.Is(err, os.ErrDeadlineExceeded):
			h.fail(w, r, http.StatusRequestTimeout, "callback body too slow",
				cbMalformed("the body did not arrive within the read timeout", err))
		default:
			h.fail(w, r, http.StatusBadRequest, "could not read callback body", cbMalformed("reading the body failed", err))
		}
		return
	}

	if signed {
		err := cbCheckPayload(claims, body)
		if err == nil && h.cfg.replay != nil {
			err = h.checkReplay(ctx, claims)
		}
		if err != nil {
			var ce *CallbackError
			if !errors.As(err, &ce) { // the replay store failed: let the platform retry
				h.fail(w, r, http.StatusInternalServerError, "callback processing failed", err)
				return
			}
			w.Header().Set("WWW-Authenticate", "Bearer")
			h.fail(w, r, http.StatusUnauthorized, "callback signature not valid", err)
			return
		}
		ctx = context.WithValue(ctx, cbClaimsKey{}, claims)
	}

	ev, err := parseCallback(body)
	if errors.Is(err, ErrUnknownCallback) {
		err = nil // ev is the *UnknownEvent
	}
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, "malformed callback", err)
		return
	}
	if err := h.call(ctx, r, ev, claims); err != nil {
		// The sender delivers it again after a 500: let the same signed
		// request through then (see ReplayForgetter).
		if ferr := h.forget(r, claims); ferr != nil {
			err = errors.Join(err, ferr)
		}
		h.fail(w, r, http.StatusInternalServerError, "callback processing failed", err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// callbackForgetTimeout bounds the replay store's Forget.
const callbackForgetTimeout = 5 * time.Second

// call runs fn. When fn panics (or calls runtime.Goexit), the callback's
// jti is forgotten before the panic goes on, so that the sender's next
// delivery of the same request is processed rather than refused as a
// replay; a failure to forget goes to the error handler.
func (h *cbHandler) call(ctx context.Context, r *http.Request, ev Event, claims *CallbackClaims) error {
	returned := false
	defer func() {
		if !returned {
			if ferr := h.forget(r, claims); ferr != nil && h.cfg.onError != nil {
				h.cfg.onError(r, ferr)
			}
		}
	}()
	err := h.fn(ctx, ev)
	returned = true
	return err
}

// forget drops the callback's jti from a replay store that can forget. It
// runs with a context detached from the request's, which has ended when
// the sender gave up waiting, and bounded by its own timeout.
func (h *cbHandler) forget(r *http.Request, claims *CallbackClaims) error {
	f, ok := h.cfg.replay.(ReplayForgetter)
	if !ok || claims == nil || claims.ID == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), callbackForgetTimeout)
	defer cancel()
	if err := f.Forget(ctx, claims.ID); err != nil {
		return fmt.Errorf("opentok: callback replay store: %w", err)
	}
	return nil
}

// checkReplay records the callback's jti and refuses one seen before. A jti
// is kept until the callback's age alone refuses it (a day when the age
// check is off).
func (h *cbHandler) checkReplay(ctx context.Context, c *CallbackClaims) error {
	if c.ID == "" {
		return cbSignature("the JWT has no jti, so a replay could not be told apart", nil)
	}
	until := h.now().Add(24 * time.Hour)
	if h.cfg.maxAge > 0 && !c.IssuedAt.IsZero() {
		until = c.IssuedAt.Add(h.cfg.maxAge + DefaultCallbackLeeway)
	}
	seen, err := h.cfg.replay.Seen(ctx, c.ID, until)
	if err != nil {
		return fmt.Errorf("opentok: callback replay store: %w", err)
	}
	if seen {
		return &CallbackError{kind: ErrCallbackReplay, Reason: "the JWT's jti was seen before: the callback was sent again"}
	}
	return nil
}

func (h *cbHandler) now() time.Time {
	if h.cfg.now != nil {
		return h.cfg.now()
	}
	return time.Now()
}

// fail reports err and answers status with a fixed short text.
func (h *cbHandler) fail(w http.ResponseWriter, r *http.Request, status int, text string, err error) {
	if h.cfg.onError != nil {
		h.cfg.onError(r, err)
	}
	http.Error(w, text, status)
}
