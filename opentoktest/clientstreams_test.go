package opentoktest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

// publishFrom publishes a stream from a browser as OpenTok.js does (its
// create message's content), and returns the stream ID.
func publishFrom(t *testing.T, b *browser, id, name, source string) {
	t.Helper()
	channels := []any{map[string]any{"id": "audio1", "type": "audio", "active": true}}
	if source != "" {
		channels = append(channels, map[string]any{"id": "video1", "type": "video", "active": true,
			"width": 640, "height": 480, "orientation": 0, "frameRate": 30, "source": source, "fitMode": "cover"})
	}
	st := b.call("create", "/stream/"+id, map[string]any{"id": id, "name": name, "channel": channels,
		"publisherAudioFallbackEnabled": false, "customProperties": map[string]any{"initials": "AB"}})
	require.Equal(t, 200, status(st), "publish: %s", st.body)
	assert.JSONEq(t, `{"content":{"iceServers":[]}}`, string(st.body))
}

func TestBrowserStreamsAreTheSessionsStreams(t *testing.T) {
	sink := &eventSink{}
	hook := sink.handler("")
	defer hook.Close()
	srv := NewServer(t, WithWebhooks(Webhooks{SessionMonitoringURL: hook.URL}))
	ot := srv.Client()
	ctx := context.Background()
	sid := routedSession(t, ot)
	a := dialBrowser(t, srv, "")
	require.Equal(t, 200, status(a.join(sid, token(t, ot, sid, &opentok.TokenOptions{InitialLayoutClassList: []string{"focus"}}))))
	b := joined(t, srv, ot, sid, opentok.RolePublisher, "")

	publishFrom(t, a, "stream-a", "Ann's screen", "screen")
	for _, x := range []*browser{a, b} {
		m := x.waitMsg("created", "/stream/stream-a")
		assert.Equal(t, "Ann's screen", m.Content["name"])
		assert.Equal(t, a.id, m.Content["connection"].(map[string]any)["id"])
		assert.NotZero(t, m.Content["creationTime"])
		assert.Equal(t, map[string]any{"initials": "AB"}, m.Content["customProperties"], "what the publisher sent is passed on")
		assert.Len(t, m.Content["channel"], 2)
	}

	// REST: the stream with its name, video type and layout classes.
	st, err := ot.GetStream(ctx, sid, "stream-a")
	require.NoError(t, err)
	assert.Equal(t, "Ann's screen", st.Name)
	assert.Equal(t, opentok.VideoType("screen"), st.VideoType)
	assert.Equal(t, []string{"focus"}, st.LayoutClassList)
	list, err := ot.ListStreams(ctx, sid)
	require.NoError(t, err)
	require.Len(t, list.Items, 1)

	// Archives and broadcasts take the session: a browser publishes in it.
	arc, err := ot.StartArchive(ctx, sid, nil)
	require.NoError(t, err)
	for _, x := range []*browser{a, b} {
		m := x.waitMsg("created", "/archive/"+arc.ID)
		assert.Equal(t, map[string]any{"id": arc.ID, "name": "", "status": "started"}, m.Content)
	}
	_, err = ot.StopArchive(ctx, arc.ID)
	require.NoError(t, err)
	m := b.waitMsg("updated", "/archive/"+arc.ID)
	assert.Equal(t, map[string]any{"status": "stopped"}, m.Content)
	srv.CompleteArchive(arc.ID)
	got, ok := srv.Archive(arc.ID)
	require.True(t, ok)
	require.Equal(t, opentok.ArchiveAvailable, got.Status)
	assert.Positive(t, got.Size, "a synthetic file, with the stream in it")
	_, err = ot.StartBroadcast(ctx, sid, &opentok.BroadcastOptions{Outputs: opentok.BroadcastOutputs{HLS: &opentok.HLSOutput{}}})
	require.NoError(t, err)

	// SetStreamClassLists reaches the clients.
	require.NoError(t, ot.SetStreamClassLists(ctx, sid, []opentok.StreamClassList{{ID: "stream-a", LayoutClassList: []string{"full"}}}))
	m = b.waitMsg("updated", "/stream/stream-a")
	assert.Equal(t, map[string]any{"layoutClassList": []any{"full"}}, m.Content)

	// Unpublishing ends it for everyone.
	require.Equal(t, 200, status(a.call("delete", "/stream/stream-a", map[string]any{})))
	m = b.waitMsg("deleted", "/stream/stream-a")
	assert.Equal(t, "clientDisconnected", m.Reason)
	_, err = ot.GetStream(ctx, sid, "stream-a")
	assert.ErrorIs(t, err, opentok.ErrNotFound)

	srv.FlushWebhooks()
	assert.Contains(t, sink.types(), "streamCreated")
	assert.Contains(t, sink.types(), "streamDestroyed")
}

