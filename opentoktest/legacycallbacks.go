package opentoktest

import (
	"net/http"
	"slices"
)

// Bounds of a registered callback's fields (the SDK allows URLs of up to
// 2,048 characters).
const (
	maxCallbackField = 128
	maxCallbackURL   = 2048
)

func callbackJSON(c *RegisteredCallback) map[string]any {
	return map[string]any{"id": c.ID, "group": c.Group, "event": c.Event, "url": c.URL, "createdAt": ms(c.CreatedAt)}
}

func (s *Server) legacyOnly() *apiError {
	if s.cfg.vonage {
		return errf(http.StatusNotFound, "Not Found")
	}
	return nil
}

func (s *Server) listCallbacks(_ *http.Request, _ []byte) (reply, *apiError) {
	if aerr := s.legacyOnly(); aerr != nil {
		return reply{}, aerr
	}
	out := []map[string]any{}
	for _, c := range s.st.callbacks {
		if c.ProjectID == s.curOwnerLocked() {
			out = append(out, callbackJSON(c))
		}
	}
	return ok(out), nil
}

func (s *Server) registerCallback(_ *http.Request, body []byte) (reply, *apiError) {
	if aerr := s.legacyOnly(); aerr != nil {
		return reply{}, aerr
	}
	var req struct{ Group, Event, URL string }
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	if req.Group == "" || req.Event == "" || req.URL == "" {
		return reply{}, errf(http.StatusBadRequest, "group, event and url are required")
	}
	if len(req.Group) > maxCallbackField || len(req.Event) > maxCallbackField || len(req.URL) > maxCallbackURL {
		return reply{}, errf(http.StatusBadRequest, "group and event must be at most %d bytes, url at most %d", maxCallbackField, maxCallbackURL)
	}
	if len(s.st.callbacks) >= s.cfg.stateLimit {
		return reply{}, errf(http.StatusBadRequest,
			"the fake keeps at most %d registered callbacks in all (WithStateLimit): unregister one first", s.cfg.stateLimit)
	}
	c := &RegisteredCallback{ID: newID(), Group: req.Group, Event: req.Event, URL: req.URL, CreatedAt: s.nowLocked(),
		ProjectID: s.curOwnerLocked()}
	s.st.callbacks = append(s.st.callbacks, c)
	return ok(callbackJSON(c)), nil
}

func (s *Server) unregisterCallback(r *http.Request, _ []byte) (reply, *apiError) {
	if aerr := s.legacyOnly(); aerr != nil {
		return reply{}, aerr
	}
	i := slices.IndexFunc(s.st.callbacks, func(c *RegisteredCallback) bool {
		return c.ID == r.PathValue("id") && c.ProjectID == s.curOwnerLocked()
	})
	if i < 0 {
		return reply{}, errf(http.StatusNotFound, "Callback not found")
	}
	s.st.callbacks = slices.Delete(s.st.callbacks, i, i+1)
	return reply{status: http.StatusNoContent}, nil
}
