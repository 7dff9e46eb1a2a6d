package redisreplay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

func TestNewRefusesANilClient(t *testing.T) {
	for name, rdb := range map[string]redis.Cmdable{"nil": nil, "typed nil": (*redis.Client)(nil)} {
		s, err := New(rdb, nil)
		assert.Nil(t, s, name)
		assert.ErrorIs(t, err, opentok.ErrInvalidArgument, name)
		var ve *opentok.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.Equal(t, "rdb", ve.Field)
	}
}

// Seen records with SET NX and an expiry at the callback's time; Forget
// deletes; an expiry in the past still expires (never a key without one).
func TestSeenAndForget(t *testing.T) {
	rdb := newClient(t, needRedis(t))
	prefix := testPrefix(t)
	s, err := New(rdb, &Options{Prefix: prefix})
	require.NoError(t, err)
	ctx := context.Background()
	until := time.Now().Add(5*time.Minute + 30*time.Second)

	seen, err := s.Seen(ctx, "jti-1", until)
	require.NoError(t, err)
	assert.False(t, seen)
	seen, err = s.Seen(ctx, "jti-1", until)
	require.NoError(t, err)
	assert.True(t, seen, "a repeat")
	ttl, err := rdb.PTTL(ctx, prefix+"jti-1").Result()
	require.NoError(t, err)
	assert.InDelta(t, time.Until(until).Seconds(), ttl.Seconds(), 2, "kept until the callback's age refuses it")

	require.NoError(t, s.Forget(ctx, "jti-1"))
	assert.Zero(t, rdb.Exists(ctx, prefix+"jti-1").Val())
	seen, err = s.Seen(ctx, "jti-1", until)
	require.NoError(t, err)
	assert.False(t, seen, "forgotten")
	require.NoError(t, s.Forget(ctx, "never-seen"))

	seen, err = s.Seen(ctx, "jti-past", time.Now().Add(-time.Minute))
	require.NoError(t, err)
	assert.False(t, seen)
	ttl, err = rdb.PTTL(ctx, prefix+"jti-past").Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, time.Duration(0), "an expiry, never a key kept forever")
	assert.LessOrEqual(t, ttl, time.Second)

	_, err = s.Seen(ctx, strings.Repeat("j", opentok.MaxCallbackJTILength+1), until)
	assert.Error(t, err, "jtis over the SDK's cap")
	assert.Empty(t, rdb.Keys(ctx, prefix+"jjj*").Val())

	// The default prefix.
	d, err := New(rdb, nil)
	require.NoError(t, err)
	jti := strings.TrimSuffix(prefix, ":") + "-default"
	_, err = d.Seen(ctx, jti, until)
	require.NoError(t, err)
	assert.Equal(t, int64(1), rdb.Exists(ctx, DefaultPrefix+jti).Val())
	require.NoError(t, d.Forget(ctx, jti))
}

// resendHook makes the client send every command twice and return the
// second answer, as a client does when the first answer was lost.
type resendHook struct{}

func (resendHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (resendHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (resendHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if err := next(ctx, cmd); err != nil {
			return err
		}
		return next(ctx, cmd)
	}
}

// A client that resends SET after a lost answer finds the key it set
// itself: that is no replay (with a plain SET NX it would be, and the
// event would be refused and lost).
func TestAResentSetIsNotAReplay(t *testing.T) {
	rdb := newClient(t, needRedis(t))
	rdb.AddHook(resendHook{})
	s, err := New(rdb, &Options{Prefix: testPrefix(t)})
	require.NoError(t, err)
	ctx := context.Background()
	seen, err := s.Seen(ctx, "jti", time.Now().Add(time.Minute))
	require.NoError(t, err)
	assert.False(t, seen, "the first delivery, sent twice by the client")
	seen, err = s.Seen(ctx, "jti", time.Now().Add(time.Minute))
	require.NoError(t, err)
	assert.True(t, seen, "a second delivery is a replay")
}

// Two instances of a service, each with its own Redis client, share the
// replay check: a callback replayed to the other instance is refused.
func TestTwoInstancesShareTheReplayCheck(t *testing.T) {
	addr := needRedis(t)
	prefix := testPrefix(t)
	storeA, err := New(newClient(t, addr), &Options{Prefix: prefix})
	require.NoError(t, err)
	storeB, err := New(newClient(t, addr), &Options{Prefix: prefix})
	require.NoError(t, err)
	a, b := newInstance(t, storeA, nil), newInstance(t, storeB, nil)

	body, auth := archiveCallback(t, "archive-1", "jti-1")
	assert.Equal(t, http.StatusOK, deliver(t, a.url, body, auth))
	assert.Equal(t, http.StatusUnauthorized, deliver(t, b.url, body, auth), "replayed to the other instance")
	assert.Equal(t, http.StatusUnauthorized, deliver(t, a.url, body, auth), "and to the same one")
	assert.Equal(t, 1, a.count("archive-1"))
	assert.Zero(t, b.count("archive-1"))
	assert.Contains(t, b.logged(), "callback replayed")

	body2, auth2 := archiveCallback(t, "archive-2", "jti-2")
	assert.Equal(t, http.StatusOK, deliver(t, b.url, body2, auth2), "another callback goes through")
}

// 32 concurrent deliveries of one callback, spread over two instances: fn
// runs once, the other 31 are refused as replays.
func TestConcurrentDeliveriesRunFnOnce(t *testing.T) {
	addr := needRedis(t)
	prefix := testPrefix(t)
	var insts []*instance
	for range 2 {
		s, err := New(newClient(t, addr), &Options{Prefix: prefix})
		require.NoError(t, err)
		insts = append(insts, newInstance(t, s, nil))
	}
	body, auth := archiveCallback(t, "archive-1", "jti-1")
	const n = 32
	statuses := make(chan int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses <- deliver(t, insts[i%2].url, body, auth)
		}()
	}
	close(start)
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	assert.Equal(t, map[int]int{http.StatusOK: 1, http.StatusUnauthorized: n - 1}, count)
	assert.Equal(t, 1, insts[0].count("archive-1")+insts[1].count("archive-1"), "fn ran once")
}

