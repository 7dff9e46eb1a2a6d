package opentoktest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// within fails the test when f does not return within d (f is then left
// running: the test's cleanups release what it waits for).
func within(t *testing.T, d time.Duration, what string, f func()) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
		return time.Since(start)
	case <-time.After(d):
		t.Fatalf("%s did not return within %s", what, d)
		return 0
	}
}

// hangingHandler blocks every request until the test ends, ignoring the
// request's context, as a receiver stuck on a lock would. entered receives
// once per request. Call it after NewServer: cleanups run last first, so
// the handler is released before the server is closed.
func hangingHandler(t *testing.T) (http.Handler, chan struct{}) {
	release := make(chan struct{})
	entered := make(chan struct{}, 2*MaxQueuedWebhooks)
	t.Cleanup(func() { close(release) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}), entered
}

// A webhook receiver that hangs (in process, ignoring its context) held
// FlushWebhooks, GET /_emulator/webhooks and Close for as long as it hung:
// forever. Each delivery now ends within Webhooks.Timeout, and the events
// waiting for the same URL are not sent, so the flush, the control API and
// Close return within about one Timeout.
func TestAHangingWebhookHandlerIsBounded(t *testing.T) {
	srv := NewServer(t, WithControlAPI())
	h, _ := hangingHandler(t)
	ot := srv.Client()
	sid := routedSession(t, ot)
	const timeout = 200 * time.Millisecond
	srv.SetWebhooks(Webhooks{Handler: h, Timeout: timeout})
	for range 5 {
		_, err := srv.Connect(sid, token(t, ot, sid, nil))
		require.NoError(t, err)
	}

	var err error
	took := within(t, 5*time.Second, "FlushWebhooks", func() { err = srv.FlushWebhooks() })
	require.NoError(t, err, "the queue is empty: the rest was dropped after the first timeout")
	assert.Less(t, took, 2*timeout+time.Second)
	ds := srv.WebhookDeliveries()
	require.Len(t, ds, 6, "sessionCreated and five connectionCreated")
	assert.Contains(t, ds[0].Err, "the handler did not return within 200ms")
	for _, d := range ds[1:] {
		assert.Zero(t, d.Status)
		assert.Contains(t, d.Err, "not sent: an earlier delivery to this URL got no answer within 200ms")
		assert.NotEmpty(t, d.Body)
	}

	// The control API answers within the bound too, and lists the failures.
	_, err = srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	var page struct {
		Items []struct {
			Error string `json:"error"`
		} `json:"items"`
		Waiting *int `json:"waiting"`
	}
	took = within(t, 5*time.Second, "GET /_emulator/webhooks", func() {
		resp, err := http.Get(srv.URL + "/_emulator/webhooks")
		if assert.NoError(t, err) {
			defer resp.Body.Close()
			assert.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
		}
	})
	assert.Less(t, took, 2*timeout+time.Second)
	require.Len(t, page.Items, 7)
	assert.Contains(t, page.Items[6].Error, "did not return within")
	require.NotNil(t, page.Waiting)
	assert.Zero(t, *page.Waiting)

	// Close returns within its bound with an event in delivery.
	_, err = srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	within(t, 3*timeout+time.Second, "Close", srv.Close)
}

// The same with a receiver over the network that accepts the POST and
// never answers.
func TestAHangingWebhookReceiverIsBounded(t *testing.T) {
	release := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hs.Close)
	t.Cleanup(func() { close(release) })
	const timeout = 200 * time.Millisecond
	srv := NewServer(t, WithWebhooks(Webhooks{SessionMonitoringURL: hs.URL, Timeout: timeout,
		Client: &http.Client{}})) // a client without a timeout of its own
	ot := srv.Client()
	sid := routedSession(t, ot)
	for range 3 {
		_, err := srv.Connect(sid, token(t, ot, sid, nil))
		require.NoError(t, err)
	}
	var err error
	took := within(t, 5*time.Second, "FlushWebhooks", func() { err = srv.FlushWebhooks() })
	require.NoError(t, err)
	assert.Less(t, took, 2*timeout+time.Second)
	ds := srv.WebhookDeliveries()
	require.Len(t, ds, 4)
	assert.Contains(t, ds[0].Err, "no answer within 200ms")
	assert.Contains(t, ds[3].Err, "not sent: an earlier delivery to this URL")
}

// A receiver that answers, slowly, is not cut off per event; FlushWebhooks
// gives up after twice the Timeout and says how many events still wait,
// which are delivered later.
func TestFlushWebhooksWaitsAtMostTwiceTheTimeout(t *testing.T) {
	var served atomic.Int32
	const timeout = 150 * time.Millisecond
	srv := NewServer(t)
	srv.SetWebhooks(Webhooks{Timeout: timeout, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(timeout / 3)
		served.Add(1)
	})})
	for i := range 20 {
		srv.hooks.enqueue(sessionMonitoringURL, map[string]any{"event": "test", "n": i})
	}
	var err error
	took := within(t, 5*time.Second, "FlushWebhooks", func() { err = srv.FlushWebhooks() })
	require.Error(t, err, "20 × 50 ms do not fit in 300 ms")
	assert.Contains(t, err.Error(), "webhook events still waiting after 300ms")
	assert.GreaterOrEqual(t, took, 2*timeout)
	assert.Less(t, took, 2*timeout+time.Second)
	assert.Less(t, int(served.Load()), 20)

	require.Eventually(t, func() bool { return served.Load() == 20 }, 10*time.Second, 10*time.Millisecond, "the rest is delivered later")
	require.NoError(t, srv.FlushWebhooks())
	for _, d := range srv.WebhookDeliveries() {
		assert.Equal(t, http.StatusOK, d.Status, d.Err)
	}
}

// At most MaxQueuedWebhooks events wait for delivery; an event emitted
// while that many wait is recorded as not sent.
func TestWebhookQueueIsBounded(t *testing.T) {
	srv := NewServer(t)
	h, entered := hangingHandler(t)
	srv.SetWebhooks(Webhooks{Handler: h, Timeout: time.Minute})
	srv.hooks.enqueue(sessionMonitoringURL, map[string]any{"event": "first"})
	<-entered // the first is in delivery
	for i := range MaxQueuedWebhooks + 9 {
		srv.hooks.enqueue(sessionMonitoringURL, map[string]any{"event": "test", "n": i})
	}
	srv.hooks.mu.Lock()
	queued := len(srv.hooks.queue)
	srv.hooks.mu.Unlock()
	assert.Equal(t, MaxQueuedWebhooks, queued)
	ds := srv.WebhookDeliveries()
	require.Len(t, ds, 9)
	for _, d := range ds {
		assert.Contains(t, d.Err, "not sent: 1000 events were already waiting for delivery (MaxQueuedWebhooks)")
		assert.True(t, strings.HasPrefix(string(d.Body), `{"event":"test"`), string(d.Body))
	}
	assert.Equal(t, MaxQueuedWebhooks+1, srv.webhooksWaiting())
}
