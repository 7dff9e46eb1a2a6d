package opentoktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/opentok-go/opentok/internal/sessionid"
)

func (s *Server) routes() {
	const p = "/v2/project/{pid}"
	s.route("POST /session/create", "CreateSession", s.createSession)

	s.route("GET "+p+"/session/{sid}/stream", "ListStreams", s.listStreams)
	s.route("PUT "+p+"/session/{sid}/stream", "SetStreamClassLists", s.setStreamClassLists)
	s.route("GET "+p+"/session/{sid}/stream/{streamId}", "GetStream", s.getStream)
	s.route("POST "+p+"/session/{sid}/stream/{streamId}/mute", "ForceMuteStream", s.forceMuteStream)
	s.routeOps("POST "+p+"/session/{sid}/mute", []string{"ForceMuteAll", "DisableForceMute"}, func(body []byte) string {
		var req struct {
			Active *bool `json:"active"`
		}
		if json.Unmarshal(body, &req) == nil && req.Active != nil && !*req.Active {
			return "DisableForceMute"
		}
		return "ForceMuteAll"
	}, s.forceMuteAll)
	s.route("GET "+p+"/session/{sid}/connection", "ListConnections", s.listConnections)
	s.route("DELETE "+p+"/session/{sid}/connection/{cid}", "ForceDisconnect", s.forceDisconnect)
	s.route("POST "+p+"/session/{sid}/signal", "Signal", s.signal)
	s.route("POST "+p+"/session/{sid}/connection/{cid}/signal", "SignalConnection", s.signal)
	s.route("POST "+p+"/session/{sid}/play-dtmf", "PlayDTMF", s.playDTMF)
	s.route("POST "+p+"/session/{sid}/connection/{cid}/play-dtmf", "PlayDTMFToConnection", s.playDTMF)
	s.route("POST "+p+"/session/{sid}/migrate", "MigrateSession", s.migrate)

	s.route("GET "+p+"/archive", "ListArchives", s.listArchives)
	s.route("POST "+p+"/archive", "StartArchive", s.startArchive)
	s.route("GET "+p+"/archive/{id}", "GetArchive", s.getArchive)
	s.route("DELETE "+p+"/archive/{id}", "DeleteArchive", s.deleteArchive)
	s.route("POST "+p+"/archive/{id}/stop", "StopArchive", s.stopArchive)
	s.route("PUT "+p+"/archive/{id}/layout", "SetArchiveLayout", s.setArchiveLayout)
	s.routeOps("PATCH "+p+"/archive/{id}/streams", []string{"AddArchiveStream", "RemoveArchiveStream"},
		streamsOp("AddArchiveStream", "RemoveArchiveStream"), s.patchArchiveStreams)

	s.route("GET "+p+"/broadcast", "ListBroadcasts", s.listBroadcasts)
	s.route("POST "+p+"/broadcast", "StartBroadcast", s.startBroadcast)
	s.route("GET "+p+"/broadcast/{id}", "GetBroadcast", s.getBroadcast)
	s.route("POST "+p+"/broadcast/{id}/stop", "StopBroadcast", s.stopBroadcast)
	s.route("PUT "+p+"/broadcast/{id}/layout", "SetBroadcastLayout", s.setBroadcastLayout)
	s.routeOps("PATCH "+p+"/broadcast/{id}/streams", []string{"AddBroadcastStream", "RemoveBroadcastStream"},
		streamsOp("AddBroadcastStream", "RemoveBroadcastStream"), s.patchBroadcastStreams)

	s.route("POST "+p+"/dial", "Dial", s.dial)
	s.route("POST "+p+"/connect", "ConnectWebSocket", s.connectWebSocket)
	s.route("POST "+p+"/captions", "StartCaptions", s.startCaptions)
	s.route("POST "+p+"/captions/{id}/stop", "StopCaptions", s.stopCaptions)
	s.route("GET "+p+"/render", "ListRenders", s.listRenders)
	s.route("POST "+p+"/render", "StartRender", s.startRender)
	s.route("GET "+p+"/render/{id}", "GetRender", s.getRender)
	s.route("DELETE "+p+"/render/{id}", "StopRender", s.stopRender)

	s.route("GET "+p+"/callback", "ListCallbacks", s.listCallbacks)
	s.route("POST "+p+"/callback", "RegisterCallback", s.registerCallback)
	s.route("DELETE "+p+"/callback/{id}", "UnregisterCallback", s.unregisterCallback)

	// Media the fake hands out URLs for (no auth, like pre-signed URLs).
	s.mux.HandleFunc("GET /_media/archive/{id}/{file}", s.serveArchiveFile)
	s.mux.HandleFunc("GET /_media/hls/{id}/index.m3u8", s.serveHLS)

	if s.cfg.control {
		s.controlRoutes()
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"code": 404, "message": "Not Found: " + r.Method + " " + r.URL.Path})
	})
}

// ---- helpers -----------------------------------------------------------------

// streamsOp names a PATCH .../streams request by its body: remove when it
// has removeStream, add otherwise.
func streamsOp(add, remove string) func([]byte) string {
	return func(body []byte) string {
		var req struct {
			RemoveStream string `json:"removeStream"`
		}
		if json.Unmarshal(body, &req) == nil && req.RemoveStream != "" {
			return remove
		}
		return add
	}
}

func (s *Server) ownerJSON(m map[string]any) map[string]any {
	if s.cfg.vonage {
		m["applicationId"] = s.ApplicationID
	} else {
		m["projectId"] = s.APIKey
		m["partnerId"] = s.APIKey
	}
	return m
}

func (s *Server) sessionLocked(r *http.Request) (*Session, *apiError) {
	sid := r.PathValue("sid")
	ss, ok := s.st.sessions[sid]
	if !ok {
		return nil, errf(http.StatusNotFound, "Session not found")
	}
	return ss, nil
}