func TestRolesWithoutPublishCannotPublish(t *testing.T) {
	srv, ot, sid := newRoom(t)
	sub := joined(t, srv, ot, sid, opentok.RoleSubscriber, "")
	st := sub.call("create", "/stream/s1", map[string]any{"name": "x", "channel": []any{}})
	assert.Equal(t, 403, status(st))
	assert.Contains(t, string(st.body), "does not allow publishing")
	assert.Empty(t, srv.Streams(sid))

	pub := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	publishFrom(t, pub, "s2", "cam", "camera")
	assert.Equal(t, 409, status(pub.call("create", "/stream/s2", map[string]any{})), "a stream ID is taken")
	assert.Equal(t, 400, status(pub.call("create", "/stream/bad!id", map[string]any{})))
	// An audio-only stream has no video type, as on the platform.
	publishFrom(t, pub, "s3", "voice", "")
	s3, ok := srv.Stream("s3")
	require.True(t, ok)
	assert.Equal(t, opentok.VideoType(""), s3.VideoType)
	assert.True(t, s3.HasAudio)
	assert.False(t, s3.HasVideo)
}

func TestOffersAnswersAndCandidatesAreRelayed(t *testing.T) {
	srv, ot, sid := newRoom(t)
	pub := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	sub := joined(t, srv, ot, sid, opentok.RoleSubscriber, "")
	other := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	publishFrom(t, pub, "cam", "cam", "camera")
	path := "/stream/cam/subscriber/sub1"

	st := sub.call("create", path, map[string]any{"id": "sub1", "connection": sub.id, "channel": []any{}})
	require.Equal(t, 200, status(st))
	assert.JSONEq(t, `{"content":{"iceServers":[]}}`, string(st.body))
	// The publisher is asked for an offer, from the subscriber's connection,
	// as relayed (peer-to-peer) media.
	gen := pub.waitMsg("generateoffer", path)
	assert.Equal(t, sub.id, gen.from)
	assert.Equal(t, "P2P", gen.Content["sourceStreamId"])
	assert.NotEmpty(t, gen.Content["peerId"])

	offer := map[string]any{"type": "offer", "sdp": "v=0 offer"}
	require.Equal(t, 200, status(pub.call("offer", path, offer)))
	m := sub.waitMsg("offer", path)
	assert.Equal(t, offer, m.Content)
	assert.Equal(t, pub.id, m.from)

	for _, method := range []string{"pranswer", "answer"} {
		content := map[string]any{"type": method, "sdp": "v=0 " + method}
		require.Equal(t, 200, status(sub.call(method, path, content)))
		m = pub.waitMsg(method, path)
		assert.Equal(t, content, m.Content)
		assert.Equal(t, sub.id, m.from)
	}
	cand := map[string]any{"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host", "sdpMid": "0", "sdpMLineIndex": float64(0)}
	require.Equal(t, 200, status(pub.call("candidate", path, cand)))
	assert.Equal(t, cand, sub.waitMsg("candidate", path).Content)
	require.Equal(t, 200, status(sub.call("candidate", path, cand)))
	assert.Equal(t, cand, pub.waitMsg("candidate", path).Content)

	// Nobody else gets any of it, or can speak on this subscriber.
	for _, method := range []string{"generateoffer", "offer", "answer", "pranswer", "candidate"} {
		assert.Empty(t, other.msgs(method), method)
	}
	assert.Equal(t, 404, status(other.call("candidate", path, cand)))
	assert.Equal(t, 404, status(sub.call("offer", "/stream/cam/subscriber/nobody", offer)))
	assert.Equal(t, 404, status(sub.call("create", "/stream/none/subscriber/sub2", map[string]any{})))
	assert.Equal(t, 409, status(sub.call("create", path, map[string]any{})), "a subscriber ID is taken")

	// A role without subscribe cannot subscribe.
	pubOnly := joined(t, srv, ot, sid, opentok.RolePublisherOnly, "")
	assert.Equal(t, 403, status(pubOnly.call("create", "/stream/cam/subscriber/sub3", map[string]any{})))

	// Subscriber updates need nothing from the fake.
	assert.Equal(t, 200, status(sub.call("update", path+"/channel/audio1", map[string]any{"active": false})))

	// Unsubscribing tells the publisher, so it closes that peer connection.
	require.Equal(t, 200, status(sub.call("delete", path, map[string]any{})))
	m = pub.waitMsg("deleted", path)
	assert.Equal(t, sub.id, m.from)
	srv.mu.Lock()
	assert.Empty(t, srv.cl.subscribers)
	srv.mu.Unlock()
	assert.Equal(t, 404, status(sub.call("delete", path, map[string]any{})))
}

