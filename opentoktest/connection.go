package opentoktest

import "net/http"

func (s *Server) listConnections(r *http.Request, _ []byte) (reply, *apiError) {
	ss, aerr := s.sessionLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	offset, count, aerr := paging(r)
	if aerr != nil {
		return reply{}, aerr
	}
	all := s.st.sessionConnections(ss.ID)
	items := []map[string]any{}
	for _, c := range page(all, offset, count) {
		items = append(items, map[string]any{"connectionId": c.ID, "connectionState": "Connected", "createdAt": ms(c.CreatedAt)})
	}
	m := map[string]any{"count": len(all), "sessionId": ss.ID, "items": items}
	if s.cfg.vonage {
		m["applicationId"] = s.ApplicationID
	} else {
		m["projectId"] = s.apiKeyJSON(s.ownerOf(ss.ID))
	}
	return ok(m), nil
}

func (s *Server) forceDisconnect(r *http.Request, _ []byte) (reply, *apiError) {
	ss, aerr := s.sessionLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	c, found := s.st.connections[r.PathValue("cid")]
	if !found || c.gone || c.SessionID != ss.ID {
		return reply{}, errf(http.StatusNotFound, "The client specified by the connectionId property is not connected to the session.")
	}
	s.disconnectLocked(c, "forceDisconnected")
	return reply{status: http.StatusNoContent}, nil
}

// serverConnLocked validates the session and token of a server-side
// connection (SIP, Audio Connector, Experience Composer, captions).
func (s *Server) serverConnLocked(sessionID, token string) (*Session, tokenInfo, *apiError) {
	if sessionID == "" {
		return nil, tokenInfo{}, errf(http.StatusBadRequest, "sessionId is required")
	}
	ss, aerr := s.ownSessionLocked(sessionID)
	if aerr != nil {
		return nil, tokenInfo{}, aerr
	}
	if token == "" {
		return nil, tokenInfo{}, errf(http.StatusBadRequest, "token is required")
	}
	ti, err := s.verifyToken(sessionID, token, s.nowLocked())
	if err != nil {
		return nil, tokenInfo{}, &apiError{status: http.StatusForbidden, code: 10002, message: "Unauthorized token: " + err.Error()}
	}
	if !ss.Routed() {
		return nil, tokenInfo{}, errf(http.StatusConflict, "Conflict. The session is not using the OpenTok Media Router.")
	}
	return ss, ti, nil
}
