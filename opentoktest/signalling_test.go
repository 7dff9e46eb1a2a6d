package opentoktest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

// joined returns a browser that joined sid with a token of the role.
func joined(t *testing.T, srv *Server, ot *opentok.OpenTok, sid string, role opentok.Role, data string) *browser {
	t.Helper()
	b := dialBrowser(t, srv, "http://localhost:8080")
	st := b.join(sid, token(t, ot, sid, &opentok.TokenOptions{Role: role, Data: data}))
	require.Equal(t, 200, status(st), "join: %s", st.body)
	return b
}

func TestJoinGivesTheSessionStateThenTheOwnConnection(t *testing.T) {
	srv, ot, sid := newRoom(t)
	sim, err := srv.Connect(sid, token(t, ot, sid, &opentok.TokenOptions{Data: "sim"}))
	require.NoError(t, err)
	simStream, err := sim.Publish(PublishOptions{Name: "cam", VideoType: "screen"})
	require.NoError(t, err)
	a, err := ot.StartArchive(context.Background(), sid, &opentok.ArchiveOptions{Name: "rec"})
	require.NoError(t, err)

	b := dialBrowser(t, srv, "")
	st := b.join(sid, token(t, ot, sid, &opentok.TokenOptions{Role: opentok.RoleModerator, Data: "name=B"}))
	require.Equal(t, 200, status(st))
	assert.Equal(t, []string{b.id}, st.to)
	assert.Equal(t, symphonyAddress, st.header("X-TB-FROM-ADDRESS"))
	var state struct {
		Connection []map[string]any
		Stream     []map[string]any
		Archive    []map[string]any
	}
	require.NoError(t, jsonUnmarshal(st.body, &state))
	require.Len(t, state.Connection, 2)
	assert.Equal(t, sim.ID(), state.Connection[0]["id"])
	assert.Equal(t, "sim", state.Connection[0]["data"])
	assert.Equal(t, []any{"publish", "subscribe"}, state.Connection[0]["permissions"])
	assert.Equal(t, b.id, state.Connection[1]["id"])
	assert.Equal(t, "name=B", state.Connection[1]["data"])
	assert.Equal(t, []any{"publish", "subscribe", "forceunpublish", "forcedisconnect", "forcemute"}, state.Connection[1]["permissions"])
	require.Len(t, state.Stream, 1)
	assert.Equal(t, simStream, state.Stream[0]["id"])
	assert.Equal(t, "cam", state.Stream[0]["name"])
	assert.Equal(t, sim.ID(), state.Stream[0]["connection"].(map[string]any)["id"])
	channels := state.Stream[0]["channel"].([]any)
	require.Len(t, channels, 2)
	assert.Equal(t, "screen", channels[1].(map[string]any)["source"])
	require.Len(t, state.Archive, 1)
	assert.Equal(t, map[string]any{"id": a.ID, "name": "rec", "status": "started"}, state.Archive[0])

	created := b.waitMsg("created", "/connection/"+b.id)
	assert.Equal(t, "name=B", created.Content["data"])
	assert.Equal(t, symphonyAddress, created.from)

	// The REST API and the accessors see the same connection.
	c, ok := srv.Connection(b.id)
	require.True(t, ok)
	assert.Equal(t, KindBrowser, c.Kind)
	assert.Equal(t, opentok.RoleModerator, c.Role)
	assert.Equal(t, "name=B", c.Data)
	list, err := ot.ListConnections(context.Background(), sid, nil)
	require.NoError(t, err)
	var ids []string
	for _, it := range list.Items {
		ids = append(ids, it.ID)
	}
	assert.ElementsMatch(t, []string{sim.ID(), b.id}, ids)
}

func TestPermissionsFollowTheRole(t *testing.T) {
	srv, ot, sid := newRoom(t)
	for role, want := range map[opentok.Role][]any{
		opentok.RoleSubscriber:    {"subscribe"},
		opentok.RolePublisher:     {"publish", "subscribe"},
		opentok.RolePublisherOnly: {"publish"},
		opentok.RoleModerator:     {"publish", "subscribe", "forceunpublish", "forcedisconnect", "forcemute"},
	} {
		b := joined(t, srv, ot, sid, role, "")
		m := b.waitMsg("created", "/connection/"+b.id)
		assert.Equal(t, want, m.Content["permissions"], role)
	}
}

