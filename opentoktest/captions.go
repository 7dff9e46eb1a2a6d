package opentoktest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"time"

	"github.com/opentok-go/opentok"
)

var languageCode = regexp.MustCompile(`^[a-z]{2,3}-[A-Z]{2}$`)

func (s *Server) startCaptions(_ *http.Request, body []byte) (reply, *apiError) {
	var req struct {
		SessionID         string          `json:"sessionId"`
		Token             string          `json:"token"`
		LanguageCode      string          `json:"languageCode"`
		MaxDuration       *int            `json:"maxDuration"`
		PartialCaptions   json.RawMessage `json:"partialCaptions"`
		StatusCallbackURL string          `json:"statusCallbackUrl"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	c := &Captions{ID: newID(), SessionID: req.SessionID, LanguageCode: "en-US", Status: opentok.CaptionsStarted,
		MaxDuration: 4 * time.Hour, StatusCallbackURL: req.StatusCallbackURL}
	if req.LanguageCode != "" {
		if !languageCode.MatchString(req.LanguageCode) {
			return reply{}, errf(http.StatusBadRequest, "invalid languageCode")
		}
		c.LanguageCode = req.LanguageCode
	}
	if req.MaxDuration != nil {
		if *req.MaxDuration < 300 || *req.MaxDuration > 14400 {
			return reply{}, errf(http.StatusBadRequest, "maxDuration must be between 300 and 14400 seconds")
		}
		c.MaxDuration = time.Duration(*req.MaxDuration) * time.Second
	}
	var aerr *apiError
	if c.PartialCaptions, aerr = boolField(req.PartialCaptions, true); aerr != nil {
		return reply{}, aerr
	}
	if u := req.StatusCallbackURL; u != "" && (len(u) < 15 || len(u) > 2048) {
		return reply{}, errf(http.StatusBadRequest, "statusCallbackUrl must be 15 to 2048 characters")
	}
	ss, ti, aerr := s.serverConnLocked(req.SessionID, req.Token)
	if aerr != nil {
		return reply{}, aerr
	}
	if ti.Role != opentok.RoleModerator {
		return reply{}, &apiError{status: http.StatusForbidden, code: 10002, message: "Live captions need a token with the moderator role"}
	}
	for _, other := range s.st.captions {
		if other.SessionID == ss.ID && other.Status == opentok.CaptionsStarted {
			return reply{}, errf(http.StatusConflict, "Live captions have already started for this session")
		}
	}
	c.CreatedAt = s.nowLocked()
	s.st.captions[c.ID] = c
	s.captionsAddedLocked(c)
	return reply{status: http.StatusAccepted, body: map[string]any{"captionsId": c.ID}}, nil
}

func (s *Server) stopCaptions(r *http.Request, _ []byte) (reply, *apiError) {
	c, found := s.st.captions[r.PathValue("id")]
	if !found || !s.ownsLocked(c.SessionID) || c.Status != opentok.CaptionsStarted {
		return reply{}, errf(http.StatusNotFound, "Captions not found")
	}
	c.Status = opentok.CaptionsStopped
	return reply{status: http.StatusAccepted}, nil
}
