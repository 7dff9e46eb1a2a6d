package opentoktest

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

// eventSink is a callback endpoint built with the SDK's verifying handler.
type eventSink struct {
	mu     sync.Mutex
	events []opentok.Event
}

func (e *eventSink) handler(secret string) *httptest.Server {
	var opts []opentok.CallbackHandlerOption
	if secret != "" {
		opts = append(opts, opentok.WithCallbackSecret(secret))
	}
	return httptest.NewServer(opentok.NewCallbackHandler(func(_ context.Context, ev opentok.Event) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.events = append(e.events, ev)
		return nil
	}, opts...))
}

func (e *eventSink) types() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.events {
		out = append(out, ev.EventType())
	}
	return out
}

func TestWebhooksAreSignedAndParseWithTheSDK(t *testing.T) {
	const secret = "made-up-signature-secret"
	var monitoring, archives, sip eventSink
	mon := monitoring.handler(secret)
	defer mon.Close()
	arc := archives.handler(secret)
	defer arc.Close()
	sp := sip.handler(secret)
	defer sp.Close()

	srv := NewServer(t, WithWebhooks(Webhooks{SessionMonitoringURL: mon.URL, ArchiveURL: arc.URL, SIPURL: sp.URL, Secret: secret}))
	ot := srv.Client()
	ctx := context.Background()
	sid := routedSession(t, ot)
	c, err := srv.Connect(sid, token(t, ot, sid, &opentok.TokenOptions{Data: "name=Ann"}))
	require.NoError(t, err)
	_, err = c.Publish(PublishOptions{Name: "cam"})
	require.NoError(t, err)
	a, err := ot.StartArchive(ctx, sid, nil)
	require.NoError(t, err)
	_, err = ot.StopArchive(ctx, a.ID)
	require.NoError(t, err)
	require.True(t, srv.CompleteArchive(a.ID))
	call, err := ot.Dial(ctx, sid, token(t, ot, sid, nil), "sip:alice@example.com", &opentok.DialOptions{ObserveForceMute: true})
	require.NoError(t, err)
	require.NoError(t, ot.ForceMuteAll(ctx, sid, nil))
	require.NoError(t, ot.ForceDisconnect(ctx, sid, call.ConnectionID))
	c.Disconnect()
	srv.FlushWebhooks()

	for _, d := range srv.WebhookDeliveries() {
		assert.Equal(t, 200, d.Status, "%s %s (%s)", d.URL, d.Body, d.Err)
	}
	assert.Equal(t, []string{"sessionCreated", "connectionCreated", "streamCreated", "connectionCreated", "streamCreated",
		"streamDestroyed", "connectionDestroyed", "streamDestroyed", "connectionDestroyed", "sessionDestroyed"}, monitoring.types())
	assert.Equal(t, []string{"archive", "archive", "archive"}, archives.types())
	assert.Equal(t, []string{"callCreated", "callUpdated", "muteForced", "callDestroyed"}, sip.types())

	archives.mu.Lock()
	last := archives.events[2].(*opentok.ArchiveEvent)
	archives.mu.Unlock()
	assert.Equal(t, a.ID, last.ID)
	assert.Equal(t, opentok.ArchiveAvailable, last.Status)
	assert.NotEmpty(t, last.URL)

	monitoring.mu.Lock()
	cc := monitoring.events[1].(*opentok.ConnectionCreatedEvent)
	monitoring.mu.Unlock()
	assert.Equal(t, c.ID(), cc.Connection.ID)
	assert.Equal(t, "name=Ann", cc.Connection.Data)
}

func TestWebhooksWithAWrongSecretAreRejected(t *testing.T) {
	var sink eventSink
	h := sink.handler("the-receivers-secret")
	defer h.Close()
	srv := NewServer(t, WithWebhooks(Webhooks{SessionMonitoringURL: h.URL, Secret: "another-secret"}))
	ot := srv.Client()
	sid := routedSession(t, ot)
	_, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	srv.FlushWebhooks()
	ds := srv.WebhookDeliveries()
	require.NotEmpty(t, ds)
	for _, d := range ds {
		assert.Equal(t, 401, d.Status)
	}
	assert.Empty(t, sink.types())
}

func TestBroadcastAndRenderWebhooks(t *testing.T) {
	var broadcasts, renders eventSink
	bh := broadcasts.handler("")
	defer bh.Close()
	rh := renders.handler("")
	defer rh.Close()
	srv := NewServer(t, WithWebhooks(Webhooks{BroadcastURL: bh.URL, RenderURL: rh.URL}))
	ot := srv.Client()
	ctx := context.Background()
	sid := routedSession(t, ot)
	_, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)

	b, err := ot.StartBroadcast(ctx, sid, &opentok.BroadcastOptions{Outputs: opentok.BroadcastOutputs{HLS: &opentok.HLSOutput{}}})
	require.NoError(t, err)
	_, err = ot.StopBroadcast(ctx, b.ID)
	require.NoError(t, err)
	r, err := ot.StartRender(ctx, sid, token(t, ot, sid, nil), "https://example.com/page", nil)
	require.NoError(t, err)
	srv.Advance(2 * time.Second)
	require.NoError(t, ot.StopRender(ctx, r.ID))
	srv.FlushWebhooks()

	assert.Equal(t, []string{"broadcast", "broadcast"}, broadcasts.types())
	broadcasts.mu.Lock()
	be := broadcasts.events[1].(*opentok.BroadcastEvent)
	broadcasts.mu.Unlock()
	assert.Equal(t, b.ID, be.ID)
	assert.Equal(t, opentok.BroadcastStopped, be.Status)

	renders.mu.Lock()
	defer renders.mu.Unlock()
	require.Len(t, renders.events, 3, "starting, started, stopped")
	var statuses []opentok.RenderStatus
	for _, ev := range renders.events {
		re := ev.(*opentok.RenderEvent)
		assert.Equal(t, r.ID, re.ID)
		statuses = append(statuses, re.Status)
	}
	assert.Equal(t, []opentok.RenderStatus{opentok.RenderStarting, opentok.RenderStarted, opentok.RenderStopped}, statuses)
}