func newID() string { return uuid.NewString() }

// paging reads offset and count as the platform does (count default 50,
// max 1000).
func paging(r *http.Request) (offset, count int, aerr *apiError) {
	q := r.URL.Query()
	offset, count = 0, 50
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, errf(http.StatusBadRequest, "offset must be a non-negative integer")
		}
		offset = n
	}
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			return 0, 0, errf(http.StatusBadRequest, "count must be between 0 and 1000")
		}
		if n > 0 {
			count = n
		}
	}
	return offset, count, nil
}

func page[T any](items []T, offset, count int) []T {
	if offset >= len(items) {
		return []T{}
	}
	end := min(offset+count, len(items))
	return items[offset:end]
}

// listReply answers a list request: the items kept by keep (all when nil),
// paged with the request's offset and count, as {"count","items"}.
func listReply[T any](r *http.Request, all []T, keep func(T) bool, render func(T) map[string]any) (reply, *apiError) {
	offset, count, aerr := paging(r)
	if aerr != nil {
		return reply{}, aerr
	}
	kept := all
	if keep != nil {
		kept = nil
		for _, it := range all {
			if keep(it) {
				kept = append(kept, it)
			}
		}
	}
	items := []map[string]any{}
	for _, it := range page(kept, offset, count) {
		items = append(items, render(it))
	}
	return ok(map[string]any{"count": len(kept), "items": items}), nil
}

// boolField reads an optional JSON boolean, defaulting when absent.
func boolField(raw json.RawMessage, def bool) (bool, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return def, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return false, errf(http.StatusBadRequest, "a boolean field has a non-boolean value")
	}
	return b, nil
}

var validResolutions = map[string]bool{"640x480": true, "480x640": true, "1280x720": true, "720x1280": true, "1920x1080": true, "1080x1920": true}

func checkLayout(raw json.RawMessage) (map[string]any, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var l struct {
		Type            string `json:"type"`
		Stylesheet      string `json:"stylesheet"`
		ScreenshareType string `json:"screenshareType"`
	}
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, errf(http.StatusBadRequest, "invalid layout")
	}
	switch l.Type {
	case "bestFit", "custom", "horizontalPresentation", "pip", "verticalPresentation":
	default:
		return nil, errf(http.StatusBadRequest, "invalid layout type %q", l.Type)
	}
	if l.Type == "custom" && l.Stylesheet == "" {
		return nil, errf(http.StatusBadRequest, "a custom layout needs a stylesheet")
	}
	if l.ScreenshareType != "" && (l.Type != "bestFit" || l.Stylesheet != "") {
		return nil, errf(http.StatusBadRequest, "screenshareType needs the bestFit layout type and no stylesheet")
	}
	m := map[string]any{"type": l.Type}
	if l.Stylesheet != "" {
		m["stylesheet"] = l.Stylesheet
	}
	if l.ScreenshareType != "" {
		m["screenshareType"] = l.ScreenshareType
	}
	return m, nil
}

func streamsJSON(list []ArchiveStream) []map[string]any {
	out := make([]map[string]any, 0, len(list))
	for _, st := range list {
		out = append(out, map[string]any{"streamId": st.StreamID, "hasAudio": st.HasAudio, "hasVideo": st.HasVideo})
	}
	return out
}

// ---- sessions ------------------------------------------------------------------

