package opentok_test

import (
	"context"
	"errors"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
)

// End-to-end tests: the SDK as a user sees it, against the in-memory fake
// platform, for both credential families.

func fakes(t *testing.T) map[string]*opentoktest.Server {
	return map[string]*opentoktest.Server{
		"opentok": opentoktest.NewServer(t),
		"vonage":  opentoktest.NewServer(t, opentoktest.WithVonage()),
	}
}

func mustToken(t *testing.T, ot *opentok.OpenTok, sid string, opts *opentok.TokenOptions) string {
	t.Helper()
	tok, err := ot.GenerateToken(sid, opts)
	require.NoError(t, err)
	return tok
}

func TestEndToEnd(t *testing.T) {
	for name, srv := range fakes(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ot := srv.Client()

			s, err := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
			require.NoError(t, err)
			assert.Equal(t, srv.OwnerID(), s.ProjectID)

			host, err := srv.Connect(s.ID, mustToken(t, ot, s.ID, &opentok.TokenOptions{Role: opentok.RoleModerator, Data: "host",
				InitialLayoutClassList: []string{"focus"}}))
			require.NoError(t, err)
			hostStream, err := host.Publish(opentoktest.PublishOptions{Name: "host cam"})
			require.NoError(t, err)
			guest, err := srv.Connect(s.ID, mustToken(t, ot, s.ID, &opentok.TokenOptions{Format: t1For(ot)}))
			require.NoError(t, err)
			guestStream, err := guest.Publish(opentoktest.PublishOptions{Name: "guest screen", VideoType: "screen"})
			require.NoError(t, err)

			// Streams and layout classes.
			streams, err := ot.ListStreams(ctx, s.ID)
			require.NoError(t, err)
			assert.Equal(t, 2, streams.Total)
			st, err := ot.GetStream(ctx, s.ID, guestStream)
			require.NoError(t, err)
			assert.Equal(t, opentok.VideoScreen, st.VideoType)
			assert.Equal(t, "guest screen", st.Name)
			hst, err := ot.GetStream(ctx, s.ID, hostStream)
			require.NoError(t, err)
			assert.Equal(t, []string{"focus"}, hst.LayoutClassList, "from the token's initial layout class list")
			require.NoError(t, ot.SetStreamClassLists(ctx, s.ID, []opentok.StreamClassList{{ID: guestStream, LayoutClassList: []string{"full"}}, {ID: hostStream, LayoutClassList: []string{}}}))
			st, err = ot.GetStream(ctx, s.ID, guestStream)
			require.NoError(t, err)
			assert.Equal(t, []string{"full"}, st.LayoutClassList)

			// Connections.
			conns, err := ot.ListConnections(ctx, s.ID, nil)
			require.NoError(t, err)
			assert.Equal(t, 2, conns.Total)
			var ids []string
			for c, err := range ot.AllConnections(ctx, s.ID, &opentok.ListConnectionsOptions{Count: 1}) {
				require.NoError(t, err)
				ids = append(ids, c.ID)
				assert.Equal(t, opentok.ConnectionConnected, c.State)
			}
			assert.Equal(t, []string{host.ID(), guest.ID()}, ids, "oldest first")

			// Archive: start, layout, stop, available, list, delete.
			a, err := ot.StartArchive(ctx, s.ID, &opentok.ArchiveOptions{Name: "e2e", StreamMode: opentok.StreamModeManual})
			require.NoError(t, err)
			require.NoError(t, ot.AddArchiveStream(ctx, a.ID, hostStream, &opentok.StreamMediaOptions{HasVideo: opentok.Ptr(false)}))
			require.NoError(t, ot.SetArchiveLayout(ctx, a.ID, opentok.Layout{Type: opentok.LayoutPIP}))
			got, err := ot.GetArchive(ctx, a.ID)
			require.NoError(t, err)
			require.Len(t, got.Streams, 1)
			assert.Equal(t, opentok.ArchiveStream{StreamID: hostStream, HasAudio: true, HasVideo: false}, got.Streams[0])
			require.NoError(t, ot.RemoveArchiveStream(ctx, a.ID, hostStream))
			_, err = ot.StartArchive(ctx, s.ID, nil)
			assert.ErrorIs(t, err, opentok.ErrConflict, "a second archive without a tag")
			tagged, err := ot.StartArchive(ctx, s.ID, &opentok.ArchiveOptions{MultiArchiveTag: "second"})
			require.NoError(t, err, "...but a tagged one is fine")
			assert.ErrorIs(t, ot.DeleteArchive(ctx, a.ID), opentok.ErrConflict, "cannot delete while recording")
			a, err = ot.StopArchive(ctx, a.ID)
			require.NoError(t, err)
			assert.Equal(t, opentok.ArchiveStopped, a.Status)
			_, err = ot.StopArchive(ctx, a.ID)
			assert.ErrorIs(t, err, opentok.ErrConflict, "not recording any more")
			srv.Advance(6 * time.Second)
			a, err = ot.GetArchive(ctx, a.ID)
			require.NoError(t, err)
			assert.Equal(t, opentok.ArchiveAvailable, a.Status)
			assert.NotEmpty(t, a.URL)
			list, err := ot.ListArchives(ctx, &opentok.ListArchivesOptions{SessionID: s.ID})
			require.NoError(t, err)
			assert.Equal(t, 2, list.Total)
			assert.Equal(t, tagged.ID, list.Items[0].ID, "newest first")
			_, err = ot.StopArchive(ctx, tagged.ID)
			require.NoError(t, err)
			require.NoError(t, ot.DeleteArchive(ctx, a.ID))

			// Broadcast.
			b, err := ot.StartBroadcast(ctx, s.ID, &opentok.BroadcastOptions{
				Outputs:    opentok.BroadcastOutputs{HLS: &opentok.HLSOutput{DVR: true}, RTMP: []opentok.RTMPOutput{{ID: "a", ServerURL: "rtmp://x.example.com/app", StreamName: "k"}}},
				StreamMode: opentok.StreamModeManual,
			})
			require.NoError(t, err)
			assert.Contains(t, b.HLSURL, "?DVR")
			assert.True(t, b.HLSSettings.DVR)
			_, err = ot.StartBroadcast(ctx, s.ID, &opentok.BroadcastOptions{Outputs: opentok.BroadcastOutputs{HLS: &opentok.HLSOutput{}}})
			assert.ErrorIs(t, err, opentok.ErrConflict)
			require.NoError(t, ot.AddBroadcastStream(ctx, b.ID, guestStream, &opentok.StreamMediaOptions{HasAudio: opentok.Ptr(false)}))
			require.NoError(t, ot.SetBroadcastLayout(ctx, b.ID, opentok.Layout{Type: opentok.LayoutBestFit, ScreenshareType: opentok.LayoutPIP}))
			b, err = ot.GetBroadcast(ctx, b.ID)
			require.NoError(t, err)
			require.Len(t, b.Streams, 1)
			assert.False(t, b.Streams[0].HasAudio)
			require.NoError(t, ot.RemoveBroadcastStream(ctx, b.ID, guestStream))
			bl, err := ot.ListBroadcasts(ctx, nil)
			require.NoError(t, err)
			assert.Equal(t, 1, bl.Total)
			b, err = ot.StopBroadcast(ctx, b.ID)
			require.NoError(t, err)
			assert.Equal(t, opentok.BroadcastStopped, b.Status)
			assert.Equal(t, opentok.RTMPOffline, b.RTMP[0].Status)

			// Signals and moderation.
			require.NoError(t, ot.Signal(ctx, s.ID, opentok.SignalPayload{Type: "t", Data: "all"}))
			require.NoError(t, ot.SignalConnection(ctx, s.ID, guest.ID(), opentok.SignalPayload{Type: "t", Data: "you"}))
			assert.Len(t, host.Signals(), 1)
			assert.Len(t, guest.Signals(), 2)
			require.NoError(t, ot.ForceMuteStream(ctx, s.ID, guestStream))
			gs, _ := srv.Stream(guestStream)
			assert.True(t, gs.AudioMuted)
			require.NoError(t, ot.ForceMuteAll(ctx, s.ID, &opentok.ForceMuteAllOptions{ExcludedStreamIDs: []string{hostStream}}))
			hs, _ := srv.Stream(hostStream)
			assert.False(t, hs.AudioMuted, "excluded")
			require.NoError(t, ot.DisableForceMute(ctx, s.ID))

			// SIP and DTMF.
			call, err := ot.Dial(ctx, s.ID, mustToken(t, ot, s.ID, nil), "sip:room@sip.example.com", &opentok.DialOptions{Video: true})
			require.NoError(t, err)
			require.NoError(t, ot.PlayDTMF(ctx, s.ID, "12p3"))
			require.NoError(t, ot.PlayDTMFToConnection(ctx, s.ID, call.ConnectionID, "#"))
			sc, _ := srv.SIPCall(call.ID)
			assert.Equal(t, []string{"12p3", "#"}, sc.DTMF)
			require.NoError(t, ot.ForceDisconnect(ctx, s.ID, call.ConnectionID))
			sc, _ = srv.SIPCall(call.ID)
			assert.True(t, sc.Ended)

			// Audio Connector.
			ws, err := ot.ConnectWebSocket(ctx, s.ID, mustToken(t, ot, s.ID, nil), "wss://ws.example.com/audio",
				&opentok.WebSocketOptions{Streams: []string{hostStream}, AudioRate: 24000, Bidirectional: true})
			require.NoError(t, err)
			w, ok := srv.WebSocket(ws.ID)
			require.True(t, ok)
			assert.Equal(t, 24000, w.AudioRate)
			require.NoError(t, ot.ForceDisconnect(ctx, s.ID, ws.ConnectionID))

			// Experience Composer.
			r, err := ot.StartRender(ctx, s.ID, mustToken(t, ot, s.ID, nil), "https://example.com/composer-page",
				&opentok.RenderOptions{Properties: &opentok.RenderProperties{Name: "composed"}, MaxDuration: 10 * time.Minute})
			require.NoError(t, err)
			assert.Equal(t, opentok.RenderStarting, r.Status)
			srv.Advance(2 * time.Second)
			r, err = ot.GetRender(ctx, r.ID)
			require.NoError(t, err)
			assert.Equal(t, opentok.RenderStarted, r.Status)
			assert.Equal(t, "composed", r.Name)
			var renders int
			for _, err := range ot.AllRenders(ctx, nil) {
				require.NoError(t, err)
				renders++
			}
			assert.Equal(t, 1, renders)
			require.NoError(t, ot.StopRender(ctx, r.ID))
			assert.ErrorIs(t, ot.StopRender(ctx, r.ID), opentok.ErrNotFound)

			// Captions: one per session.
			modTok := mustToken(t, ot, s.ID, &opentok.TokenOptions{Role: opentok.RoleModerator})
			cp, err := ot.StartCaptions(ctx, s.ID, modTok, &opentok.CaptionsOptions{LanguageCode: "en-GB", PartialCaptions: opentok.Ptr(false)})
			require.NoError(t, err)
			_, err = ot.StartCaptions(ctx, s.ID, modTok, nil)
			assert.ErrorIs(t, err, opentok.ErrConflict)
			fc, _ := srv.Captions(cp.ID)
			assert.False(t, fc.PartialCaptions)
			require.NoError(t, ot.StopCaptions(ctx, cp.ID))

			// Migration and disconnect.
			require.NoError(t, ot.MigrateSession(ctx, s.ID))
			require.NoError(t, ot.ForceDisconnect(ctx, s.ID, guest.ID()))
			assert.False(t, guest.Connected())
			assert.ErrorIs(t, ot.ForceDisconnect(ctx, s.ID, guest.ID()), opentok.ErrNotFound)
		})
	}
}