func TestJoinRefusals(t *testing.T) {
	var logs logBuffer
	srv := NewServer(t, logs.logger(), WithClientLimits(ClientLimits{SessionConnections: 2}))
	ot := srv.Client()
	sid := routedSession(t, ot)
	other := routedSession(t, ot)
	good := token(t, ot, sid, nil)

	reason := func(f *frame) string {
		var r struct{ Reason string }
		require.NoError(t, jsonUnmarshal(f.body, &r))
		return r.Reason
	}
	t.Run("a token of another session", func(t *testing.T) {
		b := dialBrowser(t, srv, "")
		st := b.join(sid, token(t, ot, other, nil))
		assert.Equal(t, 403, status(st))
		assert.Equal(t, "Invalid token: the token is for another session", reason(st))
	})
	t.Run("a bad token", func(t *testing.T) {
		b := dialBrowser(t, srv, "")
		st := b.join(sid, good+"x")
		assert.Equal(t, 403, status(st))
		assert.NotContains(t, reason(st), good)
	})
	t.Run("an unknown session", func(t *testing.T) {
		b := dialBrowser(t, srv, "")
		st := b.join("2_MX40NzAwMDAwMH5-MTcwMDAwMDAwMDAwMH5ub25lfn4", good)
		assert.Equal(t, 404, status(st))
	})
	t.Run("a message before joining", func(t *testing.T) {
		b := dialBrowser(t, srv, "")
		b.sid = sid
		assert.Equal(t, 403, status(b.call("signal", "/signal/1", map[string]any{"type": "t"})))
	})
	t.Run("an invalid or taken connection ID", func(t *testing.T) {
		b := dialBrowser(t, srv, "")
		b.id = "not an id!"
		assert.Equal(t, 400, status(b.join(sid, good)))
		first := joined(t, srv, ot, sid, opentok.RolePublisher, "")
		dup := dialBrowser(t, srv, "")
		dup.id = first.id
		assert.Equal(t, 409, status(dup.join(sid, good)))
	})
	t.Run("past the session's connection limit", func(t *testing.T) {
		s2 := routedSession(t, ot)
		joined(t, srv, ot, s2, opentok.RolePublisher, "")
		joined(t, srv, ot, s2, opentok.RolePublisher, "")
		b := dialBrowser(t, srv, "")
		st := b.join(s2, token(t, ot, s2, nil))
		assert.Equal(t, 403, status(st))
		// The reason OpenTok.js maps to OT_CONNECTION_LIMIT_EXCEEDED.
		assert.Equal(t, "connectionLimitExceeded", reason(st))
	})
	t.Run("speaking for another connection", func(t *testing.T) {
		a := joined(t, srv, ot, sid, opentok.RolePublisher, "")
		real := a.id
		a.id = "someone-else"
		assert.Equal(t, 403, status(a.call("signal", "/signal/1", map[string]any{"type": "t"})))
		a.id = real
		a.sid = other
		assert.Equal(t, 403, status(a.call("signal", "/signal/1", map[string]any{"type": "t"})), "another session")
	})
}

func TestSignalsBetweenBrowsersSimulatedClientsAndREST(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	ctx := context.Background()
	sid := routedSession(t, ot)
	a := joined(t, srv, ot, sid, opentok.RolePublisher, "A")
	b := joined(t, srv, ot, sid, opentok.RolePublisher, "B")
	sim, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	a.waitMsg("created", "/connection/"+sim.ID())

	// A browser to everyone: everyone gets it, the sender too, from it.
	require.Equal(t, 200, status(a.call("signal", "/signal/s1", map[string]any{"type": "chat", "data": "hi all"})))
	for _, x := range []*browser{a, b} {
		m := x.waitMsg("signal", "")
		assert.Equal(t, map[string]any{"type": "chat", "data": "hi all"}, m.Content)
		assert.Equal(t, a.id, m.from)
		assert.True(t, strings.HasPrefix(m.URI, a.uri("/signal/")), m.URI)
	}
	require.Eventually(t, func() bool { return len(sim.Signals()) == 1 }, time.Second, 10*time.Millisecond)
	assert.Equal(t, Signal{Type: "chat", Data: "hi all", From: a.id}, sim.Signals()[0])

	// A browser to one connection (the simulated client).
	require.Equal(t, 200, status(b.call("signal", "/connection/"+sim.ID()+"/signal/s2", map[string]any{"type": "dm", "data": "psst"})))
	assert.Equal(t, Signal{Type: "dm", Data: "psst", From: b.id}, sim.Signals()[1])

	// The simulated client to one browser, then to everyone.
	require.NoError(t, sim.SendSignal(b.id, "back", "to B"))
	m := b.waitMsg("signal", "")
	_ = m
	got := b.waitFrame(func(f *frame) bool {
		mm, ok := decodeMsg(f)
		return ok && mm.Method == "signal" && mm.Content["type"] == "back"
	})
	gm, _ := decodeMsg(got)
	assert.Equal(t, sim.ID(), gm.from)
	assert.True(t, strings.HasPrefix(gm.URI, b.uri("/connection/"+b.id+"/signal/")), gm.URI)

	// The REST API: from "" (the server), to everyone or to one.
	require.NoError(t, ot.Signal(ctx, sid, opentok.SignalPayload{Type: "rest", Data: "all"}))
	require.NoError(t, ot.SignalConnection(ctx, sid, a.id, opentok.SignalPayload{Type: "rest1", Data: "A only"}))
	for _, x := range []*browser{a, b} {
		f := x.waitFrame(func(f *frame) bool {
			mm, ok := decodeMsg(f)
			return ok && mm.Content["type"] == "rest"
		})
		assert.Equal(t, "", f.header("X-TB-FROM-ADDRESS"))
	}
	a.waitFrame(func(f *frame) bool { mm, ok := decodeMsg(f); return ok && mm.Content["type"] == "rest1" })
	assert.Equal(t, Signal{Type: "rest1", Data: "A only"}, lastSignal(t, srv, a.id))
	for _, mm := range b.msgs("signal") {
		assert.NotEqual(t, "rest1", mm.Content["type"], "B got A's signal")
	}

	// The platform's limits and a missing recipient.
	assert.Equal(t, 413, status(a.call("signal", "/signal/s3", map[string]any{"type": strings.Repeat("t", 129), "data": ""})))
	assert.Equal(t, 413, status(a.call("signal", "/signal/s4", map[string]any{"type": "t", "data": strings.Repeat("d", 8193)})))
	assert.Equal(t, 404, status(a.call("signal", "/connection/nobody/signal/s5", map[string]any{"type": "t"})))
	assert.Equal(t, 400, status(a.call("signal", "/signal/s6", map[string]any{"type": 5})))
}