func (s *Server) createSession(r *http.Request, body []byte) (reply, *apiError) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return reply{}, errf(http.StatusBadRequest, "the body must be form-encoded (application/x-www-form-urlencoded)")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return reply{}, errf(http.StatusBadRequest, "invalid form body")
	}
	ss := &Session{MediaMode: "routed", ArchiveMode: "manual", CreatedAt: s.nowLocked()}
	switch form.Get("p2p.preference") {
	case "", "disabled":
	case "enabled":
		ss.MediaMode = "relayed"
	default:
		return reply{}, errf(http.StatusBadRequest, "p2p.preference must be enabled or disabled")
	}
	switch form.Get("archiveMode") {
	case "", "manual":
	case "always":
		ss.ArchiveMode = "always"
	default:
		return reply{}, errf(http.StatusBadRequest, "archiveMode must be manual or always")
	}
	if ss.ArchiveMode == "always" && ss.MediaMode != "routed" {
		return reply{}, errf(http.StatusBadRequest, "archiveMode=always requires routed media (p2p.preference=disabled)")
	}
	if loc := form.Get("location"); loc != "" {
		a, err := netip.ParseAddr(loc)
		if err != nil || !a.Is4() {
			return reply{}, errf(http.StatusBadRequest, "location must be an IPv4 address")
		}
		ss.Location = loc
	}
	switch form.Get("e2ee") {
	case "", "false":
	case "true":
		if ss.MediaMode != "routed" {
			return reply{}, errf(http.StatusBadRequest, "e2ee requires routed media")
		}
		ss.E2EE = true
	default:
		return reply{}, errf(http.StatusBadRequest, "e2ee must be true or false")
	}
	ss.ArchiveName = form.Get("archiveName")
	if len([]rune(ss.ArchiveName)) > 80 {
		return reply{}, errf(http.StatusBadRequest, "archiveName must be at most 80 characters")
	}
	if res := form.Get("archiveResolution"); res != "" {
		if !validResolutions[res] {
			return reply{}, errf(http.StatusBadRequest, "invalid archiveResolution")
		}
		ss.ArchiveResolution = res
	}
	ss.ID = sessionid.Encode(s.OwnerID(), ss.Location, strconv.FormatInt(ms(ss.CreatedAt), 10), strings.ReplaceAll(newID(), "-", ""))
	s.st.sessions[ss.ID] = ss

	createDT := ss.CreatedAt.UTC().Format("Mon Jan 02 15:04:05 MST 2006")
	item := map[string]any{"session_id": ss.ID, "create_dt": createDT, "media_server_url": ""}
	if s.cfg.vonage {
		item["application_id"] = s.ApplicationID
	} else {
		item["project_id"] = s.APIKey
		item["partner_id"] = s.APIKey
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		// The platform answers XML to clients that do not ask for JSON.
		xml := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sessions><Session><session_id>%s</session_id><partner_id>%s</partner_id><create_dt>%s</create_dt></Session></sessions>`,
			ss.ID, s.OwnerID(), createDT)
		return reply{status: http.StatusOK, body: rawXML(xml)}, nil
	}
	return ok([]map[string]any{item}), nil
}

// rawXML is a body written as XML rather than JSON.
type rawXML string

// ---- streams, connections, signals, moderation ------------------------------------

func streamJSON(st *Stream) map[string]any {
	classes := st.LayoutClassList
	if classes == nil {
		classes = []string{}
	}
	return map[string]any{"id": st.ID, "videoType": st.VideoType, "name": st.Name, "layoutClassList": classes}
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
	return reply{status: http.StatusOK}, nil
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

// projectDetails is the informational answer of the mute calls.
func (s *Server) projectDetails() map[string]any {
	m := map[string]any{"status": "ACTIVE", "name": "opentoktest", "environment": "standard", "createdAt": ms(s.nowLocked())}
	if s.cfg.vonage {
		m["applicationId"] = s.ApplicationID
	} else {
		m["id"] = s.APIKey
	}
	return m
}

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
		m["projectId"] = s.APIKey
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

func (s *Server) signal(r *http.Request, body []byte) (reply, *apiError) {
	ss, aerr := s.sessionLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	var req struct {
		Type string `json:"type"`
		Data string `json:"data"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	if len(req.Type) > 128 || len(req.Data) > 8192 {
		return reply{}, errf(http.StatusRequestEntityTooLarge, "The type string exceeds the maximum length (128 bytes), or the data string exceeds the maximum size (8 kB).")
	}
	targets := s.st.sessionConnections(ss.ID)
	if cid := r.PathValue("cid"); cid != "" {
		c, found := s.st.connections[cid]
		if !found || c.gone || c.SessionID != ss.ID {
			return reply{}, errf(http.StatusNotFound, "The client specified by the connectionId property is not connected to the session.")
		}
		targets = []*connState{c}
	}
	for _, c := range targets {
		if c.Kind == KindClient {
			c.signals = append(c.signals, Signal{Type: req.Type, Data: req.Data})
		}
	}
	return reply{status: http.StatusNoContent}, nil
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
				call.DTMF = append(call.DTMF, req.Digits)
			}
		}
	} else {
		s.st.dtmf[ss.ID] = append(s.st.dtmf[ss.ID], req.Digits)
		for _, call := range s.st.sipCalls {
			if call.SessionID == ss.ID && !call.Ended {
				call.DTMF = append(call.DTMF, req.Digits)
			}
		}
	}
	return ok(map[string]any{}), nil
}

func (s *Server) migrate(r *http.Request, _ []byte) (reply, *apiError) {
	ss, aerr := s.sessionLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	if len(s.st.sessionConnections(ss.ID)) == 0 {
		return reply{}, errf(http.StatusNotFound, "No clients are connected to the session")
	}
	return reply{status: http.StatusAccepted, body: map[string]any{"message": "Session migration initiated"}}, nil
}

// ---- archives ------------------------------------------------------------------

func (s *Server) archiveJSON(a *Archive) map[string]any {
	m := map[string]any{
		"id": a.ID, "sessionId": a.SessionID, "name": a.Name, "status": a.Status, "reason": a.Reason,
		"createdAt": ms(a.CreatedAt), "updatedAt": ms(a.UpdatedAt), "size": a.Size,
		"duration": int64(s.archiveDuration(a) / time.Second), "outputMode": a.OutputMode, "streamMode": a.StreamMode,
		"hasAudio": a.HasAudio, "hasVideo": a.HasVideo, "sha256sum": "", "password": "",
		"event": "archive",
	}
	if a.URL != "" {
		m["url"] = a.URL
	} else {
		m["url"] = nil
	}
	if a.OutputMode == "composed" {
		m["resolution"] = a.Resolution
	}
	if a.StreamMode == "manual" {
		m["streams"] = streamsJSON(a.Streams)
	}
	if a.MaxBitrate != 0 {
		m["maxBitrate"] = a.MaxBitrate
	}
	if a.QuantizationParameter != 0 {
		m["quantizationParameter"] = a.QuantizationParameter
	}
	if a.HasTranscription {
		m["hasTranscription"] = true
	}
	return s.ownerJSON(m)
}

func (s *Server) archiveDuration(a *Archive) time.Duration {
	end := s.nowLocked()
	if !a.StoppedAt.IsZero() {
		end = a.StoppedAt
	}
	if a.Status == "started" || a.Status == "paused" {
		return 0
	}
	return end.Sub(a.CreatedAt).Truncate(time.Second)
}

func activeArchive(a *Archive) bool { return a.Status == "started" || a.Status == "paused" }

type archiveRequest struct {
	SessionID               string          `json:"sessionId"`
	Name                    string          `json:"name"`
	HasAudio                json.RawMessage `json:"hasAudio"`
	HasVideo                json.RawMessage `json:"hasVideo"`
	OutputMode              string          `json:"outputMode"`
	Resolution              string          `json:"resolution"`
	Layout                  json.RawMessage `json:"layout"`
	StreamMode              string          `json:"streamMode"`
	MultiArchiveTag         string          `json:"multiArchiveTag"`
	MaxBitrate              *int            `json:"maxBitrate"`
	QuantizationParameter   *int            `json:"quantizationParameter"`
	HasTranscription        bool            `json:"hasTranscription"`
	TranscriptionProperties json.RawMessage `json:"transcriptionProperties"`
}

