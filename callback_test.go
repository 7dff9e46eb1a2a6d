package opentok

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Made-up signature secrets for the signed-callback tests.
const (
	testCallbackSecret  = "made-up-callback-signature-secret-1"
	otherCallbackSecret = "made-up-callback-signature-secret-2"
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
			SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470257688309), Connection: conn("TOKENDATA"),
		}, "connectionCreated", monSessionID},
		{"session-monitoring.connectionDestroyed.json", &ConnectionDestroyedEvent{
			SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470258896953),
			Reason: ReasonClientDisconnected, Connection: conn(""),
		}, "connectionDestroyed", monSessionID},
		{"session-monitoring.streamCreated.json", &StreamCreatedEvent{
			SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470258860571), Stream: stream,
		}, "streamCreated", monSessionID},
		{"session-monitoring.streamDestroyed.json", &StreamDestroyedEvent{
			SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470258896953),
			Reason: ReasonClientDisconnected, Stream: stream,
		}, "streamDestroyed", monSessionID},
		{"sip.callCreated.json", &SIPCallCreatedEvent{
			SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470257688309), Call: sipCall,
		}, "callCreated", monSessionID},
		{"sip.callUpdated.json", &SIPCallUpdatedEvent{
			SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470257688309), State: SIPCallHangup, Call: sipCall,
		}, "callUpdated", monSessionID},
		{"sip.callDestroyed.json", &SIPCallDestroyedEvent{
			SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470257688309),
			ReasonCode: "400", ReasonMessage: "Bad Request", Call: sipCall,
		}, "callDestroyed", monSessionID},
		{"sip.muteForced.json", &SIPMuteForcedEvent{
			SessionID: monSessionID, ProjectID: "123456", Timestamp: ms(1470257688309), Call: sipCall,
		}, "muteForced", monSessionID},
		{"archive.status.json", &ArchiveEvent{
			ID:         "b40ef09b-3811-4726-b508-e41a0f96c68f",
			SessionID:  "2_MX40NzIwMzJ-flR1ZSBPY3QgMjkgMTI6MTM6MjMgUERUIDIwMTN-MC45NDQ2MzE2NH4",
			ProjectID:  "123456",
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
			ID:        "<experience-composer-id>",
			SessionID: "<session-id>",
			StreamID:  "<output-stream-id>",
			Status:    RenderStopped,
			Reason:    "Max duration exceeded.",
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
			ID: "a1", SessionID: "s1", ProjectID: "99", ApplicationID: "78c3bd8f-a5a5-4f1f-9a61-1e1c0d1b5ffd",
			Status: ArchiveStatus("transcoding"), Reason: "session ended", Resolution: Resolution("3840x2160"),
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
			SessionID: "s", ProjectID: "123", Timestamp: ms(1470258896953), Reason: ReasonMediaStopped,
			Stream: EventStream{ID: "st", Connection: EventConnection{ID: "c", CreatedAt: ms(1470257688143), Data: "d"}, CreatedAt: ms(1)},
		}, ev)
		assert.Empty(t, ev.(*StreamDestroyedEvent).Stream.VideoType)
	})
	t.Run("vonage application owner", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"sessionId":"s","applicationId":"78c3bd8f-a5a5-4f1f-9a61-1e1c0d1b5ffd","event":"connectionCreated",
			"timestamp":1470257688309,"connection":{"id":"c","createdAt":1470257688143,"data":""}}`))
		require.NoError(t, err)
		assert.Equal(t, &ConnectionCreatedEvent{SessionID: "s", ApplicationID: "78c3bd8f-a5a5-4f1f-9a61-1e1c0d1b5ffd",
			Timestamp: ms(1470257688309), Connection: EventConnection{ID: "c", CreatedAt: ms(1470257688143)}}, ev)
		ev, err = ParseCallback([]byte(`{"sessionId":"s","applicationId":"app","partnerId":42,"event":"muteForced","call":{"id":"c"}}`))
		require.NoError(t, err)
		assert.Equal(t, &SIPMuteForcedEvent{SessionID: "s", ProjectID: "42", ApplicationID: "app", Call: EventSIPCall{ID: "c"}}, ev)
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
		assert.Equal(t, &SessionCreatedEvent{SessionID: "s", ProjectID: "123456", Timestamp: ms(1470257688309)}, ev)
		assert.Equal(t, "sessionCreated", ev.EventType())

		ev, err = ParseCallback([]byte(`{"sessionId":"s","projectId":"123456","event":"sessionDestroyed"}`))
		require.NoError(t, err)
		assert.Equal(t, &SessionDestroyedEvent{SessionID: "s", ProjectID: "123456"}, ev)
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
			ID: "b1", SessionID: "s", ProjectID: "123", Status: BroadcastStarted, MultiBroadcastTag: "tag",
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
		assert.Equal(t, &BroadcastEvent{ID: "b2", SessionID: "s", ApplicationID: "app", Status: BroadcastStopped}, ev)
	})
	t.Run("captions by shape and by event", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"captionId":"c1","applicationId":"app","sessionId":"s","status":"failed",
			"createdAt":1700000000000,"updatedAt":1700000060000,"duration":60,"languageCode":"en-US","provider":"aws-transcribe","reason":"boom"}`))
		require.NoError(t, err)
		assert.Equal(t, &CaptionsEvent{
			CaptionsID: "c1", ApplicationID: "app", SessionID: "s", Status: CaptionsFailed,
			CreatedAt: ms(1700000000000), UpdatedAt: ms(1700000060000), Duration: time.Minute,
			LanguageCode: "en-US", Provider: "aws-transcribe", Reason: "boom",
		}, ev)
		assert.Equal(t, "captions", ev.EventType())

		ev, err = ParseCallback([]byte(`{"captionsId":"c2","sessionId":"s","status":"started"}`))
		require.NoError(t, err)
		assert.Equal(t, &CaptionsEvent{CaptionsID: "c2", SessionID: "s", Status: CaptionsStarted}, ev)

		ev, err = ParseCallback([]byte(`{"event":"captions","captionId":"c3","sessionId":"s","status":"paused","projectId":"1"}`))
		require.NoError(t, err)
		assert.Equal(t, &CaptionsEvent{CaptionsID: "c3", SessionID: "s", ProjectID: "1", Status: CaptionsPaused}, ev)
	})
	t.Run("render failed without a stream, and a full render object", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"id":"r1","sessionId":"s","status":"failed","reason":"could not load the page"}`))
		require.NoError(t, err)
		assert.Equal(t, &RenderEvent{ID: "r1", SessionID: "s", Status: RenderFailed, Reason: "could not load the page"}, ev)

		ev, err = ParseCallback([]byte(`{"id":"r2","sessionId":"s","applicationId":"app","createdAt":1,"updatedAt":2,
			"callbackUrl":"https://cb","name":"Composed","url":"https://page","resolution":"1280x720","status":"started","streamId":"st"}`))
		require.NoError(t, err)
		assert.Equal(t, &RenderEvent{ID: "r2", SessionID: "s", ApplicationID: "app", CreatedAt: ms(1), UpdatedAt: ms(2),
			Name: "Composed", URL: "https://page", Resolution: Resolution1280x720, Status: RenderStarted, StreamID: "st"}, ev)

		ev, err = ParseCallback([]byte(`{"id":"r3","sessionId":"s","status":"hibernating"}`))
		require.NoError(t, err)
		assert.Equal(t, RenderStatus("hibernating"), ev.(*RenderEvent).Status, "unknown statuses decode")
	})
	t.Run("event null is the same as no event", func(t *testing.T) {
		ev, err := ParseCallback([]byte(`{"event":null,"id":"r1","sessionId":"s","status":"started"}`))
		require.NoError(t, err)
		assert.IsType(t, &RenderEvent{}, ev)
	})
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

// --- signatures -----------------------------------------------------------

var cbT0 = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

func cbAt(t time.Time) *VerifyCallbackOptions {
	return &VerifyCallbackOptions{now: func() time.Time { return t }}
}

// signClaims signs arbitrary claims with the given method and key, for
// tokens SignCallback would never make.
func signClaims(t testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	require.NoError(t, err)
	return s
}

func hashHex(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

func goodClaims(body []byte) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": "Vonage", "iat": cbT0.Unix(), "jti": "c5ba8f24-1a14-4c10-bfdf-3fbe8ce511b5",
		"payload_hash": hashHex(body), "api_key": "a1b2c3d", "application_id": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
	}
}

func TestSignCallbackClaims(t *testing.T) {
	body := callbackFixture(t, "archive.status.json")
	tok, err := SignCallback(body, testCallbackSecret, &SignCallbackOptions{
		IssuedAt: cbT0.Add(700 * time.Millisecond), ID: "jti-1", APIKey: "a1b2c3d", ApplicationID: "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
	})
	require.NoError(t, err)

	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte(testCallbackSecret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return cbT0 }))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"alg": "HS256", "typ": "JWT"}, parsed.Header)
	assert.Equal(t, jwt.MapClaims{
		"iss": "Vonage", "iat": float64(cbT0.Unix()), "jti": "jti-1", "payload_hash": hashHex(body),
		"api_key": "a1b2c3d", "application_id": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
	}, claims)

	// Defaults: now, a random UUID, no api_key or application_id.
	tok, err = SignCallback(body, testCallbackSecret, nil)
	require.NoError(t, err)
	claims = jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte(testCallbackSecret), nil })
	require.NoError(t, err)
	assert.InDelta(t, float64(time.Now().Unix()), claims["iat"], 5)
	_, err = uuid.Parse(claims["jti"].(string))
	assert.NoError(t, err, "jti is a UUID")
	assert.NotContains(t, claims, "api_key")
	assert.NotContains(t, claims, "application_id")

	_, err = SignCallback(body, "", nil)
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

func TestVerifyCallbackSignatureValid(t *testing.T) {
	body := callbackFixture(t, "archive.status.json")
	tok, err := SignCallback(body, testCallbackSecret, &SignCallbackOptions{
		IssuedAt: cbT0, ID: "jti-1", APIKey: "a1b2c3d", ApplicationID: "app-1",
	})
	require.NoError(t, err)
	for _, header := range []string{"Bearer " + tok, "bearer " + tok, "  Bearer   " + tok + " "} {
		claims, err := VerifyCallbackSignature(header, body, testCallbackSecret, cbAt(cbT0.Add(10*time.Second)))
		require.NoError(t, err, header)
		assert.Equal(t, &CallbackClaims{
			IssuedAt: time.Unix(cbT0.Unix(), 0), ID: "jti-1", PayloadHash: hashHex(body), APIKey: "a1b2c3d", ApplicationID: "app-1",
		}, claims)
	}
}

// TestVerifyCallbackSignatureDocumentedClaims signs the claims of the
// documented example (with the payload hash of a known body) independently
// of SignCallback, and checks that they verify and decode.
func TestVerifyCallbackSignatureDocumentedClaims(t *testing.T) {
	var doc struct {
		Header  map[string]any `json:"header"`
		Payload jwt.MapClaims  `json:"payload"`
	}
	require.NoError(t, json.Unmarshal(callbackFixture(t, "secure-callback.jwt-claims.json"), &doc))
	assert.Equal(t, "HS256", doc.Header["alg"])
	iat := time.Unix(1587494962, 0)
	at := cbAt(iat.Add(3 * time.Second))

	// The documented payload_hash belongs to a body we do not have.
	tok := signClaims(t, jwt.SigningMethodHS256, []byte(testCallbackSecret), doc.Payload)
	_, err := VerifyCallbackSignature("Bearer "+tok, []byte(`{}`), testCallbackSecret, at)
	assert.ErrorIs(t, err, ErrCallbackSignature)
	assert.Contains(t, err.Error(), "payload_hash does not match the body")

	body := callbackFixture(t, "session-monitoring.streamCreated.json")
	doc.Payload["payload_hash"] = hashHex(body)
	tok = signClaims(t, jwt.SigningMethodHS256, []byte(testCallbackSecret), doc.Payload)
	claims, err := VerifyCallbackSignature("Bearer "+tok, body, testCallbackSecret, at)
	require.NoError(t, err)
	assert.Equal(t, &CallbackClaims{
		IssuedAt: iat, ID: "c5ba8f24-1a14-4c10-bfdf-3fbe8ce511b5", PayloadHash: hashHex(body),
		APIKey: "a1b2c3d", ApplicationID: "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
	}, claims)
}

func TestVerifyCallbackSignatureRejects(t *testing.T) {
	body := callbackFixture(t, "archive.status.json")
	_, rsaPEM := testRSAKey(t)
	rsaPriv, err := jwt.ParseRSAPrivateKeyFromPEM(rsaPEM)
	require.NoError(t, err)
	with := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := goodClaims(body)
		change(c)
		return c
	}
	hs := func(c jwt.MapClaims) string {
		return signClaims(t, jwt.SigningMethodHS256, []byte(testCallbackSecret), c)
	}
	sign := func(iat time.Time) string {
		tok, err := SignCallback(body, testCallbackSecret, &SignCallbackOptions{IssuedAt: iat})
		require.NoError(t, err)
		return tok
	}
	noneTok := signClaims(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, goodClaims(body))
	// An unsigned token whose header claims HS256.
	parts := strings.Split(hs(goodClaims(body)), ".")
	strippedTok := parts[0] + "." + parts[1] + "."
	// alg:none with the header written by hand, as an attacker would.
	handNone := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."

	tests := []struct {
		name   string
		header string
		body   []byte
		secret string
		opts   *VerifyCallbackOptions
		reason string
		jwtErr error
	}{
		{name: "missing header", header: "", reason: "no Authorization header"},
		{name: "not bearer", header: "Basic " + hs(goodClaims(body)), reason: "not a Bearer token"},
		{name: "bare JWT", header: hs(goodClaims(body)), reason: "not a Bearer token"},
		{name: "bearer without token", header: "Bearer ", reason: "not a Bearer token"},
		{name: "garbage", header: "Bearer not.a.jwt", reason: "malformed", jwtErr: jwt.ErrTokenMalformed},
		{name: "too long", header: "Bearer " + strings.Repeat("a", 9000), reason: "too long"},
		{name: "wrong secret", header: "Bearer " + hs(goodClaims(body)), secret: otherCallbackSecret,
			reason: "signature does not verify", jwtErr: jwt.ErrTokenSignatureInvalid},
		{name: "signature stripped", header: "Bearer " + strippedTok, reason: "signature does not verify", jwtErr: jwt.ErrTokenSignatureInvalid},
		{name: "body changed after signing", header: "Bearer " + hs(goodClaims(body)),
			body: bytes.Replace(body, []byte(`"available"`), []byte(`"expired"`), 1), reason: "payload_hash does not match"},
		{name: "empty body", header: "Bearer " + hs(goodClaims(body)), body: []byte{}, reason: "payload_hash does not match"},
		{name: "alg none", header: "Bearer " + noneTok, reason: "not signed with HS256", jwtErr: jwt.ErrTokenSignatureInvalid},
		{name: "alg none by hand", header: "Bearer " + handNone, reason: "not signed with HS256", jwtErr: jwt.ErrTokenSignatureInvalid},
		{name: "alg HS384", header: "Bearer " + signClaims(t, jwt.SigningMethodHS384, []byte(testCallbackSecret), goodClaims(body)),
			reason: "not signed with HS256", jwtErr: jwt.ErrTokenSignatureInvalid},
		{name: "alg HS512", header: "Bearer " + signClaims(t, jwt.SigningMethodHS512, []byte(testCallbackSecret), goodClaims(body)),
			reason: "not signed with HS256", jwtErr: jwt.ErrTokenSignatureInvalid},
		{name: "alg RS256", header: "Bearer " + signClaims(t, jwt.SigningMethodRS256, rsaPriv, goodClaims(body)),
			reason: "not signed with HS256", jwtErr: jwt.ErrTokenSignatureInvalid},
		{name: "expired iat", header: "Bearer " + sign(cbT0.Add(-6*time.Minute)), reason: "older than the maximum age"},
		{name: "iat older than a custom max age", header: "Bearer " + sign(cbT0.Add(-2*time.Minute)),
			opts: &VerifyCallbackOptions{MaxAge: time.Minute}, reason: "older than the maximum age"},
		{name: "iat in the future", header: "Bearer " + sign(cbT0.Add(2*time.Minute)), reason: "in the future", jwtErr: jwt.ErrTokenUsedBeforeIssued},
		{name: "no iat", header: "Bearer " + hs(with(func(c jwt.MapClaims) { delete(c, "iat") })), reason: "no iat"},
		{name: "exp passed", header: "Bearer " + hs(with(func(c jwt.MapClaims) { c["exp"] = cbT0.Add(-time.Hour).Unix() })),
			reason: "expired", jwtErr: jwt.ErrTokenExpired},
		{name: "issuer not Vonage", header: "Bearer " + hs(with(func(c jwt.MapClaims) { c["iss"] = "OpenTok" })),
			reason: "issuer is not Vonage", jwtErr: jwt.ErrTokenInvalidIssuer},
		{name: "no issuer", header: "Bearer " + hs(with(func(c jwt.MapClaims) { delete(c, "iss") })), reason: "issuer is not Vonage"},
		{name: "no payload_hash", header: "Bearer " + hs(with(func(c jwt.MapClaims) { delete(c, "payload_hash") })), reason: "no payload_hash"},
		{name: "payload_hash not hex", header: "Bearer " + hs(with(func(c jwt.MapClaims) { c["payload_hash"] = "zz" + hashHex(body)[2:] })),
			reason: "payload_hash does not match"},
		{name: "payload_hash truncated", header: "Bearer " + hs(with(func(c jwt.MapClaims) { c["payload_hash"] = hashHex(body)[:32] })),
			reason: "payload_hash does not match"},
		{name: "payload_hash of another body", header: "Bearer " + hs(with(func(c jwt.MapClaims) { c["payload_hash"] = hashHex([]byte("{}")) })),
			reason: "payload_hash does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := body
			if tt.body != nil {
				b = tt.body
			}
			secret := testCallbackSecret
			if tt.secret != "" {
				secret = tt.secret
			}
			opts := tt.opts
			if opts == nil {
				opts = &VerifyCallbackOptions{}
			}
			opts.now = func() time.Time { return cbT0 }
			claims, err := VerifyCallbackSignature(tt.header, b, secret, opts)
			require.Error(t, err)
			assert.Nil(t, claims)
			assert.ErrorIs(t, err, ErrCallbackSignature)
			assert.NotErrorIs(t, err, ErrMalformedCallback)
			var ce *CallbackError
			require.ErrorAs(t, err, &ce)
			assert.Contains(t, ce.Reason, tt.reason)
			if tt.jwtErr != nil {
				assert.ErrorIs(t, err, tt.jwtErr)
			}
			msg := err.Error()
			assert.NotContains(t, msg, testCallbackSecret)
			assert.NotContains(t, msg, otherCallbackSecret)
			if tok := strings.TrimSpace(strings.TrimPrefix(tt.header, "Bearer ")); len(tok) > 8 {
				assert.NotContains(t, msg, tok)
				if head := strings.Split(tok, ".")[0]; len(head) > 8 {
					assert.NotContains(t, msg, head, "not even the JWT header")
				}
			}
		})
	}
}

func TestVerifyCallbackSignatureAge(t *testing.T) {
	body := []byte(`{"event":"archive"}`)
	sign := func(iat time.Time) string {
		tok, err := SignCallback(body, testCallbackSecret, &SignCallbackOptions{IssuedAt: iat})
		require.NoError(t, err)
		return "Bearer " + tok
	}
	ok := func(header string, opts *VerifyCallbackOptions) {
		t.Helper()
		opts.now = func() time.Time { return cbT0 }
		_, err := VerifyCallbackSignature(header, body, testCallbackSecret, opts)
		assert.NoError(t, err)
	}
	fail := func(header string, opts *VerifyCallbackOptions) {
		t.Helper()
		opts.now = func() time.Time { return cbT0 }
		_, err := VerifyCallbackSignature(header, body, testCallbackSecret, opts)
		assert.ErrorIs(t, err, ErrCallbackSignature)
	}
	ok(sign(cbT0.Add(-5*time.Minute)), &VerifyCallbackOptions{})                  // at the default max age
	ok(sign(cbT0.Add(-5*time.Minute-29*time.Second)), &VerifyCallbackOptions{})   // within the leeway
	fail(sign(cbT0.Add(-5*time.Minute-31*time.Second)), &VerifyCallbackOptions{}) // beyond it
	ok(sign(cbT0.Add(25*time.Second)), &VerifyCallbackOptions{})                  // clock skew ahead
	fail(sign(cbT0.Add(35*time.Second)), &VerifyCallbackOptions{})
	ok(sign(cbT0.Add(-50*time.Minute)), &VerifyCallbackOptions{MaxAge: time.Hour})
	fail(sign(cbT0.Add(-50*time.Second)), &VerifyCallbackOptions{MaxAge: 10 * time.Second, Leeway: 5 * time.Second})
	ok(sign(cbT0.Add(-14*time.Second)), &VerifyCallbackOptions{MaxAge: 10 * time.Second, Leeway: 5 * time.Second})
	ok(sign(cbT0.Add(-365*24*time.Hour)), &VerifyCallbackOptions{MaxAge: -1}) // age check off
	ok(sign(cbT0), &VerifyCallbackOptions{})

	_, err := VerifyCallbackSignature(sign(cbT0), body, "", nil)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = VerifyCallbackSignature(sign(cbT0), body, testCallbackSecret, &VerifyCallbackOptions{Leeway: -time.Second})
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

func TestVerifyCallbackSignatureNilOptionsUsesTheClock(t *testing.T) {
	body := []byte(`{}`)
	tok, err := SignCallback(body, testCallbackSecret, nil)
	require.NoError(t, err)
	_, err = VerifyCallbackSignature("Bearer "+tok, body, testCallbackSecret, nil)
	assert.NoError(t, err)
	old, err := SignCallback(body, testCallbackSecret, &SignCallbackOptions{IssuedAt: time.Now().Add(-time.Hour)})
	require.NoError(t, err)
	_, err = VerifyCallbackSignature("Bearer "+old, body, testCallbackSecret, nil)
	assert.ErrorIs(t, err, ErrCallbackSignature)
}

// --- handler --------------------------------------------------------------

// handlerRig records what the event function and the error handler saw.
type handlerRig struct {
	mu     sync.Mutex
	events []Event
	claims []*CallbackClaims
	errs   []error
	fnErr  error
}

func (h *handlerRig) fn(ctx context.Context, ev Event) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
	h.claims = append(h.claims, CallbackClaimsFromContext(ctx))
	return h.fnErr
}

func (h *handlerRig) onError(_ *http.Request, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.errs = append(h.errs, err)
}

func (h *handlerRig) handler(opts ...CallbackHandlerOption) http.Handler {
	return NewCallbackHandler(h.fn, append([]CallbackHandlerOption{WithCallbackErrorHandler(h.onError)}, opts...)...)
}

func serve(h http.Handler, method string, body io.Reader, authorization string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/callbacks", body)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestCallbackHandlerDeliversEvents(t *testing.T) {
	rig := &handlerRig{}
	h := rig.handler()
	for _, name := range []string{"archive.status.json", "session-monitoring.streamCreated.json", "sip.callDestroyed.json", "experience-composer.status.json"} {
		rec := serve(h, http.MethodPost, bytes.NewReader(callbackFixture(t, name)), "")
		assert.Equal(t, http.StatusOK, rec.Code, name)
		assert.Empty(t, rec.Body.String())
	}
	require.Len(t, rig.events, 4)
	assert.Equal(t, ArchiveAvailable, rig.events[0].(*ArchiveEvent).Status)
	assert.Equal(t, monStreamID, rig.events[1].(*StreamCreatedEvent).Stream.ID)
	assert.Equal(t, "400", rig.events[2].(*SIPCallDestroyedEvent).ReasonCode)
	assert.Equal(t, RenderStopped, rig.events[3].(*RenderEvent).Status)
	assert.Equal(t, []*CallbackClaims{nil, nil, nil, nil}, rig.claims, "no claims without a secret")
	assert.Empty(t, rig.errs)
}

func TestCallbackHandlerMethod(t *testing.T) {
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodHead} {
		rig := &handlerRig{}
		rec := serve(rig.handler(), m, bytes.NewReader(callbackFixture(t, "archive.status.json")), "")
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Code, m)
		assert.Equal(t, "POST", rec.Header().Get("Allow"))
		assert.Empty(t, rig.events, "fn not called")
		require.Len(t, rig.errs, 1)
		assert.ErrorIs(t, rig.errs[0], ErrMalformedCallback)
		assert.Contains(t, rig.errs[0].Error(), "is not POST")
	}
}

func TestCallbackHandlerBodyLimit(t *testing.T) {
	body := callbackFixture(t, "archive.status.json")
	n := int64(len(body))

	rig := &handlerRig{}
	h := rig.handler(WithCallbackMaxBody(n))
	assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, bytes.NewReader(body), "").Code, "exactly at the limit")

	h = rig.handler(WithCallbackMaxBody(n - 1))
	rec := serve(h, http.MethodPost, bytes.NewReader(body), "") // with Content-Length
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	assert.Equal(t, "callback body too large\n", rec.Body.String())
	// Without Content-Length (chunked): the read is cut at the limit.
	rec = serve(h, http.MethodPost, io.MultiReader(bytes.NewReader(body)), "")
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	assert.Len(t, rig.events, 1, "fn only saw the body within the limit")
	require.Len(t, rig.errs, 2)
	for _, err := range rig.errs {
		assert.ErrorIs(t, err, ErrMalformedCallback)
		assert.Contains(t, err.Error(), "over the limit")
	}
	var mbe *http.MaxBytesError
	assert.ErrorAs(t, rig.errs[1], &mbe)

	// The default is 1 MiB.
	big := append([]byte(`{"event":"archive","id":"a","sessionId":"s","name":"`), bytes.Repeat([]byte("x"), 1<<20)...)
	big = append(big, `"}`...)
	rec = serve(rig.handler(), http.MethodPost, io.MultiReader(bytes.NewReader(big)), "")
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
}

