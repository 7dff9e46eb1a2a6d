package opentoktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

// browser is a Go stand-in for OpenTok.js in tests: it speaks the client
// protocol (session info, the signalling socket, Raptor messages) as the
// real client does, and records every frame it receives.
type browser struct {
	t   *testing.T
	srv *Server
	ws  *websocket.Conn
	id  string
	sid string

	mu     sync.Mutex
	frames []*frame
	byType map[string][]msg // MESSAGEs by method, decoded once
	closed error            // set when the socket ended
	notify chan struct{}
	done   chan struct{}
	// stalled makes the reader stop reading (until release is closed), as
	// a client that hangs.
	stalled   atomic.Bool
	release   chan struct{}
	closeOnce sync.Once
}

// dialBrowser opens a signalling socket (through the proxy path) without
// joining; origin, when set, is sent as the page's Origin.
func dialBrowser(t *testing.T, srv *Server, origin string) *browser {
	t.Helper()
	b, resp, err := tryDialBrowser(t, srv, origin)
	require.NoError(t, err, "dial: %v", resp)
	return b
}

func tryDialBrowser(t *testing.T, srv *Server, origin string) (*browser, *http.Response, error) {
	t.Helper()
	return dialBrowserWith(t, srv, origin, nil)
}

// dialSmallBuffers opens a socket whose kernel receive buffer is tiny, so
// that a browser that stops reading soon leaves frames in the fake.
func dialSmallBuffers(t *testing.T, srv *Server) *browser {
	t.Helper()
	// Set before connecting, so that the window it advertises stays small.
	d := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return errors.Join(err, serr)
	}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	b, resp, err := dialBrowserWith(t, srv, "", &http.Client{Transport: tr})
	require.NoError(t, err, "dial: %v", resp)
	return b
}

func dialBrowserWith(t *testing.T, srv *Server, origin string, hc *http.Client) (*browser, *http.Response, error) {
	t.Helper()
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/" + messagingHost + "/rumorsvc"
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h, HTTPClient: hc})
	if err != nil {
		return nil, resp, err
	}
	ws.SetReadLimit(1 << 20)
	b := &browser{t: t, srv: srv, ws: ws, id: uuid.NewString(), notify: make(chan struct{}, 1), done: make(chan struct{}),
		release: make(chan struct{})}
	go b.readLoop()
	t.Cleanup(b.close)
	return b, resp, nil
}

func (b *browser) readLoop() {
	defer close(b.done)
	for {
		if b.stalled.Load() {
			<-b.release
		}
		_, data, err := b.ws.Read(context.Background())
		b.mu.Lock()
		if err != nil {
			b.closed = err
			b.mu.Unlock()
			b.poke()
			return
		}
		f, derr := decodeFrame(data)
		if derr != nil {
			b.closed = derr
			b.mu.Unlock()
			b.poke()
			return
		}
		b.frames = append(b.frames, f)
		if m, ok := decodeMsg(f); ok {
			if b.byType == nil {
				b.byType = map[string][]msg{}
			}
			b.byType[m.Method] = append(b.byType[m.Method], m)
		}
		b.mu.Unlock()
		b.poke()
	}
}

func (b *browser) poke() {
	select {
	case b.notify <- struct{}{}:
	default:
	}
}

func (b *browser) close() {
	b.closeOnce.Do(func() { close(b.release) })
	_ = b.ws.CloseNow()
	<-b.done
}

// stopReading makes the browser stop reading its socket, as a client that
// hangs.
func (b *browser) stopReading() { b.stalled.Store(true) }

// join connects like OpenTok.js: CONNECT, SUBSCRIBE, then create
// /connection/{id} with the token; it returns the STATUS answer.
func (b *browser) join(sid, token string) *frame {
	b.t.Helper()
	b.sid = sid
	b.sendFrame(&frame{typ: frameConnect, headers: []header{{"uniqueId", b.id}, {"notifyDisconnectAddress", symphonyAddress}}})
	b.sendFrame(&frame{typ: frameSubscribe, to: []string{"/v2/partner/" + b.srv.ownerOf(sid) + "/session/" + sid}})
	return b.call("create", "/connection/"+b.id, map[string]any{"userAgent": "test"}, header{"X-TB-TOKEN-AUTH", token})
}

