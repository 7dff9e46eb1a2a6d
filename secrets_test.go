package opentok_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
)

// Secrets planted in the options of the scenario, besides the credentials,
// auth JWTs and client tokens.
const (
	plantedSIPPassword = "sip-pa55word-Zq8Xv"
	plantedStreamKey   = "rtmp-stream-key-Ty7Wk2"
)

// opResult is one operation of the scenario: its result value (nil when it
// has none) and its error.
type opResult struct {
	name  string
	value any
	err   error
	// local operations do no I/O, so they succeed in the failure passes.
	local bool
}

// scenario runs every REST operation of the SDK against a fake, in an
// order the fake's rules allow. The first run (with a working client)
// records the IDs the later failing runs reuse.
type scenario struct {
	srv  *opentoktest.Server
	fast opentok.RetryPolicy

	sessionID, streamID, connID       string
	archiveID, broadcastID, captionID string
	renderID, callbackID, sipConnID   string
	pubToken, modToken                string
	tokens                            []string
	// options are the option values passed to the operations.
	options []any
}

func (sc *scenario) token(t *testing.T, ot *opentok.OpenTok, o *opentok.TokenOptions) string {
	t.Helper()
	tok, err := ot.GenerateToken(sc.sessionID, o)
	require.NoError(t, err)
	sc.tokens = append(sc.tokens, tok)
	return tok
}

// prepare makes the session, a connected publisher and its stream.
func (sc *scenario) prepare(t *testing.T, ot *opentok.OpenTok) {
	ctx := context.Background()
	s, err := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	require.NoError(t, err)
	sc.sessionID = s.ID
	sc.pubToken = sc.token(t, ot, &opentok.TokenOptions{Data: "name=Ann"})
	sc.modToken = sc.token(t, ot, &opentok.TokenOptions{Role: opentok.RoleModerator})
	if !ot.IsVonage() {
		sc.token(t, ot, &opentok.TokenOptions{Format: opentok.TokenT1})
	}
	conn, err := sc.srv.Connect(sc.sessionID, sc.pubToken)
	require.NoError(t, err)
	sc.connID = conn.ID()
	sc.streamID, err = conn.Publish(opentoktest.PublishOptions{Name: "cam"})
	require.NoError(t, err)
}