func TestCallbackHandlerBadInput(t *testing.T) {
	for _, body := range []string{"", "not json", `{"event":"archive"`, `[1,2]`, `{"event":"archive","sessionId":"s"}`,
		`{"event":"archive","id":"a","sessionId":"s","name":{"secret":"ECHO-ME"}}`} {
		rig := &handlerRig{}
		rec := serve(rig.handler(), http.MethodPost, strings.NewReader(body), "")
		assert.Equal(t, http.StatusBadRequest, rec.Code, body)
		assert.Equal(t, "malformed callback\n", rec.Body.String(), "generic text, never the body")
		assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
		assert.Empty(t, rig.events)
		require.Len(t, rig.errs, 1)
		assert.ErrorIs(t, rig.errs[0], ErrMalformedCallback)
	}
}

func TestCallbackHandlerNilBody(t *testing.T) {
	rig := &handlerRig{}
	req := httptest.NewRequest(http.MethodPost, "/callbacks", nil)
	req.Body = nil
	rec := httptest.NewRecorder()
	rig.handler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Empty(t, rig.events)
}

func TestCallbackHandlerUnknownEventReachesFn(t *testing.T) {
	rig := &handlerRig{}
	body := `{"event":"streamPropertyChanged","sessionId":"s1","stream":{"id":"x"}}`
	rec := serve(rig.handler(), http.MethodPost, strings.NewReader(body), "")
	assert.Equal(t, http.StatusOK, rec.Code)
	require.Len(t, rig.events, 1)
	assert.Equal(t, &UnknownEvent{Type: "streamPropertyChanged", SessionID: "s1", Body: []byte(body)}, rig.events[0])
	assert.Equal(t, "streamPropertyChanged", rig.events[0].EventType())
	assert.Equal(t, "s1", rig.events[0].EventSessionID())

	// fn decides: an error makes the platform retry.
	rig = &handlerRig{fnErr: errors.New("not handled")}
	rec = serve(rig.handler(), http.MethodPost, strings.NewReader(`{}`), "")
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Equal(t, &UnknownEvent{Body: []byte(`{}`)}, rig.events[0])
}

