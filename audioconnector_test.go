package opentok

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fullWebSocketOptions() *WebSocketOptions {
	return &WebSocketOptions{
		Streams:       []string{"STREAM1", "STREAM2"},
		Headers:       map[string]string{"Authorization": "Bearer ws-secret", "X-Call-Id": "42"},
		AudioRate:     24000,
		Bidirectional: true,
		AudioTransport: &AudioTransport{
			Transport:         AudioTransportJSON,
			Encoding:          "base64",
			AudioField:        "payload",
			ReceiveAudioField: "reply",
			StaticFields:      map[string]string{"event": "media", "callId": "42"},
		},
	}
}

func TestAudioConnectorRequests(t *testing.T) {
	answer := fixture(t, "responses/websocket_connect_response.json")
	runOpCases(t, credKinds(), []opCase{
		{
			name: "ConnectWebSocket full",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.ConnectWebSocket(ctx, testSessionID, testClientToken, "wss://example.com/ws-endpoint?room=1", fullWebSocketOptions())
				return err
			},
			method: http.MethodPost, path: "/connect", golden: "websocket_full", answer: answer,
		},
		{
			name: "ConnectWebSocket minimal",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.ConnectWebSocket(ctx, testSessionID, testClientToken, "ws://localhost:8080/audio", nil)
				return err
			},
			method: http.MethodPost, path: "/connect", golden: "websocket_minimal", answer: answer,
		},
		{
			name: "ConnectWebSocket zero options",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.ConnectWebSocket(ctx, testSessionID, testClientToken, "ws://localhost:8080/audio", &WebSocketOptions{})
				return err
			},
			method: http.MethodPost, path: "/connect", golden: "websocket_minimal", answer: answer,
		},
		{
			name: "ConnectWebSocket binary transport",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.ConnectWebSocket(ctx, testSessionID, testClientToken, "ws://localhost:8080/audio",
					&WebSocketOptions{AudioRate: 8000, AudioTransport: &AudioTransport{Transport: AudioTransportBinary}})
				return err
			},
			method: http.MethodPost, path: "/connect", golden: "websocket_binary", answer: answer,
		},
	})
}

func TestConnectWebSocketDecodesFixture(t *testing.T) {
	for _, kind := range credKinds() {
		t.Run(kind.name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				serveJSON(w, 200, fixture(t, "responses/websocket_connect_response.json"))
			})
			ot := kind.client(t, ts.baseURL())
			opts := fullWebSocketOptions()
			c, err := ot.ConnectWebSocket(context.Background(), testSessionID, testClientToken, "wss://example.com/ws", opts)
			require.NoError(t, err)
			assert.Equal(t, &WebSocketConnection{ID: "CONFERENCEID", ConnectionID: "CONNECTIONID"}, c)
			assert.Equal(t, fullWebSocketOptions(), opts, "options not modified")
		})
	}
	// The OpenAPI document's answer (id and a mislabelled captionsId) has no
	// connectionId: the ID still comes through; no id at all is unusable.
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		serveJSON(w, 200, `{"id":"b0a5a8c7-dc38-459f-a48d-a7f2008da853","captionsId":"7c0680fc-6274-4de5-a66f-d0648e8d3ac2"}`)
	})
	ot := credKinds()[1].client(t, ts.baseURL())
	c, err := ot.ConnectWebSocket(context.Background(), testSessionID, testClientToken, "wss://example.com/ws", nil)
	require.NoError(t, err)
	assert.Equal(t, "b0a5a8c7-dc38-459f-a48d-a7f2008da853", c.ID)
	ts = newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, 200, `{}`) })
	ot = credKinds()[1].client(t, ts.baseURL())
	_, err = ot.ConnectWebSocket(context.Background(), testSessionID, testClientToken, "wss://example.com/ws", nil)
	assert.ErrorIs(t, err, ErrBadResponse)
}

func TestAudioConnectorHeaderLimit(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		serveJSON(w, 200, `{"id":"i","connectionId":"c"}`)
	})
	ot := credKinds()[0].client(t, ts.baseURL())
	// 2 + 510 = 512 bytes: at the limit.
	h := map[string]string{"k1": strings.Repeat("v", 510)}
	_, err := ot.ConnectWebSocket(context.Background(), testSessionID, testClientToken, "wss://example.com/ws", &WebSocketOptions{Headers: h})
	require.NoError(t, err)
	assert.Len(t, ts.requests(), 1)
}

func TestAudioConnectorValidation(t *testing.T) {
	connect := func(uri string, opts *WebSocketOptions) func(ctx context.Context, ot *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ConnectWebSocket(ctx, testSessionID, testClientToken, uri, opts)
			return err
		}
	}
	const uri = "wss://example.com/ws"
	runBadCases(t, credKinds(), []badCase{
		{"empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ConnectWebSocket(ctx, "", testClientToken, uri, nil)
			return err
		}},
		{"empty token", "token", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ConnectWebSocket(ctx, testSessionID, "", uri, nil)
			return err
		}},
		{"empty uri", "websocket.uri", connect("", nil)},
		{"https uri", "websocket.uri", connect("https://example.com/ws", nil)},
		{"no host", "websocket.uri", connect("wss:///ws", nil)},
		{"relative uri", "websocket.uri", connect("example.com/ws", nil)},
		{"uri with space", "websocket.uri", connect("wss://example.com/a b", nil)},
		{"empty stream ID", "websocket.streams[0]", connect(uri, &WebSocketOptions{Streams: []string{""}})},
		{"headers over 512 bytes", "websocket.headers", connect(uri, &WebSocketOptions{Headers: map[string]string{"k1": strings.Repeat("v", 511)}})},
		{"headers over 512 bytes in total", "websocket.headers", connect(uri, &WebSocketOptions{Headers: map[string]string{
			"a": strings.Repeat("v", 300), "b": strings.Repeat("v", 300)}})},
		{"empty header name", "websocket.headers", connect(uri, &WebSocketOptions{Headers: map[string]string{"": "v"}})},
		{"header name with colon", "websocket.headers", connect(uri, &WebSocketOptions{Headers: map[string]string{"a:b": "v"}})},
		{"header value with LF", "websocket.headers", connect(uri, &WebSocketOptions{Headers: map[string]string{"a": "v\nX: y"}})},
		{"audio rate 44100", "websocket.audioRate", connect(uri, &WebSocketOptions{AudioRate: 44100})},
		{"audio rate negative", "websocket.audioRate", connect(uri, &WebSocketOptions{AudioRate: -8000})},
		{"unknown transport", "websocket.audioTransport.transport", connect(uri, &WebSocketOptions{AudioTransport: &AudioTransport{Transport: "xml"}})},
		{"unknown encoding", "websocket.audioTransport.encoding", connect(uri, &WebSocketOptions{AudioTransport: &AudioTransport{Encoding: "hex"}})},
		{"json without encoding", "websocket.audioTransport.encoding", connect(uri, &WebSocketOptions{AudioTransport: &AudioTransport{Transport: AudioTransportJSON}})},
	})
}
