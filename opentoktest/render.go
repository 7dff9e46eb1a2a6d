package opentoktest

import (
	"net/http"
	"time"

	"github.com/opentok-go/opentok"
)

func (s *Server) renderJSON(rd *Render) map[string]any {
	m := map[string]any{"id": rd.ID, "sessionId": rd.SessionID, "createdAt": ms(rd.CreatedAt), "updatedAt": ms(rd.UpdatedAt),
		"url": rd.URL, "resolution": rd.Resolution, "status": rd.Status}
	// name and callbackUrl only when given (the OpenAPI document: "if one
	// was set"), never as "".
	if rd.Name != "" {
		m["name"] = rd.Name
	}
	if rd.CallbackURL != "" {
		m["callbackUrl"] = rd.CallbackURL
	}
	if rd.StreamID != "" {
		m["streamId"] = rd.StreamID
	}
	if rd.Reason != "" {
		m["reason"] = rd.Reason
	}
	if s.cfg.vonage {
		m["applicationId"] = s.ApplicationID
	} else {
		m["projectId"] = s.apiKeyJSON(s.ownerOf(rd.SessionID))
	}
	return m
}

func (s *Server) startRender(_ *http.Request, body []byte) (reply, *apiError) {
	var req struct {
		SessionID         string             `json:"sessionId"`
		Token             string             `json:"token"`
		URL               string             `json:"url"`
		MaxDuration       *int               `json:"maxDuration"`
		Resolution        opentok.Resolution `json:"resolution"`
		StatusCallbackURL string             `json:"statusCallbackUrl"`
		Properties        *struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	if len(req.URL) < 15 || len(req.URL) > 2048 {
		return reply{}, &apiError{status: http.StatusBadRequest, code: 50001, message: "Invalid URL structure"}
	}
	rd := &Render{ID: newID(), SessionID: req.SessionID, URL: req.URL, Status: opentok.RenderStarting, Resolution: opentok.Resolution1280x720,
		MaxDuration: 2 * time.Hour, CallbackURL: req.StatusCallbackURL}
	if req.MaxDuration != nil {
		if *req.MaxDuration < 60 || *req.MaxDuration > 36000 {
			return reply{}, &apiError{status: http.StatusBadRequest, code: 50005, message: "Invalid maxDuration"}
		}
		rd.MaxDuration = time.Duration(*req.MaxDuration) * time.Second
	}
	if req.Resolution != "" {
		if !req.Resolution.Valid() {
			return reply{}, &apiError{status: http.StatusBadRequest, code: 50006, message: "Invalid resolution"}
		}
		rd.Resolution = req.Resolution
	}
	if p := req.Properties; p != nil {
		if n := len([]rune(p.Name)); n < 1 || n > 200 {
			return reply{}, &apiError{status: http.StatusBadRequest, code: 50007, message: "Invalid stream name"}
		}
		rd.Name = p.Name
	}
	if _, found := s.st.sessions[req.SessionID]; !found || !s.ownsLocked(req.SessionID) {
		return reply{}, &apiError{status: http.StatusBadRequest, code: 50008, message: "Invalid sessionId"}
	}
	ss, ti, aerr := s.serverConnLocked(req.SessionID, req.Token)
	if aerr != nil {
		return reply{}, aerr
	}
	c := s.addConnectionLocked(ss, KindRender, ti)
	st := s.publishLocked(c, rd.Name, "camera", true, true)
	rd.ConnectionID, rd.StreamID = c.ID, st.ID
	now := s.nowLocked()
	rd.CreatedAt, rd.UpdatedAt = now, now
	s.st.renders = append([]*Render{rd}, s.st.renders...)
	s.evictLocked()
	s.emitRenderLocked(rd)
	return reply{status: http.StatusAccepted, body: s.renderJSON(rd)}, nil
}

func (s *Server) listRenders(r *http.Request, _ []byte) (reply, *apiError) {
	return listReply(r, s.st.renders, func(rd *Render) bool { return s.ownsLocked(rd.SessionID) }, s.renderJSON)
}

func (s *Server) getRender(r *http.Request, _ []byte) (reply, *apiError) {
	rd := s.st.render(r.PathValue("id"))
	if rd == nil || !s.ownsLocked(rd.SessionID) {
		return reply{}, errf(http.StatusNotFound, "Render not found")
	}
	return ok(s.renderJSON(rd)), nil
}

func (s *Server) stopRender(r *http.Request, _ []byte) (reply, *apiError) {
	rd := s.st.render(r.PathValue("id"))
	if rd == nil || !s.ownsLocked(rd.SessionID) || rd.Status == opentok.RenderStopped || rd.Status == opentok.RenderFailed {
		return reply{}, errf(http.StatusNotFound, "Render not found or already stopped")
	}
	s.stopRenderLocked(rd, "Stop Requested")
	return reply{status: http.StatusNoContent}, nil
}

func (s *Server) stopRenderLocked(rd *Render, reason string) {
	rd.Status, rd.Reason, rd.UpdatedAt = opentok.RenderStopped, reason, s.nowLocked()
	if c, found := s.st.connections[rd.ConnectionID]; found && !c.gone {
		s.disconnectLocked(c, "forceDisconnected")
	}
	s.emitRenderLocked(rd)
}