// t1For returns TokenT1 for OpenTok credentials and the default otherwise.
func t1For(ot *opentok.OpenTok) opentok.TokenFormat {
	if ot.IsVonage() {
		return ""
	}
	return opentok.TokenT1
}

func TestLegacyCallbackRegistration(t *testing.T) {
	srv := opentoktest.NewServer(t)
	ot := srv.Client()
	ctx := context.Background()
	cb, err := ot.RegisterCallback(ctx, opentok.CallbackRegistration{Group: "connection", Event: "created", URL: "https://example.com/cb"})
	require.NoError(t, err)
	list, err := ot.ListCallbacks(ctx)
	require.NoError(t, err)
	require.Len(t, list.Items, 1)
	assert.Equal(t, cb.ID, list.Items[0].ID)
	require.NoError(t, ot.UnregisterCallback(ctx, cb.ID))
	assert.ErrorIs(t, ot.UnregisterCallback(ctx, cb.ID), opentok.ErrNotFound)
}

func TestTheFakeRejectsWhatThePlatformRejects(t *testing.T) {
	for name, srv := range fakes(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ot := srv.Client()
			relayed, err := ot.CreateSession(ctx, nil)
			require.NoError(t, err)
			routed, err := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
			require.NoError(t, err)

			_, err = ot.StartArchive(ctx, routed.ID, nil)
			assert.ErrorIs(t, err, opentok.ErrNoClients, "nobody connected")
			_, err = srv.Connect(relayed.ID, mustToken(t, ot, relayed.ID, nil))
			require.NoError(t, err)
			_, err = ot.StartArchive(ctx, relayed.ID, nil)
			assert.ErrorIs(t, err, opentok.ErrConflict, "relayed sessions cannot be archived")

			tok := mustToken(t, ot, routed.ID, &opentok.TokenOptions{TTL: time.Minute})
			_, err = srv.Connect(relayed.ID, tok)
			assert.ErrorIs(t, err, opentoktest.ErrWrongSession)
			_, err = srv.Connect(routed.ID, tok[:len(tok)-4]+"AAAA")
			assert.ErrorIs(t, err, opentoktest.ErrInvalidToken, "tampered")
			sub, err := srv.Connect(routed.ID, mustToken(t, ot, routed.ID, &opentok.TokenOptions{Role: opentok.RoleSubscriber}))
			require.NoError(t, err)
			_, err = sub.Publish(opentoktest.PublishOptions{})
			assert.ErrorIs(t, err, opentoktest.ErrNotPermitted)
			_, err = ot.StartCaptions(ctx, routed.ID, mustToken(t, ot, routed.ID, nil), nil)
			assert.ErrorIs(t, err, opentok.ErrInvalidArgument, "the SDK refuses a publisher token for captions before sending it")

			srv.Advance(2 * time.Minute)
			_, err = srv.Connect(routed.ID, tok)
			assert.ErrorIs(t, err, opentoktest.ErrTokenExpired)

			// An auth JWT signed for another project is refused with the
			// platform's status: 403 (OpenTok) or 401 (Vonage).
			var other *opentok.OpenTok
			if srv.IsVonage() {
				otherSrv := opentoktest.NewServer(t, opentoktest.WithVonage())
				other, err = opentok.NewVonage(srv.ApplicationID, otherSrv.PrivateKeyPEM, opentok.WithBaseURL(srv.URL))
				require.NoError(t, err)
				_, err = other.CreateSession(ctx, nil)
				assert.ErrorIs(t, err, opentok.ErrUnauthorized)
			} else {
				other, err = opentok.New(srv.APIKey, "not-the-secret", opentok.WithBaseURL(srv.URL))
				require.NoError(t, err)
				_, err = other.CreateSession(ctx, nil)
				assert.ErrorIs(t, err, opentok.ErrForbidden)
			}
			var ae *opentok.APIError
			require.True(t, errors.As(err, &ae))
			assert.Contains(t, ae.Error(), "clock")
		})
	}
}

