package opentoktest

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// The signalling WebSocket of real clients (OpenTok.js): one per client.
// Its handler reads frames and acts on them with the state lock held
// (signalling.go); a writer goroutine of its own sends what is queued for
// it. Queuing never blocks: a client whose queue passes
// ClientLimits.QueueBytes is disconnected, so a stalled reader delays no
// one. Every socket ends with its handler, and Close waits for them.

// clientSocket is one client's signalling socket.
type clientSocket struct {
	srv    *Server
	ws     *websocket.Conn
	remote string

	// The frames waiting for the writer, and their size in bytes; wake
	// tells the writer there are some. A slice under its own lock rather
	// than a buffered channel: an idle socket holds no queue memory.
	qmu    sync.Mutex
	queue  []outFrame
	queued int
	wake   chan struct{}
	// ctx is cancelled when the socket must end at once (its reader ended,
	// its queue overflowed, the server closes): the reads and writes under
	// way return, and the WebSocket closes.
	ctx  context.Context
	halt context.CancelFunc

	// Guarded by srv.mu: the connection it joined ("" before its connect
	// and after it left) and its session; closing is set once nothing
	// more may be queued.
	connID, sessionID string
	closing           bool

	// Rate limit, used by the reader goroutine only: frames in the current
	// one-second window.
	window time.Time
	count  int
}

// outFrame is a frame to write, or (with closeReason set) the request to
// close the socket once the frames before it are written.
type outFrame struct {
	data        []byte
	closeReason string
}

// closeGrace is how long a socket told that its connection ended (force
// disconnect) stays open for the client to close it itself, which lets
// OpenTok.js report the reason rather than a network error.
const closeGrace = 2 * time.Second

// send queues a frame without blocking; the state lock is held. A socket
// past its queue bound is stopped (its client then counts as
// networkDisconnected).
func (c *clientSocket) send(f *frame) {
	if c.closing {
		return
	}
	data, err := f.encode()
	if err != nil {
		return
	}
	c.qmu.Lock()
	queued := c.queued + len(data)
	ok := queued <= c.srv.cfg.clients.QueueBytes
	if ok {
		c.queue = append(c.queue, outFrame{data: data})
		c.queued = queued
	}
	c.qmu.Unlock()
	if !ok {
		c.closing = true
		c.srv.logger().Warn("opentoktest: closing a client socket that does not read its frames",
			"remote", c.remote, "connection", c.connID, "queuedBytes", queued, "limit", c.srv.cfg.clients.QueueBytes)
		c.halt()
		return
	}
	c.poke()
}

// poke wakes the writer.
func (c *clientSocket) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// message queues a MESSAGE frame with a Raptor body for connection to.
func (c *clientSocket) message(to, from string, body []byte) {
	c.send(&frame{typ: frameMessage, to: []string{to},
		headers: []header{{"X-TB-FROM-ADDRESS", from}, {"Content-Type", "application/x-raptor+v2"}}, body: body})
}

// status queues the STATUS frame that answers the client's message with
// transaction ID txID.
func (c *clientSocket) status(txID string, code int, body []byte) {
	c.send(&frame{typ: frameStatus, to: []string{c.connID},
		headers: []header{{"TRANSACTION-ID", txID}, {"STATUS", itoa(code)}, {"X-TB-FROM-ADDRESS", symphonyAddress}},
		body:    body})
}

// closeAfter closes the socket once the frames queued so far are written
// and the client had closeGrace to close it itself; the state lock is
// held.
func (c *clientSocket) closeAfter(reason string) {
	if c.closing {
		return
	}
	c.closing = true
	c.qmu.Lock()
	c.queue = append(c.queue, outFrame{closeReason: reason})
	c.qmu.Unlock()
	c.poke()
}

// writeLoop writes queued frames until the socket stops or a close is
// requested; then it closes the WebSocket.
func (c *clientSocket) writeLoop(done chan<- struct{}) {
	defer close(done)
	wt := c.srv.cfg.clients.WriteTimeout
	for {
		select {
		case <-c.ctx.Done():
			_ = c.ws.CloseNow()
			return
		case <-c.wake:
		}
		c.qmu.Lock()
		batch := c.queue
		c.queue = nil
		c.qmu.Unlock()
		for _, f := range batch {
			if f.closeReason != "" {
				t := time.NewTimer(closeGrace)
				select {
				case <-c.ctx.Done():
				case <-t.C:
				}
				t.Stop()
				// Close bounds its own handshake (5 s).
				_ = c.ws.Close(websocket.StatusNormalClosure, f.closeReason)
				return
			}
			ctx, cancel := context.WithTimeout(c.ctx, wt)
			err := c.ws.Write(ctx, websocket.MessageBinary, f.data)
			timedOut := ctx.Err() == context.DeadlineExceeded
			cancel()
			c.qmu.Lock()
			c.queued -= len(f.data)
			c.qmu.Unlock()
			switch {
			case err == nil:
				continue
			case timedOut:
				c.srv.logger().Warn("opentoktest: closing a client socket: writing a frame took longer than the write timeout",
					"remote", c.remote, "timeout", wt)
			default:
				// Usually the client went away (a broken pipe).
				c.srv.logger().Debug("opentoktest: a client socket failed to write", "remote", c.remote, "err", err)
			}
			_ = c.ws.CloseNow()
			return
		}
	}
}

