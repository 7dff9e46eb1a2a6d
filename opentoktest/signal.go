package opentoktest

import "net/http"

func (s *Server) signal(r *http.Request, body []byte) (reply, *apiError) {
	ss, aerr := s.sessionLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	// Both fields are required (an empty string is a value).
	var wire struct {
		Type *string `json:"type"`
		Data *string `json:"data"`
	}
	if aerr := decodeBody(body, &wire); aerr != nil {
		return reply{}, aerr
	}
	if wire.Type == nil || wire.Data == nil {
		return reply{}, errf(http.StatusBadRequest, "type and data are required")
	}
	req := Signal{Type: *wire.Type, Data: *wire.Data}
	if len(req.Type) > 128 || len(req.Data) > 8192 {
		return reply{}, errf(http.StatusRequestEntityTooLarge, "The type string exceeds the maximum length (128 bytes), or the data string exceeds the maximum size (8 kB).")
	}
	if cid := r.PathValue("cid"); cid != "" {
		c, found := s.st.connections[cid]
		if !found || c.gone || c.SessionID != ss.ID {
			return reply{}, errf(http.StatusNotFound, "The client specified by the connectionId property is not connected to the session.")
		}
		s.deliverSignalLocked(c, req, true)
		return reply{status: http.StatusNoContent}, nil
	}
	for _, c := range s.st.sessionConnections(ss.ID) {
		s.deliverSignalLocked(c, req, false)
	}
	return reply{status: http.StatusNoContent}, nil
}