// lastSignal is the last signal a connection received, as the fake keeps it.
func lastSignal(t *testing.T, srv *Server, connID string) Signal {
	t.Helper()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	sigs := srv.st.connections[connID].signals
	require.NotEmpty(t, sigs)
	return sigs[len(sigs)-1]
}

func TestSimulatedClientsAndBrowsersSeeEachOtherComeAndGo(t *testing.T) {
	srv, ot, sid := newRoom(t)
	b := joined(t, srv, ot, sid, opentok.RolePublisher, "")

	sim, err := srv.Connect(sid, token(t, ot, sid, &opentok.TokenOptions{Data: "sim"}))
	require.NoError(t, err)
	m := b.waitMsg("created", "/connection/"+sim.ID())
	assert.Equal(t, "sim", m.Content["data"])
	streamID, err := sim.Publish(PublishOptions{Name: "cam"})
	require.NoError(t, err)
	m = b.waitMsg("created", "/stream/"+streamID)
	assert.Equal(t, "cam", m.Content["name"])
	assert.Equal(t, sim.ID(), m.Content["connection"].(map[string]any)["id"])

	sim.Disconnect()
	m = b.waitMsg("deleted", "/stream/"+streamID)
	assert.Equal(t, "clientDisconnected", m.Reason)
	assert.Equal(t, map[string]any{}, m.Content, "OpenTok.js reads content.sourceStreamId")
	m = b.waitMsg("deleted", "/connection/"+sim.ID())
	assert.Equal(t, "clientDisconnected", m.Reason)

	// And the simulated client sees the browser leave.
	sim2, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	require.Equal(t, 200, status(b.call("delete", "/connection/"+b.id, nil)))
	require.Eventually(t, func() bool { return len(srv.Connections(sid)) == 1 }, time.Second, 10*time.Millisecond)
	assert.Equal(t, sim2.ID(), srv.Connections(sid)[0].ID)
}

func TestForceDisconnectOfABrowser(t *testing.T) {
	sink := &eventSink{}
	hook := sink.handler("")
	defer hook.Close()
	srv := NewServer(t, WithWebhooks(Webhooks{SessionMonitoringURL: hook.URL}))
	ot := srv.Client()
	ctx := context.Background()
	sid := routedSession(t, ot)
	a := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	b := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	a.waitMsg("created", "/connection/"+b.id)

	require.NoError(t, ot.ForceDisconnect(ctx, sid, b.id))
	// B is told, with the platform's reason (OpenTok.js: sessionDisconnected
	// "forceDisconnected"), then its socket is closed.
	m := b.waitMsg("deleted", "/connection/"+b.id)
	assert.Equal(t, "forceDisconnected", m.Reason)
	assert.Equal(t, websocket.StatusNormalClosure, b.waitClosed())
	// A sees B's connection destroyed (connectionDestroyed "forceDisconnected").
	m = a.waitMsg("deleted", "/connection/"+b.id)
	assert.Equal(t, "forceDisconnected", m.Reason)
	_, live := srv.Connection(b.id)
	assert.False(t, live)

	srv.FlushWebhooks()
	assert.Equal(t, []string{"sessionCreated", "connectionCreated", "connectionCreated", "connectionDestroyed"}, sink.types())
	var destroyed *opentok.ConnectionDestroyedEvent
	for _, ev := range sink.events {
		if d, ok := ev.(*opentok.ConnectionDestroyedEvent); ok {
			destroyed = d
		}
	}
	require.NotNil(t, destroyed)
	assert.Equal(t, b.id, destroyed.Connection.ID)
	assert.Equal(t, opentok.DestroyedReason("forceDisconnected"), destroyed.Reason)
}

