package opentok

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// badInput is one row of the cross-operation table of invalid inputs.
type badInput struct {
	name string
	// field is the ValidationError.Field the call must name.
	field string
	// call makes the call against a client of the test server (base is
	// the server's URL, for the constructor rows).
	call func(ctx context.Context, ot *OpenTok, base string) error
	// only restricts the row to one credential kind ("opentok" or
	// "vonage"); empty runs it for both.
	only string
}

// badInputs is the table RELIABILITY.md points at: invalid inputs across
// every operation and the constructors. Each must give a ValidationError
// naming the field, and the server must receive nothing. The per-file
// validation tests go deeper into each operation's rules; this table shows
// that the guarantee holds everywhere.
func badInputs(t *testing.T) []badInput {
	_, goodPEM := testRSAKey(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	require.NoError(t, err)
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})
	truncatedPEM := goodPEM[:len(goodPEM)/2]

	const (
		sid = testSessionID
		aid = "e85741ce-d280-4efa-a3ba-93379a68be06"
		tok = "T1==dGVzdA==" // the form of a client token; never verified locally
	)
	long := strings.Repeat("x", 300) // over the 255-byte ID limit
	badUTF8 := "\xff\xfe"
	hls := BroadcastOutputs{HLS: &HLSOutput{}}
	rtmp := func(n int) []RTMPOutput {
		out := make([]RTMPOutput, n)
		for i := range out {
			out[i] = RTMPOutput{ServerURL: "rtmps://live.example.com/app", StreamName: "key"}
		}
		return out
	}
	newWith := func(opts ...Option) func(context.Context, *OpenTok, string) error {
		return func(context.Context, *OpenTok, string) error {
			_, err := New(testAPIKey, testAPISecret, opts...)
			return err
		}
	}
	vonageKey := func(key []byte) func(context.Context, *OpenTok, string) error {
		return func(context.Context, *OpenTok, string) error {
			_, err := NewVonage(testAppID, key)
			return err
		}
	}
	tokenOpts := func(o *TokenOptions) func(context.Context, *OpenTok, string) error {
		return func(_ context.Context, ot *OpenTok, _ string) error {
			_, err := ot.GenerateToken(sid, o)
			return err
		}
	}
	session := func(o *SessionOptions) func(context.Context, *OpenTok, string) error {
		return func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.CreateSession(ctx, o)
			return err
		}
	}
	archive := func(o *ArchiveOptions) func(context.Context, *OpenTok, string) error {
		return func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.StartArchive(ctx, sid, o)
			return err
		}
	}
	broadcast := func(o *BroadcastOptions) func(context.Context, *OpenTok, string) error {
		return func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.StartBroadcast(ctx, sid, o)
			return err
		}
	}
	dial := func(uri string, o *DialOptions) func(context.Context, *OpenTok, string) error {
		return func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.Dial(ctx, sid, tok, uri, o)
			return err
		}
	}
	websocket := func(uri string, o *WebSocketOptions) func(context.Context, *OpenTok, string) error {
		return func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.ConnectWebSocket(ctx, sid, tok, uri, o)
			return err
		}
	}
	render := func(url string, o *RenderOptions) func(context.Context, *OpenTok, string) error {
		return func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.StartRender(ctx, sid, tok, url, o)
			return err
		}
	}
	captions := func(token string, o *CaptionsOptions) func(context.Context, *OpenTok, string) error {
		return func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.StartCaptions(ctx, sid, token, o)
			return err
		}
	}
	page := "https://example.com/composer"

	return []badInput{
		// ---- constructors: credentials, private keys, base URLs, options
		{name: "New: empty API key", field: "apiKey", call: func(context.Context, *OpenTok, string) error {
			_, err := New("", testAPISecret)
			return err
		}},
		{name: "New: API key with a slash", field: "apiKey", call: func(context.Context, *OpenTok, string) error {
			_, err := New("12/34", testAPISecret)
			return err
		}},
		{name: "New: empty secret", field: "apiSecret", call: func(context.Context, *OpenTok, string) error {
			_, err := New(testAPIKey, "")
			return err
		}},
		{name: "NewVonage: application ID not a UUID", field: "applicationId", call: func(context.Context, *OpenTok, string) error {
			_, err := NewVonage("123456", goodPEM)
			return err
		}},
		{name: "NewVonage: empty private key", field: "privateKey", call: vonageKey(nil)},
		{name: "NewVonage: private key not PEM", field: "privateKey", call: vonageKey([]byte("-----BEGIN nothing"))},
		{name: "NewVonage: truncated PEM", field: "privateKey", call: vonageKey(truncatedPEM)},
		{name: "NewVonage: EC private key", field: "privateKey", call: vonageKey(ecPEM)},
		{name: "NewVonage: the API secret as the key", field: "privateKey", call: vonageKey([]byte(testAPISecret))},
		{name: "base URL: plain http to a remote host", field: "baseURL", call: newWith(WithBaseURL("http://api.example.com"))},
		{name: "base URL: user info", field: "baseURL", call: func(_ context.Context, _ *OpenTok, base string) error {
			_, err := New(testAPIKey, testAPISecret, WithBaseURL(strings.Replace(base, "http://", "http://user:pass@", 1)))
			return err
		}},
		{name: "base URL: query", field: "baseURL", call: func(_ context.Context, _ *OpenTok, base string) error {
			_, err := New(testAPIKey, testAPISecret, WithBaseURL(base+"?debug=1"))
			return err
		}},
		{name: "base URL: relative", field: "baseURL", call: newWith(WithBaseURL("api.opentok.com/v2"))},
		{name: "base URL: ws scheme", field: "baseURL", call: newWith(WithBaseURL("wss://api.opentok.com"))},
		{name: "timeout: negative", field: "timeout", call: newWith(WithTimeout(-time.Second))},
		{name: "retry: 11 retries", field: "retry.MaxRetries", call: newWith(WithRetry(RetryPolicy{MaxRetries: 11}))},
		{name: "user agent: header injection", field: "userAgent", call: newWith(WithUserAgent("app\r\nX-Evil: 1"))},

		// ---- tokens
		{name: "GenerateToken: empty session ID", field: "sessionId", call: func(_ context.Context, ot *OpenTok, _ string) error {
			_, err := ot.GenerateToken("", nil)
			return err
		}},
		{name: "GenerateToken: session ID that does not decode", field: "sessionId", only: "opentok", call: func(_ context.Context, ot *OpenTok, _ string) error {
			_, err := ot.GenerateToken("not-a-session", nil)
			return err
		}},
		{name: "GenerateToken: unknown role", field: "role", call: tokenOpts(&TokenOptions{Role: "admin"})},
		{name: "GenerateToken: expiry in the past", field: "expireTime", call: tokenOpts(&TokenOptions{ExpireTime: time.Now().Add(-time.Minute)})},
		{name: "GenerateToken: expiry over 30 days", field: "expireTime", call: tokenOpts(&TokenOptions{ExpireTime: time.Now().Add(31 * 24 * time.Hour)})},
		{name: "GenerateToken: TTL over 30 days", field: "ttl", call: tokenOpts(&TokenOptions{TTL: 30*24*time.Hour + time.Second})},
		{name: "GenerateToken: data over 1000 characters", field: "data", call: tokenOpts(&TokenOptions{Data: strings.Repeat("d", 1001)})},
		{name: "GenerateToken: layout class with a space", field: "initialLayoutClassList", call: tokenOpts(&TokenOptions{InitialLayoutClassList: []string{"a b"}})},
		{name: "GenerateToken: T1 with Vonage credentials", field: "format", only: "vonage", call: tokenOpts(&TokenOptions{Format: TokenT1})},

		// ---- sessions
		{name: "CreateSession: unknown media mode", field: "mediaMode", call: session(&SessionOptions{MediaMode: "p2p"})},
		{name: "CreateSession: always archived but relayed", field: "archiveMode", call: session(&SessionOptions{ArchiveMode: ArchiveAlways})},
		{name: "CreateSession: IPv6 location", field: "location", call: session(&SessionOptions{Location: "::1"})},
		{name: "CreateSession: archive name over 80 characters", field: "archiveName", call: session(&SessionOptions{MediaMode: MediaRouted, ArchiveName: strings.Repeat("n", 81)})},
		{name: "CreateSession: unknown archive resolution", field: "archiveResolution", call: session(&SessionOptions{ArchiveResolution: "4k"})},
		{name: "MigrateSession: session ID over 1024 bytes", field: "sessionId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.MigrateSession(ctx, strings.Repeat("s", 1025))
		}},

		// ---- archives
		{name: "StartArchive: empty session ID", field: "sessionId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.StartArchive(ctx, "", nil)
			return err
		}},
		{name: "StartArchive: session ID not UTF-8", field: "sessionId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.StartArchive(ctx, badUTF8, nil)
			return err
		}},
		{name: "StartArchive: neither audio nor video", field: "hasAudio", call: archive(&ArchiveOptions{HasAudio: Ptr(false), HasVideo: Ptr(false)})},
		{name: "StartArchive: unknown output mode", field: "outputMode", call: archive(&ArchiveOptions{OutputMode: "mixed"})},
		{name: "StartArchive: maxBitrate too low", field: "maxBitrate", call: archive(&ArchiveOptions{MaxBitrate: 99_999})},
		{name: "StartArchive: quantization 41", field: "quantizationParameter", call: archive(&ArchiveOptions{QuantizationParameter: 41})},
		{name: "StartArchive: custom layout without stylesheet", field: "layout.stylesheet", call: archive(&ArchiveOptions{Layout: &Layout{Type: LayoutCustom}})},
		{name: "StartArchive: unknown layout type", field: "layout.type", call: archive(&ArchiveOptions{Layout: &Layout{Type: "grid"}})},
		{name: "GetArchive: empty ID", field: "archiveId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.GetArchive(ctx, "")
			return err
		}},
		{name: "GetArchive: ID not UTF-8", field: "archiveId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.GetArchive(ctx, badUTF8)
			return err
		}},
		{name: "StopArchive: ID over 255 bytes", field: "archiveId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.StopArchive(ctx, long)
			return err
		}},
		{name: "DeleteArchive: empty ID", field: "archiveId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.DeleteArchive(ctx, "")
		}},
		{name: "ListArchives: count 1001", field: "count", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.ListArchives(ctx, &ListArchivesOptions{Count: 1001})
			return err
		}},
		{name: "AllArchives: negative offset", field: "offset", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return firstErr(ot.AllArchives(ctx, &ListArchivesOptions{Offset: -1}))
		}},
		{name: "SetArchiveLayout: stylesheet with bestFit", field: "layout.stylesheet", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.SetArchiveLayout(ctx, aid, Layout{Type: LayoutBestFit, Stylesheet: "stream {}"})
		}},
		{name: "AddArchiveStream: empty stream ID", field: "streamId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.AddArchiveStream(ctx, aid, "", nil)
		}},
		{name: "RemoveArchiveStream: empty archive ID", field: "archiveId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.RemoveArchiveStream(ctx, "", "s")
		}},

		// ---- broadcasts
		{name: "StartBroadcast: no outputs", field: "outputs", call: broadcast(&BroadcastOptions{})},
		{name: "StartBroadcast: 6 RTMP targets", field: "outputs.rtmp", call: broadcast(&BroadcastOptions{Outputs: BroadcastOutputs{RTMP: rtmp(6)}})},
		{name: "StartBroadcast: RTMP target over http", field: "outputs.rtmp[0].serverUrl", call: broadcast(&BroadcastOptions{Outputs: BroadcastOutputs{RTMP: []RTMPOutput{{ServerURL: "http://live.example.com", StreamName: "k"}}}})},
		{name: "StartBroadcast: RTMP target without stream name", field: "outputs.rtmp[0].streamName", call: broadcast(&BroadcastOptions{Outputs: BroadcastOutputs{RTMP: []RTMPOutput{{ServerURL: "rtmp://live.example.com/app"}}}})},
		{name: "StartBroadcast: DVR with low latency", field: "outputs.hls", call: broadcast(&BroadcastOptions{Outputs: BroadcastOutputs{HLS: &HLSOutput{DVR: true, LowLatency: true}}})},
		{name: "StartBroadcast: maxDuration 59 s", field: "maxDuration", call: broadcast(&BroadcastOptions{Outputs: hls, MaxDuration: 59 * time.Second})},
		{name: "StartBroadcast: maxDuration over 10 h", field: "maxDuration", call: broadcast(&BroadcastOptions{Outputs: hls, MaxDuration: 36001 * time.Second})},
		{name: "StartBroadcast: unknown stream mode", field: "streamMode", call: broadcast(&BroadcastOptions{Outputs: hls, StreamMode: "some"})},
		{name: "StartBroadcast: unknown resolution", field: "resolution", call: broadcast(&BroadcastOptions{Outputs: hls, Resolution: "800x600"})},
		{name: "GetBroadcast: ID over 255 bytes", field: "broadcastId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.GetBroadcast(ctx, long)
			return err
		}},
		{name: "StopBroadcast: empty ID", field: "broadcastId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.StopBroadcast(ctx, "")
			return err
		}},
		{name: "SetBroadcastLayout: screenshare type with pip", field: "layout.screenshareType", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.SetBroadcastLayout(ctx, aid, Layout{Type: LayoutPIP, ScreenshareType: LayoutBestFit})
		}},
		{name: "AllBroadcasts: count -1", field: "count", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return firstErr(ot.AllBroadcasts(ctx, &ListBroadcastsOptions{Count: -1}))
		}},
		{name: "AddBroadcastStream: stream ID not UTF-8", field: "streamId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.AddBroadcastStream(ctx, aid, badUTF8, nil)
		}},

		// ---- streams, connections, moderation, signals
		{name: "GetStream: empty stream ID", field: "streamId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.GetStream(ctx, sid, "")
			return err
		}},
		{name: "ListStreams: empty session ID", field: "sessionId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.ListStreams(ctx, "")
			return err
		}},
		{name: "SetStreamClassLists: no items", field: "items", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.SetStreamClassLists(ctx, sid, nil)
		}},
		{name: "ForceMuteStream: stream ID over 255 bytes", field: "streamId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.ForceMuteStream(ctx, sid, long)
		}},
		{name: "ForceMuteAll: empty excluded stream ID", field: "excludedStreamIds[1]", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.ForceMuteAll(ctx, sid, &ForceMuteAllOptions{ExcludedStreamIDs: []string{"s1", ""}})
		}},
		{name: "DisableForceMute: empty session ID", field: "sessionId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.DisableForceMute(ctx, "")
		}},
		{name: "ListConnections: count 5000", field: "count", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.ListConnections(ctx, sid, &ListConnectionsOptions{Count: 5000})
			return err
		}},
		{name: "ForceDisconnect: empty connection ID", field: "connectionId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.ForceDisconnect(ctx, sid, "")
		}},
		{name: "Signal: type over 128 bytes", field: "type", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.Signal(ctx, sid, SignalPayload{Type: strings.Repeat("t", 129), Data: "d"})
		}},
		{name: "SignalConnection: data over 8 kB", field: "data", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.SignalConnection(ctx, sid, "c", SignalPayload{Type: "t", Data: strings.Repeat("d", 8193)})
		}},

		// ---- SIP and DTMF
		{name: "Dial: empty token", field: "token", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.Dial(ctx, sid, "", "sip:a@example.com", nil)
			return err
		}},
		{name: "Dial: URI without sip:", field: "sip.uri", call: dial("tel:+14155550101", nil)},
		{name: "Dial: header without X-", field: "sip.headers", call: dial("sip:a@example.com", &DialOptions{Headers: map[string]string{"Authorization": "x"}})},
		{name: "Dial: header value with CRLF", field: "sip.headers", call: dial("sip:a@example.com", &DialOptions{Headers: map[string]string{"X-Id": "1\r\nVia: evil"}})},
		{name: "Dial: from without domain", field: "sip.from", call: dial("sip:a@example.com", &DialOptions{From: "14155550101"})},
		{name: "Dial: auth without username", field: "sip.auth.username", call: dial("sip:a@example.com", &DialOptions{Auth: &SIPAuth{Password: "pw"}})},
		{name: "PlayDTMF: letters", field: "digits", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.PlayDTMF(ctx, sid, "12a")
		}},
		{name: "PlayDTMFToConnection: empty connection ID", field: "connectionId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.PlayDTMFToConnection(ctx, sid, "", "1")
		}},

		// ---- Audio Connector, Experience Composer, captions
		{name: "ConnectWebSocket: http URI", field: "websocket.uri", call: websocket("https://example.com/ws", nil)},
		{name: "ConnectWebSocket: audio rate 44100", field: "websocket.audioRate", call: websocket("wss://example.com/ws", &WebSocketOptions{AudioRate: 44100})},
		{name: "ConnectWebSocket: headers over 512 bytes", field: "websocket.headers", call: websocket("wss://example.com/ws", &WebSocketOptions{Headers: map[string]string{"X-Big": strings.Repeat("v", 600)}})},
		{name: "ConnectWebSocket: json transport without encoding", field: "websocket.audioTransport.encoding", call: websocket("wss://example.com/ws", &WebSocketOptions{AudioTransport: &AudioTransport{Transport: AudioTransportJSON}})},
		{name: "StartRender: page URL not http", field: "url", call: render("ftp://example.com/composer/page", nil)},
		{name: "StartRender: maxDuration 10 s", field: "maxDuration", call: render(page, &RenderOptions{MaxDuration: 10 * time.Second})},
		{name: "StartRender: stream name over 200 characters", field: "properties.name", call: render(page, &RenderOptions{Properties: &RenderProperties{Name: strings.Repeat("n", 201)}})},
		{name: "GetRender: empty ID", field: "renderId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.GetRender(ctx, "")
			return err
		}},
		{name: "ListRenders: negative offset", field: "offset", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.ListRenders(ctx, &ListRendersOptions{Offset: -5})
			return err
		}},
		{name: "StopRender: ID not UTF-8", field: "renderId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.StopRender(ctx, badUTF8)
		}},
		{name: "StartCaptions: token with surrounding space", field: "token", call: captions(" "+tok, nil)},
		{name: "StartCaptions: bad language code", field: "languageCode", call: captions(tok, &CaptionsOptions{LanguageCode: "english"})},
		{name: "StartCaptions: maxDuration over 4 h", field: "maxDuration", call: captions(tok, &CaptionsOptions{MaxDuration: 14401 * time.Second})},
		{name: "StopCaptions: empty ID", field: "captionsId", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.StopCaptions(ctx, "")
		}},

		// ---- legacy callbacks and signed callbacks
		{name: "RegisterCallback: empty group", field: "group", only: "opentok", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.RegisterCallback(ctx, CallbackRegistration{Event: "status", URL: "https://example.com/cb"})
			return err
		}},
		{name: "RegisterCallback: Vonage credentials", field: "credentials", only: "vonage", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			_, err := ot.RegisterCallback(ctx, CallbackRegistration{Group: "archive", Event: "status", URL: "https://example.com/cb"})
			return err
		}},
		{name: "UnregisterCallback: empty ID", field: "callbackId", only: "opentok", call: func(ctx context.Context, ot *OpenTok, _ string) error {
			return ot.UnregisterCallback(ctx, "")
		}},
		{name: "VerifyCallbackSignature: empty secret", field: "secret", call: func(context.Context, *OpenTok, string) error {
			_, err := VerifyCallbackSignature("Bearer x", []byte("{}"), "", nil)
			return err
		}},
		{name: "SignCallback: empty secret", field: "secret", call: func(context.Context, *OpenTok, string) error {
			_, err := SignCallback([]byte("{}"), "", nil)
			return err
		}},
	}
}