// uri is the Raptor URI of a resource path of the browser's session.
func (b *browser) uri(p string) string {
	return "/v2/partner/" + b.srv.ownerOf(b.sid) + "/session/" + b.sid + p
}

func (b *browser) sendFrame(f *frame) {
	b.t.Helper()
	data, err := f.encode()
	require.NoError(b.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(b.t, b.ws.Write(ctx, websocket.MessageBinary, data))
}

// call sends a Raptor message and waits for its STATUS.
func (b *browser) call(method, p string, content any, extra ...header) *frame {
	b.t.Helper()
	tx := uuid.NewString()
	body, err := json.Marshal(map[string]any{"method": method, "uri": b.uri(p), "content": content})
	require.NoError(b.t, err)
	h := append([]header{{"Content-Type", "application/x-raptor+v2"}, {"TRANSACTION-ID", tx}, {"X-TB-FROM-ADDRESS", b.id}}, extra...)
	b.sendFrame(&frame{typ: frameMessage, to: []string{symphonyAddress}, headers: h, body: body})
	return b.waitFrame(func(f *frame) bool { return f.typ == frameStatus && f.header("TRANSACTION-ID") == tx })
}

// status returns the STATUS code of an answer.
func status(f *frame) int {
	n, _ := strconv.Atoi(f.header("STATUS"))
	return n
}

// waitFrame waits (up to 5 s) for a frame that matches.
func (b *browser) waitFrame(match func(*frame) bool) *frame {
	b.t.Helper()
	var found *frame
	b.waitUntil(func() bool {
		for _, f := range b.frames {
			if match(f) {
				found = f
				return true
			}
		}
		return false
	})
	return found
}

// waitUntil waits (up to 5 s) until cond, called with b.mu held, holds.
func (b *browser) waitUntil(cond func() bool) {
	b.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		b.mu.Lock()
		ok, closed := cond(), b.closed
		b.mu.Unlock()
		if ok {
			return
		}
		if closed != nil {
			b.t.Fatalf("the socket ended before the frame came: %v", closed)
		}
		select {
		case <-b.notify:
		case <-deadline:
			b.t.Fatalf("no matching frame within 5 s; the last ones: %s", b.describe())
		}
	}
}

// msg is a decoded server message.
type msg struct {
	Method  string         `json:"method"`
	URI     string         `json:"uri"`
	Content map[string]any `json:"content"`
	Reason  string         `json:"reason"`
	from    string
}

// waitMsg waits for a MESSAGE with this method whose URI ends with suffix.
func (b *browser) waitMsg(method, suffix string) msg {
	b.t.Helper()
	var found msg
	b.waitUntil(func() bool {
		for _, m := range b.byType[method] {
			if strings.HasSuffix(m.URI, suffix) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// msgs returns the MESSAGEs received so far with this method.
func (b *browser) msgs(method string) []msg {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.byType[method])
}

func decodeMsg(f *frame) (msg, bool) {
	if f.typ != frameMessage {
		return msg{}, false
	}
	var m msg
	if json.Unmarshal(f.body, &m) != nil {
		return msg{}, false
	}
	m.from = f.header("X-TB-FROM-ADDRESS")
	return m, true
}

// waitClosed waits for the socket to end and returns its close status.
func (b *browser) waitClosed() websocket.StatusCode {
	b.t.Helper()
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		b.t.Fatal("the socket did not close")
	}
	return websocket.CloseStatus(b.closed)
}

// describe lists the last frames received, shortened, for a failure.
func (b *browser) describe() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var parts []string
	for _, f := range b.frames[max(0, len(b.frames)-10):] {
		parts = append(parts, f.typ.String()+" "+truncate(string(f.body), 300))
	}
	return fmt.Sprintf("%d frames; ", len(b.frames)) + strings.Join(parts, " | ")
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// newRoom starts a fake (with opts) and creates a routed session on it
// through the SDK.
func newRoom(t *testing.T, opts ...Option) (*Server, *opentok.OpenTok, string) {
	t.Helper()
	srv := NewServer(t, opts...)
	ot := srv.Client()
	return srv, ot, routedSession(t, ot)
}
