package opentoktest

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// The control API (WithControlAPI) lets programs in any language drive the
// fake over HTTP as Go tests drive it with methods. Bodies are JSON; times
// are epoch milliseconds. It needs no authentication: serve it on loopback
// only. What a web page on another site can send without a CORS preflight
// is refused (see controlGuard): a foreign Origin (403), a body that is not
// application/json (415).
//
//	GET    /_emulator/                                   credentials and base URL
//	POST   /_emulator/connect                            {"sessionId","token"} → {"connectionId","role","data"}
//	POST   /_emulator/connections/{id}/publish           {"name","videoType","noAudio"} → {"streamId"}
//	DELETE /_emulator/connections/{id}/streams/{stream}  unpublish
//	POST   /_emulator/connections/{id}/signal            {"to","type","data"}: a signal from this client
//	GET    /_emulator/connections/{id}/signals           {"items":[{"type","data","from"}]}
//	DELETE /_emulator/connections/{id}                   the client disconnects
//	GET    /_emulator/clock                              {"now"}
//	POST   /_emulator/clock/advance                      {"seconds"} → {"now"}
//	POST   /_emulator/clock/auth-skew                    {"seconds"}: check auth JWTs as a clock that far off
//	POST   /_emulator/faults                             {"op","status","body","retryAfter","delayMs","dropConnection","malformed","times"}
//	DELETE /_emulator/faults                             clear faults
//	GET    /_emulator/requests?offset=&limit=&op=        a page of the request log, oldest first (limit default
//	                                                     1000, at most 10000; op: one operation's requests):
//	                                                     {"total","offset","limit","dropped","bytes","items":[{"op","method",
//	                                                     "path","query","urlTruncated","body","bodySize","bodyTruncated",
//	                                                     "status","time"}]};
//	                                                     DELETE clears it
//	POST   /_emulator/archives/{id}/complete             stopped → available now
//	POST   /_emulator/archives/{id}/fail                 → failed
//	GET    /_emulator/sessions/{id}                      the session with its connections and streams
//	GET    /_emulator/webhooks                           the webhook deliveries so far → {"items","waiting"}, after waiting for
//	                                                     the queue as FlushWebhooks does (at most twice Webhooks.Timeout)
func (s *Server) controlRoutes() {
	m := guardedMux{s}
	m.HandleFunc("GET /_emulator/{$}", func(w http.ResponseWriter, r *http.Request) {
		info := map[string]any{"url": s.URL, "vonage": s.cfg.vonage}
		if s.cfg.vonage {
			info["applicationId"] = s.ApplicationID
			info["privateKey"] = string(s.PrivateKeyPEM)
		} else {
			s.mu.Lock()
			info["apiKey"], info["apiSecret"] = s.APIKey, s.APISecret
			info["accountKey"], info["accountSecret"] = s.AccountKey, s.AccountSecret
			s.mu.Unlock()
		}
		writeJSON(w, http.StatusOK, info)
	})
	m.HandleFunc("POST /_emulator/connect", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ SessionID, Token string }
		if !readControl(w, r, &req) {
			return
		}
		c, err := s.Connect(req.SessionID, req.Token)
		if err != nil {
			controlError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"connectionId": c.ID(), "role": c.Role(), "data": c.Data()})
	})
	m.HandleFunc("POST /_emulator/connections/{id}/publish", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Name, VideoType string
			NoAudio         bool
		}
		if !readControl(w, r, &req) {
			return
		}
		c, ok := s.connHandle(r.PathValue("id"))
		if !ok {
			controlError(w, ErrNotConnected)
			return
		}
		id, err := c.Publish(PublishOptions{Name: req.Name, VideoType: req.VideoType, NoAudio: req.NoAudio})
		if err != nil {
			controlError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"streamId": id})
	})
	m.HandleFunc("DELETE /_emulator/connections/{id}/streams/{stream}", func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.connHandle(r.PathValue("id"))
		if !ok {
			controlError(w, ErrNotConnected)
			return
		}
		if err := c.Unpublish(r.PathValue("stream")); err != nil {
			controlError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_emulator/connections/{id}/signal", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ To, Type, Data string }
		if !readControl(w, r, &req) {
			return
		}
		c, ok := s.connHandle(r.PathValue("id"))
		if !ok {
			controlError(w, ErrNotConnected)
			return
		}
		if err := c.SendSignal(req.To, req.Type, req.Data); err != nil {
			controlError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_emulator/connections/{id}/signals", func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.connHandle(r.PathValue("id"))
		if !ok {
			controlError(w, ErrNotConnected)
			return
		}
		items := []map[string]any{}
		for _, sg := range c.Signals() {
			items = append(items, map[string]any{"type": sg.Type, "data": sg.Data, "from": sg.From})
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": items})
	})
	m.HandleFunc("DELETE /_emulator/connections/{id}", func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.connHandle(r.PathValue("id"))
		if !ok {
			controlError(w, ErrNotConnected)
			return
		}
		c.Disconnect()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_emulator/clock", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"now": ms(s.Now())})
	})
	m.HandleFunc("POST /_emulator/clock/advance", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Seconds float64 }
		if !readControl(w, r, &req) {
			return
		}
		if !(req.Seconds >= 0 && req.Seconds <= maxControlSeconds) {
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": "seconds must be between 0 and 100000000"})
			return
		}
		s.Advance(time.Duration(req.Seconds * float64(time.Second)))
		writeJSON(w, http.StatusOK, map[string]any{"now": ms(s.Now())})
	})
	m.HandleFunc("POST /_emulator/clock/auth-skew", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Seconds float64 }
		if !readControl(w, r, &req) {
			return
		}
		if !(req.Seconds >= -maxControlSeconds && req.Seconds <= maxControlSeconds) {
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": "seconds must be between -100000000 and 100000000"})
			return
		}
		s.SetAuthClockSkew(time.Duration(req.Seconds * float64(time.Second)))
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_emulator/faults", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Op             string `json:"op"`
			Status         int    `json:"status"`
			Body           string `json:"body"`
			RetryAfter     string `json:"retryAfter"`
			DelayMs        int64  `json:"delayMs"`
			DropConnection bool   `json:"dropConnection"`
			Malformed      bool   `json:"malformed"`
			Times          int    `json:"times"`
		}
		if !readControl(w, r, &req) {
			return
		}
		if req.Op == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": `op is required (an operation name such as "StartArchive", or "*")`})
			return
		}
		if req.DelayMs < 0 || req.DelayMs > 3_600_000 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": "delayMs must be between 0 and 3600000"})
			return
		}
		err := s.InjectFault(req.Op, Fault{Status: req.Status, Body: req.Body, RetryAfter: req.RetryAfter,
			Delay: time.Duration(req.DelayMs) * time.Millisecond, DropConnection: req.DropConnection,
			Malformed: req.Malformed, Times: req.Times})
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("DELETE /_emulator/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_emulator/requests", s.serveRequestLog)
	m.HandleFunc("DELETE /_emulator/requests", func(w http.ResponseWriter, r *http.Request) {
		s.ClearRequests()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_emulator/archives/{id}/complete", func(w http.ResponseWriter, r *http.Request) {
		if !s.CompleteArchive(r.PathValue("id")) {
			writeJSON(w, http.StatusConflict, map[string]any{"message": "no stopped archive with that ID"})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_emulator/archives/{id}/fail", func(w http.ResponseWriter, r *http.Request) {
		if !s.FailArchive(r.PathValue("id")) {
			writeJSON(w, http.StatusNotFound, map[string]any{"message": "no archive with that ID"})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_emulator/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		ss, ok := s.Session(r.PathValue("id"))
		if !ok {
			controlError(w, ErrSessionNotFound)
			return
		}
		conns := []map[string]any{}
		for _, c := range s.Connections(ss.ID) {
			conns = append(conns, map[string]any{"id": c.ID, "kind": c.Kind, "role": c.Role, "data": c.Data, "createdAt": ms(c.CreatedAt)})
		}
		streams := []map[string]any{}
		for _, st := range s.Streams(ss.ID) {
			streams = append(streams, map[string]any{"id": st.ID, "connectionId": st.ConnectionID, "name": st.Name,
				"videoType": st.VideoType, "layoutClassList": st.LayoutClassList, "audioMuted": st.AudioMuted})
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": ss.ID, "mediaMode": ss.MediaMode, "archiveMode": ss.ArchiveMode,
			"muteActive": ss.MuteActive, "connections": conns, "streams": streams})
	})
	m.HandleFunc("GET /_emulator/webhooks", func(w http.ResponseWriter, r *http.Request) {
		_ = s.FlushWebhooks() // bounded; what still waits is counted below
		items := []map[string]any{}
		for _, d := range s.WebhookDeliveries() {
			items = append(items, map[string]any{"url": d.URL, "body": json.RawMessage(d.Body), "status": d.Status, "error": d.Err})
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": items, "waiting": s.webhooksWaiting()})
	})
}

// guardedMux registers control routes behind controlGuard.
type guardedMux struct{ s *Server }

func (g guardedMux) HandleFunc(pattern string, h http.HandlerFunc) {
	g.s.mux.HandleFunc(pattern, g.s.controlGuard(h))
}

// maxControlSeconds bounds the seconds the control API takes (about three
// years), so that no duration overflows.
const maxControlSeconds = 1e8

// connHandle returns a handle for a live simulated client connection.
func (s *Server) connHandle(id string) (*Conn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, ok := s.st.connections[id]
	if !ok || cs.gone || cs.Kind != KindClient {
		return nil, false
	}
	return &Conn{srv: s, id: cs.ID, sessionID: cs.SessionID, role: cs.Role, data: cs.Data}, true
}

func readControl(w http.ResponseWriter, r *http.Request, v any) bool {
	body, aerr := readBody(w, r)
	if aerr != nil {
		writeJSON(w, aerr.status, map[string]any{"message": aerr.message})
		return false
	}
	var err error
	if len(body) > 0 {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "invalid JSON body"})
		return false
	}
	return true
}

func controlError(w http.ResponseWriter, err error) {
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, ErrSessionNotFound), errors.Is(err, ErrNotConnected):
		status = http.StatusNotFound
	case errors.Is(err, ErrInvalidToken), errors.Is(err, ErrTokenExpired), errors.Is(err, ErrWrongSession), errors.Is(err, ErrNotPermitted):
		status = http.StatusForbidden
	}
	writeJSON(w, status, map[string]any{"message": err.Error()})
}