func TestCallbackHandlerFnError(t *testing.T) {
	rig := &handlerRig{fnErr: errors.New("database down at 10.0.0.7")}
	rec := serve(rig.handler(), http.MethodPost, bytes.NewReader(callbackFixture(t, "sip.callUpdated.json")), "")
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Equal(t, "callback processing failed\n", rec.Body.String())
	assert.NotContains(t, rec.Body.String(), "database")
	require.Len(t, rig.events, 1, "fn was called")
	require.Len(t, rig.errs, 1)
	assert.Same(t, rig.fnErr, rig.errs[0], "the error handler sees fn's error")
}

func TestCallbackHandlerVerifiesSignatures(t *testing.T) {
	body := callbackFixture(t, "session-monitoring.connectionCreated.json")
	now := cbT0
	clock := withCallbackClock(func() time.Time { return now })
	sign := func(secret string, iat time.Time) string {
		tok, err := SignCallback(body, secret, &SignCallbackOptions{IssuedAt: iat, ID: "jti-9", APIKey: "123456"})
		require.NoError(t, err)
		return "Bearer " + tok
	}

	rig := &handlerRig{}
	h := rig.handler(WithCallbackSecret(testCallbackSecret), clock)
	good := sign(testCallbackSecret, now.Add(-time.Minute))
	rec := serve(h, http.MethodPost, bytes.NewReader(body), good)
	assert.Equal(t, http.StatusOK, rec.Code)
	require.Len(t, rig.events, 1)
	assert.Equal(t, "TOKENDATA", rig.events[0].(*ConnectionCreatedEvent).Connection.Data)
	assert.Equal(t, &CallbackClaims{IssuedAt: time.Unix(now.Add(-time.Minute).Unix(), 0), ID: "jti-9", PayloadHash: hashHex(body), APIKey: "123456"}, rig.claims[0])

	bad := []struct {
		name, auth string
		body       []byte
	}{
		{"missing header", "", body},
		{"wrong secret", sign(otherCallbackSecret, now), body},
		{"body changed", good, bytes.Replace(body, []byte("TOKENDATA"), []byte("OTHERDATA"), 1)},
		{"expired", sign(testCallbackSecret, now.Add(-10*time.Minute)), body},
		{"alg none", "Bearer " + signClaims(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, goodClaims(body)), body},
	}
	for _, tt := range bad {
		rig := &handlerRig{}
		h := rig.handler(WithCallbackSecret(testCallbackSecret), clock)
		rec := serve(h, http.MethodPost, bytes.NewReader(tt.body), tt.auth)
		assert.Equal(t, http.StatusUnauthorized, rec.Code, tt.name)
		assert.Equal(t, "Bearer", rec.Header().Get("WWW-Authenticate"))
		assert.Equal(t, "callback signature not valid\n", rec.Body.String())
		assert.Empty(t, rig.events, tt.name)
		require.Len(t, rig.errs, 1)
		assert.ErrorIs(t, rig.errs[0], ErrCallbackSignature, tt.name)
		for _, s := range []string{testCallbackSecret, otherCallbackSecret, strings.TrimPrefix(tt.auth, "Bearer "), "TOKENDATA"} {
			if s != "" {
				assert.NotContains(t, rec.Body.String(), s)
				assert.NotContains(t, rig.errs[0].Error(), s)
			}
		}
	}

	// A custom max age.
	rig = &handlerRig{}
	h = rig.handler(WithCallbackSecret(testCallbackSecret), WithCallbackMaxAge(30*time.Second), clock)
	assert.Equal(t, http.StatusUnauthorized, serve(h, http.MethodPost, bytes.NewReader(body), sign(testCallbackSecret, now.Add(-90*time.Second))).Code)
	assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, bytes.NewReader(body), sign(testCallbackSecret, now.Add(-50*time.Second))).Code)

	// Verification comes before parsing: a malformed, unsigned body is 401.
	rig = &handlerRig{}
	h = rig.handler(WithCallbackSecret(testCallbackSecret), clock)
	assert.Equal(t, http.StatusUnauthorized, serve(h, http.MethodPost, strings.NewReader("not json"), "").Code)
}