// "Nobody is connected to the session" matches ErrNoClients, for every call
// that needs a client, and an unknown session does not: a caller can wait
// for a client in one case and fix its session ID in the other, without
// reading the message.
func TestNoClientsIsToldApartFromAnUnknownSession(t *testing.T) {
	for name, srv := range fakes(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ot := srv.Client()
			routed, err := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
			require.NoError(t, err)
			// A session ID of the same credentials that this fake never
			// issued: another fake's.
			var otherOpts []opentoktest.Option
			if srv.IsVonage() {
				otherOpts = append(otherOpts, opentoktest.WithVonage())
			}
			other := opentoktest.NewServer(t, otherOpts...)
			unknown, err := other.Client().CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
			require.NoError(t, err)

			calls := map[string]func(sid string) error{
				"StartArchive": func(sid string) error { _, err := ot.StartArchive(ctx, sid, nil); return err },
				"StartBroadcast": func(sid string) error {
					_, err := ot.StartBroadcast(ctx, sid, &opentok.BroadcastOptions{Outputs: opentok.BroadcastOutputs{HLS: &opentok.HLSOutput{}}})
					return err
				},
				"MigrateSession": func(sid string) error { return ot.MigrateSession(ctx, sid) },
			}
			for call, f := range calls {
				err := f(routed.ID)
				assert.ErrorIs(t, err, opentok.ErrNoClients, "%s, nobody connected", call)
				assert.ErrorIs(t, err, opentok.ErrNotFound, "%s: still a 404", call)
				err = f(unknown.ID)
				assert.ErrorIs(t, err, opentok.ErrNotFound, "%s, unknown session", call)
				assert.NotErrorIs(t, err, opentok.ErrNoClients, "%s, unknown session", call)
			}
			_, err = srv.Connect(routed.ID, mustToken(t, ot, routed.ID, nil))
			require.NoError(t, err)
			for call, f := range calls {
				assert.NoError(t, f(routed.ID), "%s once a client is connected", call)
			}
		})
	}
}