// TestBadInputTable runs the cross-operation table of invalid inputs for
// both credential kinds: each gives a *ValidationError naming the field,
// matching ErrInvalidArgument, quoting no secret, and the server receives
// nothing.
func TestBadInputTable(t *testing.T) {
	rows := badInputs(t)
	require.GreaterOrEqual(t, len(rows), 60, "rows in the table")
	names := map[string]bool{}
	for _, row := range rows {
		require.False(t, names[row.name], "duplicate row %q", row.name)
		names[row.name] = true
	}
	for _, kind := range credKinds() {
		t.Run(kind.name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				t.Errorf("the server received %s %s", r.Method, r.URL.Path)
				serveJSON(w, 200, `{}`)
			})
			ot := kind.client(t, ts.baseURL())
			for _, row := range rows {
				if row.only != "" && row.only != kind.name {
					continue
				}
				t.Run(row.name, func(t *testing.T) {
					err := row.call(context.Background(), ot, ts.baseURL())
					var ve *ValidationError
					require.True(t, errors.As(err, &ve), "want a *ValidationError, got %T %v", err, err)
					assert.Equal(t, row.field, ve.Field, "field named: %v", err)
					assert.ErrorIs(t, err, ErrInvalidArgument)
					assert.NotEmpty(t, ve.Reason)
					assert.NotContains(t, err.Error(), testAPISecret)
					assert.NotContains(t, err.Error(), "-----BEGIN")
					assert.NotContains(t, err.Error(), "T1==", "the token is never quoted")
				})
			}
			assert.Empty(t, ts.requests(), "the server received nothing")
		})
	}
}
