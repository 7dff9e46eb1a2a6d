package opentoktest

import (
	"io"
	"net/http"
	"time"

	"github.com/opentok-go/opentok"
)

func (s *Server) broadcastJSON(b *Broadcast) map[string]any {
	urls := map[string]any{}
	if b.HLS {
		urls["hls"] = b.HLSURL
		urls["hlsStatus"] = map[bool]string{true: "live", false: "ended"}[b.Status == opentok.BroadcastStarted]
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
	if b.StreamMode == opentok.StreamModeManual && b.Status == opentok.BroadcastStarted { // the document: "only set for status started"
		m["streams"] = streamsJSON(b.Streams)
	}
	return s.ownerJSON(m, b.SessionID)
}

func (s *Server) startBroadcast(_ *http.Request, body []byte) (reply, *apiError) {
	var req struct {
		compositionRequest
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
		MaxDuration       *int   `json:"maxDuration"`
		MultiBroadcastTag string `json:"multiBroadcastTag"`
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
	c, aerr := req.check()
	if aerr != nil {
		return reply{}, aerr
	}
	b := &Broadcast{ID: newID(), SessionID: ss.ID, Status: opentok.BroadcastStarted, Resolution: c.resolution, StreamMode: c.streamMode,
		MaxDuration: 4 * time.Hour, MultiBroadcastTag: req.MultiBroadcastTag, MaxBitrate: c.maxBitrate, HasAudio: c.hasAudio,
		HasVideo: c.hasVideo, Layout: c.layout}
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
		b.RTMP = append(b.RTMP, RTMPTarget{ID: t.ID, ServerURL: t.ServerURL, StreamName: t.StreamName, Status: opentok.RTMPConnecting})
	}
	if req.MaxDuration != nil {
		if *req.MaxDuration < 60 || *req.MaxDuration > 36000 {
			return reply{}, errf(http.StatusBadRequest, "maxDuration must be between 60 and 36000 seconds")
		}
		b.MaxDuration = time.Duration(*req.MaxDuration) * time.Second
	}
	if aerr := s.checkComposable(ss, "broadcast"); aerr != nil {
		return reply{}, aerr
	}
	for _, other := range s.st.broadcasts {
		if other.SessionID == ss.ID && other.Status == opentok.BroadcastStarted &&
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
	if b.Status != opentok.BroadcastStarted {
		return reply{}, errf(http.StatusNotFound, "The broadcast is not running")
	}
	s.stopBroadcastLocked(b)
	return ok(s.broadcastJSON(b)), nil
}

func (s *Server) stopBroadcastLocked(b *Broadcast) {
	b.Status, b.UpdatedAt = opentok.BroadcastStopped, s.nowLocked()
	for i := range b.RTMP {
		b.RTMP[i].Status = opentok.RTMPOffline
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
	if b.Status != opentok.BroadcastStarted {
		return reply{}, errf(http.StatusNotFound, "The broadcast was not found or it has already stopped")
	}
	if aerr := setLayout(&b.Layout, body); aerr != nil {
		return reply{}, aerr
	}
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
	found, stopped := b != nil && b.HLS, b != nil && b.Status != opentok.BroadcastStarted
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