// Signal's documentation and the fake agree on a session nobody is
// connected to: the signal is accepted and reaches no one, not even a
// client that connects afterwards; SignalConnection to a connection that
// is not there is a 404.
func TestSignalToASessionNobodyIsConnectedTo(t *testing.T) {
	for name, srv := range fakes(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ot := srv.Client()
			s, err := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
			require.NoError(t, err)
			require.NoError(t, ot.Signal(ctx, s.ID, opentok.SignalPayload{Type: "chat", Data: "anyone?"}))
			c, err := srv.Connect(s.ID, mustToken(t, ot, s.ID, nil))
			require.NoError(t, err)
			assert.Empty(t, c.Signals(), "signals are not kept for later clients")
			require.NoError(t, ot.Signal(ctx, s.ID, opentok.SignalPayload{Type: "chat", Data: "hello"}))
			assert.Equal(t, []opentoktest.Signal{{Type: "chat", Data: "hello"}}, c.Signals())
			c.Disconnect()
			err = ot.SignalConnection(ctx, s.ID, c.ID(), opentok.SignalPayload{Type: "chat", Data: "gone"})
			assert.ErrorIs(t, err, opentok.ErrNotFound)
		})
	}
}

// A POST whose connection dies after it was sent says that it may have
// been applied and matches ErrMaybeApplied; one that could not connect does
// not; neither is sent twice.
func TestMaybeAppliedIsToldApartFromNeverSent(t *testing.T) {
	srv := opentoktest.NewServer(t)
	ot := srv.Client(opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	ctx := context.Background()
	s, err := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	require.NoError(t, err)
	_, err = srv.Connect(s.ID, mustToken(t, ot, s.ID, nil))
	require.NoError(t, err)

	require.NoError(t, srv.InjectFault("StartArchive", opentoktest.Fault{DropConnection: true}))
	_, err = ot.StartArchive(ctx, s.ID, nil)
	assert.ErrorIs(t, err, opentok.ErrMaybeApplied)
	assert.Contains(t, err.Error(), "may have been applied")
	assert.Len(t, srv.RequestsFor("StartArchive"), 1, "a POST is not sent again")

	require.NoError(t, srv.InjectFault("GetArchive", opentoktest.Fault{DropConnection: true, Times: -1}))
	_, err = ot.GetArchive(ctx, "a7c5bd70-7f5c-4b1e-9e4d-1f1fd7c6a3d1")
	var te *opentok.TransportError
	require.ErrorAs(t, err, &te)
	assert.NotErrorIs(t, err, opentok.ErrMaybeApplied, "a GET changes nothing")
	srv.ClearFaults()

	down, err := opentok.New(srv.APIKey, srv.APISecret, opentok.WithBaseURL(deadURL(t)),
		opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 1, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	require.NoError(t, err)
	_, err = down.StartArchive(ctx, s.ID, nil)
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 2, te.Attempts, "never sent, so retried")
	assert.NotErrorIs(t, err, opentok.ErrMaybeApplied, "the connection was refused: nothing was applied")
}

// deadURL returns the URL of a loopback port nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

// opResult is one call of the table: its result value (nil when it has
// none) and its error.
type opResult struct {
	name  string
	value any
	err   error
	// local operations do no I/O, so they succeed in the failure passes.
	local bool
}

// tableRun runs the operation table against a fake: prepare makes the
// session, the tokens, a connected publisher and its stream; run calls
// every row in order.
type tableRun struct {
	srv    *opentoktest.Server
	args   *opentok.OpArgs
	tokens []string
}

func prepareTable(t *testing.T, srv *opentoktest.Server, ot *opentok.OpenTok) *tableRun {
	t.Helper()
	ctx := context.Background()
	s, err := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	require.NoError(t, err)
	tr := &tableRun{srv: srv, args: &opentok.OpArgs{SessionID: s.ID, StreamKey: plantedStreamKey, SIPPassword: plantedSIPPassword}}
	token := func(o *opentok.TokenOptions) string {
		tok, err := ot.GenerateToken(s.ID, o)
		require.NoError(t, err)
		tr.tokens = append(tr.tokens, tok)
		return tok
	}
	tr.args.Token = token(&opentok.TokenOptions{Data: "name=Ann"})
	tr.args.ModeratorToken = token(&opentok.TokenOptions{Role: opentok.RoleModerator})
	if !ot.IsVonage() {
		token(&opentok.TokenOptions{Format: opentok.TokenT1})
	}
	conn, err := srv.Connect(s.ID, tr.args.Token)
	require.NoError(t, err)
	tr.args.ConnectionID = conn.ID()
	tr.args.StreamID, err = conn.Publish(opentoktest.PublishOptions{Name: "cam"})
	require.NoError(t, err)
	return tr
}

// run calls every operation of the table: the project operations with
// ot, the account ones with acct (skipped when nil; see
// opentok.AccountRequestPath). With ok set, each must succeed, and the IDs
// of what it creates are kept for the later runs.
func (tr *tableRun) run(t *testing.T, ot, acct *opentok.OpenTok, ok bool) []opResult {
	t.Helper()
	var out []opResult
	for _, op := range opentok.Operations() {
		client := ot
		if op.Account {
			client = acct
		}
		if client == nil || (op.OpenTokOnly && ot.IsVonage()) {
			continue
		}
		v, err := op.Call(context.Background(), client, tr.args)
		if op.Local() {
			if tok, isTok := v.(string); isTok {
				tr.tokens = append(tr.tokens, tok)
			}
			// The token is the value this call exists to return, so it is
			// not among the printed values; its error is.
			out = append(out, opResult{name: op.Name, err: err, local: true})
			continue
		}
		if ok {
			require.NoError(t, err, op.Name)
			if op.Keep != nil {
				op.Keep(tr.args, v)
			}
			if op.Name == "StopArchive" {
				require.True(t, tr.srv.CompleteArchive(tr.args.ArchiveID))
			}
			if op.Name == "GetBroadcast" {
				b := v.(*opentok.Broadcast)
				require.NotEmpty(t, b.RTMP)
				require.Equal(t, plantedStreamKey, b.RTMP[0].StreamName, "the platform echoes the stream key")
			}
		}
		if isNil(v) {
			v = nil
		}
		out = append(out, opResult{name: op.Name, value: v, err: err})
	}
	return out
}

// isNil reports whether v is nil or a nil pointer or slice in an interface.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return rv.IsNil()
	}
	return false
}

