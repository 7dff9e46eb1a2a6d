package opentoktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"
)

// Webhooks says where the fake POSTs callback events, as the platform does
// for the callback URLs configured in the account dashboard. An empty URL
// sends nothing of that kind, unless Handler is set. Give it to New with
// WithWebhooks, or set it any time with [Server.SetWebhooks] (so that the
// code under test can be built from Server.Client first).
type Webhooks struct {
	// SessionMonitoringURL receives connectionCreated/Destroyed,
	// streamCreated/Destroyed and sessionCreated/Destroyed events.
	SessionMonitoringURL string
	// ArchiveURL receives archive status events.
	ArchiveURL string
	// BroadcastURL receives broadcast status events.
	BroadcastURL string
	// SIPURL receives SIP call events (callCreated, callUpdated,
	// callDestroyed, muteForced).
	SIPURL string
	// RenderURL receives Experience Composer status events.
	RenderURL string
	// Secret, when set, signs every event: an "Authorization: Bearer" HS256
	// JWT with iss "Vonage", iat, jti, payload_hash, api_key and
	// application_id, as the platform's signed callbacks.
	Secret string
	// Client sends the events (default: a client of its own on
	// http.DefaultTransport); Timeout bounds each delivery, whatever the
	// client's own timeout.
	Client *http.Client
	// Timeout bounds each delivery: the POST and its answer, or the
	// Handler's ServeHTTP (0 or less: DefaultWebhookTimeout, 5 s). A
	// delivery past it is recorded as failed (a Handler's request context is
	// cancelled then; a Handler that ignores it goes on in its goroutine,
	// and its answer is not recorded), and the events queued behind it for
	// the same URL are not sent (recorded as failed): a receiver that hangs
	// holds the queue up for one Timeout, not one per event.
	Timeout time.Duration
	// Handler, when set, receives every event in this process instead of
	// over the network: the fake calls its ServeHTTP with the request it
	// would have sent (same method, headers, signature and body), and
	// records the status the handler wrote. The request's URL is the
	// kind's URL field, which may then be a path such as "/callbacks/archive"
	// (so that one mux can route the kinds); a kind whose field is empty
	// goes to DefaultWebhookPaths. A panic in the handler is recovered and
	// recorded as the delivery's Err, as a server would drop that
	// connection.
	Handler http.Handler
}

// The bounds of webhook delivery. A receiver that hangs must not hang the
// test that uses the fake: each delivery ends within Webhooks.Timeout,
// at most MaxQueuedWebhooks events wait for delivery, FlushWebhooks waits
// at most twice the Timeout, and Close at most three times.
const (
	// DefaultWebhookTimeout bounds each delivery when Webhooks.Timeout is 0.
	DefaultWebhookTimeout = 5 * time.Second
	// MaxQueuedWebhooks is the most events waiting for delivery: an event
	// emitted while that many wait is not sent, and is recorded as a failed
	// delivery saying so.
	MaxQueuedWebhooks = 1000
)

// DefaultWebhookPaths are the paths a Webhooks.Handler receives the kinds
// of events at whose URL field is empty.
var DefaultWebhookPaths = Webhooks{
	SessionMonitoringURL: "/opentok/session-monitoring",
	ArchiveURL:           "/opentok/archive",
	BroadcastURL:         "/opentok/broadcast",
	SIPURL:               "/opentok/sip",
	RenderURL:            "/opentok/render",
}

// webhookKind picks the URL of one kind of event from a configuration.
type webhookKind func(Webhooks) string

func sessionMonitoringURL(w Webhooks) string { return w.SessionMonitoringURL }
func archiveURL(w Webhooks) string           { return w.ArchiveURL }
func broadcastURL(w Webhooks) string         { return w.BroadcastURL }
func sipURL(w Webhooks) string               { return w.SIPURL }
func renderURL(w Webhooks) string            { return w.RenderURL }