// serveClientSocket is the handler of the signalling WebSocket: it checks
// the page's origin and the socket limit, upgrades, then reads frames until
// the socket ends, and cleans up.
func (s *Server) serveClientSocket(w http.ResponseWriter, r *http.Request) {
	if !s.clientOriginAllowed(w, r) {
		return
	}
	limits := s.cfg.clients
	s.mu.Lock()
	if s.cl.closed || s.cl.open >= limits.Connections {
		s.mu.Unlock()
		s.logger().Warn("opentoktest: refusing a client socket: too many open", "remote", r.RemoteAddr, "limit", limits.Connections)
		http.Error(w, "too many client connections", http.StatusServiceUnavailable)
		return
	}
	s.cl.open++
	s.sockets.Add(1)
	s.mu.Unlock()
	defer s.sockets.Done()
	defer func() {
		s.mu.Lock()
		s.cl.open--
		s.mu.Unlock()
	}()

	// The HTTP server's read and write deadlines (the emulator's
	// ReadTimeout) would outlive the upgrade and cut the socket: the
	// socket's own timeouts replace them.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	// The origin was checked above (loopback pages only).
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	ws.SetReadLimit(int64(limits.FrameBytes))
	c := &clientSocket{srv: s, ws: ws, remote: r.RemoteAddr, wake: make(chan struct{}, 1)}
	c.ctx, c.halt = context.WithCancel(context.Background())
	s.mu.Lock()
	if s.cl.closed {
		s.mu.Unlock()
		_ = ws.CloseNow()
		return
	}
	s.cl.all[c] = struct{}{}
	s.mu.Unlock()

	written := make(chan struct{})
	go c.writeLoop(written)
	reason := c.readLoop()

	s.mu.Lock()
	delete(s.cl.all, c)
	c.closing = true // nothing more is queued for it
	if cs := s.st.connections[c.connID]; c.connID != "" && cs != nil && !cs.gone {
		s.disconnectLocked(cs, reason)
	}
	s.mu.Unlock()
	c.halt()
	<-written
}

// readLoop reads and handles frames until the socket ends, and returns
// the reason its connection (if any is left) ends with.
func (c *clientSocket) readLoop() string {
	s, limits := c.srv, c.srv.cfg.clients
	for {
		// A halted socket's Read returns at once.
		ctx, cancel := context.WithTimeout(c.ctx, limits.IdleTimeout)
		typ, data, err := c.ws.Read(ctx)
		idle := ctx.Err() == context.DeadlineExceeded
		cancel()
		switch {
		case err == nil:
		case idle:
			s.logger().Info("opentoktest: closing an idle client socket", "remote", c.remote, "idle", limits.IdleTimeout)
			return "networkDisconnected"
		case errors.Is(err, websocket.ErrMessageTooBig):
			s.logger().Warn("opentoktest: closing a client socket that sent a frame over the limit", "remote", c.remote, "limit", limits.FrameBytes)
			return "networkDisconnected"
		case websocket.CloseStatus(err) == websocket.StatusNormalClosure, websocket.CloseStatus(err) == websocket.StatusGoingAway:
			return "clientDisconnected"
		default:
			return "networkDisconnected"
		}
		if typ != websocket.MessageBinary {
			s.logger().Warn("opentoktest: closing a client socket that sent a text message (frames are binary)", "remote", c.remote)
			_ = c.ws.Close(websocket.StatusUnsupportedData, "signalling frames are binary")
			return "networkDisconnected"
		}
		if now := time.Now(); now.Sub(c.window) >= time.Second {
			c.window, c.count = now, 0
		}
		if c.count++; c.count > limits.MessagesPerSecond {
			s.logger().Warn("opentoktest: closing a client socket over the message rate", "remote", c.remote, "limit", limits.MessagesPerSecond)
			_ = c.ws.Close(websocket.StatusPolicyViolation, "message rate exceeded")
			return "networkDisconnected"
		}
		f, err := decodeFrame(data)
		if err == nil {
			err = s.handleFrame(c, f)
		}
		if err != nil {
			s.logger().Warn("opentoktest: closing a client socket", "remote", c.remote, "err", err)
			_ = c.ws.Close(websocket.StatusProtocolError, "malformed signalling frame")
			return "networkDisconnected"
		}
	}
}

// closeClients ends every client socket and waits for their handlers
// (Server.Close).
func (s *Server) closeClients() {
	s.mu.Lock()
	s.cl.closed = true
	for c := range s.cl.all {
		c.halt()
	}
	s.mu.Unlock()
	s.sockets.Wait()
}
