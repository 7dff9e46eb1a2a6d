package opentoktest

import (
	"context"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

func TestMalformedFramesCloseOnlyTheirSocket(t *testing.T) {
	cases := map[string]func(b *browser){
		"a frame that is not the format": func(b *browser) {
			require.NoError(t, b.ws.Write(context.Background(), websocket.MessageBinary, []byte{0, 0, 0, 9, 1}))
		},
		"a text message": func(b *browser) {
			require.NoError(t, b.ws.Write(context.Background(), websocket.MessageText, []byte("hello")))
		},
		"an unknown frame type": func(b *browser) { b.sendFrame(&frame{typ: 42}) },
		"a message that is not JSON": func(b *browser) {
			b.sendFrame(&frame{typ: frameMessage, headers: []header{{"TRANSACTION-ID", "1"}}, body: []byte("{not json")})
		},
		"a message without a session URI": func(b *browser) {
			b.sendFrame(&frame{typ: frameMessage, body: []byte(`{"method":"create","uri":"/v2/partner/1"}`)})
		},
		"a message whose content is not an object": func(b *browser) {
			b.sendFrame(&frame{typ: frameMessage, body: []byte(`{"method":"signal","uri":"` + b.uri("/signal/1") + `","content":[1]}`)})
		},
	}
	for name, send := range cases {
		t.Run(name, func(t *testing.T) {
			var logs logBuffer
			srv := NewServer(t, logs.logger())
			ot := srv.Client()
			sid := routedSession(t, ot)
			bad := joined(t, srv, ot, sid, opentok.RolePublisher, "")
			good := joined(t, srv, ot, sid, opentok.RolePublisher, "")
			send(bad)
			code := bad.waitClosed()
			assert.Contains(t, []websocket.StatusCode{websocket.StatusProtocolError, websocket.StatusUnsupportedData}, code)
			assert.Contains(t, logs.String(), "closing a client socket")
			m := good.waitMsg("deleted", "/connection/"+bad.id)
			assert.Equal(t, "networkDisconnected", m.Reason)
			// The other socket goes on.
			good.sendFrame(&frame{typ: framePing})
			good.waitFrame(func(f *frame) bool { return f.typ == framePong })
		})
	}
}

func TestFramesOverTheLimitCloseTheSocket(t *testing.T) {
	var logs logBuffer
	srv := NewServer(t, logs.logger(), WithClientLimits(ClientLimits{FrameBytes: 1024}))
	ot := srv.Client()
	sid := routedSession(t, ot)
	b := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	require.Equal(t, 200, status(b.call("signal", "/signal/ok", map[string]any{"type": "t", "data": strings.Repeat("d", 300)})))
	tx := &frame{typ: frameMessage, headers: []header{{"TRANSACTION-ID", "1"}},
		body: []byte(`{"method":"signal","uri":"` + b.uri("/signal/1") + `","content":{"data":"` + strings.Repeat("d", 2000) + `"}}`)}
	b.sendFrame(tx)
	assert.Equal(t, websocket.StatusMessageTooBig, b.waitClosed())
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "frame over the limit") }, 2*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return len(srv.Connections(sid)) == 0 }, 2*time.Second, 10*time.Millisecond)
}

func TestMessageRateIsBounded(t *testing.T) {
	var logs logBuffer
	srv := NewServer(t, logs.logger(), WithClientLimits(ClientLimits{MessagesPerSecond: 20}))
	b := dialBrowser(t, srv, "")
	ping, err := (&frame{typ: framePing}).encode()
	require.NoError(t, err)
	for range 40 {
		if b.ws.Write(context.Background(), websocket.MessageBinary, ping) != nil {
			break
		}
	}
	assert.Equal(t, websocket.StatusPolicyViolation, b.waitClosed())
	assert.Contains(t, logs.String(), "over the message rate")
}

func TestSocketLimitRefusesNewSockets(t *testing.T) {
	var logs logBuffer
	srv := NewServer(t, logs.logger(), WithClientLimits(ClientLimits{Connections: 2}))
	first := dialBrowser(t, srv, "")
	dialBrowser(t, srv, "")
	_, resp, err := tryDialBrowser(t, srv, "")
	require.Error(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Contains(t, logs.String(), "too many open")
	// A socket that ends frees its place.
	first.close()
	require.Eventually(t, func() bool {
		b, _, err := tryDialBrowser(t, srv, "")
		if err == nil {
			b.close()
		}
		return err == nil
	}, 2*time.Second, 20*time.Millisecond)
}

func TestIdleSocketsAreClosed(t *testing.T) {
	var logs logBuffer
	srv := NewServer(t, logs.logger(), WithClientLimits(ClientLimits{IdleTimeout: 200 * time.Millisecond}))
	ot := srv.Client()
	sid := routedSession(t, ot)
	watcher := dialBrowser(t, srv, "")
	require.Equal(t, 200, status(watcher.join(sid, token(t, ot, sid, nil))))
	idle := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	// The watcher keeps pinging, as OpenTok.js does; the other says nothing.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		ping, _ := (&frame{typ: framePing}).encode()
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				_ = watcher.ws.Write(context.Background(), websocket.MessageBinary, ping)
			}
		}
	}()
	idle.waitClosed()
	m := watcher.waitMsg("deleted", "/connection/"+idle.id)
	assert.Equal(t, "networkDisconnected", m.Reason)
	assert.Contains(t, logs.String(), "idle client socket")
}