// WebhookDelivery records one event the fake sent, or could not send.
type WebhookDelivery struct {
	URL  string
	Body []byte
	// Status is the receiver's answer, 0 when the delivery failed.
	Status int
	// Err describes a failed delivery: the POST's error, no answer within
	// Webhooks.Timeout, a Handler's panic, or why the event was not sent
	// (the queue was full, an earlier delivery to the URL timed out, the
	// fake was closed).
	Err string
}

type webhookJob struct {
	url  string
	body []byte
	// cfg is the configuration when the event was emitted.
	cfg Webhooks
}

// webhookQueue delivers events in order from one worker goroutine that runs
// only while there is work.
type webhookQueue struct {
	sign func(body []byte, secret string) (string, error)
	// cfg is guarded by mu: SetWebhooks changes it.
	cfg Webhooks

	mu        sync.Mutex
	cond      *sync.Cond // signalled when the worker stops, and at a flush's deadline
	queue     []webhookJob
	running   bool
	closed    bool
	delivered []WebhookDelivery
	keep      int // most deliveries kept (the state limit)
}

func newWebhookQueue(cfg Webhooks) *webhookQueue {
	q := &webhookQueue{}
	q.cond = sync.NewCond(&q.mu)
	q.set(cfg)
	return q
}

// set replaces the configuration: events emitted from now on follow it.
func (q *webhookQueue) set(cfg Webhooks) {
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultWebhookTimeout
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.cfg = cfg
}

// recordLocked keeps d among the most recent deliveries.
func (q *webhookQueue) recordLocked(d WebhookDelivery) {
	q.delivered = appendCapped(q.delivered, d, max(q.keep, 1))
}

// enqueue queues the event v for the URL kind picks, if there is one.
func (q *webhookQueue) enqueue(kind webhookKind, v any) {
	q.mu.Lock()
	defer q.mu.Unlock()
	url := kind(q.cfg)
	if url == "" && q.cfg.Handler != nil {
		url = kind(DefaultWebhookPaths)
	}
	if url == "" || q.closed {
		return
	}
	body, err := json.Marshal(v)
	if err != nil {
		return
	}
	if len(q.queue) >= MaxQueuedWebhooks {
		q.recordLocked(WebhookDelivery{URL: url, Body: body,
			Err: fmt.Sprintf("not sent: %d events were already waiting for delivery (MaxQueuedWebhooks)", MaxQueuedWebhooks)})
		return
	}
	q.queue = append(q.queue, webhookJob{url: url, body: body, cfg: q.cfg})
	if !q.running {
		q.running = true
		go q.work()
	}
}

func (q *webhookQueue) work() {
	for {
		q.mu.Lock()
		if len(q.queue) == 0 {
			q.running = false
			q.cond.Broadcast()
			q.mu.Unlock()
			return
		}
		job := q.queue[0]
		q.queue = q.queue[1:]
		q.mu.Unlock()

		d, timedOut := q.post(job)

		q.mu.Lock()
		q.recordLocked(d)
		if timedOut {
			// The receiver hangs: the events waiting for the same URL
			// would each wait their Timeout too.
			kept := q.queue[:0]
			for _, j := range q.queue {
				if j.url != job.url {
					kept = append(kept, j)
					continue
				}
				q.recordLocked(WebhookDelivery{URL: j.url, Body: j.body,
					Err: fmt.Sprintf("not sent: an earlier delivery to this URL got no answer within %s", job.cfg.Timeout)})
			}
			clear(q.queue[len(kept):])
			q.queue = kept
		}
		q.mu.Unlock()
	}
}

