package opentoktest

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

// recorderApp is the code under test of these tests: an app built from an
// SDK client, whose callback routes verify the fake's signatures and look
// the archive up with the same client.
type recorderApp struct {
	ot  *opentok.OpenTok
	mux *http.ServeMux

	mu       sync.Mutex
	kinds    []string
	claims   []*opentok.CallbackClaims
	archives []*opentok.Archive
}

func newRecorderApp(ot *opentok.OpenTok, secret string) *recorderApp {
	app := &recorderApp{ot: ot, mux: http.NewServeMux()}
	fn := func(ctx context.Context, ev opentok.Event) error {
		app.mu.Lock()
		defer app.mu.Unlock()
		app.kinds = append(app.kinds, ev.EventType())
		app.claims = append(app.claims, opentok.CallbackClaimsFromContext(ctx))
		if e, ok := ev.(*opentok.ArchiveEvent); ok && e.Status == opentok.ArchiveAvailable {
			a, err := app.ot.GetArchive(ctx, e.ID)
			if err != nil {
				return err
			}
			app.archives = append(app.archives, a)
		}
		return nil
	}
	h := opentok.NewCallbackHandler(fn, opentok.WithCallbackSecret(secret))
	app.mux.Handle("POST /callbacks/archive", h)
	app.mux.Handle("POST /callbacks/monitoring", h)
	app.mux.Handle("POST /opentok/broadcast", h) // the default path of broadcasts
	return app
}

func (app *recorderApp) seen() []string {
	app.mu.Lock()
	defer app.mu.Unlock()
	return append([]string(nil), app.kinds...)
}

// The fake is made first, the app from srv.Client(), and then the fake's
// callbacks are pointed at the app, in this process: they arrive signed and
// parse with the SDK's handler.
func TestSetWebhooksDeliversToAHandlerInProcess(t *testing.T) {
	const secret = "made-up-signature-secret"
	srv := NewServer(t)
	app := newRecorderApp(srv.Client(), secret)
	ot := srv.Client()
	ctx := context.Background()

	sid := routedSession(t, ot)
	early, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	srv.FlushWebhooks()
	assert.Empty(t, srv.WebhookDeliveries(), "no webhooks configured yet")

	srv.SetWebhooks(Webhooks{Handler: app.mux, ArchiveURL: "/callbacks/archive", SessionMonitoringURL: "/callbacks/monitoring", Secret: secret})
	c, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	_, err = c.Publish(PublishOptions{Name: "cam"})
	require.NoError(t, err)
	a, err := ot.StartArchive(ctx, sid, nil)
	require.NoError(t, err)
	_, err = ot.StopArchive(ctx, a.ID)
	require.NoError(t, err)
	require.True(t, srv.CompleteArchive(a.ID))
	b, err := ot.StartBroadcast(ctx, sid, &opentok.BroadcastOptions{Outputs: opentok.BroadcastOutputs{HLS: &opentok.HLSOutput{}}})
	require.NoError(t, err)
	srv.FlushWebhooks()

	assert.Equal(t, []string{"connectionCreated", "streamCreated", "archive", "archive", "archive", "broadcast"}, app.seen())
	ds := srv.WebhookDeliveries()
	require.Len(t, ds, 6)
	for _, d := range ds {
		assert.Equal(t, http.StatusOK, d.Status, "%s: %s", d.URL, d.Err)
	}
	assert.Equal(t, "/callbacks/monitoring", ds[0].URL)
	assert.Equal(t, "/callbacks/archive", ds[2].URL)
	assert.Equal(t, "/opentok/broadcast", ds[5].URL, "a kind without a URL goes to its default path")
	app.mu.Lock()
	for _, cl := range app.claims {
		require.NotNil(t, cl, "every callback was signed and verified")
		assert.Equal(t, srv.APIKey, cl.APIKey)
	}
	require.Len(t, app.archives, 1, "the app looked the available archive up with its client")
	assert.Equal(t, opentok.ArchiveAvailable, app.archives[0].Status)
	app.mu.Unlock()

	// Changed again: to nothing, and no more deliveries.
	srv.SetWebhooks(Webhooks{})
	_, err = ot.StopBroadcast(ctx, b.ID)
	require.NoError(t, err)
	early.Disconnect()
	srv.FlushWebhooks()
	assert.Len(t, srv.WebhookDeliveries(), 6)
}

// The handler's answers are recorded as a server's would be: its status, a
// 200 when it wrote none, and a panic as a failed delivery that does not
// stop the fake.
func TestWebhookHandlerAnswersAndPanics(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	sid := routedSession(t, ot)
	calls := 0
	srv.SetWebhooks(Webhooks{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		switch calls {
		case 1:
			assert.Equal(t, http.MethodPost, r.Method)
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assert.Empty(t, r.Header.Get("Authorization"), "no secret, no signature")
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 3:
			panic("the receiver broke")
		}
	})})
	for range 3 {
		_, err := srv.Connect(sid, token(t, ot, sid, nil))
		require.NoError(t, err)
	}
	srv.FlushWebhooks()
	ds := srv.WebhookDeliveries()
	require.Len(t, ds, 4, "sessionCreated, then a connectionCreated for each")
	assert.Equal(t, []int{200, 503, 0, 200}, []int{ds[0].Status, ds[1].Status, ds[2].Status, ds[3].Status})
	assert.Contains(t, ds[2].Err, "the handler panicked: the receiver broke")
	assert.Equal(t, "/opentok/session-monitoring", ds[0].URL)
}

// SetWebhooks also takes network URLs, and may be called while events are
// emitted (go test -race checks the locking).
func TestSetWebhooksWhileEventsAreEmitted(t *testing.T) {
	var sink eventSink
	hs := sink.handler("")
	defer hs.Close()
	srv := NewServer(t)
	ot := srv.Client()
	sid := routedSession(t, ot)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			if i%2 == 0 {
				srv.SetWebhooks(Webhooks{SessionMonitoringURL: hs.URL})
			} else {
				srv.SetWebhooks(Webhooks{})
			}
		}
	}()
	for range 20 {
		_, err := srv.Connect(sid, token(t, ot, sid, nil))
		require.NoError(t, err)
	}
	<-done
	srv.SetWebhooks(Webhooks{SessionMonitoringURL: hs.URL})
	_, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	srv.FlushWebhooks()
	ds := srv.WebhookDeliveries()
	require.NotEmpty(t, ds)
	assert.Equal(t, hs.URL, ds[len(ds)-1].URL)
	assert.Equal(t, len(ds), len(sink.types()), "every delivery reached the receiver")
}
