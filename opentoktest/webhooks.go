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
	// Client sends the events (default: a client with a 5 s timeout).
	Client *http.Client
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

// WebhookDelivery records one event the fake sent.
type WebhookDelivery struct {
	URL  string
	Body []byte
	// Status is the receiver's answer, 0 when the POST failed.
	Status int
	// Err describes a failed POST.
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
	cond      *sync.Cond
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
		cfg.Client = &http.Client{Timeout: 5 * time.Second}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.cfg = cfg
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

		d := q.post(job)

		q.mu.Lock()
		q.delivered = appendCapped(q.delivered, d, max(q.keep, 1))
		q.mu.Unlock()
	}
}

func (q *webhookQueue) post(job webhookJob) WebhookDelivery {
	d := WebhookDelivery{URL: job.url, Body: job.body}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.url, bytes.NewReader(job.body))
	if err != nil {
		d.Err = err.Error()
		return d
	}
	req.Header.Set("Content-Type", "application/json")
	if job.cfg.Secret != "" && q.sign != nil {
		tok, err := q.sign(job.body, job.cfg.Secret)
		if err != nil {
			d.Err = "signing failed"
			return d
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if job.cfg.Handler != nil {
		return serveWebhook(job.cfg.Handler, req, d)
	}
	resp, err := job.cfg.Client.Do(req)
	if err != nil {
		d.Err = err.Error()
		return d
	}
	_ = resp.Body.Close()
	d.Status = resp.StatusCode
	return d
}

// serveWebhook delivers req to h in this process and records the status h
// wrote (200 when it wrote none, as a server answers).
func serveWebhook(h http.Handler, req *http.Request, d WebhookDelivery) (out WebhookDelivery) {
	in := httptest.NewRequestWithContext(req.Context(), req.Method, req.URL.String(), req.Body)
	in.Header = req.Header
	rec := httptest.NewRecorder()
	defer func() {
		if p := recover(); p != nil {
			d.Status, d.Err = 0, fmt.Sprintf("the handler panicked: %v", p)
			out = d
		}
	}()
	h.ServeHTTP(rec, in)
	d.Status = rec.Code
	return d
}

// flush waits until every queued event was delivered.
func (q *webhookQueue) flush() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.running || len(q.queue) > 0 {
		q.cond.Wait()
	}
}

func (q *webhookQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.flush()
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
// (or has failed).
func (s *Server) FlushWebhooks() { s.hooks.flush() }

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
