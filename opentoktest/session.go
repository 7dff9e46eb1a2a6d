package opentoktest

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/internal/sessionid"
)

// formField returns an optional form field, "" when it is absent, empty or
// the literal "null": @vonage/video sends location=null when no location
// is given, and the platform takes it as no location.
func formField(form url.Values, key string) string {
	v := form.Get(key)
	if v == "null" {
		return ""
	}
	return v
}

// createSession creates a session from the form body (the plumbing has
// checked its Content-Type).
func (s *Server) createSession(r *http.Request, body []byte) (reply, *apiError) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return reply{}, errf(http.StatusBadRequest, "invalid form body")
	}
	ss := &Session{MediaMode: opentok.MediaRouted, ArchiveMode: opentok.ArchiveManual, CreatedAt: s.nowLocked()}
	switch formField(form, "p2p.preference") {
	case "", "disabled":
	case "enabled":
		ss.MediaMode = opentok.MediaRelayed
	default:
		return reply{}, errf(http.StatusBadRequest, "p2p.preference must be enabled or disabled")
	}
	switch formField(form, "archiveMode") {
	case "", "manual":
	case "always":
		ss.ArchiveMode = opentok.ArchiveAlways
	default:
		return reply{}, errf(http.StatusBadRequest, "archiveMode must be manual or always")
	}
	if ss.ArchiveMode == opentok.ArchiveAlways && !ss.Routed() {
		return reply{}, errf(http.StatusBadRequest, "archiveMode=always requires routed media (p2p.preference=disabled)")
	}
	if loc := formField(form, "location"); loc != "" {
		a, err := netip.ParseAddr(loc)
		if err != nil || !a.Is4() {
			return reply{}, errf(http.StatusBadRequest, "location must be an IPv4 address")
		}
		ss.Location = loc
	}
	switch formField(form, "e2ee") {
	case "", "false":
	case "true":
		if !ss.Routed() {
			return reply{}, errf(http.StatusBadRequest, "e2ee requires routed media")
		}
		ss.E2EE = true
	default:
		return reply{}, errf(http.StatusBadRequest, "e2ee must be true or false")
	}
	ss.ArchiveName = formField(form, "archiveName")
	if len([]rune(ss.ArchiveName)) > 80 {
		return reply{}, errf(http.StatusBadRequest, "archiveName must be at most 80 characters")
	}
	if res := opentok.Resolution(formField(form, "archiveResolution")); res != "" {
		if !res.Valid() {
			return reply{}, errf(http.StatusBadRequest, "invalid archiveResolution")
		}
		ss.ArchiveResolution = res
	}
	ss.ID = sessionid.Encode(s.curOwnerLocked(), ss.Location, strconv.FormatInt(ms(ss.CreatedAt), 10), strings.ReplaceAll(newID(), "-", ""))
	s.st.sessions[ss.ID] = ss
	s.sessionAddedLocked(ss)

	createDT := ss.CreatedAt.UTC().Format("Mon Jan 02 15:04:05 MST 2006")
	item := map[string]any{"session_id": ss.ID, "create_dt": createDT, "media_server_url": ""}
	if s.cfg.vonage {
		item["application_id"] = s.ApplicationID
	} else {
		item["project_id"] = s.curOwnerLocked()
		item["partner_id"] = s.curOwnerLocked()
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		// The platform answers XML to clients that do not ask for JSON.
		xml := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sessions><Session><session_id>%s</session_id><partner_id>%s</partner_id><create_dt>%s</create_dt></Session></sessions>`,
			ss.ID, s.curOwnerLocked(), createDT)
		return reply{status: http.StatusOK, body: rawXML(xml)}, nil
	}
	return ok([]map[string]any{item}), nil
}

// rawXML is a body written as XML rather than JSON.
type rawXML string

func (s *Server) sessionLocked(r *http.Request) (*Session, *apiError) {
	return s.ownSessionLocked(r.PathValue("sid"))
}

// ownSessionLocked returns a session of the request's owner (a session of
// another project is unknown to it, as on the platform).
func (s *Server) ownSessionLocked(sid string) (*Session, *apiError) {
	ss, ok := s.st.sessions[sid]
	if !ok || !s.ownsLocked(sid) {
		return nil, errf(http.StatusNotFound, "Session not found")
	}
	return ss, nil
}
