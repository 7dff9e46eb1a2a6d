// Package redisreplay is a replay store on Redis for the callback handler of
// github.com/opentok-go/opentok: the instances of a service behind a load
// balancer share one record of the signed callbacks they have seen, so
// that a callback replayed to any of them is refused.
//
// Give the store to every instance's handler:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis.internal:6379"})
//	store, err := redisreplay.New(rdb, nil)
//	...
//	h := opentok.NewCallbackHandler(onEvent,
//		opentok.WithCallbackSecret(secret),
//		opentok.WithCallbackReplayStore(store),
//		opentok.WithCallbackErrorHandler(func(r *http.Request, err error) {
//			slog.Error("callback refused", "path", r.URL.Path, "error", err)
//		}))
//
// Each jti is recorded with one SET key value NX PX ttl GET: the first
// instance to record it processes the callback, every other delivery of
// it is refused until the callback's age alone refuses it. When Redis
// cannot be reached the handler answers 500, so the platform delivers the
// callback again later, and its error handler gets the reason; nothing is
// accepted unchecked unless Options.FailOpen says so. It needs Redis 7.0
// or newer (SET with both NX and GET).
package redisreplay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/opentok-go/opentok"
)

// DefaultPrefix is the prefix of the keys the store writes unless
// Options.Prefix says otherwise; the callback's jti follows it.
const DefaultPrefix = "opentok:callback:jti:"

// minTTL is the shortest time a jti is kept: an expiry of 0 would keep the
// key forever.
const minTTL = time.Second

// Options tune New. The zero value (or nil) takes the defaults.
type Options struct {
	// Prefix is put before each jti to make its key (default
	// DefaultPrefix). Services sharing one Redis for different callback
	// URLs may share the prefix: jtis are unique.
	Prefix string
	// FailOpen makes Seen report a jti as new, instead of failing, when
	// Redis cannot be reached: callbacks are then accepted without the
	// replay check while Redis is down (each logged at Warn level to
	// Logger). By default (false) Seen fails, the handler answers 500 and
	// the platform delivers the callback again later.
	FailOpen bool
	// Logger receives the FailOpen warnings (default slog.Default()).
	Logger *slog.Logger
}

// Store is an opentok.ReplayStore and opentok.ReplayForgetter on Redis. It
// is safe for concurrent use, as the Redis client is.
type Store struct {
	rdb      redis.Cmdable
	prefix   string
	failOpen bool
	logger   *slog.Logger
}

var (
	_ opentok.ReplayStore     = (*Store)(nil)
	_ opentok.ReplayForgetter = (*Store)(nil)
)

// New returns a store that keeps jtis in the Redis that rdb (a
// *redis.Client, *redis.ClusterClient, *redis.Ring, ...) talks to. opts
// may be nil. A nil rdb, or a nil pointer in it, is an
// *opentok.ValidationError. New does no I/O: a Redis that cannot be
// reached shows in Seen.
func New(rdb redis.Cmdable, opts *Options) (*Store, error) {
	if rdb == nil {
		return nil, &opentok.ValidationError{Field: "rdb", Reason: "the Redis client is nil"}
	}
	if v := reflect.ValueOf(rdb); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, &opentok.ValidationError{Field: "rdb", Reason: fmt.Sprintf("the Redis client is a nil %T", rdb)}
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Store{rdb: rdb, prefix: o.Prefix, failOpen: o.FailOpen, logger: o.Logger}, nil
}

// Seen records jti until the time given (at least a second from now) and
// reports whether it was recorded already, by this instance or another. A
// Redis failure is returned (the handler then answers 500), or, with
// FailOpen, logged and reported as a new jti. A jti over
// opentok.MaxCallbackJTILength bytes is an error.
//
// The value written is random per call, and the old value is read back in
// the same command: when the Redis client resends the command after a
// lost answer, finding its own value means the first send recorded the
// jti, and it is not mistaken for a replay (which would lose the event).
func (s *Store) Seen(ctx context.Context, jti string, until time.Time) (bool, error) {
	if len(jti) > opentok.MaxCallbackJTILength {
		return false, fmt.Errorf("redisreplay: the jti is over %d bytes", opentok.MaxCallbackJTILength)
	}
	ttl := max(time.Until(until), minTTL)
	mark := newMark()
	old, err := s.rdb.SetArgs(ctx, s.prefix+jti, mark, redis.SetArgs{Mode: "NX", TTL: ttl, Get: true}).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return false, nil // it was not there: recorded now
	case err != nil:
		if s.failOpen {
			s.logger.LogAttrs(ctx, slog.LevelWarn, "redisreplay: Redis failed; callback accepted without the replay check (FailOpen)",
				slog.String("error", err.Error()))
			return false, nil
		}
		return false, fmt.Errorf("redisreplay: recording the callback's jti: %w", err)
	}
	return old != mark, nil
}

// Forget drops jti, so that a delivery of the same callback is processed
// (the handler calls it when its function failed or panicked). A Redis
// failure is returned.
func (s *Store) Forget(ctx context.Context, jti string) error {
	if err := s.rdb.Del(ctx, s.prefix+jti).Err(); err != nil {
		return fmt.Errorf("redisreplay: forgetting the callback's jti: %w", err)
	}
	return nil
}

// newMark returns a random value for one Seen call.
func newMark() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}
