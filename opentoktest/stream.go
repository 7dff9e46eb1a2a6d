package opentoktest

import (
	"net/http"
	"slices"
)

func streamJSON(st *Stream) map[string]any {
	classes := st.LayoutClassList
	if classes == nil {
		classes = []string{}
	}
	m := map[string]any{"id": st.ID, "name": st.Name, "layoutClassList": classes}
	if st.VideoType != "" {
		// Absent for an audio-only stream, as in the session-monitoring
		// events (the REST reference lists only camera, screen, custom).
		m["videoType"] = st.VideoType
	}
	return m
}

func (s *Server) listStreams(r *http.Request, _ []byte) (reply, *apiError) {
	ss, aerr := s.sessionLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	items := []map[string]any{}
	for _, st := range s.st.sessionStreams(ss.ID) {
		items = append(items, streamJSON(st))
	}
	return ok(map[string]any{"count": len(items), "items": items}), nil
}

func (s *Server) getStream(r *http.Request, _ []byte) (reply, *apiError) {
	ss, aerr := s.sessionLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	st, found := s.st.streams[r.PathValue("streamId")]
	if !found || st.SessionID != ss.ID {
		return reply{}, errf(http.StatusNotFound, "Stream not found")
	}
	return ok(streamJSON(st)), nil
}

func (s *Server) setStreamClassLists(r *http.Request, body []byte) (reply, *apiError) {
	ss, aerr := s.sessionLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	var req struct {
		Items []struct {
			ID              string    `json:"id"`
			LayoutClassList *[]string `json:"layoutClassList"`
		} `json:"items"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	if req.Items == nil {
		return reply{}, errf(http.StatusBadRequest, "items is required")
	}
	for _, it := range req.Items {
		st, found := s.st.streams[it.ID]
		if !found || st.SessionID != ss.ID {
			return reply{}, errf(http.StatusBadRequest, "stream %q is not in the session", it.ID)
		}
		if it.LayoutClassList == nil {
			return reply{}, errf(http.StatusBadRequest, "layoutClassList is required")
		}
	}
	for _, it := range req.Items {
		s.st.streams[it.ID].LayoutClassList = slices.Clone(*it.LayoutClassList)
	}
	return reply{status: http.StatusOK}, nil
}

func (s *Server) forceMuteStream(r *http.Request, _ []byte) (reply, *apiError) {
	ss, aerr := s.sessionLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	st, found := s.st.streams[r.PathValue("streamId")]
	if !found || st.SessionID != ss.ID {
		return reply{}, errf(http.StatusNotFound, "Stream not found")
	}
	st.AudioMuted = true
	s.muteForcedLocked(st)
	return ok(s.projectDetails()), nil
}

func (s *Server) forceMuteAll(r *http.Request, body []byte) (reply, *apiError) {
	ss, aerr := s.sessionLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	var req struct {
		Active            *bool    `json:"active"`
		ExcludedStreamIDs []string `json:"excludedStreamIds"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	if req.Active == nil {
		return reply{}, errf(http.StatusBadRequest, "active is required")
	}
	if *req.Active {
		ss.MuteActive = true
		ss.ExcludedStreamIDs = slices.Clone(req.ExcludedStreamIDs)
		for _, st := range s.st.sessionStreams(ss.ID) {
			if !slices.Contains(req.ExcludedStreamIDs, st.ID) && !st.AudioMuted {
				st.AudioMuted = true
				s.muteForcedLocked(st)
			}
		}
	} else {
		ss.MuteActive = false
		ss.ExcludedStreamIDs = nil
	}
	return ok(s.projectDetails()), nil
}

// projectDetails is the informational answer of the mute calls (the
// OpenAPI document gives force-muting one stream a blank 200; the older
// one, @vonage/video and the community Go SDK read these details, which
// clients expecting nothing ignore).
func (s *Server) projectDetails() map[string]any {
	m := map[string]any{"status": "ACTIVE", "name": "opentoktest", "environment": "standard", "createdAt": ms(s.nowLocked())}
	if s.cfg.vonage {
		m["applicationId"] = s.ApplicationID
	} else {
		m["id"] = s.curOwnerLocked()
	}
	return m
}