// startArchive starts an archive. As the platform documents for
// multiArchiveTag, an archive without a tag conflicts with any running one,
// and a tagged archive conflicts only with a running one of the same tag (so
// a tagged manual archive can run beside an automatic one).
func (s *Server) startArchive(_ *http.Request, body []byte) (reply, *apiError) {
	var req archiveRequest
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	if req.SessionID == "" {
		return reply{}, errf(http.StatusBadRequest, "sessionId is required")
	}
	ss, found := s.st.sessions[req.SessionID]
	if !found {
		return reply{}, errf(http.StatusNotFound, "Session not found")
	}
	a := &Archive{ID: newID(), SessionID: ss.ID, Name: req.Name, Status: "started", OutputMode: "composed",
		StreamMode: "auto", Resolution: "640x480", MultiArchiveTag: req.MultiArchiveTag, HasTranscription: req.HasTranscription}
	var aerr *apiError
	if a.HasAudio, aerr = boolField(req.HasAudio, true); aerr != nil {
		return reply{}, aerr
	}
	if a.HasVideo, aerr = boolField(req.HasVideo, true); aerr != nil {
		return reply{}, aerr
	}
	if !a.HasAudio && !a.HasVideo {
		return reply{}, errf(http.StatusBadRequest, "hasAudio and hasVideo cannot both be false")
	}
	switch req.OutputMode {
	case "", "composed":
	case "individual":
		a.OutputMode = "individual"
		if req.Resolution != "" || len(req.Layout) > 0 || req.MaxBitrate != nil || req.QuantizationParameter != nil {
			return reply{}, errf(http.StatusBadRequest, "resolution, layout, maxBitrate and quantizationParameter apply to composed archives only")
		}
	default:
		return reply{}, errf(http.StatusBadRequest, "invalid outputMode")
	}
	if req.Resolution != "" {
		if !validResolutions[req.Resolution] {
			return reply{}, errf(http.StatusBadRequest, "invalid resolution")
		}
		a.Resolution = req.Resolution
	}
	switch req.StreamMode {
	case "", "auto":
	case "manual":
		a.StreamMode = "manual"
	default:
		return reply{}, errf(http.StatusBadRequest, "invalid streamMode")
	}
	if req.MaxBitrate != nil && req.QuantizationParameter != nil {
		return reply{}, errf(http.StatusBadRequest, "maxBitrate and quantizationParameter are mutually exclusive")
	}
	if req.MaxBitrate != nil {
		if *req.MaxBitrate < 100000 || *req.MaxBitrate > 6000000 {
			return reply{}, errf(http.StatusBadRequest, "invalid maxBitrate")
		}
		a.MaxBitrate = *req.MaxBitrate
	}
	if req.QuantizationParameter != nil {
		if *req.QuantizationParameter < 15 || *req.QuantizationParameter > 40 {
			return reply{}, errf(http.StatusBadRequest, "invalid quantizationParameter")
		}
		a.QuantizationParameter = *req.QuantizationParameter
	}
	if a.Layout, aerr = checkLayout(req.Layout); aerr != nil {
		return reply{}, aerr
	}
	if !ss.Routed() {
		return reply{}, errf(http.StatusConflict, "Conflict. You are trying to archive a session that is not using the OpenTok Media Router.")
	}
	if len(s.st.sessionConnections(ss.ID)) == 0 {
		return reply{}, errf(http.StatusNotFound, "No clients are actively connected to the OpenTok session.")
	}
	for _, other := range s.st.archives {
		if other.SessionID == ss.ID && activeArchive(other) &&
			(a.MultiArchiveTag == "" || other.MultiArchiveTag == a.MultiArchiveTag) {
			return reply{}, errf(http.StatusConflict, "Recording already in progress for this session (use a unique multiArchiveTag to record more than one archive)")
		}
	}
	s.addArchiveLocked(a)
	return ok(s.archiveJSON(a)), nil
}

func (s *Server) addArchiveLocked(a *Archive) {
	now := s.nowLocked()
	a.CreatedAt, a.UpdatedAt = now, now
	s.st.archives = append([]*Archive{a}, s.st.archives...)
	s.emitArchiveLocked(a)
}

func (s *Server) listArchives(r *http.Request, _ []byte) (reply, *apiError) {
	sid := r.URL.Query().Get("sessionId")
	return listReply(r, s.st.archives, func(a *Archive) bool {
		return a.Status != "deleted" && (sid == "" || a.SessionID == sid)
	}, s.archiveJSON)
}

func (s *Server) findArchive(r *http.Request) (*Archive, *apiError) {
	a := s.st.archive(r.PathValue("id"))
	if a == nil {
		return nil, errf(http.StatusNotFound, "Not found. You passed in an invalid archive ID.")
	}
	return a, nil
}

func (s *Server) getArchive(r *http.Request, _ []byte) (reply, *apiError) {
	a, aerr := s.findArchive(r)
	if aerr != nil {
		return reply{}, aerr
	}
	return ok(s.archiveJSON(a)), nil
}

func (s *Server) stopArchive(r *http.Request, _ []byte) (reply, *apiError) {
	a, aerr := s.findArchive(r)
	if aerr != nil {
		return reply{}, aerr
	}
	if !activeArchive(a) {
		return reply{}, errf(http.StatusConflict, "Conflict. You are trying to stop an archive that is not recording.")
	}
	if a.Auto {
		return reply{}, errf(http.StatusBadRequest, "Automatically started archives cannot be stopped through the REST API.")
	}
	s.stopArchiveLocked(a, "user initiated")
	return ok(s.archiveJSON(a)), nil
}

