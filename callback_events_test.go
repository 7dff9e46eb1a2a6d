package opentok

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every event type is an Event through its EventHeader.
var (
	_ Event = (*ConnectionCreatedEvent)(nil)
	_ Event = (*ConnectionDestroyedEvent)(nil)
	_ Event = (*StreamCreatedEvent)(nil)
	_ Event = (*StreamDestroyedEvent)(nil)
	_ Event = (*SessionCreatedEvent)(nil)
	_ Event = (*SessionDestroyedEvent)(nil)
	_ Event = (*SIPCallCreatedEvent)(nil)
	_ Event = (*SIPCallUpdatedEvent)(nil)
	_ Event = (*SIPCallDestroyedEvent)(nil)
	_ Event = (*SIPMuteForcedEvent)(nil)
	_ Event = (*ArchiveEvent)(nil)
	_ Event = (*BroadcastEvent)(nil)
	_ Event = (*RenderEvent)(nil)
	_ Event = (*CaptionsEvent)(nil)
	_ Event = (*UnknownEvent)(nil)
)

// TestEventHeaderMethods checks the methods an event gets from its header,
// on an event built by hand.
func TestEventHeaderMethods(t *testing.T) {
	var ev Event = &StreamCreatedEvent{
		EventHeader: EventHeader{Type: "streamCreated", SessionID: "s", ProjectID: "42"},
		Stream:      EventStream{ID: "st"},
	}
	assert.Equal(t, "streamCreated", ev.EventType())
	assert.Equal(t, "s", ev.EventSessionID())
	assert.Equal(t, "42", ev.eventHeader().ProjectID)
	assert.Same(t, &ev.(*StreamCreatedEvent).EventHeader, ev.eventHeader())

	assert.Empty(t, (&ArchiveEvent{}).EventType(), "the kind is data: a zero event has none")
}

func TestCallbackValuesNeverPrintSecrets(t *testing.T) {
	const streamKey = "live-stream-key-made-up"
	const secret = "made-up-callback-secret"
	ev, err := ParseCallback([]byte(`{"event":"broadcast","id":"b","sessionId":"s","status":"started",
		"broadcastUrls":{"rtmp":[{"id":"yt","serverUrl":"rtmps://x/app","streamName":"` + streamKey + `","status":"live"}]}}`))
	require.NoError(t, err)
	be := ev.(*BroadcastEvent)
	require.Equal(t, streamKey, be.RTMP[0].StreamName, "the field holds the real name")

	h := NewCallbackHandler(func(context.Context, Event) error { return nil }, WithCallbackSecret(secret))
	var logBuf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logBuf, nil))
	for _, v := range []any{ev, *be, be.RTMP[0], h} {
		for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			out := fmt.Sprintf(format, v)
			assert.NotContains(t, out, streamKey, "%s of %T", format, v)
			assert.NotContains(t, out, secret, "%s of %T", format, v)
		}
		logger.Info("value", "v", v)
	}
	assert.NotContains(t, logBuf.String(), streamKey)
	assert.NotContains(t, logBuf.String(), secret)
}
