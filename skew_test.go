package opentok_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
)

// Clock skew. The SDK dates each REST JWT's iat 5 s in the past
// (internal/auth.ClockSkew) and the fake, like the platform, accepts an iat
// up to 5 s in the future (opentoktest.Leeway): a client clock up to about
// 10 s fast still works. A slow clock works until the JWT has expired on
// the server's clock (5 minutes for both kinds of JWT).
// Beyond that the platform answers 403 (401 for Vonage credentials) and the
// error names the clock as the thing to check. RELIABILITY.md explains the
// choice.

const clockHint = "the system clock (a skewed clock is a common cause)"

// skewedClient returns a client of srv whose clock runs off by skew.
func skewedClient(t *testing.T, srv *opentoktest.Server, skew time.Duration) *opentok.OpenTok {
	t.Helper()
	ot, err := srv.NewClient(opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 0}))
	require.NoError(t, err)
	opentok.SetClockForTest(ot, func() time.Time { return time.Now().Add(skew) })
	return ot
}

func TestClockSkewOfTheClient(t *testing.T) {
	for _, kind := range []string{"opentok", "vonage"} {
		t.Run(kind, func(t *testing.T) {
			var opts []opentoktest.Option
			if kind == "vonage" {
				opts = append(opts, opentoktest.WithVonage())
			}
			srv := opentoktest.NewServer(t, opts...)
			rejected := http.StatusForbidden
			if kind == "vonage" {
				rejected = http.StatusUnauthorized
			}
			works := []time.Duration{4 * time.Second, 9 * time.Second, -4 * time.Second, -4 * time.Minute}
			for _, skew := range works {
				t.Run("client clock off by "+skew.String(), func(t *testing.T) {
					ot := skewedClient(t, srv, skew)
					s, err := ot.CreateSession(context.Background(), nil)
					require.NoError(t, err, "a client clock %v off still works", skew)
					_, ok := srv.Session(s.ID)
					assert.True(t, ok)
				})
			}
			fails := []struct {
				skew   time.Duration
				reason string // the fake's reason in the message
			}{
				{2 * time.Minute, "issued in the future (check the clock)"},
				{15 * time.Second, "issued in the future (check the clock)"},
				{-20 * time.Minute, "expired"},
			}
			for _, tc := range fails {
				t.Run("client clock off by "+tc.skew.String(), func(t *testing.T) {
					ot := skewedClient(t, srv, tc.skew)
					_, err := ot.CreateSession(context.Background(), nil)
					checkClockRejection(t, err, rejected, tc.reason)
				})
			}
		})
	}
}

// TestClockSkewOfTheServer moves the fake's clock instead: a server clock
// behind the client's is a client clock ahead of it, and the other way
// round.
func TestClockSkewOfTheServer(t *testing.T) {
	srv := opentoktest.NewServer(t)
	ot := srv.Client(opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 0}))
	ctx := context.Background()

	srv.SetAuthClockSkew(-8 * time.Second)
	_, err := ot.CreateSession(ctx, nil)
	require.NoError(t, err, "a server clock 8 s behind still accepts the JWT")

	srv.SetAuthClockSkew(-time.Minute)
	_, err = ot.CreateSession(ctx, nil)
	checkClockRejection(t, err, http.StatusForbidden, "issued in the future (check the clock)")

	srv.SetAuthClockSkew(4 * time.Minute)
	_, err = ot.CreateSession(ctx, nil)
	require.NoError(t, err, "a server clock 4 min ahead still accepts the 5-minute JWT")

	srv.SetAuthClockSkew(6 * time.Minute)
	_, err = ot.CreateSession(ctx, nil)
	checkClockRejection(t, err, http.StatusForbidden, "expired")
}

// TestMovingTheFakesClockKeepsTheClientWorking: the fake's clock drives its
// state, not the check of the client's auth JWTs.
func TestMovingTheFakesClockKeepsTheClientWorking(t *testing.T) {
	for _, srv := range []*opentoktest.Server{opentoktest.NewServer(t), opentoktest.NewServer(t, opentoktest.WithVonage())} {
		ot := srv.Client()
		ctx := context.Background()
		srv.Advance(5 * time.Hour)
		_, err := ot.ListArchives(ctx, nil)
		require.NoError(t, err, "vonage=%v", srv.IsVonage())
		srv.SetNow(time.Now().Add(-48 * time.Hour))
		_, err = ot.CreateSession(ctx, nil)
		require.NoError(t, err, "vonage=%v", srv.IsVonage())
	}
}

// checkClockRejection checks a rejection caused by the clock: the status,
// the sentinel, the platform's reason, and the SDK's hint to check the
// clock.
func checkClockRejection(t *testing.T, err error, status int, reason string) {
	t.Helper()
	var ae *opentok.APIError
	require.True(t, errors.As(err, &ae), "want an APIError, got %v", err)
	assert.Equal(t, status, ae.StatusCode)
	if status == http.StatusForbidden {
		assert.ErrorIs(t, err, opentok.ErrForbidden)
	} else {
		assert.ErrorIs(t, err, opentok.ErrUnauthorized)
	}
	assert.Contains(t, ae.Message, reason)
	assert.Contains(t, err.Error(), clockHint, "the error says what to check")
}

// The application JWT is reused for at most a minute, never by a clock set
// back before its signing, and dropped when the platform refuses it. One
// made while the clock ran an hour fast kept every call failing with 401
// for an hour after the clock was corrected (it was cached until shortly
// before its expiry, by the wrong clock); the first call after the
// correction now succeeds.
func TestVonageAuthRecoversAfterAClockCorrection(t *testing.T) {
	srv := opentoktest.NewServer(t, opentoktest.WithVonage())
	ot, err := srv.NewClient(opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 0}))
	require.NoError(t, err)
	var skew atomic.Int64
	skew.Store(int64(time.Hour))
	opentok.SetClockForTest(ot, func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
	ctx := context.Background()

	_, err = ot.CreateSession(ctx, nil)
	var ae *opentok.APIError
	require.ErrorAs(t, err, &ae, "an hour fast: refused")
	assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)
	assert.Equal(t, 2, ae.Attempts, "the rejected JWT was replaced once (by one from the same wrong clock)")

	skew.Store(0) // NTP corrects the clock
	srv.ClearRequests()
	s, err := ot.CreateSession(ctx, nil)
	require.NoError(t, err, "the first call after the correction succeeds")
	assert.NotEmpty(t, s.ID)
	reqs := srv.Requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, 200, reqs[len(reqs)-1].Status)
}