// post delivers one event within its configuration's Timeout, and reports
// whether that ran out.
func (q *webhookQueue) post(job webhookJob) (WebhookDelivery, bool) {
	d := WebhookDelivery{URL: job.url, Body: job.body}
	ctx, cancel := context.WithTimeout(context.Background(), job.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.url, bytes.NewReader(job.body))
	if err != nil {
		d.Err = err.Error()
		return d, false
	}
	req.Header.Set("Content-Type", "application/json")
	if job.cfg.Secret != "" && q.sign != nil {
		tok, err := q.sign(job.body, job.cfg.Secret)
		if err != nil {
			d.Err = "signing failed"
			return d, false
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if job.cfg.Handler != nil {
		return serveWebhook(job.cfg.Handler, req, d, job.cfg.Timeout)
	}
	resp, err := job.cfg.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			d.Err = fmt.Sprintf("no answer within %s (Webhooks.Timeout)", job.cfg.Timeout)
			return d, true
		}
		d.Err = err.Error()
		return d, false
	}
	_ = resp.Body.Close()
	d.Status = resp.StatusCode
	return d, false
}

// serveWebhook delivers req to h in this process and records the status h
// wrote (200 when it wrote none, as a server answers). h runs in a
// goroutine of its own, so that one that does not return within timeout
// (req's context then ends) is left behind and recorded as failed.
func serveWebhook(h http.Handler, req *http.Request, d WebhookDelivery, timeout time.Duration) (WebhookDelivery, bool) {
	in := httptest.NewRequestWithContext(req.Context(), req.Method, req.URL.String(), req.Body)
	in.Header = req.Header
	done := make(chan WebhookDelivery, 1)
	go func(out WebhookDelivery) {
		defer func() {
			if p := recover(); p != nil {
				out.Status, out.Err = 0, fmt.Sprintf("the handler panicked: %v", p)
			}
			done <- out
		}()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, in)
		out.Status = rec.Code
	}(d)
	select {
	case out := <-done:
		return out, false
	case <-req.Context().Done():
		d.Err = fmt.Sprintf("the handler did not return within %s (Webhooks.Timeout)", timeout)
		return d, true
	}
}

// flushLimit is how long a flush waits: twice the configured Timeout.
func (q *webhookQueue) flushLimit() time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	return 2 * q.cfg.Timeout
}

// flush waits until every queued event was delivered (or failed), at most
// limit; it returns an error saying how many are still waiting after that.
func (q *webhookQueue) flush(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	timer := time.AfterFunc(limit, func() {
		q.mu.Lock()
		q.cond.Broadcast()
		q.mu.Unlock()
	})
	defer timer.Stop()
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.running || len(q.queue) > 0 {
		if !time.Now().Before(deadline) {
			return fmt.Errorf("opentoktest: %d webhook events still waiting after %s: a receiver is slow or hangs (each delivery is bounded by Webhooks.Timeout)",
				q.waitingLocked(), limit)
		}
		q.cond.Wait()
	}
	return nil
}

// waitingLocked is the number of events queued or in delivery.
func (q *webhookQueue) waitingLocked() int {
	n := len(q.queue)
	if q.running {
		n++ // the one in delivery
	}
	return n
}

// close stops taking events, waits for the queued ones as a flush does,
// then records those still waiting as not sent and waits for the one in
// delivery (at most its Timeout).
func (q *webhookQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	if q.flush(q.flushLimit()) == nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, j := range q.queue {
		q.recordLocked(WebhookDelivery{URL: j.url, Body: j.body, Err: "not sent: the fake was closed"})
	}
	q.queue = nil
	for q.running {
		q.cond.Wait()
	}
}

// SetWebhooks replaces the fake's webhook configuration (see [Webhooks]):
// the events emitted from now on go where it says, signed with its secret.
// Events already queued are delivered as configured when they were
// emitted. It lets a test create the fake, build the code under test from
// Client, and then point the fake's callbacks at that code, over the
// network or, with Webhooks.Handler, in this process:
//
//	srv := opentoktest.NewServer(t)
//	app := myapp.New(srv.Client())
//	srv.SetWebhooks(opentoktest.Webhooks{Handler: app.Routes(), ArchiveURL: "/callbacks/archive", Secret: "s"})
func (s *Server) SetWebhooks(w Webhooks) { s.hooks.set(w) }

