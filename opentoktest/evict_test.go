package opentoktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

var bg = context.Background()

// newSessions creates n routed sessions and returns their IDs.
func newSessions(t *testing.T, ot *opentok.OpenTok, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = routedSession(t, ot)
	}
	return ids
}

func hasSession(srv *Server, id string) bool { _, ok := srv.Session(id); return ok }

func TestStateLimitEvictsTheOldestFinishedSessions(t *testing.T) {
	srv := NewServer(t, WithStateLimit(3))
	ot := srv.Client()
	live := routedSession(t, ot)
	_, err := srv.Connect(live, token(t, ot, live, nil))
	require.NoError(t, err)
	s := newSessions(t, ot, 4) // s0 s1 s2 s3

	assert.True(t, hasSession(srv, live), "a session with a client is never evicted")
	assert.False(t, hasSession(srv, s[0]))
	assert.False(t, hasSession(srv, s[1]))
	assert.True(t, hasSession(srv, s[2]))
	assert.True(t, hasSession(srv, s[3]))
	assert.Len(t, srv.st.sessions, 3)

	// An evicted session is unknown, as one the fake never created.
	_, err = ot.ListStreams(bg, s[0])
	assert.ErrorIs(t, err, opentok.ErrNotFound)
	_, err = srv.Connect(s[0], token(t, ot, s[0], nil))
	assert.ErrorIs(t, err, ErrSessionNotFound)

	// The load tool's pattern: many sessions, none used. The state and its
	// bookkeeping stay bounded.
	newSessions(t, ot, 100)
	assert.Len(t, srv.st.sessions, 3)
	assert.True(t, hasSession(srv, live))
	assert.LessOrEqual(t, len(srv.st.evict.sessions.ids), 6)
}

func TestStateLimitKeepsSessionsWithRunningRecordings(t *testing.T) {
	srv := NewServer(t, WithStateLimit(2))
	ot := srv.Client()
	sid := routedSession(t, ot)
	c, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	a, err := ot.StartArchive(bg, sid, nil)
	require.NoError(t, err)
	c.Disconnect() // the manual archive goes on without clients

	newSessions(t, ot, 5)
	assert.True(t, hasSession(srv, sid), "kept while its archive records")
	_, err = ot.StopArchive(bg, a.ID)
	require.NoError(t, err)
	newSessions(t, ot, 1)
	assert.False(t, hasSession(srv, sid), "evicted once nothing runs in it")
	assert.Len(t, srv.st.sessions, 2)
}

func TestStateLimitNeverEvictsTheSessionJustCreated(t *testing.T) {
	srv := NewServer(t, WithStateLimit(1))
	ot := srv.Client()
	live := routedSession(t, ot)
	_, err := srv.Connect(live, token(t, ot, live, nil))
	require.NoError(t, err)
	fresh := routedSession(t, ot)
	assert.True(t, hasSession(srv, live))
	assert.True(t, hasSession(srv, fresh), "over the limit rather than evicting what the client was just given")
	newer := routedSession(t, ot)
	assert.False(t, hasSession(srv, fresh))
	assert.True(t, hasSession(srv, newer))
}

func TestStateLimitEvictsEndedConnectionsOnly(t *testing.T) {
	srv := NewServer(t, WithStateLimit(2))
	ot := srv.Client()
	sid := routedSession(t, ot)
	tok := token(t, ot, sid, nil)
	connect := func() *Conn {
		c, err := srv.Connect(sid, tok)
		require.NoError(t, err)
		return c
	}
	gone := connect()
	gone.Disconnect()
	c1, c2 := connect(), connect()
	_, found := srv.st.connections[gone.ID()]
	assert.False(t, found, "the ended connection made room")
	c3 := connect()
	assert.Len(t, srv.Connections(sid), 3, "live connections are never evicted, even past the limit")
	for _, c := range []*Conn{c1, c2, c3} {
		assert.True(t, c.Connected())
	}
	c1.Disconnect()
	connect()
	assert.Len(t, srv.st.connections, 3, "c1 went, the new one came")
	_, found = srv.st.connections[c1.ID()]
	assert.False(t, found)
	assert.Equal(t, 0, srv.st.evict.liveConns["nonexistent"])
	assert.Equal(t, 3, srv.st.evict.liveConns[sid])
}

