package opentoktest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Webhooks says where the fake POSTs callback events, as the platform does
// for the callback URLs configured in the account dashboard. An empty URL
// sends nothing of that kind.
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
}

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
}

// webhookQueue delivers events in order from one worker goroutine that runs
// only while there is work.
type webhookQueue struct {
	cfg  Webhooks
	sign func(body []byte) (string, error)

	mu        sync.Mutex
	cond      *sync.Cond
	queue     []webhookJob
	running   bool
	closed    bool
	delivered []WebhookDelivery
	keep      int // most deliveries kept (the state limit)
}

func newWebhookQueue(cfg Webhooks) *webhookQueue {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 5 * time.Second}
	}
	q := &webhookQueue{cfg: cfg}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *webhookQueue) enqueue(url string, v any) {
	if url == "" {
		return
	}
	body, err := json.Marshal(v)
	if err != nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.queue = append(q.queue, webhookJob{url: url, body: body})
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
	if q.cfg.Secret != "" && q.sign != nil {
		tok, err := q.sign(job.body)
		if err != nil {
			d.Err = "signing failed"
			return d
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := q.cfg.Client.Do(req)
	if err != nil {
		d.Err = err.Error()
		return d
	}
	_ = resp.Body.Close()
	d.Status = resp.StatusCode
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
	s.hooks.enqueue(s.cfg.webhooks.SessionMonitoringURL, map[string]any{
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
	s.hooks.enqueue(s.cfg.webhooks.SessionMonitoringURL, m)
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
	s.hooks.enqueue(s.cfg.webhooks.SessionMonitoringURL, m)
}

func (s *Server) emitArchiveLocked(a *Archive) {
	s.hooks.enqueue(s.cfg.webhooks.ArchiveURL, s.archiveJSON(a))
}

func (s *Server) emitBroadcastLocked(b *Broadcast) {
	s.hooks.enqueue(s.cfg.webhooks.BroadcastURL, s.broadcastJSON(b))
}

func (s *Server) emitSIPLocked(call *SIPCall, event string, extra map[string]any) {
	m := map[string]any{
		"sessionId": call.SessionID, s.ownerKey(): s.ownerOf(call.SessionID), "event": event, "timestamp": ms(s.nowLocked()),
		"call": map[string]any{"id": call.ID, "connectionId": call.ConnectionID, "createdAt": ms(call.CreatedAt)},
	}
	for k, v := range extra {
		m[k] = v
	}
	s.hooks.enqueue(s.cfg.webhooks.SIPURL, m)
}

func (s *Server) emitRenderLocked(rd *Render) {
	m := map[string]any{"id": rd.ID, "sessionId": rd.SessionID, "status": rd.Status}
	if rd.StreamID != "" {
		m["streamId"] = rd.StreamID
	}
	if rd.Reason != "" {
		m["reason"] = rd.Reason
	}
	s.hooks.enqueue(s.cfg.webhooks.RenderURL, m)
}