// FlushWebhooks waits until every event emitted so far has been delivered
// (or has failed), at most twice Webhooks.Timeout (10 s by default). Each
// delivery ends within the Timeout, and one that runs out ends the events
// waiting for the same URL, so a receiver that hangs costs about one
// Timeout. It returns nil when the queue is empty, or an error saying how
// many events are still waiting (they are delivered later).
func (s *Server) FlushWebhooks() error { return s.hooks.flush(s.hooks.flushLimit()) }

// webhooksWaiting is the number of events queued or in delivery.
func (s *Server) webhooksWaiting() int {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return s.hooks.waitingLocked()
}

// WebhookDeliveries returns the events sent so far, in order: the most
// recent ones, up to the state limit (WithStateLimit).
func (s *Server) WebhookDeliveries() []WebhookDelivery {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return slices.Clone(s.hooks.delivered)
}

// ---- event bodies (as in the platform's documentation) --------------------------------

func (s *Server) ownerKey() string {
	if s.cfg.vonage {
		return "applicationId"
	}
	return "projectId"
}

func connJSON(c Connection) map[string]any {
	return map[string]any{"id": c.ID, "createdAt": ms(c.CreatedAt), "data": c.Data}
}

func (s *Server) emitSessionLocked(sessionID, event string) {
	s.hooks.enqueue(sessionMonitoringURL, map[string]any{
		"sessionId": sessionID, s.ownerKey(): s.ownerOf(sessionID), "event": event, "timestamp": ms(s.nowLocked()),
	})
}

func (s *Server) emitConnectionLocked(cs *connState, event, reason string) {
	m := map[string]any{
		"sessionId": cs.SessionID, s.ownerKey(): s.ownerOf(cs.SessionID), "event": event, "timestamp": ms(s.nowLocked()),
		"connection": connJSON(cs.Connection),
	}
	if reason != "" {
		m["reason"] = reason
	}
	s.hooks.enqueue(sessionMonitoringURL, m)
}

func (s *Server) emitStreamLocked(st *Stream, cs *connState, event, reason string) {
	stream := map[string]any{"id": st.ID, "createdAt": ms(st.CreatedAt), "name": st.Name}
	if cs != nil {
		stream["connection"] = connJSON(cs.Connection)
	}
	if st.VideoType != "" {
		stream["videoType"] = st.VideoType
	}
	m := map[string]any{
		"sessionId": st.SessionID, s.ownerKey(): s.ownerOf(st.SessionID), "event": event, "timestamp": ms(s.nowLocked()),
		"stream": stream,
	}
	if reason != "" {
		m["reason"] = reason
	}
	s.hooks.enqueue(sessionMonitoringURL, m)
}

func (s *Server) emitArchiveLocked(a *Archive) {
	s.hooks.enqueue(archiveURL, s.archiveJSON(a))
}

func (s *Server) emitBroadcastLocked(b *Broadcast) {
	s.hooks.enqueue(broadcastURL, s.broadcastJSON(b))
}

func (s *Server) emitSIPLocked(call *SIPCall, event string, extra map[string]any) {
	m := map[string]any{
		"sessionId": call.SessionID, s.ownerKey(): s.ownerOf(call.SessionID), "event": event, "timestamp": ms(s.nowLocked()),
		"call": map[string]any{"id": call.ID, "connectionId": call.ConnectionID, "createdAt": ms(call.CreatedAt)},
	}
	for k, v := range extra {
		m[k] = v
	}
	s.hooks.enqueue(sipURL, m)
}

func (s *Server) emitRenderLocked(rd *Render) {
	m := map[string]any{"id": rd.ID, "sessionId": rd.SessionID, "status": rd.Status}
	if rd.StreamID != "" {
		m["streamId"] = rd.StreamID
	}
	if rd.Reason != "" {
		m["reason"] = rd.Reason
	}
	s.hooks.enqueue(renderURL, m)
}