func (s *Server) stopArchiveLocked(a *Archive, reason string) {
	now := s.nowLocked()
	a.Status, a.Reason, a.StoppedAt, a.UpdatedAt = "stopped", reason, now, now
	a.Size = int64(s.archiveDuration(a)/time.Second)*48000 + 1024
	s.emitArchiveLocked(a)
}

func (s *Server) deleteArchive(r *http.Request, _ []byte) (reply, *apiError) {
	a, aerr := s.findArchive(r)
	if aerr != nil {
		return reply{}, aerr
	}
	switch a.Status {
	case "available", "uploaded", "deleted":
	default:
		return reply{}, errf(http.StatusConflict, "Conflict. The archive is %s; only available or uploaded archives can be deleted.", a.Status)
	}
	a.Status, a.URL, a.UpdatedAt = "deleted", "", s.nowLocked()
	return reply{status: http.StatusNoContent}, nil
}

func (s *Server) setArchiveLayout(r *http.Request, body []byte) (reply, *apiError) {
	a, aerr := s.findArchive(r)
	if aerr != nil {
		return reply{}, aerr
	}
	if a.OutputMode != "composed" {
		return reply{}, errf(http.StatusBadRequest, "Layouts apply to composed archives only")
	}
	if !activeArchive(a) {
		return reply{}, errf(http.StatusConflict, "The archive is not recording")
	}
	l, aerr := checkLayout(body)
	if aerr != nil {
		return reply{}, aerr
	}
	if l == nil {
		return reply{}, errf(http.StatusBadRequest, "a layout is required")
	}
	a.Layout = l
	return reply{status: http.StatusOK}, nil
}

