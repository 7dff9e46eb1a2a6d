package opentoktest

import (
	"net/http"
	"strings"
)

func (s *Server) connectWebSocket(_ *http.Request, body []byte) (reply, *apiError) {
	var req struct {
		SessionID string `json:"sessionId"`
		Token     string `json:"token"`
		WebSocket struct {
			URI            string            `json:"uri"`
			Streams        []string          `json:"streams"`
			Headers        map[string]string `json:"headers"`
			AudioRate      int               `json:"audioRate"`
			Bidirectional  bool              `json:"bidirectional"`
			AudioTransport *struct {
				Transport string `json:"transport"`
				Encoding  string `json:"encoding"`
			} `json:"audioTransport"`
		} `json:"websocket"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	ws := req.WebSocket
	if !strings.HasPrefix(ws.URI, "ws://") && !strings.HasPrefix(ws.URI, "wss://") {
		return reply{}, errf(http.StatusBadRequest, "websocket.uri must start with ws:// or wss://")
	}
	switch ws.AudioRate {
	case 0, 8000, 16000, 24000:
	default:
		return reply{}, errf(http.StatusBadRequest, "audioRate must be 8000, 16000 or 24000")
	}
	size := 0
	for k, v := range ws.Headers {
		size += len(k) + len(v)
	}
	if size > 512 {
		return reply{}, errf(http.StatusBadRequest, "headers exceed 512 bytes")
	}
	if t := ws.AudioTransport; t != nil && t.Transport == "json" && t.Encoding != "base64" {
		return reply{}, errf(http.StatusBadRequest, "the json audio transport needs base64 encoding")
	}
	ss, ti, aerr := s.serverConnLocked(req.SessionID, req.Token)
	if aerr != nil {
		return reply{}, aerr
	}
	for _, id := range ws.Streams {
		if st, found := s.st.streams[id]; !found || st.SessionID != ss.ID {
			return reply{}, errf(http.StatusBadRequest, "stream %q is not in the session", id)
		}
	}
	c := s.addConnectionLocked(ss, KindWebSocket, ti)
	rate := ws.AudioRate
	if rate == 0 {
		rate = 16000
	}
	w := &WebSocketConnection{ID: newID(), SessionID: ss.ID, ConnectionID: c.ID, URI: ws.URI, Streams: ws.Streams,
		Headers: ws.Headers, AudioRate: rate, Bidirectional: ws.Bidirectional, CreatedAt: s.nowLocked()}
	if ws.Bidirectional {
		s.publishLocked(c, "Audio Connector", "", true, false)
	}
	s.st.websockets[w.ID] = w
	return ok(map[string]any{"id": w.ID, "connectionId": c.ID}), nil
}
