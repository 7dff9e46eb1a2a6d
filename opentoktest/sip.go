package opentoktest

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/opentok-go/opentok"
)

func (s *Server) dial(_ *http.Request, body []byte) (reply, *apiError) {
	var req struct {
		SessionID string `json:"sessionId"`
		Token     string `json:"token"`
		SIP       struct {
			URI     string            `json:"uri"`
			From    string            `json:"from"`
			Headers map[string]string `json:"headers"`
			Auth    *struct {
				Username string `json:"username"`
				Password string `json:"password"`
			} `json:"auth"`
			Secure           bool     `json:"secure"`
			Video            bool     `json:"video"`
			ObserveForceMute bool     `json:"observeForceMute"`
			Streams          []string `json:"streams"`
		} `json:"sip"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	if !strings.HasPrefix(req.SIP.URI, "sip:") && !strings.HasPrefix(req.SIP.URI, "sips:") {
		return reply{}, errf(http.StatusBadRequest, "sip.uri must be a SIP URI (sip:user@domain)")
	}
	for k := range req.SIP.Headers {
		if !strings.HasPrefix(strings.ToUpper(k), "X-") {
			return reply{}, errf(http.StatusBadRequest, "SIP header names must start with X-")
		}
	}
	ss, ti, aerr := s.serverConnLocked(req.SessionID, req.Token)
	if aerr != nil {
		return reply{}, aerr
	}
	c := s.addConnectionLocked(ss, KindSIP, ti)
	var videoType opentok.VideoType
	if req.SIP.Video {
		videoType = opentok.VideoCamera
	}
	st := s.publishLocked(c, "SIP call", videoType, true, req.SIP.Video)
	call := &SIPCall{ID: newID(), SessionID: ss.ID, ConnectionID: c.ID, StreamID: st.ID, URI: req.SIP.URI, From: req.SIP.From,
		Headers: req.SIP.Headers, Secure: req.SIP.Secure, Video: req.SIP.Video, ObserveForceMute: req.SIP.ObserveForceMute,
		Streams: req.SIP.Streams, CreatedAt: s.nowLocked()}
	s.st.sipCalls[call.ID] = call
	s.sipCallAddedLocked(call)
	s.emitSIPLocked(call, "callCreated", nil)
	s.emitSIPLocked(call, "callUpdated", map[string]any{"state": "ACTIVE"})
	return ok(map[string]any{"id": call.ID, "connectionId": c.ID, "streamId": st.ID}), nil
}

var dtmfDigits = regexp.MustCompile(`^[0-9*#p]+$`)

func (s *Server) playDTMF(r *http.Request, body []byte) (reply, *apiError) {
	ss, aerr := s.sessionLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	var req struct {
		Digits string `json:"digits"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	if !dtmfDigits.MatchString(req.Digits) {
		return reply{}, errf(http.StatusBadRequest, "digits must match [0-9*#p]+")
	}
	if cid := r.PathValue("cid"); cid != "" {
		c, found := s.st.connections[cid]
		if !found || c.gone || c.SessionID != ss.ID {
			return reply{}, errf(http.StatusNotFound, "Connection not found")
		}
		for _, call := range s.st.sipCalls {
			if call.ConnectionID == cid {
				call.DTMF = appendCapped(call.DTMF, req.Digits, s.cfg.stateLimit)
			}
		}
	} else {
		s.st.dtmf[ss.ID] = appendCapped(s.st.dtmf[ss.ID], req.Digits, s.cfg.stateLimit)
		for _, call := range s.st.sipCalls {
			if call.SessionID == ss.ID && !call.Ended {
				call.DTMF = appendCapped(call.DTMF, req.Digits, s.cfg.stateLimit)
			}
		}
	}
	return ok(map[string]any{}), nil
}
