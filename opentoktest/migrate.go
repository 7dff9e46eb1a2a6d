package opentoktest

import "net/http"

func (s *Server) migrate(r *http.Request, _ []byte) (reply, *apiError) {
	ss, aerr := s.sessionLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	if len(s.st.sessionConnections(ss.ID)) == 0 {
		return reply{}, errf(http.StatusNotFound, noClientsMessage)
	}
	return reply{status: http.StatusAccepted, body: map[string]any{"message": "Session migration initiated"}}, nil
}