func TestModeratorClientsDisconnectOthers(t *testing.T) {
	srv, ot, sid := newRoom(t)
	mod := joined(t, srv, ot, sid, opentok.RoleModerator, "")
	pub := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	sim, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)

	assert.Equal(t, 403, status(pub.call("delete", "/connection/"+mod.id, nil)), "a publisher cannot")
	assert.Equal(t, 404, status(mod.call("delete", "/connection/nobody", nil)))
	assert.Equal(t, 200, status(mod.call("delete", "/connection/"+sim.ID(), nil)))
	assert.False(t, sim.Connected())
	m := pub.waitMsg("deleted", "/connection/"+sim.ID())
	assert.Equal(t, "forceDisconnected", m.Reason)
}

func TestLeavingEndsTheConnection(t *testing.T) {
	srv, ot, sid := newRoom(t)
	watcher := joined(t, srv, ot, sid, opentok.RolePublisher, "")

	cases := map[string]struct {
		leave  func(b *browser)
		reason string
	}{
		"delete of its own connection": {func(b *browser) {
			require.Equal(t, 200, status(b.call("delete", "/connection/"+b.id, nil)))
		}, "clientDisconnected"},
		"DISCONNECT frame":               {func(b *browser) { b.sendFrame(&frame{typ: frameDisconnect}) }, "clientDisconnected"},
		"a normal close":                 {func(b *browser) { _ = b.ws.Close(websocket.StatusNormalClosure, "bye") }, "clientDisconnected"},
		"the socket dropping (no close)": {func(b *browser) { _ = b.ws.CloseNow() }, "networkDisconnected"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			b := joined(t, srv, ot, sid, opentok.RolePublisher, "")
			c.leave(b)
			m := watcher.waitMsg("deleted", "/connection/"+b.id)
			assert.Equal(t, c.reason, m.Reason)
			for _, own := range b.msgs("deleted") {
				assert.NotEqual(t, "/connection/"+b.id, own.URI[len(own.URI)-len("/connection/"+b.id):], "a client that leaves is not told it left")
			}
		})
	}
}

func TestPingIsAnsweredWithPong(t *testing.T) {
	srv := NewServer(t)
	b := dialBrowser(t, srv, "")
	b.sendFrame(&frame{typ: framePing})
	b.waitFrame(func(f *frame) bool { return f.typ == framePong })
}

func TestBrowsersJoinAVonageFake(t *testing.T) {
	srv := NewServer(t, WithVonage())
	ot := srv.Client()
	sid := routedSession(t, ot)
	// The URIs name the application where an OpenTok fake names the API key.
	a := joined(t, srv, ot, sid, opentok.RolePublisher, "A")
	b := joined(t, srv, ot, sid, opentok.RolePublisher, "B")
	assert.True(t, strings.HasPrefix(a.uri(""), "/v2/partner/"+srv.ApplicationID+"/session/"))
	require.Equal(t, 200, status(a.call("signal", "/signal/1", map[string]any{"type": "t", "data": "d"})))
	m := b.waitMsg("signal", "")
	assert.Equal(t, a.id, m.from)

	// Another partner in the URI is refused.
	bad := dialBrowser(t, srv, "")
	bad.sid = sid
	body := `{"method":"create","uri":"/v2/partner/47000000/session/` + sid + `/connection/` + bad.id + `","content":{}}`
	bad.sendFrame(&frame{typ: frameMessage, headers: []header{{"TRANSACTION-ID", "x"}, {"X-TB-FROM-ADDRESS", bad.id},
		{"X-TB-TOKEN-AUTH", token(t, ot, sid, nil)}}, body: []byte(body)})
	st := bad.waitFrame(func(f *frame) bool { return f.typ == frameStatus })
	assert.Equal(t, 404, status(st))
}
