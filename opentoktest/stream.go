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
		st := s.st.streams[it.ID]
		st.LayoutClassList = slices.Clone(*it.LayoutClassList)
		s.pushStreamClassesLocked(st)
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
	s.muteStreamLocked(st)
	return ok(s.projectDetails()), nil
}

// muteStreamLocked mutes a stream's audio (REST or a moderator's client):
// a SIP call that observes force mute is told, and so is the publisher,
// if it is a real client.
func (s *Server) muteStreamLocked(st *Stream) {
	st.AudioMuted = true
	s.muteForcedLocked(st)
	s.pushStreamMutedLocked(st)
}

// muteAllLocked starts (active) or ends a mute of everyone in a session
// but the excluded streams: the streams are muted, and streams published
// while it lasts start muted.
func (s *Server) muteAllLocked(ss *Session, active bool, excluded []string) {
	ss.MuteActive = active
	ss.ExcludedStreamIDs = nil
	if active {
		ss.ExcludedStreamIDs = slices.Clone(excluded)
	}
	s.pushSessionMuteLocked(ss)
	if !active {
		return
	}
	for _, st := range s.st.sessionStreams(ss.ID) {
		if !slices.Contains(excluded, st.ID) && !st.AudioMuted {
			s.muteStreamLocked(st)
		}
	}
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
	s.muteAllLocked(ss, *req.Active, req.ExcludedStreamIDs)
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