func TestChannelUpdatesReachEveryoneAndTheStream(t *testing.T) {
	srv, ot, sid := newRoom(t)
	pub := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	watcher := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	publishFrom(t, pub, "cam", "cam", "camera")

	require.Equal(t, 200, status(pub.call("update", "/stream/cam/channel/audio1", map[string]any{"active": false})))
	m := watcher.waitMsg("updated", "/stream/cam/channel/audio1")
	assert.Equal(t, map[string]any{"active": false}, m.Content)
	assert.Equal(t, pub.id, m.from)
	st, _ := srv.Stream("cam")
	assert.True(t, st.AudioMuted)

	// A client that joins later gets the stream with its channels as they are.
	late := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	var state struct{ Stream []map[string]any }
	require.NoError(t, jsonUnmarshal(late.waitFrame(func(f *frame) bool { return f.typ == frameStatus }).body, &state))
	require.Len(t, state.Stream, 1)
	audio := state.Stream[0]["channel"].([]any)[0].(map[string]any)
	assert.Equal(t, false, audio["active"])

	require.Equal(t, 200, status(pub.call("update", "/stream/cam/channel/audio1", map[string]any{"active": true})))
	require.Eventually(t, func() bool { st, _ := srv.Stream("cam"); return !st.AudioMuted }, time.Second, 10*time.Millisecond)
	assert.Equal(t, 404, status(watcher.call("update", "/stream/cam/channel/audio1", map[string]any{"active": false})), "only its publisher")
}

func TestClosingASocketCleansUpItsStreamsAndSubscribers(t *testing.T) {
	srv, ot, sid := newRoom(t)
	pub := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	sub := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	publishFrom(t, pub, "p-cam", "cam", "camera")
	publishFrom(t, sub, "s-cam", "cam", "camera")
	require.Equal(t, 200, status(sub.call("create", "/stream/p-cam/subscriber/x1", map[string]any{})))
	require.Equal(t, 200, status(pub.call("create", "/stream/s-cam/subscriber/x2", map[string]any{})))

	// The subscriber's socket drops: its subscriber ends at the publisher,
	// its stream and connection for everyone.
	sub.close()
	m := pub.waitMsg("deleted", "/stream/p-cam/subscriber/x1")
	assert.Equal(t, sub.id, m.from)
	m = pub.waitMsg("deleted", "/stream/s-cam")
	assert.Equal(t, "networkDisconnected", m.Reason)
	m = pub.waitMsg("deleted", "/connection/"+sub.id)
	assert.Equal(t, "networkDisconnected", m.Reason)
	srv.mu.Lock()
	assert.Empty(t, srv.cl.subscribers, "both subscribers: x1 (its own) and x2 (to its stream)")
	assert.NotContains(t, srv.cl.streams, "s-cam")
	srv.mu.Unlock()
	assert.Len(t, srv.Streams(sid), 1)
}

func TestForceDisconnectOfAPublisherEndsItsStreams(t *testing.T) {
	srv, ot, sid := newRoom(t)
	pub := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	watcher := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	publishFrom(t, pub, "cam", "cam", "camera")
	require.NoError(t, ot.ForceDisconnect(context.Background(), sid, pub.id))
	m := watcher.waitMsg("deleted", "/stream/cam")
	assert.Equal(t, "forceDisconnected", m.Reason)
	m = watcher.waitMsg("deleted", "/connection/"+pub.id)
	assert.Equal(t, "forceDisconnected", m.Reason)
	assert.Empty(t, srv.Streams(sid))
}