// run calls every operation with ot. With ok set, each must succeed and the
// IDs of what it creates are kept for the later runs.
func (sc *scenario) run(t *testing.T, ot *opentok.OpenTok, ok bool) []opResult {
	ctx := context.Background()
	var out []opResult
	add := func(name string, value any, err error) {
		if ok {
			require.NoError(t, err, name)
		}
		out = append(out, opResult{name: name, value: value, err: err})
	}
	keep := func(dst *string, id string) {
		if ok {
			*dst = id
		}
	}
	opt := func(o any) any {
		sc.options = append(sc.options, o)
		return o
	}

	tok, err := ot.GenerateToken(sc.sessionID, opt(&opentok.TokenOptions{Role: opentok.RoleSubscriber, TTL: time.Hour}).(*opentok.TokenOptions))
	sc.tokens = append(sc.tokens, tok)
	// The token is the value this call exists to return, so it is not
	// among the printed values; its error is.
	out = append(out, opResult{name: "GenerateToken", err: err, local: true})

	s, err := ot.CreateSession(ctx, opt(&opentok.SessionOptions{MediaMode: opentok.MediaRouted, ArchiveName: "n"}).(*opentok.SessionOptions))
	add("CreateSession", s, err)

	// Streams, connections, moderation, signals.
	sl, err := ot.ListStreams(ctx, sc.sessionID)
	add("ListStreams", sl, err)
	st, err := ot.GetStream(ctx, sc.sessionID, sc.streamID)
	add("GetStream", st, err)
	classes := opt([]opentok.StreamClassList{{ID: sc.streamID, LayoutClassList: []string{"focus"}}}).([]opentok.StreamClassList)
	add("SetStreamClassLists", nil, ot.SetStreamClassLists(ctx, sc.sessionID, classes))
	add("ForceMuteStream", nil, ot.ForceMuteStream(ctx, sc.sessionID, sc.streamID))
	add("ForceMuteAll", nil, ot.ForceMuteAll(ctx, sc.sessionID, opt(&opentok.ForceMuteAllOptions{}).(*opentok.ForceMuteAllOptions)))
	add("DisableForceMute", nil, ot.DisableForceMute(ctx, sc.sessionID))
	cl, err := ot.ListConnections(ctx, sc.sessionID, opt(&opentok.ListConnectionsOptions{Count: 10}).(*opentok.ListConnectionsOptions))
	add("ListConnections", cl, err)
	for c, err := range ot.AllConnections(ctx, sc.sessionID, nil) {
		add("AllConnections", c, err)
		break
	}
	payload := opt(opentok.SignalPayload{Type: "chat", Data: "hi"}).(opentok.SignalPayload)
	add("Signal", nil, ot.Signal(ctx, sc.sessionID, payload))
	add("SignalConnection", nil, ot.SignalConnection(ctx, sc.sessionID, sc.connID, payload))

	// Archives.
	ao := opt(&opentok.ArchiveOptions{Name: "rec", StreamMode: opentok.StreamModeManual, MultiArchiveTag: "t1"}).(*opentok.ArchiveOptions)
	a, err := ot.StartArchive(ctx, sc.sessionID, ao)
	add("StartArchive", a, err)
	if a != nil {
		keep(&sc.archiveID, a.ID)
	}
	media := opt(&opentok.StreamMediaOptions{HasVideo: opentok.Ptr(false)}).(*opentok.StreamMediaOptions)
	add("AddArchiveStream", nil, ot.AddArchiveStream(ctx, sc.archiveID, sc.streamID, media))
	layout := opt(opentok.Layout{Type: opentok.LayoutCustom, Stylesheet: "stream { width: 100% }"}).(opentok.Layout)
	add("SetArchiveLayout", nil, ot.SetArchiveLayout(ctx, sc.archiveID, layout))
	add("RemoveArchiveStream", nil, ot.RemoveArchiveStream(ctx, sc.archiveID, sc.streamID))
	a, err = ot.StopArchive(ctx, sc.archiveID)
	add("StopArchive", a, err)
	if ok {
		require.True(t, sc.srv.CompleteArchive(sc.archiveID))
	}
	a, err = ot.GetArchive(ctx, sc.archiveID)
	add("GetArchive", a, err)
	la := opt(&opentok.ListArchivesOptions{SessionID: sc.sessionID}).(*opentok.ListArchivesOptions)
	al, err := ot.ListArchives(ctx, la)
	add("ListArchives", al, err)
	for a, err := range ot.AllArchives(ctx, la) {
		add("AllArchives", a, err)
		break
	}
	add("DeleteArchive", nil, ot.DeleteArchive(ctx, sc.archiveID))

	// Broadcasts, with an RTMP stream key.
	bo := opt(&opentok.BroadcastOptions{
		Outputs: opentok.BroadcastOutputs{
			HLS:  &opentok.HLSOutput{DVR: true},
			RTMP: []opentok.RTMPOutput{{ID: "yt", ServerURL: "rtmps://live.example.com/app", StreamName: plantedStreamKey}},
		},
		StreamMode: opentok.StreamModeManual, MultiBroadcastTag: "b1",
	}).(*opentok.BroadcastOptions)
	opt(bo.Outputs.RTMP[0])
	b, err := ot.StartBroadcast(ctx, sc.sessionID, bo)
	add("StartBroadcast", b, err)
	if b != nil {
		keep(&sc.broadcastID, b.ID)
	}
	add("AddBroadcastStream", nil, ot.AddBroadcastStream(ctx, sc.broadcastID, sc.streamID, nil))
	add("SetBroadcastLayout", nil, ot.SetBroadcastLayout(ctx, sc.broadcastID, opentok.Layout{Type: opentok.LayoutPIP}))
	add("RemoveBroadcastStream", nil, ot.RemoveBroadcastStream(ctx, sc.broadcastID, sc.streamID))
	b, err = ot.GetBroadcast(ctx, sc.broadcastID)
	add("GetBroadcast", b, err)
	if ok {
		require.NotEmpty(t, b.RTMP)
		require.Equal(t, plantedStreamKey, b.RTMP[0].StreamName, "the platform echoes the stream key")
	}
	bl, err := ot.ListBroadcasts(ctx, opt(&opentok.ListBroadcastsOptions{SessionID: sc.sessionID}).(*opentok.ListBroadcastsOptions))
	add("ListBroadcasts", bl, err)
	for b, err := range ot.AllBroadcasts(ctx, nil) {
		add("AllBroadcasts", b, err)
		break
	}
	b, err = ot.StopBroadcast(ctx, sc.broadcastID)
	add("StopBroadcast", b, err)

	// SIP, with a digest password, and DTMF.
	do := opt(&opentok.DialOptions{From: "14155550101@example.com", Headers: map[string]string{"X-Call": "1"},
		Auth: &opentok.SIPAuth{Username: "bob", Password: plantedSIPPassword}}).(*opentok.DialOptions)
	opt(*do.Auth)
	call, err := ot.Dial(ctx, sc.sessionID, sc.pubToken, "sip:bob@sip.example.com;transport=tls", do)
	add("Dial", call, err)
	if call != nil {
		keep(&sc.sipConnID, call.ConnectionID)
	}
	add("PlayDTMF", nil, ot.PlayDTMF(ctx, sc.sessionID, "1234#"))
	add("PlayDTMFToConnection", nil, ot.PlayDTMFToConnection(ctx, sc.sessionID, sc.sipConnID, "9p9"))
	add("ForceDisconnect", nil, ot.ForceDisconnect(ctx, sc.sessionID, sc.sipConnID))

	// Audio Connector, captions, Experience Composer.
	wo := opt(&opentok.WebSocketOptions{AudioRate: 16000, Streams: []string{sc.streamID}}).(*opentok.WebSocketOptions)
	ws, err := ot.ConnectWebSocket(ctx, sc.sessionID, sc.pubToken, "wss://audio.example.com/ws", wo)
	add("ConnectWebSocket", ws, err)
	co := opt(&opentok.CaptionsOptions{LanguageCode: "en-US", PartialCaptions: opentok.Ptr(false)}).(*opentok.CaptionsOptions)
	c, err := ot.StartCaptions(ctx, sc.sessionID, sc.modToken, co)
	add("StartCaptions", c, err)
	if c != nil {
		keep(&sc.captionID, c.ID)
	}
	add("StopCaptions", nil, ot.StopCaptions(ctx, sc.captionID))
	ro := opt(&opentok.RenderOptions{MaxDuration: time.Hour, Properties: &opentok.RenderProperties{Name: "composer"}}).(*opentok.RenderOptions)
	r, err := ot.StartRender(ctx, sc.sessionID, sc.pubToken, "https://example.com/composer/page", ro)
	add("StartRender", r, err)
	if r != nil {
		keep(&sc.renderID, r.ID)
	}
	r, err = ot.GetRender(ctx, sc.renderID)
	add("GetRender", r, err)
	rl, err := ot.ListRenders(ctx, opt(&opentok.ListRendersOptions{Count: 5}).(*opentok.ListRendersOptions))
	add("ListRenders", rl, err)
	for r, err := range ot.AllRenders(ctx, nil) {
		add("AllRenders", r, err)
		break
	}
	add("StopRender", nil, ot.StopRender(ctx, sc.renderID))
	add("MigrateSession", nil, ot.MigrateSession(ctx, sc.sessionID))

	// Legacy callbacks (OpenTok credentials only).
	if !ot.IsVonage() {
		reg := opt(opentok.CallbackRegistration{Group: "archive", Event: "status", URL: "https://example.com/cb"}).(opentok.CallbackRegistration)
		rc, err := ot.RegisterCallback(ctx, reg)
		add("RegisterCallback", rc, err)
		if rc != nil {
			keep(&sc.callbackID, rc.ID)
		}
		cbs, err := ot.ListCallbacks(ctx)
		add("ListCallbacks", cbs, err)
		add("UnregisterCallback", nil, ot.UnregisterCallback(ctx, sc.callbackID))
	}
	return out
}