func TestStateLimitEvictsFinishedArchivesAndBroadcasts(t *testing.T) {
	srv := NewServer(t, WithStateLimit(2))
	ot := srv.Client()
	sid := routedSession(t, ot)
	_, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)

	var running []string
	for i := range 3 {
		a, err := ot.StartArchive(bg, sid, &opentok.ArchiveOptions{MultiArchiveTag: fmt.Sprint(i)})
		require.NoError(t, err)
		running = append(running, a.ID)
	}
	assert.Len(t, srv.Archives(), 3, "recording archives are never evicted")
	for _, id := range running[:2] {
		_, err := ot.StopArchive(bg, id)
		require.NoError(t, err)
	}
	stopped, err := ot.StartArchive(bg, sid, &opentok.ArchiveOptions{MultiArchiveTag: "x"})
	require.NoError(t, err)
	assert.Len(t, srv.Archives(), 4, "stopped archives are not yet available: kept")
	require.True(t, srv.CompleteArchive(running[0]))
	require.True(t, srv.CompleteArchive(running[1]))
	_, err = ot.StartArchive(bg, sid, &opentok.ArchiveOptions{MultiArchiveTag: "y"})
	require.NoError(t, err)
	var ids []string
	for _, a := range srv.Archives() {
		ids = append(ids, a.ID)
	}
	assert.NotContains(t, ids, running[0], "available archives go, oldest first")
	assert.NotContains(t, ids, running[1])
	assert.Contains(t, ids, running[2])
	assert.Contains(t, ids, stopped.ID)
	_, err = ot.GetArchive(bg, running[0])
	assert.ErrorIs(t, err, opentok.ErrNotFound)

	hls := &opentok.BroadcastOptions{Outputs: opentok.BroadcastOutputs{HLS: &opentok.HLSOutput{}}}
	b1, err := ot.StartBroadcast(bg, sid, hls)
	require.NoError(t, err)
	_, err = ot.StopBroadcast(bg, b1.ID)
	require.NoError(t, err)
	for _, tag := range []string{"a", "b", "c"} {
		opts := *hls
		opts.MultiBroadcastTag = tag
		_, err := ot.StartBroadcast(bg, sid, &opts)
		require.NoError(t, err)
		if tag == "b" {
			_, found := srv.Broadcast(b1.ID)
			assert.False(t, found, "the stopped broadcast went")
		}
	}
	assert.Len(t, srv.st.broadcasts, 3, "running broadcasts are never evicted")
}

func TestStateLimitEvictsEndedCallsCaptionsAndRenders(t *testing.T) {
	srv := NewServer(t, WithStateLimit(1))
	ot := srv.Client()
	sid := routedSession(t, ot)
	_, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	mod := token(t, ot, sid, &opentok.TokenOptions{Role: opentok.RoleModerator})

	call1, err := ot.Dial(bg, sid, mod, "sip:a@example.com", nil)
	require.NoError(t, err)
	call2, err := ot.Dial(bg, sid, mod, "sip:b@example.com", nil)
	require.NoError(t, err)
	assert.Len(t, srv.st.sipCalls, 2, "calls in progress stay")
	require.NoError(t, ot.ForceDisconnect(bg, sid, call1.ConnectionID))
	_, err = ot.Dial(bg, sid, mod, "sip:c@example.com", nil)
	require.NoError(t, err)
	_, found := srv.SIPCall(call1.ID)
	assert.False(t, found, "the ended call went")
	_, found = srv.SIPCall(call2.ID)
	assert.True(t, found)

	c1, err := ot.StartCaptions(bg, sid, mod, nil)
	require.NoError(t, err)
	require.NoError(t, ot.StopCaptions(bg, c1.ID))
	c2, err := ot.StartCaptions(bg, sid, mod, nil)
	require.NoError(t, err)
	_, found = srv.Captions(c1.ID)
	assert.False(t, found)
	_, found = srv.Captions(c2.ID)
	assert.True(t, found)

	r1, err := ot.StartRender(bg, sid, mod, "https://example.com/page", nil)
	require.NoError(t, err)
	r2, err := ot.StartRender(bg, sid, mod, "https://example.com/page", nil)
	require.NoError(t, err)
	require.NoError(t, ot.StopRender(bg, r1.ID))
	_, err = ot.StartRender(bg, sid, mod, "https://example.com/page", nil)
	require.NoError(t, err)
	_, found = srv.Render(r1.ID)
	assert.False(t, found)
	_, found = srv.Render(r2.ID)
	assert.True(t, found, "a running render stays")
}

