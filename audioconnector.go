package opentok

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"unicode"
)

// MaxWebSocketHeaders is the largest total size, in bytes, of the names and
// values of [WebSocketOptions].Headers.
const MaxWebSocketHeaders = 512

// WebSocketOptions are the options of [OpenTok.ConnectWebSocket]. The zero
// value streams the mixed audio of every stream, one way, at the platform's
// default rate, as binary PCM.
type WebSocketOptions struct {
	// Streams lists the stream IDs whose audio is sent; empty means all
	// streams, mixed. Each ID must be non-empty.
	Streams []string
	// Headers are sent to the WebSocket server on the upgrade request (and
	// with its messages). The names and values together may take at most
	// 512 bytes; names must be header tokens, values must not contain CR,
	// LF or NUL.
	Headers map[string]string
	// AudioRate is the sampling rate in Hz: 8000, 16000 or 24000; 0 leaves
	// it to the platform (16 kHz, 16-bit PCM as the guides describe it).
	AudioRate int
	// Bidirectional lets the WebSocket server send audio back, published to
	// the session as a stream.
	Bidirectional bool
	// AudioTransport says how audio is framed on the socket; nil means raw
	// binary PCM frames.
	AudioTransport *AudioTransport
}

// The audio transports of [AudioTransport].
const (
	// AudioTransportBinary sends raw 16-bit PCM frames (the default).
	AudioTransportBinary = "binary"
	// AudioTransportJSON sends JSON messages with base64 audio; it requires
	// Encoding "base64".
	AudioTransportJSON = "json"
)

// AudioTransport configures how audio is serialised on the WebSocket. Its
// wire keys are snake_case (audio_field, receive_audio_field,
// static_fields), unlike the rest of the API.
type AudioTransport struct {
	// Transport is AudioTransportBinary or AudioTransportJSON; empty lets
	// the platform choose (binary).
	Transport string
	// Encoding is "base64"; required with AudioTransportJSON.
	Encoding string
	// AudioField is the JSON key of outbound audio (platform default
	// "audio"); used with AudioTransportJSON.
	AudioField string
	// ReceiveAudioField is the JSON key of inbound audio when Bidirectional
	// is set (platform default: AudioField).
	ReceiveAudioField string
	// StaticFields are extra key-value pairs added to every outbound JSON
	// audio message.
	StaticFields map[string]string
}

// WebSocketConnection is a started Audio Connector connection.
type WebSocketConnection struct {
	// ID is the Audio Connector connection ID.
	ID string
	// ConnectionID is its connection in the session: pass it to
	// ForceDisconnect to stop sending audio.
	ConnectionID string
}

type audioTransportWire struct {
	Transport         string            `json:"transport,omitempty"`
	Encoding          string            `json:"encoding,omitempty"`
	AudioField        string            `json:"audio_field,omitempty"`
	ReceiveAudioField string            `json:"receive_audio_field,omitempty"`
	StaticFields      map[string]string `json:"static_fields,omitempty"`
}

type websocketWire struct {
	URI            string              `json:"uri"`
	Streams        []string            `json:"streams,omitempty"`
	Headers        map[string]string   `json:"headers,omitempty"`
	AudioRate      int                 `json:"audioRate,omitempty"`
	Bidirectional  bool                `json:"bidirectional,omitempty"`
	AudioTransport *audioTransportWire `json:"audioTransport,omitempty"`
}

type connectBody struct {
	SessionID string        `json:"sessionId"`
	Token     string        `json:"token"`
	WebSocket websocketWire `json:"websocket"`
}

type websocketAnswer struct {
	ID           string `json:"id"`
	ConnectionID string `json:"connectionId"`
}

func (w *websocketAnswer) resourceID() string { return w.ID }