// secretNeedles returns what must never be printed: the credentials (the
// secret, or the PEM and each of its base64 lines), the auth JWTs the fake
// received (and their signatures), the client tokens, and the planted
// password and stream key.
func secretNeedles(srv *opentoktest.Server, otherPEM []byte, tokens []string) []string {
	needles := []string{plantedSIPPassword, plantedStreamKey}
	if srv.APISecret != "" {
		needles = append(needles, srv.APISecret, "wrong-"+srv.APISecret)
	}
	for _, p := range [][]byte{srv.PrivateKeyPEM, otherPEM} {
		if len(p) == 0 {
			continue
		}
		needles = append(needles, string(p))
		for _, line := range strings.Split(string(p), "\n") {
			if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
				needles = append(needles, line)
			}
		}
	}
	addJWT := func(tok string) {
		if tok == "" {
			return
		}
		needles = append(needles, tok)
		if i := strings.LastIndexByte(tok, '.'); i > 0 && len(tok)-i > 16 {
			needles = append(needles, tok[i+1:])
		}
	}
	for _, r := range srv.Requests() {
		addJWT(r.Header.Get("X-Opentok-Auth"))
		addJWT(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}
	for _, tok := range tokens {
		addJWT(tok)
	}
	return needles
}

// assertNoSecret fails when text contains secret, showing where without
// printing the whole text or the secret itself.
func assertNoSecret(t *testing.T, what, text, secret string) {
	t.Helper()
	i := strings.Index(text, secret)
	if i < 0 {
		return
	}
	lo, hi := max(0, i-300), min(len(text), i+len(secret)+100)
	ctx := strings.ReplaceAll(text[lo:hi], secret, "<SECRET>")
	short := secret
	if len(short) > 12 {
		short = short[:12] + "…"
	}
	t.Errorf("%s contains the secret %q:\n…%s…", what, short, ctx)
}

// lockedBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// teeHandler sends every record to several handlers (slog.NewMultiHandler
// needs Go 1.26; the module supports 1.25).
type teeHandler []slog.Handler

func (h teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, x := range h {
		if x.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (h teeHandler) Handle(ctx context.Context, r slog.Record) error {
	for _, x := range h {
		if x.Enabled(ctx, r.Level) {
			if err := x.Handle(ctx, r.Clone()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (h teeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make(teeHandler, len(h))
	for i, x := range h {
		out[i] = x.WithAttrs(attrs)
	}
	return out
}

func (h teeHandler) WithGroup(name string) slog.Handler {
	out := make(teeHandler, len(h))
	for i, x := range h {
		out[i] = x.WithGroup(name)
	}
	return out
}

// TestSecretsNeverLeak runs every operation against the fake with a debug
// logger (JSON and text handlers) attached: once succeeding, then failing
// with rejected credentials (403/401), with 500s, with dropped connections
// and with unusable bodies. Neither the log, nor any error string, nor any
// fmt verb or slog record of the client, the options, the results and the
// errors may contain a secret, the private key, an auth JWT, a client token,
// the SIP password or the RTMP stream key.
func TestSecretsNeverLeak(t *testing.T) {
	for _, kind := range []string{"opentok", "vonage"} {
		t.Run(kind, func(t *testing.T) {
			var opts []opentoktest.Option
			if kind == "vonage" {
				opts = append(opts, opentoktest.WithVonage())
			}
			srv := opentoktest.NewServer(t, opts...)
			var logs lockedBuffer
			logger := slog.New(teeHandler{
				slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
				slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
			})
			fast := opentok.RetryPolicy{MaxRetries: 1, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
			ot := srv.Client(opentok.WithLogger(logger), opentok.WithRetry(fast), opentok.WithTimeout(2*time.Second))
			sc := &scenario{srv: srv, fast: fast}
			sc.prepare(t, ot)

			// The same credentials' owner with a wrong secret or key.
			var bad *opentok.OpenTok
			var otherPEM []byte
			var err error
			if kind == "vonage" {
				k, kerr := rsa.GenerateKey(rand.Reader, 2048)
				require.NoError(t, kerr)
				der, _ := x509.MarshalPKCS8PrivateKey(k)
				otherPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
				bad, err = opentok.NewVonage(srv.ApplicationID, otherPEM, opentok.WithBaseURL(srv.URL),
					opentok.WithLogger(logger), opentok.WithRetry(fast))
			} else {
				bad, err = opentok.New(srv.APIKey, "wrong-"+srv.APISecret, opentok.WithBaseURL(srv.URL),
					opentok.WithLogger(logger), opentok.WithRetry(fast))
			}
			require.NoError(t, err)

			results := sc.run(t, ot, true)
			passes := []struct {
				name   string
				client *opentok.OpenTok
				fault  *opentoktest.Fault
				is     error
			}{
				{"rejected credentials", bad, nil, nil},
				{"500", ot, &opentoktest.Fault{Status: 500, Body: `{"code":500,"message":"System error"}`, Times: -1}, opentok.ErrServer},
				{"dropped connection", ot, &opentoktest.Fault{DropConnection: true, Times: -1}, nil},
				{"unusable body", ot, &opentoktest.Fault{Status: 200, Body: `{"id":`, Times: -1}, nil},
			}
			for _, p := range passes {
				srv.ClearFaults()
				if p.fault != nil {
					srv.InjectFault("*", *p.fault)
				}
				failed := sc.run(t, p.client, false)
				for _, r := range failed {
					if r.local {
						continue
					}
					if p.name == "unusable body" && r.value == nil {
						continue // calls that ignore the body succeed
					}
					assert.Error(t, r.err, "%s: %s", p.name, r.name)
					if p.name == "rejected credentials" {
						if kind == "vonage" {
							assert.ErrorIs(t, r.err, opentok.ErrUnauthorized, r.name)
						} else {
							assert.ErrorIs(t, r.err, opentok.ErrForbidden, r.name)
						}
					}
					if p.is != nil {
						assert.ErrorIs(t, r.err, p.is, "%s: %s", p.name, r.name)
					}
				}
				results = append(results, failed...)
			}
			srv.ClearFaults()

			// Every value: the clients, the options, the results, the errors.
			values := []any{ot, bad, *ot, fast}
			values = append(values, sc.options...)
			for _, r := range results {
				if r.value != nil {
					values = append(values, r.value)
				}
				if r.err != nil {
					values = append(values, r.err)
				}
			}
			var printed strings.Builder
			for _, v := range values {
				for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
					printed.WriteString(fmt.Sprintf(verb, v))
					printed.WriteByte('\n')
				}
				if err, isErr := v.(error); isErr {
					printed.WriteString(err.Error())
					printed.WriteByte('\n')
				}
				logger.Debug("value", "v", v)
				logger.Debug("value", slog.Any("v", v))
			}

			needles := secretNeedles(srv, otherPEM, sc.tokens)
			require.GreaterOrEqual(t, len(needles), 20, "secrets to look for")
			logText := logs.String()
			require.Contains(t, logText, `"msg":"opentok request"`, "the JSON handler logged the requests")
			require.Contains(t, logText, `msg="opentok request"`, "the text handler logged the requests")
			for _, n := range needles {
				assertNoSecret(t, "the log", logText, n)
				assertNoSecret(t, "a printed value", printed.String(), n)
			}
			t.Logf("%d operations run, %d values printed, %d secrets looked for, %d bytes of log",
				len(results), len(values), len(needles), len(logText))
		})
	}
}