func TestStateLimitCapsSignalsDTMFAndWebhookDeliveries(t *testing.T) {
	var mu sync.Mutex
	received := 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		received++
		mu.Unlock()
	}))
	defer hook.Close()
	srv := NewServer(t, WithStateLimit(3), WithWebhooks(Webhooks{SessionMonitoringURL: hook.URL}))
	ot := srv.Client()
	sid := routedSession(t, ot)
	c, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	for i := range 5 {
		require.NoError(t, ot.Signal(bg, sid, opentok.SignalPayload{Type: "t", Data: fmt.Sprint(i)}))
	}
	require.NoError(t, c.SendSignal("", "t", "5"))
	var data []string
	for _, sg := range c.Signals() {
		data = append(data, sg.Data)
	}
	assert.Equal(t, []string{"3", "4", "5"}, data, "the most recent three")

	for i := range 5 {
		require.NoError(t, ot.PlayDTMF(bg, sid, fmt.Sprint(i)))
	}
	assert.Equal(t, []string{"2", "3", "4"}, srv.DTMF(sid))

	for range 3 {
		c, err := srv.Connect(sid, token(t, ot, sid, nil))
		require.NoError(t, err)
		c.Disconnect()
	}
	srv.FlushWebhooks()
	mu.Lock()
	assert.Greater(t, received, 3)
	mu.Unlock()
	d := srv.WebhookDeliveries()
	require.Len(t, d, 3)
	var last map[string]any
	require.NoError(t, json.Unmarshal(d[2].Body, &last))
	assert.Equal(t, "connectionDestroyed", last["event"], "the most recent deliveries")
}

func TestEvictOldestKeepsTheNewestAndTheLive(t *testing.T) {
	type item struct {
		id   int
		done bool
	}
	mk := func(spec string) []*item { // newest first: 'd' finished, 'l' live
		var out []*item
		for i, c := range spec {
			out = append(out, &item{id: i, done: c == 'd'})
		}
		return out
	}
	ids := func(list []*item) []int {
		var out []int
		for _, it := range list {
			out = append(out, it.id)
		}
		return out
	}
	done := func(it *item) bool { return it.done }
	assert.Equal(t, []int{0, 1}, ids(evictOldest(mk("dd"), 2, done)), "within the limit")
	assert.Equal(t, []int{0, 1}, ids(evictOldest(mk("dddd"), 2, done)))
	assert.Equal(t, []int{0, 2, 3}, ids(evictOldest(mk("ddll"), 2, done)), "the live ones stay, even over the limit")
	assert.Equal(t, []int{0, 1, 3}, ids(evictOldest(mk("dldldd"), 3, done)))
	assert.Equal(t, []int{0}, ids(evictOldest(mk("dd"), 1, done)))
	assert.Equal(t, []int{0, 1}, ids(evictOldest(mk("dl"), 1, done)), "never the newest")
}

func TestAppendCapped(t *testing.T) {
	var list []int
	for i := range 10 {
		list = appendCapped(list, i, 4)
		assert.LessOrEqual(t, len(list), 4)
	}
	assert.Equal(t, []int{6, 7, 8, 9}, list)
	assert.Equal(t, []int{9}, appendCapped([]int{8}, 9, 1))
}