// When fn fails or panics the handler forgets the jti (DEL), so the
// sender's next delivery of the same request, to any instance, is
// processed.
func TestFailedOrPanickedCallbackIsProcessedWhenDeliveredAgain(t *testing.T) {
	addr := needRedis(t)
	prefix := testPrefix(t)
	var calls atomic.Int32
	fn := func(_ *instance, e *opentok.ArchiveEvent) error {
		switch calls.Add(1) {
		case 1:
			return errors.New("database busy")
		case 2:
			panic("fn's bug")
		}
		return nil
	}
	storeA, err := New(newClient(t, addr), &Options{Prefix: prefix})
	require.NoError(t, err)
	storeB, err := New(newClient(t, addr), &Options{Prefix: prefix})
	require.NoError(t, err)
	a, b := newInstance(t, storeA, fn), newInstance(t, storeB, fn)
	body, auth := archiveCallback(t, "archive-1", "jti-1")
	assert.Equal(t, http.StatusInternalServerError, deliver(t, a.url, body, auth))
	assert.Equal(t, 0, deliver(t, b.url, body, auth), "fn panicked: no answer")
	assert.Equal(t, http.StatusOK, deliver(t, a.url, body, auth))
	assert.Equal(t, http.StatusUnauthorized, deliver(t, b.url, body, auth), "processed: a replay now")
	assert.Equal(t, 1, a.count("archive-1"))
}

// With Redis down the handler answers 500, so the sender delivers the
// callback again later, logs why, and runs nothing unchecked; FailOpen
// accepts the callback instead and says so in its log.
func TestRedisDownFailsClosedUnlessFailOpen(t *testing.T) {
	down := "127.0.0.1:" + freePort(t) // nothing listens there
	rdb := redis.NewClient(&redis.Options{Addr: down, MaxRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	s, err := New(rdb, nil)
	require.NoError(t, err)
	inst := newInstance(t, s, nil)
	body, auth := archiveCallback(t, "archive-1", "jti-1")
	assert.Equal(t, http.StatusInternalServerError, deliver(t, inst.url, body, auth))
	assert.Zero(t, inst.count("archive-1"), "not processed unchecked")
	log := inst.logged()
	assert.Contains(t, log, "callback refused")
	assert.Contains(t, log, "redisreplay: recording the callback's jti")
	assert.Contains(t, log, "connection refused", "the log says why")

	var warn bytes.Buffer
	open, err := New(rdb, &Options{FailOpen: true, Logger: slog.New(slog.NewTextHandler(&syncWriter{w: &warn}, nil))})
	require.NoError(t, err)
	inst = newInstance(t, open, nil)
	assert.Equal(t, http.StatusOK, deliver(t, inst.url, body, auth))
	assert.Equal(t, 1, inst.count("archive-1"))
	assert.Contains(t, warn.String(), "level=WARN")
	assert.Contains(t, warn.String(), "accepted without the replay check")
	assert.Contains(t, warn.String(), "connection refused")
}

// syncWriter serializes writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// Redis restarts (killed, then started again on the same port, empty)
// while callbacks arrive: the deliveries during the outage get 500 (the
// outage outlasts the client's own retries, about 1.7 s), the sender
// delivers them again, and every event is processed exactly once.
func TestRedisRestartLosesNoEvent(t *testing.T) {
	srv := startRedisServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr(), DialTimeout: time.Second, ReadTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	s, err := New(rdb, &Options{Prefix: testPrefix(t)})
	require.NoError(t, err)
	inst := newInstance(t, s, nil)

	const events, senders = 120, 4
	var done, failures atomic.Int32
	restarted := make(chan struct{})
	go func() {
		defer close(restarted)
		for done.Load() < events/3 {
			time.Sleep(time.Millisecond)
		}
		srv.stop()
		time.Sleep(2500 * time.Millisecond)
		srv.start()
	}()
	var wg sync.WaitGroup
	refused := make(chan string, events)
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < events; i += senders {
				id := fmt.Sprintf("archive-%03d", i)
				body, auth := archiveCallback(t, id, fmt.Sprintf("jti-%03d", i))
				deadline := time.Now().Add(30 * time.Second)
				for {
					status := deliver(t, inst.url, body, auth)
					if status == http.StatusOK {
						break
					}
					if status < 500 || time.Now().After(deadline) {
						refused <- fmt.Sprintf("%s: %d", id, status)
						break
					}
					failures.Add(1)
					time.Sleep(20 * time.Millisecond) // the sender retries later
				}
				done.Add(1)
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	<-restarted
	close(refused)
	for r := range refused {
		t.Errorf("event lost: %s", r)
	}
	for i := range events {
		assert.Equal(t, 1, inst.count(fmt.Sprintf("archive-%03d", i)), "event %d processed once", i)
	}
	assert.Positive(t, failures.Load(), "deliveries during the outage were answered 5xx")
	assert.Contains(t, inst.logged(), "redisreplay: recording the callback's jti", "the log says why")
	t.Logf("%d events, %d deliveries answered 5xx during the restart", events, failures.Load())
}