// ConnectWebSocket starts an Audio Connector connection: the platform opens
// a WebSocket to uri and streams the audio of a routed session to it. token
// is a client token for the connection it adds to the session. Stop it with
// [OpenTok.ForceDisconnect] on the returned ConnectionID. The platform gives
// up when the server does not answer within 6 s. opts may be nil and is not
// modified.
//
// REST: POST /v2/project/{id}/connect with {"sessionId","token","websocket":
// {"uri","streams","headers","audioRate","bidirectional","audioTransport":
// {"transport","encoding","audio_field","receive_audio_field",
// "static_fields"}}}; unset options are left out. 200 {"id","connectionId"}.
//
// Errors: [*ValidationError] (nothing is sent) for an empty session ID or
// token, a uri that is not ws:// or wss://, an empty stream ID, headers over
// 512 bytes or with a bad name or value, an AudioRate other than 8000, 16000
// or 24000, or an unknown transport or encoding (json needs base64).
// [*APIError] otherwise (404 for an unknown session, 409 for a relayed one);
// [*TransportError] when no answer came. The token never appears in an
// error.
func (ot *OpenTok) ConnectWebSocket(ctx context.Context, sessionID, token, uri string, opts *WebSocketOptions) (*WebSocketConnection, error) {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return nil, err
	}
	if err := checkClientToken(token); err != nil {
		return nil, err
	}
	if err := checkWebSocketURI(uri); err != nil {
		return nil, err
	}
	body := connectBody{SessionID: sessionID, Token: token, WebSocket: websocketWire{URI: uri}}
	if opts != nil {
		if err := checkIDList("websocket.streams", opts.Streams); err != nil {
			return nil, err
		}
		if len(opts.Streams) > 0 {
			body.WebSocket.Streams = opts.Streams
		}
		if len(opts.Headers) > 0 {
			size := 0
			for name, value := range opts.Headers {
				if err := checkHeaderField("websocket.headers", name, value); err != nil {
					return nil, err
				}
				size += len(name) + len(value)
			}
			if size > MaxWebSocketHeaders {
				return nil, invalid("websocket.headers", "names and values must take at most %d bytes together, not %d", MaxWebSocketHeaders, size)
			}
			body.WebSocket.Headers = opts.Headers
		}
		switch opts.AudioRate {
		case 0, 8000, 16000, 24000:
			body.WebSocket.AudioRate = opts.AudioRate
		default:
			return nil, invalid("websocket.audioRate", "must be 8000, 16000 or 24000 (or 0 for the platform default), not %d", opts.AudioRate)
		}
		body.WebSocket.Bidirectional = opts.Bidirectional
		if t := opts.AudioTransport; t != nil {
			w, err := t.wire()
			if err != nil {
				return nil, err
			}
			body.WebSocket.AudioTransport = w
		}
	}
	var w websocketAnswer
	if err := ot.do(ctx, &request{method: http.MethodPost, path: ot.projectPath("connect"), body: body, out: &w, idField: "id"}); err != nil {
		return nil, err
	}
	return &WebSocketConnection{ID: w.ID, ConnectionID: w.ConnectionID}, nil
}

func (t *AudioTransport) wire() (*audioTransportWire, error) {
	switch t.Transport {
	case "", AudioTransportBinary, AudioTransportJSON:
	default:
		return nil, invalid("websocket.audioTransport.transport", "must be binary or json, not %q", t.Transport)
	}
	switch t.Encoding {
	case "", "base64":
	default:
		return nil, invalid("websocket.audioTransport.encoding", "must be base64, not %q", t.Encoding)
	}
	if t.Transport == AudioTransportJSON && t.Encoding == "" {
		return nil, invalid("websocket.audioTransport.encoding", "is required (base64) with the json transport")
	}
	for field, v := range map[string]string{"audio_field": t.AudioField, "receive_audio_field": t.ReceiveAudioField} {
		if err := checkText("websocket.audioTransport."+field, v, true); err != nil {
			return nil, err
		}
	}
	for k, v := range t.StaticFields {
		if err := checkText("websocket.audioTransport.static_fields", k, true); err != nil {
			return nil, err
		}
		if err := checkText("websocket.audioTransport.static_fields", v, false); err != nil {
			return nil, err
		}
	}
	w := &audioTransportWire{
		Transport:         t.Transport,
		Encoding:          t.Encoding,
		AudioField:        t.AudioField,
		ReceiveAudioField: t.ReceiveAudioField,
	}
	if len(t.StaticFields) > 0 {
		w.StaticFields = t.StaticFields
	}
	return w, nil
}

// checkWebSocketURI checks that uri is an absolute ws:// or wss:// URL; the
// reason never quotes it (it may carry credentials in its query).
func checkWebSocketURI(uri string) error {
	if uri == "" {
		return invalid("websocket.uri", "must not be empty")
	}
	if err := checkText("websocket.uri", uri, true); err != nil {
		return err
	}
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" || (!strings.EqualFold(u.Scheme, "ws") && !strings.EqualFold(u.Scheme, "wss")) {
		return invalid("websocket.uri", "must be an absolute ws:// or wss:// URL, such as wss://example.com/ws-endpoint")
	}
	if strings.ContainsFunc(uri, unicode.IsSpace) {
		return invalid("websocket.uri", "must not contain white space")
	}
	return nil
}