func TestForceMuteReachesThePublishers(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	ctx := context.Background()
	sid := routedSession(t, ot)
	a := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	b := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	publishFrom(t, a, "a-cam", "a", "camera")
	publishFrom(t, b, "b-cam", "b", "camera")
	mute := map[string]any{"reason": "mute", "channels": []any{"audio"}, "active": true}

	// One stream: OpenTok.js mutes that publisher (muteForced).
	require.NoError(t, ot.ForceMuteStream(ctx, sid, "a-cam"))
	assert.Equal(t, mute, a.waitMsg("update", "/stream/a-cam").Content)
	st, _ := srv.Stream("a-cam")
	assert.True(t, st.AudioMuted)

	// Everyone but an excluded stream.
	require.Equal(t, 200, status(a.call("update", "/stream/a-cam/channel/audio1", map[string]any{"active": true})))
	require.Eventually(t, func() bool { st, _ := srv.Stream("a-cam"); return !st.AudioMuted }, time.Second, 10*time.Millisecond)
	require.NoError(t, ot.ForceMuteAll(ctx, sid, &opentok.ForceMuteAllOptions{ExcludedStreamIDs: []string{"b-cam"}}))
	m := b.waitMsg("update", a.uri(""))
	assert.Equal(t, map[string]any{"reason": "mute", "channels": []any{"audio"}, "active": true, "exclusion": []any{"b-cam"}}, m.Content)
	require.Eventually(t, func() bool { return len(a.msgs("update")) == 3 }, time.Second, 10*time.Millisecond) // a-cam twice, the session once
	for _, mm := range b.msgs("update") {
		assert.NotContains(t, mm.URI, "/stream/b-cam", "the excluded stream is not muted")
	}
	st, _ = srv.Stream("b-cam")
	assert.False(t, st.AudioMuted)

	// A client that joins while it lasts is told (it mutes on entry).
	late := dialBrowser(t, srv, "")
	var state map[string]any
	require.NoError(t, jsonUnmarshal(late.join(sid, token(t, ot, sid, nil)).body, &state))
	assert.Equal(t, map[string]any{"active": true}, state["mute"])

	require.NoError(t, ot.DisableForceMute(ctx, sid))
	require.Eventually(t, func() bool {
		for _, mm := range b.msgs("update") {
			if mm.URI == b.uri("") && mm.Content["active"] == false {
				return true
			}
		}
		return false
	}, time.Second, 10*time.Millisecond)
}

func TestModeratorClientsMuteAndUnpublishOthers(t *testing.T) {
	srv, ot, sid := newRoom(t)
	mod := joined(t, srv, ot, sid, opentok.RoleModerator, "")
	pub := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	publishFrom(t, pub, "cam", "cam", "camera")
	muteStream := map[string]any{"reason": "mute", "channels": []any{"audio"}, "active": true, "locked": false}

	assert.Equal(t, 403, status(pub.call("update", "/stream/cam", muteStream)), "a publisher cannot mute")
	require.Equal(t, 200, status(mod.call("update", "/stream/cam", muteStream)))
	pub.waitMsg("update", "/stream/cam")
	st, _ := srv.Stream("cam")
	assert.True(t, st.AudioMuted)

	assert.Equal(t, 403, status(pub.call("update", "", map[string]any{"reason": "mute", "active": true})))
	require.Equal(t, 200, status(mod.call("update", "", map[string]any{"reason": "mute", "active": true, "exclusion": []any{}})))
	ss, _ := srv.Session(sid)
	assert.True(t, ss.MuteActive)
	require.Equal(t, 200, status(mod.call("update", "", map[string]any{"reason": "mute", "active": false})))
	ss, _ = srv.Session(sid)
	assert.False(t, ss.MuteActive)

	assert.Equal(t, 404, status(pub.call("delete", "/stream/nope", nil)))
	publishFrom(t, mod, "mod-cam", "mod", "camera")
	assert.Equal(t, 403, status(pub.call("delete", "/stream/mod-cam", nil)), "a publisher cannot unpublish another's stream")
	read := mod.call("read", "/stream/mod-cam", nil)
	require.Equal(t, 200, status(read))
	assert.Contains(t, string(read.body), `"name":"mod"`)
	read = mod.call("read", "", nil)
	require.Equal(t, 200, status(read))
	assert.Contains(t, string(read.body), `"connection":[`)
	assert.Equal(t, 404, status(mod.call("delete", "/stream/nope", nil)))
	require.Equal(t, 200, status(mod.call("delete", "/stream/cam", nil)))
	m := pub.waitMsg("deleted", "/stream/cam")
	assert.Equal(t, "forceUnpublished", m.Reason)
}

func TestSubscribingToASimulatedStreamAsksNoOneForAnOffer(t *testing.T) {
	srv, ot, sid := newRoom(t)
	b := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	sim, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	id, err := sim.Publish(PublishOptions{Name: "sim"})
	require.NoError(t, err)
	require.Equal(t, 200, status(b.call("create", "/stream/"+id+"/subscriber/s1", map[string]any{})))
	// Only the simulated client could answer; it has no media.
	assert.Empty(t, b.msgs("generateoffer"))
}