// patchStreams applies {"addStream","hasAudio","hasVideo"} or
// {"removeStream"} to a manual-mode stream list.
func (s *Server) patchStreams(sessionID, streamMode string, list *[]ArchiveStream, body []byte) *apiError {
	var req struct {
		AddStream    string          `json:"addStream"`
		RemoveStream string          `json:"removeStream"`
		HasAudio     json.RawMessage `json:"hasAudio"`
		HasVideo     json.RawMessage `json:"hasVideo"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return aerr
	}
	if streamMode != "manual" {
		return errf(http.StatusBadRequest, "The stream mode is auto: streams cannot be added or removed")
	}
	switch {
	case req.AddStream != "" && req.RemoveStream != "":
		return errf(http.StatusBadRequest, "give one of addStream and removeStream")
	case req.AddStream != "":
		st, found := s.st.streams[req.AddStream]
		if !found || st.SessionID != sessionID {
			return errf(http.StatusNotFound, "Stream not found")
		}
		ha, aerr := boolField(req.HasAudio, true)
		if aerr != nil {
			return aerr
		}
		hv, aerr := boolField(req.HasVideo, true)
		if aerr != nil {
			return aerr
		}
		for i := range *list {
			if (*list)[i].StreamID == req.AddStream {
				(*list)[i].HasAudio, (*list)[i].HasVideo = ha, hv
				return nil
			}
		}
		*list = append(*list, ArchiveStream{StreamID: req.AddStream, HasAudio: ha, HasVideo: hv})
	case req.RemoveStream != "":
		i := slices.IndexFunc(*list, func(a ArchiveStream) bool { return a.StreamID == req.RemoveStream })
		if i < 0 {
			return errf(http.StatusNotFound, "Stream not found")
		}
		*list = slices.Delete(*list, i, i+1)
	default:
		return errf(http.StatusBadRequest, "Need one of addStream or removeStream")
	}
	return nil
}

func (s *Server) patchArchiveStreams(r *http.Request, body []byte) (reply, *apiError) {
	a, aerr := s.findArchive(r)
	if aerr != nil {
		return reply{}, aerr
	}
	if aerr := s.patchStreams(a.SessionID, a.StreamMode, &a.Streams, body); aerr != nil {
		return reply{}, aerr
	}
	a.UpdatedAt = s.nowLocked()
	return reply{status: http.StatusNoContent}, nil
}

// ---- broadcasts ------------------------------------------------------------------

func (s *Server) broadcastJSON(b *Broadcast) map[string]any {
	urls := map[string]any{}
	if b.HLS {
		urls["hls"] = b.HLSURL
		urls["hlsStatus"] = map[bool]string{true: "live", false: "ended"}[b.Status == "started"]
	}
	rtmp := []map[string]any{}
	for _, t := range b.RTMP {
		m := map[string]any{"serverUrl": t.ServerURL, "streamName": t.StreamName, "status": t.Status}
		if t.ID != "" {
			m["id"] = t.ID
		}
		rtmp = append(rtmp, m)
	}
	if len(b.RTMP) > 0 {
		urls["rtmp"] = rtmp
	}
	m := map[string]any{
		"id": b.ID, "sessionId": b.SessionID, "createdAt": ms(b.CreatedAt), "updatedAt": ms(b.UpdatedAt),
		"broadcastUrls": urls, "maxDuration": int64(b.MaxDuration / time.Second), "resolution": b.Resolution,
		"status": b.Status, "streamMode": b.StreamMode, "hasAudio": b.HasAudio, "hasVideo": b.HasVideo,
		"event": "broadcast",
	}
	if b.HLS {
		m["settings"] = map[string]any{"hls": map[string]any{"dvr": b.DVR, "lowLatency": b.LowLatency}}
	}
	if b.MultiBroadcastTag != "" {
		m["multiBroadcastTag"] = b.MultiBroadcastTag
	}
	if b.MaxBitrate != 0 {
		m["maxBitrate"] = b.MaxBitrate
	}
	if b.StreamMode == "manual" {
		m["streams"] = streamsJSON(b.Streams)
	}
	return s.ownerJSON(m)
}

func (s *Server) startBroadcast(_ *http.Request, body []byte) (reply, *apiError) {
	var req struct {
		SessionID string `json:"sessionId"`
		Outputs   *struct {
			HLS *struct {
				DVR        bool `json:"dvr"`
				LowLatency bool `json:"lowLatency"`
			} `json:"hls"`
			RTMP []struct {
				ID         string `json:"id"`
				ServerURL  string `json:"serverUrl"`
				StreamName string `json:"streamName"`
			} `json:"rtmp"`
		} `json:"outputs"`
		MaxDuration       *int            `json:"maxDuration"`
		Resolution        string          `json:"resolution"`
		Layout            json.RawMessage `json:"layout"`
		StreamMode        string          `json:"streamMode"`
		MultiBroadcastTag string          `json:"multiBroadcastTag"`
		MaxBitrate        *int            `json:"maxBitrate"`
		HasAudio          json.RawMessage `json:"hasAudio"`
		HasVideo          json.RawMessage `json:"hasVideo"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	if req.SessionID == "" {
		return reply{}, errf(http.StatusBadRequest, "sessionId is required")
	}
	ss, found := s.st.sessions[req.SessionID]
	if !found {
		return reply{}, errf(http.StatusNotFound, "Session not found")
	}
	if req.Outputs == nil || (req.Outputs.HLS == nil && len(req.Outputs.RTMP) == 0) {
		return reply{}, errf(http.StatusBadRequest, "outputs needs hls, rtmp or both")
	}
	b := &Broadcast{ID: newID(), SessionID: ss.ID, Status: "started", Resolution: "640x480", StreamMode: "auto",
		MaxDuration: 4 * time.Hour, MultiBroadcastTag: req.MultiBroadcastTag}
	if h := req.Outputs.HLS; h != nil {
		if h.DVR && h.LowLatency {
			return reply{}, errf(http.StatusBadRequest, "dvr and lowLatency cannot both be true")
		}
		b.HLS, b.DVR, b.LowLatency = true, h.DVR, h.LowLatency
		b.HLSURL = s.URL + "/_media/hls/" + b.ID + "/index.m3u8"
		if h.DVR {
			b.HLSURL += "?DVR"
		}
	}
	if len(req.Outputs.RTMP) > 5 {
		return reply{}, errf(http.StatusBadRequest, "a broadcast can have at most five RTMP outputs")
	}
	for _, t := range req.Outputs.RTMP {
		if t.ServerURL == "" || t.StreamName == "" {
			return reply{}, errf(http.StatusBadRequest, "each RTMP output needs serverUrl and streamName")
		}
		b.RTMP = append(b.RTMP, RTMPTarget{ID: t.ID, ServerURL: t.ServerURL, StreamName: t.StreamName, Status: "connecting"})
	}
	if req.MaxDuration != nil {
		if *req.MaxDuration < 60 || *req.MaxDuration > 36000 {
			return reply{}, errf(http.StatusBadRequest, "maxDuration must be between 60 and 36000 seconds")
		}
		b.MaxDuration = time.Duration(*req.MaxDuration) * time.Second
	}
	if req.Resolution != "" {
		if !validResolutions[req.Resolution] {
			return reply{}, errf(http.StatusBadRequest, "invalid resolution")
		}
		b.Resolution = req.Resolution
	}
	switch req.StreamMode {
	case "", "auto":
	case "manual":
		b.StreamMode = "manual"
	default:
		return reply{}, errf(http.StatusBadRequest, "invalid streamMode")
	}
	if req.MaxBitrate != nil {
		if *req.MaxBitrate < 100000 || *req.MaxBitrate > 6000000 {
			return reply{}, errf(http.StatusBadRequest, "invalid maxBitrate")
		}
		b.MaxBitrate = *req.MaxBitrate
	}
	var aerr *apiError
	if b.HasAudio, aerr = boolField(req.HasAudio, true); aerr != nil {
		return reply{}, aerr
	}
	if b.HasVideo, aerr = boolField(req.HasVideo, true); aerr != nil {
		return reply{}, aerr
	}
	if b.Layout, aerr = checkLayout(req.Layout); aerr != nil {
		return reply{}, aerr
	}
	if !ss.Routed() {
		return reply{}, errf(http.StatusConflict, "Conflict. The session is not using the OpenTok Media Router.")
	}
	if len(s.st.sessionConnections(ss.ID)) == 0 {
		return reply{}, errf(http.StatusNotFound, "No clients are actively connected to the OpenTok session.")
	}
	for _, other := range s.st.broadcasts {
		if other.SessionID == ss.ID && other.Status == "started" &&
			(b.MultiBroadcastTag == "" || other.MultiBroadcastTag == b.MultiBroadcastTag) {
			return reply{}, errf(http.StatusConflict, "The session is already being broadcast (use a unique multiBroadcastTag to start another)")
		}
	}
	now := s.nowLocked()
	b.CreatedAt, b.UpdatedAt = now, now
	s.st.broadcasts = append([]*Broadcast{b}, s.st.broadcasts...)
	s.emitBroadcastLocked(b)
	return ok(s.broadcastJSON(b)), nil
}

func (s *Server) listBroadcasts(r *http.Request, _ []byte) (reply, *apiError) {
	sid := r.URL.Query().Get("sessionId")
	return listReply(r, s.st.broadcasts, func(b *Broadcast) bool { return sid == "" || b.SessionID == sid }, s.broadcastJSON)
}

func (s *Server) findBroadcast(r *http.Request) (*Broadcast, *apiError) {
	b := s.st.broadcast(r.PathValue("id"))
	if b == nil {
		return nil, errf(http.StatusNotFound, "Broadcast not found")
	}
	return b, nil
}

func (s *Server) getBroadcast(r *http.Request, _ []byte) (reply, *apiError) {
	b, aerr := s.findBroadcast(r)
	if aerr != nil {
		return reply{}, aerr
	}
	return ok(s.broadcastJSON(b)), nil
}

func (s *Server) stopBroadcast(r *http.Request, _ []byte) (reply, *apiError) {
	b, aerr := s.findBroadcast(r)
	if aerr != nil {
		return reply{}, aerr
	}
	if b.Status != "started" {
		return reply{}, errf(http.StatusNotFound, "The broadcast is not running")
	}
	s.stopBroadcastLocked(b)
	return ok(s.broadcastJSON(b)), nil
}

func (s *Server) stopBroadcastLocked(b *Broadcast) {
	b.Status, b.UpdatedAt = "stopped", s.nowLocked()
	for i := range b.RTMP {
		b.RTMP[i].Status = "offline"
	}
	s.emitBroadcastLocked(b)
}

func (s *Server) setBroadcastLayout(r *http.Request, body []byte) (reply, *apiError) {
	b, aerr := s.findBroadcast(r)
	if aerr != nil {
		return reply{}, aerr
	}
	l, aerr := checkLayout(body)
	if aerr != nil {
		return reply{}, aerr
	}
	if l == nil {
		return reply{}, errf(http.StatusBadRequest, "a layout is required")
	}
	b.Layout = l
	return reply{status: http.StatusOK}, nil
}

func (s *Server) patchBroadcastStreams(r *http.Request, body []byte) (reply, *apiError) {
	b, aerr := s.findBroadcast(r)
	if aerr != nil {
		return reply{}, aerr
	}
	if aerr := s.patchStreams(b.SessionID, b.StreamMode, &b.Streams, body); aerr != nil {
		return reply{}, aerr
	}
	b.UpdatedAt = s.nowLocked()
	return reply{status: http.StatusNoContent}, nil
}

// ---- SIP, Audio Connector, captions, renders ----------------------------------------

// serverConnLocked validates the session and token of a server-side
// connection (SIP, Audio Connector, Experience Composer, captions).
func (s *Server) serverConnLocked(sessionID, token string) (*Session, tokenInfo, *apiError) {
	if sessionID == "" {
		return nil, tokenInfo{}, errf(http.StatusBadRequest, "sessionId is required")
	}
	ss, found := s.st.sessions[sessionID]
	if !found {
		return nil, tokenInfo{}, errf(http.StatusNotFound, "Session not found")
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
	videoType := ""
	if req.SIP.Video {
		videoType = "camera"
	}
	st := s.publishLocked(c, "SIP call", videoType, true, req.SIP.Video)
	call := &SIPCall{ID: newID(), SessionID: ss.ID, ConnectionID: c.ID, StreamID: st.ID, URI: req.SIP.URI, From: req.SIP.From,
		Headers: req.SIP.Headers, Secure: req.SIP.Secure, Video: req.SIP.Video, ObserveForceMute: req.SIP.ObserveForceMute,
		Streams: req.SIP.Streams, CreatedAt: s.nowLocked()}
	s.st.sipCalls[call.ID] = call
	s.emitSIPLocked(call, "callCreated", nil)
	s.emitSIPLocked(call, "callUpdated", map[string]any{"state": "ACTIVE"})
	return ok(map[string]any{"id": call.ID, "connectionId": c.ID, "streamId": st.ID}), nil
}

func (s *Server) connectWebSocket(_ *http.Request, body []byte) (reply, *apiError) {
	var req struct {
		SessionID string `json:"sessionId"`
		Token     string `json:"token"`
		WebSocket struct {
			URI            string            `json:"uri"`
			Streams        []string          `json:"streams"`
			Headers        map[string]string `json:"headers"`
			AudioRate      int               `json:"audioRate"`
			Bidirectional  bool              `json:"bidirectional"`
			AudioTransport *struct {
				Transport string `json:"transport"`
				Encoding  string `json:"encoding"`
			} `json:"audioTransport"`
		} `json:"websocket"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	ws := req.WebSocket
	if !strings.HasPrefix(ws.URI, "ws://") && !strings.HasPrefix(ws.URI, "wss://") {
		return reply{}, errf(http.StatusBadRequest, "websocket.uri must start with ws:// or wss://")
	}
	switch ws.AudioRate {
	case 0, 8000, 16000, 24000:
	default:
		return reply{}, errf(http.StatusBadRequest, "audioRate must be 8000, 16000 or 24000")
	}
	size := 0
	for k, v := range ws.Headers {
		size += len(k) + len(v)
	}
	if size > 512 {
		return reply{}, errf(http.StatusBadRequest, "headers exceed 512 bytes")
	}
	if t := ws.AudioTransport; t != nil && t.Transport == "json" && t.Encoding != "base64" {
		return reply{}, errf(http.StatusBadRequest, "the json audio transport needs base64 encoding")
	}
	ss, ti, aerr := s.serverConnLocked(req.SessionID, req.Token)
	if aerr != nil {
		return reply{}, aerr
	}
	for _, id := range ws.Streams {
		if st, found := s.st.streams[id]; !found || st.SessionID != ss.ID {
			return reply{}, errf(http.StatusBadRequest, "stream %q is not in the session", id)
		}
	}
	c := s.addConnectionLocked(ss, KindWebSocket, ti)
	rate := ws.AudioRate
	if rate == 0 {
		rate = 16000
	}
	w := &WebSocketConnection{ID: newID(), SessionID: ss.ID, ConnectionID: c.ID, URI: ws.URI, Streams: ws.Streams,
		Headers: ws.Headers, AudioRate: rate, Bidirectional: ws.Bidirectional, CreatedAt: s.nowLocked()}
	if ws.Bidirectional {
		s.publishLocked(c, "Audio Connector", "", true, false)
	}
	s.st.websockets[w.ID] = w
	return ok(map[string]any{"id": w.ID, "connectionId": c.ID}), nil
}

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
	c := &Captions{ID: newID(), SessionID: req.SessionID, LanguageCode: "en-US", Status: "started",
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
	if ti.Role != "moderator" {
		return reply{}, &apiError{status: http.StatusForbidden, code: 10002, message: "Live captions need a token with the moderator role"}
	}
	for _, other := range s.st.captions {
		if other.SessionID == ss.ID && other.Status == "started" {
			return reply{}, errf(http.StatusConflict, "Live captions have already started for this session")
		}
	}
	c.CreatedAt = s.nowLocked()
	s.st.captions[c.ID] = c
	return reply{status: http.StatusAccepted, body: map[string]any{"captionsId": c.ID}}, nil
}

func (s *Server) stopCaptions(r *http.Request, _ []byte) (reply, *apiError) {
	c, found := s.st.captions[r.PathValue("id")]
	if !found || c.Status != "started" {
		return reply{}, errf(http.StatusNotFound, "Captions not found")
	}
	c.Status = "stopped"
	return reply{status: http.StatusAccepted}, nil
}

func (s *Server) renderJSON(rd *Render) map[string]any {
	m := map[string]any{"id": rd.ID, "sessionId": rd.SessionID, "createdAt": ms(rd.CreatedAt), "updatedAt": ms(rd.UpdatedAt),
		"url": rd.URL, "resolution": rd.Resolution, "status": rd.Status, "name": rd.Name, "callbackUrl": rd.CallbackURL}
	if rd.StreamID != "" {
		m["streamId"] = rd.StreamID
	}
	if rd.Reason != "" {
		m["reason"] = rd.Reason
	}
	if s.cfg.vonage {
		m["applicationId"] = s.ApplicationID
	} else {
		m["projectId"] = s.APIKey
	}
	return m
}

func (s *Server) startRender(_ *http.Request, body []byte) (reply, *apiError) {
	var req struct {
		SessionID         string `json:"sessionId"`
		Token             string `json:"token"`
		URL               string `json:"url"`
		MaxDuration       *int   `json:"maxDuration"`
		Resolution        string `json:"resolution"`
		StatusCallbackURL string `json:"statusCallbackUrl"`
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
	rd := &Render{ID: newID(), SessionID: req.SessionID, URL: req.URL, Status: "starting", Resolution: "1280x720",
		MaxDuration: 2 * time.Hour, CallbackURL: req.StatusCallbackURL}
	if req.MaxDuration != nil {
		if *req.MaxDuration < 60 || *req.MaxDuration > 36000 {
			return reply{}, &apiError{status: http.StatusBadRequest, code: 50005, message: "Invalid maxDuration"}
		}
		rd.MaxDuration = time.Duration(*req.MaxDuration) * time.Second
	}
	if req.Resolution != "" {
		if !validResolutions[req.Resolution] {
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
	if _, found := s.st.sessions[req.SessionID]; !found {
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
	s.emitRenderLocked(rd)
	return reply{status: http.StatusAccepted, body: s.renderJSON(rd)}, nil
}

func (s *Server) listRenders(r *http.Request, _ []byte) (reply, *apiError) {
	return listReply(r, s.st.renders, nil, s.renderJSON)
}

func (s *Server) getRender(r *http.Request, _ []byte) (reply, *apiError) {
	rd := s.st.render(r.PathValue("id"))
	if rd == nil {
		return reply{}, errf(http.StatusNotFound, "Render not found")
	}
	return ok(s.renderJSON(rd)), nil
}

func (s *Server) stopRender(r *http.Request, _ []byte) (reply, *apiError) {
	rd := s.st.render(r.PathValue("id"))
	if rd == nil || rd.Status == "stopped" || rd.Status == "failed" {
		return reply{}, errf(http.StatusNotFound, "Render not found or already stopped")
	}
	s.stopRenderLocked(rd, "Stop Requested")
	return reply{status: http.StatusNoContent}, nil
}

func (s *Server) stopRenderLocked(rd *Render, reason string) {
	rd.Status, rd.Reason, rd.UpdatedAt = "stopped", reason, s.nowLocked()
	if c, found := s.st.connections[rd.ConnectionID]; found && !c.gone {
		s.disconnectLocked(c, "forceDisconnected")
	}
	s.emitRenderLocked(rd)
}

// ---- legacy callback registration (OpenTok only) ----------------------------------

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
		out = append(out, callbackJSON(c))
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
	c := &RegisteredCallback{ID: newID(), Group: req.Group, Event: req.Event, URL: req.URL, CreatedAt: s.nowLocked()}
	s.st.callbacks = append(s.st.callbacks, c)
	return ok(callbackJSON(c)), nil
}

func (s *Server) unregisterCallback(r *http.Request, _ []byte) (reply, *apiError) {
	if aerr := s.legacyOnly(); aerr != nil {
		return reply{}, aerr
	}
	i := slices.IndexFunc(s.st.callbacks, func(c *RegisteredCallback) bool { return c.ID == r.PathValue("id") })
	if i < 0 {
		return reply{}, errf(http.StatusNotFound, "Callback not found")
	}
	s.st.callbacks = slices.Delete(s.st.callbacks, i, i+1)
	return reply{status: http.StatusNoContent}, nil
}

// ---- media ------------------------------------------------------------------------

func (s *Server) serveArchiveFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a := s.st.archive(r.PathValue("id"))
	okFile := a != nil && a.Status == "available"
	s.mu.Unlock()
	if !okFile {
		http.NotFound(w, r)
		return
	}
	if strings.HasSuffix(r.PathValue("file"), ".zip") {
		w.Header().Set("Content-Type", "application/zip")
	} else {
		w.Header().Set("Content-Type", "video/mp4")
	}
	_, _ = fmt.Fprintf(w, "opentoktest fake archive %s\n", a.ID)
}

func (s *Server) serveHLS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	_, _ = fmt.Fprintf(w, "#EXTM3U\n#EXT-X-VERSION:3\n# opentoktest fake HLS playlist for broadcast %s\n", r.PathValue("id"))
}
