package opentoktest

import (
	"encoding/json"
	"net/http"

	"github.com/opentok-go/opentok"
)

// What archives and broadcasts share: the start options of a composition
// (resolution, layout, stream mode, bitrate, media), the session they need
// (routed, with someone connected), and changing the layout of a running
// one.

// compositionRequest holds the start options archives and broadcasts share.
type compositionRequest struct {
	Resolution opentok.Resolution `json:"resolution"`
	Layout     json.RawMessage    `json:"layout"`
	StreamMode opentok.StreamMode `json:"streamMode"`
	MaxBitrate *int               `json:"maxBitrate"`
	HasAudio   json.RawMessage    `json:"hasAudio"`
	HasVideo   json.RawMessage    `json:"hasVideo"`
}

// composition is the checked shared options, with the platform's defaults
// filled in.
type composition struct {
	resolution         opentok.Resolution
	layout             *opentok.Layout
	streamMode         opentok.StreamMode
	maxBitrate         int
	hasAudio, hasVideo bool
}

// check validates the shared options as the platform does.
func (req *compositionRequest) check() (composition, *apiError) {
	c := composition{resolution: opentok.Resolution640x480, streamMode: opentok.StreamModeAuto}
	if req.Resolution != "" {
		if !req.Resolution.Valid() {
			return c, errf(http.StatusBadRequest, "invalid resolution")
		}
		c.resolution = req.Resolution
	}
	switch req.StreamMode {
	case "", opentok.StreamModeAuto:
	case opentok.StreamModeManual:
		c.streamMode = opentok.StreamModeManual
	default:
		return c, errf(http.StatusBadRequest, "invalid streamMode")
	}
	if req.MaxBitrate != nil {
		if *req.MaxBitrate < 100000 || *req.MaxBitrate > 6000000 {
			return c, errf(http.StatusBadRequest, "invalid maxBitrate")
		}
		c.maxBitrate = *req.MaxBitrate
	}
	var aerr *apiError
	if c.hasAudio, aerr = boolField(req.HasAudio, true); aerr != nil {
		return c, aerr
	}
	if c.hasVideo, aerr = boolField(req.HasVideo, true); aerr != nil {
		return c, aerr
	}
	if c.layout, aerr = checkLayout(req.Layout); aerr != nil {
		return c, aerr
	}
	return c, nil
}

// checkComposable refuses a session that is not routed (409) or that no
// client is connected to (404, with the message ErrNoClients matches).
func (s *Server) checkComposable(ss *Session, what string) *apiError {
	if !ss.Routed() {
		return errf(http.StatusConflict, "Conflict. You are trying to %s a session that is not using the OpenTok Media Router.", what)
	}
	if len(s.st.sessionConnections(ss.ID)) == 0 {
		return errf(http.StatusNotFound, noClientsMessage)
	}
	return nil
}

// noClientsMessage is the platform's message for a session nobody is
// connected to (archives, broadcasts, migration).
const noClientsMessage = "Not found. No clients are actively connected to the OpenTok session."

// checkLayout validates an optional composed layout (archives and
// broadcasts) and returns it as the fake stores it; nil when absent.
func checkLayout(raw json.RawMessage) (*opentok.Layout, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var l opentok.Layout
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, errf(http.StatusBadRequest, "invalid layout")
	}
	if !l.Type.Valid() {
		return nil, errf(http.StatusBadRequest, "invalid layout type %q", string(l.Type))
	}
	if l.Type == opentok.LayoutCustom && l.Stylesheet == "" {
		return nil, errf(http.StatusBadRequest, "a custom layout needs a stylesheet")
	}
	if l.ScreenshareType != "" && (l.Type != opentok.LayoutBestFit || l.Stylesheet != "") {
		return nil, errf(http.StatusBadRequest, "screenshareType needs the bestFit layout type and no stylesheet")
	}
	return &l, nil
}

// setLayout is the layout change of a running archive or broadcast: body
// must hold a valid layout.
func setLayout(dst **opentok.Layout, body []byte) *apiError {
	l, aerr := checkLayout(body)
	if aerr != nil {
		return aerr
	}
	if l == nil {
		return errf(http.StatusBadRequest, "a layout is required")
	}
	*dst = l
	return nil
}