func TestAStalledReaderDelaysNoOne(t *testing.T) {
	var logs logBuffer
	srv := NewServer(t, logs.logger(), WithClientLimits(ClientLimits{QueueBytes: 256 << 10}))
	ot := srv.Client()
	sid := routedSession(t, ot)
	good := joined(t, srv, ot, sid, opentok.RolePublisher, "")

	// A client that joins, then never reads again: its frames pile up in
	// the kernel's socket buffers, then in the fake's queue.
	stalled := dialSmallBuffers(t, srv)
	require.Equal(t, 200, status(stalled.join(sid, token(t, ot, sid, nil))))
	stalledID := stalled.id
	stalled.stopReading()

	sim, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	data := strings.Repeat("x", 8000)
	sent := 0
	// Batches of 160 kB, each delivered to the reading client at once
	// whatever the stalled one does, until the stalled one is dropped
	// (16 MB at most: far more than its socket buffers hold).
	for batch := 0; batch < 100; batch++ {
		for range 20 {
			require.NoError(t, sim.SendSignal("", "flood", data))
			sent++
		}
		start := time.Now()
		require.Eventually(t, func() bool { return len(good.msgs("signal")) == sent }, 5*time.Second, 5*time.Millisecond)
		assert.Less(t, time.Since(start), 2*time.Second, "batch %d waited for the stalled reader", batch)
		if _, live := srv.Connection(stalledID); !live {
			break
		}
	}
	_, live := srv.Connection(stalledID)
	require.False(t, live, "the stalled client was never dropped")
	m := good.waitMsg("deleted", "/connection/"+stalledID)
	assert.Equal(t, "networkDisconnected", m.Reason)
	assert.Contains(t, logs.String(), "does not read its frames")
}

func TestWriteTimeoutDropsAClientThatStopsReading(t *testing.T) {
	// A queue bound that is never reached: the write timeout ends it.
	var logs logBuffer
	srv := NewServer(t, logs.logger(), WithClientLimits(ClientLimits{QueueBytes: 1 << 30, WriteTimeout: 300 * time.Millisecond}))
	ot := srv.Client()
	sid := routedSession(t, ot)
	good := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	stalled := dialSmallBuffers(t, srv)
	require.Equal(t, 200, status(stalled.join(sid, token(t, ot, sid, nil))))
	stalled.stopReading()
	sim, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	data := strings.Repeat("x", 8000)
	start := time.Now()
	for range 1000 { // 8 MB: more than the socket buffers hold
		require.NoError(t, sim.SendSignal("", "flood", data))
	}
	require.Eventually(t, func() bool { _, ok := srv.Connection(stalled.id); return !ok }, 10*time.Second, 10*time.Millisecond)
	assert.Less(t, time.Since(start), 8*time.Second)
	m := good.waitMsg("deleted", "/connection/"+stalled.id)
	assert.Equal(t, "networkDisconnected", m.Reason)
	assert.NotContains(t, logs.String(), "does not read its frames", "the write timeout ended it, not the queue bound")
	assert.Contains(t, logs.String(), "longer than the write timeout")
}

func TestSocketsOutliveTheServersReadTimeout(t *testing.T) {
	// The emulator serves with ReadTimeout: the socket must not inherit it.
	srv, err := New()
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv.URL = "http://" + ln.Addr().String()
	hs := &http.Server{Handler: srv, ReadTimeout: 300 * time.Millisecond}
	go func() { _ = hs.Serve(ln) }()
	defer func() { _ = hs.Close() }()
	defer srv.Close()

	ot, err := srv.NewClient()
	require.NoError(t, err)
	sid := routedSession(t, ot)
	b := joined(t, srv, ot, sid, opentok.RolePublisher, "")
	time.Sleep(600 * time.Millisecond)
	assert.Equal(t, 200, status(b.call("signal", "/signal/late", map[string]any{"type": "t"})))
}

func TestCloseEndsEverySocket(t *testing.T) {
	srv, ot, sid := newRoom(t)
	bs := []*browser{joined(t, srv, ot, sid, opentok.RolePublisher, ""), dialBrowser(t, srv, "")}
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	for _, b := range bs {
		b.waitClosed()
	}
	_, _, err := tryDialBrowser(t, srv, "")
	assert.Error(t, err, "no socket after Close")
}

func TestNoGoroutineLeftAfterAThousandClients(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 connections")
	}
	srv, ot, sid := newRoom(t)
	tok := token(t, ot, sid, nil)
	settle := func() int {
		var n int
		for range 50 {
			runtime.GC()
			n = runtime.NumGoroutine()
			time.Sleep(20 * time.Millisecond)
			if runtime.NumGoroutine() == n {
				break
			}
		}
		return n
	}
	before := settle()
	for i := range 1000 {
		b := dialBrowser(t, srv, "")
		st := b.join(sid, tok)
		require.Equal(t, 200, status(st))
		if i%2 == 0 {
			b.sendFrame(&frame{typ: frameDisconnect})
		}
		b.close()
	}
	require.Eventually(t, func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return srv.cl.open == 0 && len(srv.cl.all) == 0 && len(srv.cl.joined) == 0
	}, 10*time.Second, 20*time.Millisecond)
	assert.Empty(t, srv.Connections(sid))
	after := settle()
	// The client's own idle keep-alive connection may stay: a few at most.
	assert.LessOrEqual(t, after, before+4, "goroutines before %d, after %d", before, after)
}
