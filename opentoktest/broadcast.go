package opentoktest

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

func (s *Server) broadcastJSON(b *Broadcast) map[string]any {
	urls := map[string]any{}
	if b.HLS {
		urls["hls"] = b.HLSURL
		urls["hlsStatus"] = map[bool]string{true: "live", false: "ended"}[b.Status == "started"]
	}
	rtmp := []map[string]any{}
	for _, t := range b.RTMP {
		m := map[string]any{"serverUrl": t.ServerURL, "streamName": t.StreamName, "status": t.Status}
		if t.ID != "" {
			m["id"] = t.ID
		}
		rtmp = append(rtmp, m)
	}
	if len(b.RTMP) > 0 {
		urls["rtmp"] = rtmp
	}
	m := map[string]any{
		"id": b.ID, "sessionId": b.SessionID, "createdAt": ms(b.CreatedAt), "updatedAt": ms(b.UpdatedAt),
		"broadcastUrls": urls, "maxDuration": int64(b.MaxDuration / time.Second), "resolution": b.Resolution,
		"status": b.Status, "streamMode": b.StreamMode, "hasAudio": b.HasAudio, "hasVideo": b.HasVideo,
		"event": "broadcast",
	}
	if b.HLS {
		m["settings"] = map[string]any{"hls": map[string]any{"dvr": b.DVR, "lowLatency": b.LowLatency}}
	}
	if b.MultiBroadcastTag != "" {
		m["multiBroadcastTag"] = b.MultiBroadcastTag
	}
	if b.MaxBitrate != 0 {
		m["maxBitrate"] = b.MaxBitrate
	}
	if b.StreamMode == "manual" && b.Status == "started" { // the document: "only set for status started"
		m["streams"] = streamsJSON(b.Streams)
	}
	return s.ownerJSON(m, b.SessionID)
}

