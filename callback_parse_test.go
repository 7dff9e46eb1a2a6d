package opentok

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Values of the example bodies in testdata/callbacks.
const (
	monSessionID = "2_MX4xMzExMjU3MX5-MTQ3MDI1NzY3OTkxOH45QXRr"
	monConnID    = "c053fcc8-c681-41d5-8ec2-7a9e1434a21e"
	monStreamID  = "63245362-e00e-4834-8371-9397deb3e452"
)

func callbackFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "callbacks", name))
	require.NoError(t, err)
	return b
}

func ms(n int64) time.Time { return time.UnixMilli(n) }

// TestParseCallbackExamples decodes every example body of the platform's
// documentation into its type and checks every field.
func TestParseCallbackExamples(t *testing.T) {
	sipCall := EventSIPCall{ID: "<conference-id>", ConnectionID: "<sip-ot-connection-id>", CreatedAt: ms(1470257688143)}
	conn := func(data string) EventConnection {
		return EventConnection{ID: monConnID, CreatedAt: ms(1470257688143), Data: data}
	}
	stream := EventStream{ID: monStreamID, Connection: conn(""), CreatedAt: ms(1470258845416), Name: "", VideoType: VideoCamera}
	tests := []struct {
		file    string
		want    Event
		typ     string
		session string
	}{
		{"session-monitoring.connectionCreated.json", &ConnectionCreatedEvent{
			EventHeader: EventHeader{Type: "connectionCreated", SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470257688309)},
			Connection:  conn("TOKENDATA"),
		}, "connectionCreated", monSessionID},
		{"session-monitoring.connectionDestroyed.json", &ConnectionDestroyedEvent{
			EventHeader: EventHeader{Type: "connectionDestroyed", SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470258896953)},
			Reason:      ReasonClientDisconnected, Connection: conn(""),
		}, "connectionDestroyed", monSessionID},
		{"session-monitoring.streamCreated.json", &StreamCreatedEvent{
			EventHeader: EventHeader{Type: "streamCreated", SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470258860571)},
			Stream:      stream,
		}, "streamCreated", monSessionID},
		{"session-monitoring.streamDestroyed.json", &StreamDestroyedEvent{
			EventHeader: EventHeader{Type: "streamDestroyed", SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470258896953)},
			Reason:      ReasonClientDisconnected, Stream: stream,
		}, "streamDestroyed", monSessionID},
		{"sip.callCreated.json", &SIPCallCreatedEvent{
			EventHeader: EventHeader{Type: "callCreated", SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470257688309)},
			Call:        sipCall,
		}, "callCreated", monSessionID},
		{"sip.callUpdated.json", &SIPCallUpdatedEvent{
			EventHeader: EventHeader{Type: "callUpdated", SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470257688309)},
			State:       SIPCallHangup, Call: sipCall,
		}, "callUpdated", monSessionID},
		{"sip.callDestroyed.json", &SIPCallDestroyedEvent{
			EventHeader: EventHeader{Type: "callDestroyed", SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470257688309)},
			ReasonCode:  "400", ReasonMessage: "Bad Request", Call: sipCall,
		}, "callDestroyed", monSessionID},
		{"sip.muteForced.json", &SIPMuteForcedEvent{
			EventHeader: EventHeader{Type: "muteForced", SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470257688309)},
			Call:        sipCall,
		}, "muteForced", monSessionID},
		{"archive.status.json", &ArchiveEvent{
			EventHeader: EventHeader{
				Type:      "archive",
				SessionID: "2_MX40NzIwMzJ-flR1ZSBPY3QgMjkgMTI6MTM6MjMgUERUIDIwMTN-MC45NDQ2MzE2NH4",
				ProjectID: "123456",
			},
			ID:         "b40ef09b-3811-4726-b508-e41a0f96c68f",
			Name:       "Foo",
			Status:     ArchiveAvailable,
			Reason:     "",
			Resolution: Resolution640x480,
			Size:       18023312,
			Duration:   328 * time.Second,
			CreatedAt:  ms(1384221380000),
			URL:        "https://tokbox.com.archive2.s3.amazonaws.com/123456/b40ef09b-3811-4726-b508-e41a0f96c68f/archive.mp4",
		}, "archive", "2_MX40NzIwMzJ-flR1ZSBPY3QgMjkgMTI6MTM6MjMgUERUIDIwMTN-MC45NDQ2MzE2NH4"},
		{"experience-composer.status.json", &RenderEvent{
			EventHeader: EventHeader{Type: "render", SessionID: "<session-id>"},
			ID:          "<experience-composer-id>",
			StreamID:    "<output-stream-id>",
			Status:      RenderStopped,
			Reason:      "Max duration exceeded.",
		}, "render", "<session-id>"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev, err := ParseCallback(callbackFixture(t, tt.file))
			require.NoError(t, err)
			assert.IsType(t, tt.want, ev)
			assert.Equal(t, tt.want, ev)
			assert.Equal(t, tt.typ, ev.EventType())
			assert.Equal(t, tt.session, ev.EventSessionID())
		})
	}
}