// TestEveryOperationIsRoutedByTheFake injects a fault by each row's
// operation name (InjectFault fails for a name the fake does not route) and
// checks that the call gets it and that the fake logged the request under
// that name: an operation added to the SDK without its fake handler, or
// routed under another name, fails here.
func TestEveryOperationIsRoutedByTheFake(t *testing.T) {
	for name, srv := range fakes(t) {
		t.Run(name, func(t *testing.T) {
			ot := srv.Client(opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 0}))
			var acct *opentok.OpenTok
			if !ot.IsVonage() {
				a, err := srv.AccountClient(opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 0}))
				require.NoError(t, err)
				acct = opentok.AccountRequestPath(a)
			}
			tr := prepareTable(t, srv, ot)
			// Faults apply before the fake looks at IDs, so made-up ones
			// stand for what the failing start calls did not create.
			a := tr.args
			a.ArchiveID, a.BroadcastID, a.RenderID, a.CaptionsID, a.CallbackID = "ar", "bc", "rd", "cp", "cb"
			a.ProjectKey = "12345678"
			for _, op := range opentok.Operations() {
				if op.Local() {
					continue
				}
				require.NoError(t, srv.InjectFault(op.FakeOp, opentoktest.Fault{Status: 500, Body: `{"code":500,"message":"injected"}`}),
					"%s: the fake does not route %q", op.Name, op.FakeOp)
				if op.OpenTokOnly && ot.IsVonage() {
					srv.ClearFaults()
					continue
				}
				srv.ClearRequests()
				client := ot
				if op.Account {
					client = acct
				}
				_, err := op.Call(context.Background(), client, tr.args)
				var ae *opentok.APIError
				require.ErrorAs(t, err, &ae, op.Name)
				assert.Equal(t, "injected", ae.Message, op.Name)
				reqs := srv.Requests()
				require.Len(t, reqs, 1, op.Name)
				assert.Equal(t, op.FakeOp, reqs[0].Op, op.Name)
				assert.Equal(t, op.Method, reqs[0].Method, op.Name)
				assert.Equal(t, op.ExpandPath(srv.OwnerID(), tr.args), reqs[0].Path, op.Name)
			}
			assert.Error(t, srv.InjectFault("NoSuchOperation", opentoktest.Fault{Status: 500}), "an unknown name is refused")
		})
	}
}