func (s *Server) startBroadcast(_ *http.Request, body []byte) (reply, *apiError) {
	var req struct {
		SessionID string `json:"sessionId"`
		Outputs   *struct {
			HLS *struct {
				DVR        bool `json:"dvr"`
				LowLatency bool `json:"lowLatency"`
			} `json:"hls"`
			RTMP []struct {
				ID         string `json:"id"`
				ServerURL  string `json:"serverUrl"`
				StreamName string `json:"streamName"`
			} `json:"rtmp"`
		} `json:"outputs"`
		MaxDuration       *int            `json:"maxDuration"`
		Resolution        string          `json:"resolution"`
		Layout            json.RawMessage `json:"layout"`
		StreamMode        string          `json:"streamMode"`
		MultiBroadcastTag string          `json:"multiBroadcastTag"`
		MaxBitrate        *int            `json:"maxBitrate"`
		HasAudio          json.RawMessage `json:"hasAudio"`
		HasVideo          json.RawMessage `json:"hasVideo"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	if req.SessionID == "" {
		return reply{}, errf(http.StatusBadRequest, "sessionId is required")
	}
	ss, aerr := s.ownSessionLocked(req.SessionID)
	if aerr != nil {
		return reply{}, aerr
	}
	if req.Outputs == nil || (req.Outputs.HLS == nil && len(req.Outputs.RTMP) == 0) {
		return reply{}, errf(http.StatusBadRequest, "outputs needs hls, rtmp or both")
	}
	b := &Broadcast{ID: newID(), SessionID: ss.ID, Status: "started", Resolution: "640x480", StreamMode: "auto",
		MaxDuration: 4 * time.Hour, MultiBroadcastTag: req.MultiBroadcastTag}
	if h := req.Outputs.HLS; h != nil {
		if h.DVR && h.LowLatency {
			return reply{}, errf(http.StatusBadRequest, "dvr and lowLatency cannot both be true")
		}
		b.HLS, b.DVR, b.LowLatency = true, h.DVR, h.LowLatency
		b.HLSURL = s.URL + "/_media/hls/" + b.ID + "/index.m3u8"
		if h.DVR {
			b.HLSURL += "?DVR"
		}
	}
	if len(req.Outputs.RTMP) > 5 {
		return reply{}, errf(http.StatusBadRequest, "a broadcast can have at most five RTMP outputs")
	}
	for _, t := range req.Outputs.RTMP {
		if t.ServerURL == "" || t.StreamName == "" {
			return reply{}, errf(http.StatusBadRequest, "each RTMP output needs serverUrl and streamName")
		}
		b.RTMP = append(b.RTMP, RTMPTarget{ID: t.ID, ServerURL: t.ServerURL, StreamName: t.StreamName, Status: "connecting"})
	}
	if req.MaxDuration != nil {
		if *req.MaxDuration < 60 || *req.MaxDuration > 36000 {
			return reply{}, errf(http.StatusBadRequest, "maxDuration must be between 60 and 36000 seconds")
		}
		b.MaxDuration = time.Duration(*req.MaxDuration) * time.Second
	}
	if req.Resolution != "" {
		if !validResolutions[req.Resolution] {
			return reply{}, errf(http.StatusBadRequest, "invalid resolution")
		}
		b.Resolution = req.Resolution
	}
	switch req.StreamMode {
	case "", "auto":
	case "manual":
		b.StreamMode = "manual"
	default:
		return reply{}, errf(http.StatusBadRequest, "invalid streamMode")
	}
	if req.MaxBitrate != nil {
		if *req.MaxBitrate < 100000 || *req.MaxBitrate > 6000000 {
			return reply{}, errf(http.StatusBadRequest, "invalid maxBitrate")
		}
		b.MaxBitrate = *req.MaxBitrate
	}
	if b.HasAudio, aerr = boolField(req.HasAudio, true); aerr != nil {
		return reply{}, aerr
	}
	if b.HasVideo, aerr = boolField(req.HasVideo, true); aerr != nil {
		return reply{}, aerr
	}
	if b.Layout, aerr = checkLayout(req.Layout); aerr != nil {
		return reply{}, aerr
	}
	if !ss.Routed() {
		return reply{}, errf(http.StatusConflict, "Conflict. The session is not using the OpenTok Media Router.")
	}
	if len(s.st.sessionConnections(ss.ID)) == 0 {
		return reply{}, errf(http.StatusNotFound, "No clients are actively connected to the OpenTok session.")
	}
	for _, other := range s.st.broadcasts {
		if other.SessionID == ss.ID && other.Status == "started" &&
			(b.MultiBroadcastTag == "" || other.MultiBroadcastTag == b.MultiBroadcastTag) {
			return reply{}, errf(http.StatusConflict, "The session is already being broadcast (use a unique multiBroadcastTag to start another)")
		}
	}
	now := s.nowLocked()
	b.CreatedAt, b.UpdatedAt = now, now
	s.st.broadcasts = append([]*Broadcast{b}, s.st.broadcasts...)
	s.evictLocked()
	s.emitBroadcastLocked(b)
	return ok(s.broadcastJSON(b)), nil
}

func (s *Server) listBroadcasts(r *http.Request, _ []byte) (reply, *apiError) {
	sid := r.URL.Query().Get("sessionId")
	return listReply(r, s.st.broadcasts, func(b *Broadcast) bool { return (sid == "" || b.SessionID == sid) && s.ownsLocked(b.SessionID) }, s.broadcastJSON)
}

func (s *Server) findBroadcast(r *http.Request) (*Broadcast, *apiError) {
	b := s.st.broadcast(r.PathValue("id"))
	if b == nil || !s.ownsLocked(b.SessionID) {
		return nil, errf(http.StatusNotFound, "Broadcast not found")
	}
	return b, nil
}

func (s *Server) getBroadcast(r *http.Request, _ []byte) (reply, *apiError) {
	b, aerr := s.findBroadcast(r)
	if aerr != nil {
		return reply{}, aerr
	}
	return ok(s.broadcastJSON(b)), nil
}

func (s *Server) stopBroadcast(r *http.Request, _ []byte) (reply, *apiError) {
	b, aerr := s.findBroadcast(r)
	if aerr != nil {
		return reply{}, aerr
	}
	if b.Status != "started" {
		return reply{}, errf(http.StatusNotFound, "The broadcast is not running")
	}
	s.stopBroadcastLocked(b)
	return ok(s.broadcastJSON(b)), nil
}

func (s *Server) stopBroadcastLocked(b *Broadcast) {
	b.Status, b.UpdatedAt = "stopped", s.nowLocked()
	for i := range b.RTMP {
		b.RTMP[i].Status = "offline"
	}
	s.emitBroadcastLocked(b)
}

// setBroadcastLayout changes a running broadcast's layout (404 once it has
// stopped, as the OpenAPI document says) and answers the broadcast, as
// setArchiveLayout answers the archive.
func (s *Server) setBroadcastLayout(r *http.Request, body []byte) (reply, *apiError) {
	b, aerr := s.findBroadcast(r)
	if aerr != nil {
		return reply{}, aerr
	}
	if b.Status != "started" {
		return reply{}, errf(http.StatusNotFound, "The broadcast was not found or it has already stopped")
	}
	l, aerr := checkLayout(body)
	if aerr != nil {
		return reply{}, aerr
	}
	if l == nil {
		return reply{}, errf(http.StatusBadRequest, "a layout is required")
	}
	b.Layout = l
	return ok(s.broadcastJSON(b)), nil
}

func (s *Server) patchBroadcastStreams(r *http.Request, body []byte) (reply, *apiError) {
	b, aerr := s.findBroadcast(r)
	if aerr != nil {
		return reply{}, aerr
	}
	if aerr := s.patchStreams(b.SessionID, b.StreamMode, &b.Streams, body); aerr != nil {
		return reply{}, aerr
	}
	b.UpdatedAt = s.nowLocked()
	return reply{status: http.StatusNoContent}, nil
}

// serveHLS serves a broadcast's HLS playlist (no auth, like the platform's
// URL): a fixed, empty live playlist, ended once the broadcast stops. The
// text is the same for every broadcast, so nothing from the URL reaches it.
// An ID that is not an HLS broadcast's is a 404.
func (s *Server) serveHLS(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.tickLocked()
	b := s.st.broadcast(r.PathValue("id"))
	found, stopped := b != nil && b.HLS, b != nil && b.Status != "started"
	s.mu.Unlock()
	if !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	playlist := "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
	if stopped {
		playlist += "#EXT-X-ENDLIST\n"
	}
	_, _ = io.WriteString(w, playlist)
}