func TestParseCallbackArchiveHasNoMediaFlagsWhenAbsent(t *testing.T) {
	ev, err := ParseCallback(callbackFixture(t, "archive.status.json"))
	require.NoError(t, err)
	a := ev.(*ArchiveEvent)
	assert.Nil(t, a.HasAudio, "hasAudio is not in the example, so it is unknown rather than false")
	assert.Nil(t, a.HasVideo)
	assert.Nil(t, a.Streams)
	assert.Empty(t, a.OutputMode)
}

// TestParseCallbackLenient covers bodies the platform may send that differ
// from the examples: strings for numbers and booleans, unknown enum values,
// extra fields, and the kinds without an example.
func TestParseCallbackLenient(t *testing.T) {
	t.Run("archive with strings, extra fields and new status", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"event":"archive","id":"a1","sessionId":"s1","partnerId":"99",
			"applicationId":"78c3bd8f-a5a5-4f1f-9a61-1e1c0d1b5ffd","duration":"12","size":"100",
			"createdAt":"1384221380000","updatedAt":1384221390000,"hasAudio":"true","hasVideo":false,
			"streams":[{"streamId":"x","hasAudio":"true","hasVideo":"false"},{"streamId":"y","hasAudio":true,"hasVideo":true}],
			"outputMode":"individual","streamMode":"manual","status":"transcoding","reason":"session ended",
			"resolution":"3840x2160","url":null,"sha256sum":"abc","transcription":{"status":"x"},"name":null}`))
		require.NoError(t, err)
		assert.Equal(t, &ArchiveEvent{
			EventHeader: EventHeader{Type: "archive", SessionID: "s1", ProjectID: "99", ApplicationID: "78c3bd8f-a5a5-4f1f-9a61-1e1c0d1b5ffd"},
			ID:          "a1",
			Status:      ArchiveStatus("transcoding"), Reason: "session ended", Resolution: Resolution("3840x2160"),
			OutputMode: OutputIndividual, StreamMode: StreamModeManual, HasAudio: Ptr(true), HasVideo: Ptr(false),
			Streams: []EventIncludedStream{{StreamID: "x", HasAudio: true, HasVideo: false}, {StreamID: "y", HasAudio: true, HasVideo: true}},
			Size:    100, Duration: 12 * time.Second, CreatedAt: ms(1384221380000), UpdatedAt: ms(1384221390000),
			SHA256Sum: "abc",
		}, ev)
	})
	t.Run("archive projectId wins over partnerId and may be a number", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"event":"archive","id":"a","sessionId":"s","status":"started","projectId":4711,"partnerId":1}`))
		require.NoError(t, err)
		assert.Equal(t, "4711", ev.(*ArchiveEvent).ProjectID)
	})
	t.Run("audio-only stream destroyed because media stopped", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"sessionId":"s","projectId":123,"event":"streamDestroyed","reason":"mediaStopped",
			"timestamp":"1470258896953","stream":{"id":"st","connection":{"id":"c","createdAt":"1470257688143","data":"d"},"createdAt":1}}`))
		require.NoError(t, err)
		assert.Equal(t, &StreamDestroyedEvent{
			EventHeader: EventHeader{Type: "streamDestroyed", SessionID: "s", ProjectID: "123", Timestamp: ms(1470258896953)},
			Reason:      ReasonMediaStopped,
			Stream:      EventStream{ID: "st", Connection: EventConnection{ID: "c", CreatedAt: ms(1470257688143), Data: "d"}, CreatedAt: ms(1)},
		}, ev)
		assert.Empty(t, ev.(*StreamDestroyedEvent).Stream.VideoType)
	})
	t.Run("vonage application owner", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"sessionId":"s","applicationId":"78c3bd8f-a5a5-4f1f-9a61-1e1c0d1b5ffd","event":"connectionCreated",
			"timestamp":1470257688309,"connection":{"id":"c","createdAt":1470257688143,"data":""}}`))
		require.NoError(t, err)
		assert.Equal(t, &ConnectionCreatedEvent{
			EventHeader: EventHeader{Type: "connectionCreated", SessionID: "s",
				ApplicationID: "78c3bd8f-a5a5-4f1f-9a61-1e1c0d1b5ffd", Timestamp: ms(1470257688309)},
			Connection: EventConnection{ID: "c", CreatedAt: ms(1470257688143)}}, ev)
		ev, err = ParseCallback([]byte(`{"sessionId":"s","applicationId":"app","partnerId":42,"event":"muteForced","call":{"id":"c"}}`))
		require.NoError(t, err)
		assert.Equal(t, &SIPMuteForcedEvent{
			EventHeader: EventHeader{Type: "muteForced", SessionID: "s", ProjectID: "42", ApplicationID: "app"},
			Call:        EventSIPCall{ID: "c"},
		}, ev)
	})
	t.Run("new destroyed reason", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"sessionId":"s","event":"connectionDestroyed","reason":"kickedByAI","connection":{"id":"c"}}`))
		require.NoError(t, err)
		assert.Equal(t, DestroyedReason("kickedByAI"), ev.(*ConnectionDestroyedEvent).Reason)
		assert.True(t, ev.(*ConnectionDestroyedEvent).Timestamp.IsZero())
	})
	t.Run("force reasons", func(t *testing.T) {
		for _, r := range []DestroyedReason{ReasonForceDisconnected, ReasonNetworkDisconnected, ReasonForceUnpublished} {
			ev, err := ParseCallback([]byte(`{"sessionId":"s","event":"streamDestroyed","reason":"` + string(r) + `","stream":{"id":"x"}}`))
			require.NoError(t, err)
			assert.Equal(t, r, ev.(*StreamDestroyedEvent).Reason)
		}
	})
	t.Run("sip reason_code as a number, new state", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"sessionId":"s","projectId":"1","event":"callDestroyed","reason_code":704,
			"reason_message":"Media Timeout","call":{"id":"c1","connectionId":"k1","createdAt":5}}`))
		require.NoError(t, err)
		d := ev.(*SIPCallDestroyedEvent)
		assert.Equal(t, "704", d.ReasonCode)
		assert.Equal(t, "Media Timeout", d.ReasonMessage)
		assert.Equal(t, EventSIPCall{ID: "c1", ConnectionID: "k1", CreatedAt: ms(5)}, d.Call)

		ev, err = ParseCallback([]byte(`{"sessionId":"s","event":"callUpdated","state":"TRANSFERRING","call":{"id":"c1"}}`))
		require.NoError(t, err)
		assert.Equal(t, SIPCallState("TRANSFERRING"), ev.(*SIPCallUpdatedEvent).State)
		for _, st := range []SIPCallState{SIPCallDialing, SIPCallRinging, SIPCallOnHold, SIPCallActive} {
			ev, err = ParseCallback([]byte(`{"sessionId":"s","event":"callUpdated","state":"` + string(st) + `","call":{"id":"c1"}}`))
			require.NoError(t, err)
			assert.Equal(t, st, ev.(*SIPCallUpdatedEvent).State)
		}
	})
	t.Run("session created and destroyed", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"sessionId":"s","projectId":"123456","event":"sessionCreated","timestamp":1470257688309,"more":1}`))
		require.NoError(t, err)
		assert.Equal(t, &SessionCreatedEvent{EventHeader: EventHeader{
			Type: "sessionCreated", SessionID: "s", ProjectID: "123456", Timestamp: ms(1470257688309),
		}}, ev)
		assert.Equal(t, "sessionCreated", ev.EventType())

		ev, err = ParseCallback([]byte(`{"sessionId":"s","projectId":"123456","event":"sessionDestroyed"}`))
		require.NoError(t, err)
		assert.Equal(t, &SessionDestroyedEvent{EventHeader: EventHeader{Type: "sessionDestroyed", SessionID: "s", ProjectID: "123456"}}, ev)
		assert.Equal(t, "sessionDestroyed", ev.EventType())
	})
	t.Run("broadcast by event", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"event":"broadcast","id":"b1","sessionId":"s","projectId":123,"status":"started",
			"multiBroadcastTag":"tag","createdAt":1437676551000,"updatedAt":1437676552000,"maxDuration":5400,"maxBitrate":"2000000",
			"resolution":"1280x720","streamMode":"manual","hasAudio":true,"hasVideo":"false",
			"broadcastUrls":{"hls":"https://example.com/hls.m3u8","rtmp":[{"id":"foo","serverUrl":"rtmps://myfooserver/myfooapp","streamName":"myfoostream","status":"live"},{"serverUrl":"rtmp://x/y","streamName":"z","status":"reconnecting"}]},
			"settings":{"hls":{"lowLatency":true,"dvr":"false"}},"streams":[{"streamId":"st","hasAudio":"true","hasVideo":true}]}`))
		require.NoError(t, err)
		assert.Equal(t, &BroadcastEvent{
			EventHeader: EventHeader{Type: "broadcast", SessionID: "s", ProjectID: "123"},
			ID:          "b1", Status: BroadcastStarted, MultiBroadcastTag: "tag",
			CreatedAt: ms(1437676551000), UpdatedAt: ms(1437676552000), MaxDuration: 90 * time.Minute, MaxBitrate: 2000000,
			Resolution: Resolution1280x720, StreamMode: StreamModeManual, HasAudio: Ptr(true), HasVideo: Ptr(false),
			HLSURL: "https://example.com/hls.m3u8",
			RTMP: []RTMPTargetStatus{
				{ID: "foo", ServerURL: "rtmps://myfooserver/myfooapp", StreamName: "myfoostream", Status: RTMPLive},
				{ServerURL: "rtmp://x/y", StreamName: "z", Status: RTMPStatus("reconnecting")},
			},
			HLSLowLatency: true, HLSDVR: false,
			Streams: []EventIncludedStream{{StreamID: "st", HasAudio: true, HasVideo: true}},
		}, ev)
		assert.Equal(t, "broadcast", ev.EventType())
	})
	t.Run("broadcast by shape", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"id":"b2","sessionId":"s","applicationId":"app","status":"stopped","broadcastUrls":{"rtmp":[]}}`))
		require.NoError(t, err)
		assert.Equal(t, &BroadcastEvent{
			EventHeader: EventHeader{Type: "broadcast", SessionID: "s", ApplicationID: "app"},
			ID:          "b2",
			Status:      BroadcastStopped,
		}, ev)
	})
	t.Run("captions by shape and by event", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"captionId":"c1","applicationId":"app","sessionId":"s","status":"failed",
			"createdAt":1700000000000,"updatedAt":1700000060000,"duration":60,"languageCode":"en-US","provider":"aws-transcribe","reason":"boom"}`))
		require.NoError(t, err)
		assert.Equal(t, &CaptionsEvent{
			EventHeader: EventHeader{Type: "captions", SessionID: "s", ApplicationID: "app"},
			CaptionsID:  "c1", Status: CaptionsFailed,
			CreatedAt: ms(1700000000000), UpdatedAt: ms(1700000060000), Duration: time.Minute,
			LanguageCode: "en-US", Provider: "aws-transcribe", Reason: "boom",
		}, ev)
		assert.Equal(t, "captions", ev.EventType())

		ev, err = ParseCallback([]byte(`{"captionsId":"c2","sessionId":"s","status":"started"}`))
		require.NoError(t, err)
		assert.Equal(t, &CaptionsEvent{EventHeader: EventHeader{Type: "captions", SessionID: "s"}, CaptionsID: "c2", Status: CaptionsStarted}, ev)

		ev, err = ParseCallback([]byte(`{"event":"captions","captionId":"c3","sessionId":"s","status":"paused","projectId":"1"}`))
		require.NoError(t, err)
		assert.Equal(t, &CaptionsEvent{EventHeader: EventHeader{Type: "captions", SessionID: "s", ProjectID: "1"}, CaptionsID: "c3", Status: CaptionsPaused}, ev)
	})
	t.Run("render failed without a stream, and a full render object", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"id":"r1","sessionId":"s","status":"failed","reason":"could not load the page"}`))
		require.NoError(t, err)
		assert.Equal(t, &RenderEvent{
			EventHeader: EventHeader{Type: "render", SessionID: "s"},
			ID:          "r1",
			Status:      RenderFailed,
			Reason:      "could not load the page",
		}, ev)

		ev, err = ParseCallback([]byte(`{"id":"r2","sessionId":"s","applicationId":"app","createdAt":1,"updatedAt":2,
			"callbackUrl":"https://cb","name":"Composed","url":"https://page","resolution":"1280x720","status":"started","streamId":"st"}`))
		require.NoError(t, err)
		assert.Equal(t, &RenderEvent{EventHeader: EventHeader{Type: "render", SessionID: "s", ApplicationID: "app"},
			ID: "r2", CreatedAt: ms(1), UpdatedAt: ms(2),
			Name: "Composed", URL: "https://page", Resolution: Resolution1280x720, Status: RenderStarted, StreamID: "st"}, ev)

		ev, err = ParseCallback([]byte(`{"id":"r3","sessionId":"s","status":"hibernating"}`))
		require.NoError(t, err)
		assert.Equal(t, RenderStatus("hibernating"), ev.(*RenderEvent).Status, "unknown statuses decode")
	})
	t.Run("fields of other kinds are ignored like unknown ones", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"event":"sessionCreated","sessionId":"s","connection":[],"call":"x","reason":5}`))
		require.NoError(t, err)
		assert.Equal(t, &SessionCreatedEvent{EventHeader: EventHeader{Type: "sessionCreated", SessionID: "s"}}, ev)
	})
	t.Run("event null is the same as no event", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"event":null,"id":"r1","sessionId":"s","status":"started"}`))
		require.NoError(t, err)
		assert.IsType(t, &RenderEvent{}, ev)
	})
}

// TestEventTypeMappingRoundTrips parses a minimal body of every kind in the
// registry and checks that it comes back as that kind, as the registered
// type, with the kind's own fields decoded, so that a registry line that
// names the wrong type, or a type whose decode is not reached, fails here.
func TestEventTypeMappingRoundTrips(t *testing.T) {
	tests := map[string]struct {
		fields  string // the kind's own fields, besides event and the header
		want    Event  // the event, header aside
		missing string // the identifying field, named when the body lacks it
		byShape bool   // recognised without "event" too
	}{
		"connectionCreated": {`"connection":{"id":"c","data":"d"}`,
			&ConnectionCreatedEvent{Connection: EventConnection{ID: "c", Data: "d"}}, "connection.id", false},
		"connectionDestroyed": {`"connection":{"id":"c"},"reason":"forceDisconnected"`,
			&ConnectionDestroyedEvent{Reason: ReasonForceDisconnected, Connection: EventConnection{ID: "c"}}, "connection.id", false},
		"streamCreated": {`"stream":{"id":"st","videoType":"screen"}`,
			&StreamCreatedEvent{Stream: EventStream{ID: "st", VideoType: VideoScreen}}, "stream.id", false},
		"streamDestroyed": {`"stream":{"id":"st"},"reason":"mediaStopped"`,
			&StreamDestroyedEvent{Reason: ReasonMediaStopped, Stream: EventStream{ID: "st"}}, "stream.id", false},
		"sessionCreated":   {``, &SessionCreatedEvent{}, "", false},
		"sessionDestroyed": {``, &SessionDestroyedEvent{}, "", false},
		"callCreated": {`"call":{"id":"k","connectionId":"kc"}`,
			&SIPCallCreatedEvent{Call: EventSIPCall{ID: "k", ConnectionID: "kc"}}, "call.id", false},
		"callUpdated": {`"call":{"id":"k"},"state":"ACTIVE"`,
			&SIPCallUpdatedEvent{State: SIPCallActive, Call: EventSIPCall{ID: "k"}}, "call.id", false},
		"callDestroyed": {`"call":{"id":"k"},"reason_code":700,"reason_message":"Normal Clearing"`,
			&SIPCallDestroyedEvent{ReasonCode: "700", ReasonMessage: "Normal Clearing", Call: EventSIPCall{ID: "k"}}, "call.id", false},
		"muteForced": {`"call":{"id":"k"}`, &SIPMuteForcedEvent{Call: EventSIPCall{ID: "k"}}, "call.id", false},
		"archive": {`"id":"a","status":"started","size":"7"`,
			&ArchiveEvent{ID: "a", Status: ArchiveStarted, Size: 7}, "id", false},
		"broadcast": {`"id":"b","status":"started","broadcastUrls":{"hls":"https://h"}`,
			&BroadcastEvent{ID: "b", Status: BroadcastStarted, HLSURL: "https://h"}, "id", true},
		"captions": {`"captionId":"c","status":"started","languageCode":"en-US"`,
			&CaptionsEvent{CaptionsID: "c", Status: CaptionsStarted, LanguageCode: "en-US"}, "captionId", true},
		"render": {`"id":"r","status":"started","streamId":"st"`,
			&RenderEvent{ID: "r", Status: RenderStarted, StreamID: "st"}, "id", true},
	}
	var registered []string
	for kind := range eventTypeMapping {
		registered = append(registered, kind)
	}
	var tested []string
	for kind := range tests {
		tested = append(tested, kind)
	}
	require.ElementsMatch(t, registered, tested, "every kind in the registry is tested")

	header := `"sessionId":"s","projectId":42,"applicationId":"app","timestamp":1700000000000`
	for kind, tt := range tests {
		t.Run(kind, func(t *testing.T) {
			assert.IsType(t, tt.want, eventTypeMapping[kind](), "the registry's constructor")
			*tt.want.eventHeader() = EventHeader{Type: kind, SessionID: "s", ProjectID: "42", ApplicationID: "app", Timestamp: ms(1700000000000)}
			bodies := []string{`{"event":"` + kind + `",` + header + `}`}
			if tt.fields != "" {
				bodies[0] = `{"event":"` + kind + `",` + header + `,` + tt.fields + `}`
			}
			if tt.byShape {
				bodies = append(bodies, `{`+header+`,`+tt.fields+`}`)
			}
			for _, body := range bodies {
				ev, err := ParseCallback([]byte(body))
				require.NoError(t, err, body)
				assert.Equal(t, kind, ev.EventType(), body)
				assert.Equal(t, tt.want, ev, "the kind's own fields are decoded: %s", body)
			}
			if tt.missing != "" {
				_, err := ParseCallback([]byte(`{"event":"` + kind + `",` + header + `}`))
				assert.ErrorIs(t, err, ErrMalformedCallback)
				assert.EqualError(t, err, "opentok: malformed callback: "+kind+" event has no "+tt.missing)
			}
		})
	}
}

// TestParseCallbackHeader checks that the header is decoded the same way
// for every kind, including the fields the platform sends only to some.
func TestParseCallbackHeader(t *testing.T) {
	for _, body := range []string{
		`{"event":"archive","id":"a","sessionId":"s","partnerId":42,"applicationId":"app","timestamp":"1700000000000"}`,
		`{"event":"connectionCreated","connection":{"id":"c"},"sessionId":"s","projectId":"42","applicationId":"app","timestamp":1700000000000}`,
		`{"id":"r","status":"started","sessionId":"s","projectId":42,"partnerId":7,"applicationId":"app","timestamp":1700000000000}`,
	} {
		ev, err := ParseCallback([]byte(body))
		require.NoError(t, err, body)
		h := ev.eventHeader()
		assert.Equal(t, EventHeader{Type: ev.EventType(), SessionID: "s", ProjectID: "42", ApplicationID: "app", Timestamp: ms(1700000000000)}, *h, body)
		assert.NotEmpty(t, h.Type)
	}

	// The fields are promoted, so they read as the event's own.
	ev, err := ParseCallback(callbackFixture(t, "sip.callDestroyed.json"))
	require.NoError(t, err)
	e := ev.(*SIPCallDestroyedEvent)
	assert.Equal(t, "callDestroyed", e.Type)
	assert.Equal(t, monSessionID, e.SessionID)
	assert.Equal(t, "123456", e.ProjectID)
	assert.Equal(t, ms(1470257688309), e.Timestamp)
	assert.Same(t, &e.EventHeader, ev.eventHeader())
}

func TestParseCallbackErrors(t *testing.T) {
	tests := []struct {
		name, body string
		want       error
		reason     string
	}{
		{"empty", "", ErrMalformedCallback, "not a JSON object"},
		{"null", "null", ErrMalformedCallback, "not a JSON object"},
		{"array", `[{"event":"archive"}]`, ErrMalformedCallback, "not a JSON object"},
		{"string", `"archive"`, ErrMalformedCallback, "not a JSON object"},
		{"truncated", `{"event":"archive","id":`, ErrMalformedCallback, "not a JSON object"},
		{"trailing garbage", `{"event":"archive"} x`, ErrMalformedCallback, "invalid JSON"},
		{"event not a string", `{"event":5,"sessionId":"s"}`, ErrMalformedCallback, "event is not a string"},
		{"archive without sessionId", `{"event":"archive","id":"a"}`, ErrMalformedCallback, "no sessionId"},
		{"archive without id", `{"event":"archive","sessionId":"s"}`, ErrMalformedCallback, "no id"},
		{"connection without id", `{"event":"connectionCreated","sessionId":"s"}`, ErrMalformedCallback, "no connection.id"},
		{"stream without id", `{"event":"streamCreated","sessionId":"s","stream":null}`, ErrMalformedCallback, "no stream.id"},
		{"call without id", `{"event":"muteForced","sessionId":"s","call":{}}`, ErrMalformedCallback, "no call.id"},
		{"broadcast without id", `{"event":"broadcast","sessionId":"s"}`, ErrMalformedCallback, "no id"},
		{"captions without id", `{"event":"captions","sessionId":"s"}`, ErrMalformedCallback, "no captionId"},
		{"wrong type", `{"event":"archive","id":"a","sessionId":"s","name":{"x":1}}`, ErrMalformedCallback, "field name is a JSON object"},
		{"wrong nested type", `{"event":"streamCreated","sessionId":"s","stream":{"id":"x","connection":[]}}`, ErrMalformedCallback, "field stream.connection is a JSON array"},
		{"unknown event", `{"event":"streamPropertyChanged","sessionId":"s"}`, ErrUnknownCallback, `event "streamPropertyChanged"`},
		{"empty object", `{}`, ErrUnknownCallback, "no known shape"},
		{"render-like with archive fields", `{"id":"a","sessionId":"s","status":"available","size":1}`, ErrUnknownCallback, "no known shape"},
		{"render-like without status", `{"id":"a","sessionId":"s"}`, ErrUnknownCallback, "no known shape"},
		{"render-like with numeric id", `{"id":1,"sessionId":"s","status":"started"}`, ErrUnknownCallback, "no known shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseCallback([]byte(tt.body))
			require.Error(t, err)
			assert.Nil(t, ev)
			assert.ErrorIs(t, err, tt.want)
			var ce *CallbackError
			require.ErrorAs(t, err, &ce)
			assert.Contains(t, ce.Reason, tt.reason)
			assert.Equal(t, tt.want.Error()+": "+ce.Reason, err.Error())
			for _, other := range []error{ErrMalformedCallback, ErrUnknownCallback, ErrCallbackSignature} {
				if other != tt.want {
					assert.NotErrorIs(t, err, other)
				}
			}
		})
	}
}

func TestParseCallbackErrorDoesNotQuoteTheBody(t *testing.T) {
	const marker = "PRIVATE-CONNECTION-DATA"
	for _, body := range []string{
		`{"event":"archive","id":"a","sessionId":"s","name":{"x":"` + marker + `"}}`,
		`{"event":"connectionCreated","sessionId":"s","connection":{"data":"` + marker + `"}}`,
		`{"event":"archive","name":"` + marker + `",`,
		marker,
	} {
		_, err := ParseCallback([]byte(body))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), marker)
	}
	long := strings.Repeat("e", 500)
	_, err := ParseCallback([]byte(`{"event":"` + long + `"}`))
	require.ErrorIs(t, err, ErrUnknownCallback)
	assert.Less(t, len(err.Error()), 200, "long event names are clipped")
}

// --- fuzzing --------------------------------------------------------------

// FuzzParseCallback checks that no body makes ParseCallback (or
// ParseArchiveManifest) panic, and that every answer is either an event with
// a type and a session, or a *CallbackError of a known kind.
func FuzzParseCallback(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "callbacks", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed bodies: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"event":"broadcast","id":"b","sessionId":"s","broadcastUrls":{"rtmp":[{"id":"x"}]}}`,
		`{"captionId":"c","sessionId":"s","status":"started","duration":"1e400"}`,
		`{"event":"callDestroyed","sessionId":"s","reason_code":1e30,"call":{"id":"c"}}`,
		`{"event":"archive","id":"a","sessionId":"s","streams":[{"hasAudio":"true"}],"createdAt":"-1"}`,
		`{"event":null}`, `null`, `[]`, `{}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseCallback(body)
		if err != nil {
			if ev != nil {
				t.Fatalf("event %T with error %v", ev, err)
			}
			var ce *CallbackError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *CallbackError: %v", err, err)
			}
			if !errors.Is(err, ErrMalformedCallback) && !errors.Is(err, ErrUnknownCallback) {
				t.Fatalf("error of no known kind: %v", err)
			}
		} else {
			if ev == nil || ev.EventType() == "" || ev.EventSessionID() == "" {
				t.Fatalf("event %#v without a type or session", ev)
			}
		}
		_, _ = ParseArchiveManifest(body)
	})
}