func TestCallbackHandlerSeveralSecrets(t *testing.T) {
	body := callbackFixture(t, "archive.status.json")
	rig := &handlerRig{}
	h := rig.handler(WithCallbackSecret(testCallbackSecret), WithCallbackSecret(otherCallbackSecret))
	for _, secret := range []string{testCallbackSecret, otherCallbackSecret} {
		tok, err := SignCallback(body, secret, nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, bytes.NewReader(body), "Bearer "+tok).Code)
	}
	tok, err := SignCallback(body, "made-up-third-secret", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, serve(h, http.MethodPost, bytes.NewReader(body), "Bearer "+tok).Code)
	assert.Len(t, rig.events, 2)
}

func TestCallbackHandlerOverHTTP(t *testing.T) {
	rig := &handlerRig{}
	mux := http.NewServeMux()
	mux.Handle("/opentok/callbacks", rig.handler(WithCallbackSecret(testCallbackSecret), WithCallbackMaxBody(4096)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	post := func(body []byte, auth string) *http.Response {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/opentok/callbacks", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp
	}
	body := callbackFixture(t, "sip.callCreated.json")
	tok, err := SignCallback(body, testCallbackSecret, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, post(body, "Bearer "+tok).StatusCode)
	assert.Equal(t, http.StatusUnauthorized, post(body, "").StatusCode)
	assert.Equal(t, http.StatusRequestEntityTooLarge, post(bytes.Repeat([]byte(" "), 5000), "Bearer "+tok).StatusCode)
	require.Len(t, rig.events, 1)
	assert.Equal(t, "<conference-id>", rig.events[0].(*SIPCallCreatedEvent).Call.ID)
}

func TestNewCallbackHandlerPanicsOnMisuse(t *testing.T) {
	fn := func(context.Context, Event) error { return nil }
	assert.PanicsWithValue(t, "opentok: NewCallbackHandler: fn is nil", func() { NewCallbackHandler(nil) })
	assert.PanicsWithValue(t, "opentok: NewCallbackHandler: WithCallbackSecret: the secret is empty",
		func() { NewCallbackHandler(fn, WithCallbackSecret("")) })
	assert.PanicsWithValue(t, "opentok: NewCallbackHandler: WithCallbackMaxBody: the limit must be positive",
		func() { NewCallbackHandler(fn, WithCallbackMaxBody(0)) })
	assert.NotPanics(t, func() { NewCallbackHandler(fn, nil, WithCallbackMaxAge(0), WithCallbackMaxAge(-1)) })
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
	for _, v := range []any{ev, *be, be.RTMP, h} {
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
